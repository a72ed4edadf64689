"""The supervisor's start wait: a server that answers LOADING (reading a large data set) is given
time; one that does not answer at all fails at ``start_timeout``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chainscout.servers.falkordb_server import EmbeddedFalkorDB, FalkorDBStartError


class _Alive:
    pid = 4242

    def poll(self) -> None:
        return None


def _server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, ready_after: float,
            loading: bool) -> EmbeddedFalkorDB:
    server = EmbeddedFalkorDB(tmp_path, start_timeout=0.2, load_timeout=5.0, monitor=False)
    ready_at = time.monotonic() + ready_after
    waiting = "loading" if loading else "down"
    monkeypatch.setattr(server, "_probe", lambda timeout=2.0: (
        "ready" if time.monotonic() >= ready_at else waiting))
    return server


def test_a_server_still_loading_its_data_is_waited_for(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server(tmp_path, monkeypatch, ready_after=1.0, loading=True)
    started = time.monotonic()
    server._wait_ready(_Alive())  # type: ignore[arg-type]
    assert 0.9 < time.monotonic() - started < 5.0


def test_a_server_that_never_answers_fails_at_the_start_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server(tmp_path, monkeypatch, ready_after=60.0, loading=False)
    monkeypatch.setattr(server, "_log_tail", lambda offset=None: "")
    started = time.monotonic()
    with pytest.raises(FalkorDBStartError, match="did not answer"):
        server._wait_ready(_Alive())  # type: ignore[arg-type]
    assert time.monotonic() - started < 2.0


def test_loading_is_bounded_by_the_load_timeout(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server(tmp_path, monkeypatch, ready_after=60.0, loading=True)
    server.load_timeout = 0.6
    monkeypatch.setattr(server, "_log_tail", lambda offset=None: "")
    started = time.monotonic()
    with pytest.raises(FalkorDBStartError):
        server._wait_ready(_Alive())  # type: ignore[arg-type]
    assert 0.5 < time.monotonic() - started < 3.0
