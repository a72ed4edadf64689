"""The local Neo4j server manager against a real Neo4j 5.26 JVM.

One server per module, in a temporary home on free ports (never 7687/7474, so a developer's own
server or the session-wide test server keeps running). The tests share it and run in file order,
but each one starts (or reattaches to) the server itself, so any one of them can run alone.
The jar cache is the normal one (~/.cache/chainscout/neo4j): only the very first run downloads.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from chainscout.servers.neo4j_local import (
    DEV_PASSWORD,
    Neo4jLocal,
    Neo4jLocalConfig,
    Neo4jLocalError,
    ensure_runtime,
)
from chainscout.servers.processes import pid_alive

pytestmark = [pytest.mark.neo4j, pytest.mark.timeout(900)]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pick_port(preferred: int) -> int:
    """The brief's suggested port when free, otherwise any free one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return _free_port()
    return preferred


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Neo4jLocalConfig:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        reason = f"local Neo4j needs {', '.join(missing)} on PATH"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return Neo4jLocalConfig(
        home=tmp_path_factory.mktemp("neo4j-home"),
        bolt_port=_pick_port(17687),
        http_port=_pick_port(17474),
        password="test-password-1",
        heap_initial="512m",
        heap_max="1g",
        pagecache="256m",
        # C1-only JIT halves start-up on a busy 2-core machine; these tests measure no speed.
        jvm_options=("-XX:TieredStopAtLevel=1",),
        # Without this each database preallocates a 256 MiB transaction log in the temp dir.
        extra_conf={"db.tx_log.preallocate": "false"},
        stop_with_parent=True,
    )


@pytest.fixture(scope="module")
def server(config: Neo4jLocalConfig) -> Iterator[Neo4jLocal]:
    srv = Neo4jLocal(config)
    try:
        yield srv
    finally:
        srv.stop(timeout=60)


def _scalar(server: Neo4jLocal, query: str) -> object:
    with server.driver() as drv:
        records, _, _ = drv.execute_query(query)
    return records[0][0]


def test_config_is_loopback_with_auth_and_validates_password(tmp_path: Path) -> None:
    cfg = Neo4jLocalConfig(home=tmp_path, bolt_port=1, http_port=2, password="long-enough")
    assert cfg.bolt_uri == "bolt://127.0.0.1:1"
    assert cfg.browser_url == "http://127.0.0.1:2/browser/"
    assert not cfg.uses_dev_password
    with pytest.raises(Neo4jLocalError):
        Neo4jLocalConfig(home=tmp_path, password="short")
    assert len(DEV_PASSWORD) >= 8


def test_start_serves_bolt_http_browser_and_apoc(server: Neo4jLocal) -> None:
    status = server.start()
    assert status.ready and status.pid is not None
    assert _scalar(server, "RETURN 1") == 1

    conf = (server.conf_dir / "neo4j.conf").read_text()
    assert f"server.bolt.listen_address=127.0.0.1:{server.config.bolt_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf

    runtime = server.install()
    if runtime.browser_version:
        with urllib.request.urlopen(server.config.browser_url, timeout=10) as resp:
            assert resp.status == 200
            assert "Neo4j Browser" in resp.read().decode("utf-8", errors="replace")
    if runtime.apoc_version:
        assert _scalar(server, "RETURN apoc.text.join(['a', 'b'], '-')") == "a-b"


def test_runtime_cache_needs_no_maven(server: Neo4jLocal) -> None:
    cfg = server.config
    first = server.install()
    again = ensure_runtime(
        cfg.cache_dir, cfg.neo4j_version, cfg.browser_version, cfg.apoc_version, mvn="no-such-mvn"
    )
    assert again == first
    assert any(first.lib_dir.glob(f"neo4j-{cfg.neo4j_version}.jar"))


def test_second_handle_reattaches(server: Neo4jLocal) -> None:
    first = server.start()
    again = Neo4jLocal(server.config).start(timeout=30)
    assert again.reattached
    assert again.pid == first.pid


def test_wrong_password_is_a_clear_error(server: Neo4jLocal) -> None:
    server.start()
    intruder = Neo4jLocal(replace(server.config, password="not-the-password"))
    with pytest.raises(Neo4jLocalError, match="rejected the password"):
        intruder.start(timeout=30)
    assert server.status().ready  # the failed reattach must not have stopped the server


def test_ports_in_use_are_refused_before_launching(server: Neo4jLocal, tmp_path: Path) -> None:
    server.start()
    squatter = Neo4jLocal(replace(server.config, home=tmp_path / "other-home"))
    with pytest.raises(Neo4jLocalError, match="already in use"):
        squatter.start(timeout=30)
    assert not squatter.is_running()


def test_data_survives_clean_stop_and_restart(server: Neo4jLocal) -> None:
    server.start()
    with server.driver() as drv:
        drv.execute_query("MERGE (:Probe {key: 'clean-restart'})")
    assert server.stop() == "stopped"
    assert not server.status().running
    assert not server.pid_file.exists()
    assert server.stop() == "not-running"

    server.start()
    assert _scalar(server, "MATCH (p:Probe {key: 'clean-restart'}) RETURN count(p)") == 1


def test_kill_then_restart_recovers(server: Neo4jLocal) -> None:
    server.start()
    with server.driver() as drv:
        drv.execute_query("MERGE (:Probe {key: 'before-kill'})")
    assert server.kill()
    assert not server.is_running()

    server.start()
    assert _scalar(server, "MATCH (p:Probe {key: 'before-kill'}) RETURN count(p)") == 1


def test_bulk_import(server: Neo4jLocal, tmp_path: Path) -> None:
    companies = tmp_path / "companies.csv"
    companies.write_text(
        "id:ID(Company),name,capital:float,:LABEL\nc1,Acme,1.5,Company\nc2,Globex,2.0,Company;Supplier\n"
    )
    park_header = tmp_path / "parks_header.csv"
    park_header.write_text("id:ID(Park),name\n")
    park_data = tmp_path / "parks.csv"
    park_data.write_text("p1,Zhangjiang\n")
    supplies = tmp_path / "supplies.csv"
    supplies.write_text(":START_ID(Company),:END_ID(Company),:TYPE,share:float\nc2,c1,SUPPLIES,0.3\n")
    located = tmp_path / "located.csv"
    located.write_text(":START_ID(Company),:END_ID(Park)\nc1,p1\n")

    server.start()
    with pytest.raises(Neo4jLocalError, match="stop the server"):
        server.bulk_import([companies])
    server.stop()

    output = server.bulk_import(
        [companies, f"Park={park_header},{park_data}"],
        [supplies, f"LOCATED_IN={located}"],
    )
    assert "IMPORT DONE" in output

    server.start()
    assert _scalar(server, "MATCH (n) RETURN count(n)") == 3  # overwrite dropped the probes
    assert _scalar(server, "MATCH (:Supplier)-[r:SUPPLIES]->(:Company) RETURN r.share") == 0.3
    assert _scalar(server, "MATCH (:Company {name: 'Acme'})-[:LOCATED_IN]->(p:Park) RETURN p.name") == (
        "Zhangjiang"
    )


def test_server_tied_to_its_starter_stops_when_the_starter_is_killed(
    config: Neo4jLocalConfig, tmp_path: Path
) -> None:
    """A test or benchmark run that is SIGKILLed must not leave a JVM behind."""
    tied = replace(config, home=tmp_path / "tied", bolt_port=_free_port(), http_port=_free_port(),
                   stop_with_parent=True)
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig
        cfg = Neo4jLocalConfig(home=Path({str(tied.home)!r}), cache_dir=Path({str(tied.cache_dir)!r}),
                               bolt_port={tied.bolt_port}, http_port={tied.http_port},
                               password={tied.password!r}, heap_initial="256m", heap_max="512m",
                               pagecache="64m", jvm_options=("-XX:TieredStopAtLevel=1",),
                               extra_conf={{"db.tx_log.preallocate": "false"}},
                               stop_with_parent=True)
        print(Neo4jLocal(cfg).start(timeout=300).pid, flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    try:
        assert child.stdout is not None
        jvm = int(child.stdout.readline())
        assert pid_alive(jvm)
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 120
    while pid_alive(jvm) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pid_alive(jvm), "the JVM outlived the process that started it"
    assert "Stopped." in (tied.home / "logs" / "console.log").read_text()
