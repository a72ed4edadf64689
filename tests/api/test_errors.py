"""Error mapping: store down → 503 + Retry-After, timeouts → 504, surprises → a generic 500."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import QueryTimeout, Row, StoreUnavailable
from chainscout.settings import Settings
from tests.api.conftest import Keys, auth, make_settings
from tests.api.graph import E


class BrokenStore:
    """A store whose reads fail with a chosen exception."""

    name = "broken"

    def __init__(self, error: Exception) -> None:
        self.model = graph_model()
        self.error = error

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        raise self.error

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise self.error

    def apply_schema(self) -> list[str]:
        return []

    def ping(self) -> None:
        if isinstance(self.error, StoreUnavailable):
            raise self.error

    def clear(self) -> None: ...

    def close(self) -> None: ...


def _client(keys: Keys, tmp_path: Path, error: Exception) -> TestClient:
    app = create_app(make_settings(keys, tmp_path), store=BrokenStore(error))
    return TestClient(app, headers=auth(keys.analyst), raise_server_exceptions=False)


def test_store_down_at_start_up_is_503_with_retry_after(keys: Keys, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys_file=keys.file, store="neo4j",
                        neo4j_password=None)
    with TestClient(create_app(settings), headers=auth(keys.analyst),
                    raise_server_exceptions=False) as client:
        response = client.get(f"/enterprises/{E[1]}")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "store_unavailable"
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["store_ok"] is False


def test_store_unavailable_while_running(keys: Keys, tmp_path: Path) -> None:
    with _client(keys, tmp_path, StoreUnavailable("connection refused")) as client:
        response = client.get(f"/enterprises/{E[1]}/peers/park")
        assert response.status_code == 503 and response.headers["retry-after"]
        assert "refused" not in response.text


def test_query_timeout_is_504(keys: Keys, tmp_path: Path) -> None:
    with _client(keys, tmp_path, QueryTimeout("took too long")) as client:
        response = client.post("/cypher", json={"query": "MATCH (n) RETURN n"})
        assert response.status_code == 504
        assert response.json()["error"]["code"] == "query_timeout"


def test_unexpected_errors_are_a_generic_500_logged_server_side(
    keys: Keys, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chainscout.api"), \
            _client(keys, tmp_path, RuntimeError("secret internals at /srv/x.py")) as client:
        response = client.get(f"/enterprises/{E[1]}")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "internal error"}}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any("secret internals" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_unknown_route_and_method(keys: Keys, tmp_path: Path) -> None:
    with _client(keys, tmp_path, RuntimeError("unused")) as client:
        missing = client.get("/no/such/route")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        wrong = client.delete("/cypher")
        assert wrong.status_code == 405
        assert wrong.json()["error"]["code"] == "method_not_allowed"
        bad_json = client.post("/cypher", content=b"{not json",
                               headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 422
        assert bad_json.json()["error"]["code"] == "validation_error"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(keys: Keys, tmp_path: Path, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """``chainscout serve`` on the embedded store in ``tmp_path``, with these settings more."""
    env = {**os.environ, "CHAINSCOUT_DATA_DIR": str(tmp_path / "data"),
           "CHAINSCOUT_API_KEYS_FILE": str(keys.file), "CHAINSCOUT_STORE": "falkordb", **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "chainscout.cli", "serve", "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_chainscout_serve_runs_on_the_embedded_store(keys: Keys, tmp_path: Path) -> None:
    port = _free_port()
    process = _serve(keys, tmp_path, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "chainscout serve did not come up"
            time.sleep(0.2)
        assert health.json()["store"] == "falkordb"
        me = httpx.get(f"http://127.0.0.1:{port}/me", headers=auth(keys.analyst), timeout=5)
        assert me.json()["role"] == "analyst"
        assert httpx.get(f"http://127.0.0.1:{port}/me", timeout=5).status_code == 401
        page = httpx.get(f"http://127.0.0.1:{port}/ui/", timeout=5)
        assert page.status_code == 200 and "app.js" in page.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    # the embedded store the app started is stopped with it
    assert not list((tmp_path / "data").rglob("*.sock"))


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.slow
def test_chainscout_serve_workers_each_take_connections(keys: Keys, tmp_path: Path) -> None:
    """Two workers with a socket each: connections opened together are spread over both (one
    shared socket gave them all to whichever worker woke first), and SIGTERM stops them all. The
    number comes from CHAINSCOUT_API_WORKERS, as the compose file sets it."""
    port = _free_port()
    process = _serve(keys, tmp_path, port, CHAINSCOUT_API_WORKERS="2")
    try:
        deadline = time.monotonic() + 90
        workers: list[int] = []
        while len(workers) < 2 or not _answers(port):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "chainscout serve --workers 2 did not come up"
            time.sleep(0.2)
            workers = [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children")
                       .read_text().split() if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]
        before = {pid: _cpu_ticks(pid) for pid in workers}
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth(keys.analyst))
                   for _ in range(16)]
        try:
            for _ in range(20):
                for client in clients:
                    assert client.get("/me").status_code == 200
        finally:
            for client in clients:
                client.close()
        assert all(_cpu_ticks(pid) > before[pid] for pid in workers)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert not list((tmp_path / "data").rglob("*.sock"))


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
