"""Faults during loads: the store's server is killed in the middle of a large load, comes back, the
load is run again, and the graph is exactly the one a clean load builds.

"Exactly" is checked with :func:`~tests.reliability.support.graph_digest`: node and relationship
counts per label and relationship type, no duplicate keys, and one SHA-256 over every node's key,
content hash, snapshot and source and every relationship's end keys, type, content hash, snapshot
and source.

* Neo4j: the project's own local server is SIGKILLed (whole process group) after the first N
  batches while the loader is writing; the load fails (its store gives up retrying quickly), the
  server restarts (crash recovery), and the rerun resumes from the loader's checkpoint.
* Embedded FalkorDB: its redis-server child is SIGKILLed during the ``GRAPH.BULK`` build of an
  empty graph (the load fails, the supervisor restarts the server, the rerun upserts onto what the
  append-only file kept) and during an upsert load (the store waits for the supervisor and carries
  on by itself; the rerun changes nothing).

CI size: 3,000 demo enterprises; ``CHAINSCOUT_RELIABILITY_FULL=1``: 20,000 (or
``CHAINSCOUT_RELIABILITY_ENTERPRISES``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from chainscout.graph.model import GraphModel
from chainscout.graph.stores.base import GraphStore, Row, StoreError
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.errors import LoadError
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, load_directory
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from tests.reliability.conftest import OwnNeo4j
from tests.reliability.support import (
    GraphDigest,
    env_int,
    graph_digest,
    record,
    sized,
    wait_until,
)

ENTERPRISES = env_int("CHAINSCOUT_RELIABILITY_ENTERPRISES", sized(3000, 20000))
BATCH = sized(500, 2000)
#: Batches written before the first kill: past the reference data (~13 batches), so the loader
#: has checkpointed some files and the rerun must resume; of ~105 (CI) or ~120 (full) in all.
KILL_AFTER = sized(30, 40)

pytestmark = pytest.mark.timeout(sized(1800, 7200))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chainscout.loaders.demo import generate

    out = tmp_path_factory.mktemp(f"demo{ENTERPRISES}")
    generate(out, ENTERPRISES, seed=23)
    return out


def load(store: GraphStore, directory: Path, rejects: Path, **options: Any) -> LoadSummary:
    return load_directory(store, directory, LoadOptions(
        progress=False, rejects=rejects, batch_size=BATCH, **options))


def checkpoint_of(rejects: Path) -> Path:
    return rejects.with_name(rejects.name + ".checkpoint.json")


class Tap:
    """A store that passes everything on and counts the write batches (and ``GRAPH.BULK``
    commands) that completed, so a thread can strike after the first N."""

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.name = inner.name
        self.model: GraphModel = inner.model
        self.done = 0
        self._changed = threading.Condition()

    def _tick(self) -> None:
        with self._changed:
            self.done += 1
            self._changed.notify_all()

    def wait_for(self, batches: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.done >= batches, timeout)

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        return self.inner.read(cypher, params, timeout_s=timeout_s)

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        rows = self.inner.write(cypher, params)
        self._tick()
        return rows

    def _command(self, *args: Any) -> Any:
        result = getattr(self.inner, "_command")(*args)  # noqa: B009 - FalkorDB only
        if args and args[0] == "GRAPH.BULK":
            self._tick()
        return result

    def apply_schema(self) -> list[str]:
        return self.inner.apply_schema()

    def ping(self) -> None:
        self.inner.ping()

    def clear(self) -> None:
        self.inner.clear()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # graph_name and the like
        return getattr(self.inner, name)


class Striker(threading.Thread):
    """Calls ``kill`` once the tapped store has written ``after`` batches, then again every
    ``every`` batches, ``times`` times in all."""

    def __init__(self, tap: Tap, kill: Callable[[], Any], after: int, *, times: int = 1,
                 every: int = 0, timeout: float = 1800) -> None:
        super().__init__(name="striker", daemon=True)
        self.tap, self.kill, self.after, self.times = tap, kill, after, times
        self.every, self.timeout = every, timeout
        self.kills: list[tuple[int, float]] = []  # (batches done, monotonic time)

    def run(self) -> None:
        target = self.after
        for _ in range(self.times):
            if not self.tap.wait_for(target, self.timeout):
                return
            self.kills.append((self.tap.done, time.monotonic()))
            self.kill()
            target = self.tap.done + self.every


def assert_same_graph(got: GraphDigest, expected: GraphDigest) -> None:
    assert got.duplicate_keys == {}, got.duplicate_keys
    assert dict(got.nodes) == dict(expected.nodes)
    assert dict(got.relationships) == dict(expected.relationships)
    assert (got.total_nodes, got.total_relationships) == (expected.total_nodes,
                                                          expected.total_relationships)
    assert got.sha256 == expected.sha256


# -- Neo4j ----------------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_neo4j_killed_mid_load_resumes_to_the_clean_graph(
        own_neo4j: OwnNeo4j, demo_dir: Path, tmp_path: Path) -> None:
    own_neo4j.ensure_up()
    store = own_neo4j.store()
    try:
        store.clear()
        started = time.monotonic()
        clean = load(store, demo_dir, tmp_path / "clean.rejects.csv")
        clean_s = time.monotonic() - started
        assert clean.reconciles
        expected = graph_digest(store)
        assert expected.duplicate_keys == {}
        store.clear()

        # The crashing run's store gives up retrying after ~1 s a batch (the default rides out
        # 15 s outages), so the load fails soon after the kill instead of waiting for the restart.
        fragile = own_neo4j.store(write_retry_s=1.0, read_retry_s=1.0)
        tap = Tap(fragile)
        striker = Striker(tap, own_neo4j.server.kill, KILL_AFTER)
        rejects = tmp_path / "crash.rejects.csv"
        striker.start()
        started = time.monotonic()
        with pytest.raises((StoreError, LoadError)):
            load(tap, demo_dir, rejects)
        failed_after_s = time.monotonic() - striker.kills[0][1] if striker.kills else None
        striker.join(timeout=60)
        fragile.close()
        assert striker.kills, "the load finished before the server was killed"
        assert checkpoint_of(rejects).exists(), "killed before the first checkpoint"

        restart_s = own_neo4j.ensure_up()
        started = time.monotonic()
        resumed = load(store, demo_dir, rejects)
        resumed_s = time.monotonic() - started
        assert resumed.resumed and resumed.reconciles
        assert not checkpoint_of(rejects).exists()
        got = graph_digest(store)
        assert_same_graph(got, expected)
        assert [(f.file, f.loaded, f.rejected) for f in resumed.files] == [
            (f.file, f.loaded, f.rejected) for f in clean.files]
        record("test_neo4j_killed_mid_load_resumes_to_the_clean_graph",
               enterprises=ENTERPRISES, rows=clean.read, batches_before_kill=striker.kills[0][0],
               clean_load_s=round(clean_s, 1), load_failed_after_kill_s=round(failed_after_s or 0, 1),
               restart_s=round(restart_s, 1), resumed_load_s=round(resumed_s, 1),
               **got.summary())
    finally:
        own_neo4j.ensure_up()
        store.close()


# -- embedded FalkorDB ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_falkordb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    """A server of this module's own: the tests SIGKILL it, which must not disturb the session's."""
    server = EmbeddedFalkorDB(tmp_path_factory.mktemp("falkordb-faults"), monitor_interval=0.2)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def clean_digest(own_falkordb: EmbeddedFalkorDB, demo_dir: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> GraphDigest:
    store = FalkorDBStore(own_falkordb.connect(), "clean", supervisor=own_falkordb)
    summary = load(store, demo_dir, tmp_path_factory.mktemp("clean") / "rejects.csv")
    assert summary.reconciles
    return graph_digest(store)


def fresh_graph(server: EmbeddedFalkorDB, name: str) -> FalkorDBStore:
    store = FalkorDBStore(server.connect(), name, supervisor=server)
    store.clear()
    return store


@pytest.mark.falkordb
def test_embedded_killed_mid_bulk_build_rerun_gives_the_clean_graph(
        own_falkordb: EmbeddedFalkorDB, clean_digest: GraphDigest, demo_dir: Path,
        tmp_path: Path) -> None:
    store = fresh_graph(own_falkordb, "bulk_crash")
    tap = Tap(store)
    striker = Striker(tap, own_falkordb.kill, 2)
    rejects = tmp_path / "rejects.csv"
    striker.start()
    with pytest.raises((LoadError, StoreError)):
        load(tap, demo_dir, rejects)  # GRAPH.BULK is not retried: the build fails
    striker.join(timeout=60)
    assert striker.kills, "the bulk build finished before the server was killed"
    assert wait_until(own_falkordb.is_running, timeout=60)  # the monitor restarted it

    kept = int(store.read("MATCH (n) RETURN count(n) AS n")[0]["n"])
    started = time.monotonic()
    rerun = load(store, demo_dir, rejects)
    rerun_s = time.monotonic() - started
    assert rerun.reconciles
    got = graph_digest(store)
    assert_same_graph(got, clean_digest)
    record("test_embedded_killed_mid_bulk_build_rerun_gives_the_clean_graph",
           enterprises=ENTERPRISES, rows=rerun.read, bulk_commands_before_kill=striker.kills[0][0],
           nodes_kept_after_restart=kept, restart_s=round(own_falkordb.last_start_seconds or 0, 2),
           rerun_s=round(rerun_s, 1), rerun_changes=rerun.changes, **got.summary())


@pytest.mark.falkordb
def test_embedded_killed_during_upserts_carries_on_and_rerun_changes_nothing(
        own_falkordb: EmbeddedFalkorDB, clean_digest: GraphDigest, demo_dir: Path,
        tmp_path: Path) -> None:
    store = fresh_graph(own_falkordb, "upsert_crash")
    tap = Tap(store)
    kills = sized(1, 3)  # the supervisor allows 5 restarts a minute
    striker = Striker(tap, own_falkordb.kill, KILL_AFTER, times=kills, every=KILL_AFTER)
    rejects = tmp_path / "rejects.csv"
    striker.start()
    started = time.monotonic()
    try:
        first: LoadSummary | None = load(tap, demo_dir, rejects, bulk_when_empty=False)
    except (LoadError, StoreError):
        first = None  # allowed, but the store is meant to ride out a restart by itself
    first_s = time.monotonic() - started
    striker.join(timeout=60)
    assert len(striker.kills) == kills, "the load finished before every kill"
    assert first is not None and first.reconciles, "the load did not survive the restarts"

    rerun = load(store, demo_dir, rejects)
    assert rerun.reconciles and rerun.changes == 0
    got = graph_digest(store)
    assert_same_graph(got, clean_digest)
    record("test_embedded_killed_during_upserts_carries_on_and_rerun_changes_nothing",
           enterprises=ENTERPRISES, rows=first.read, kills=len(striker.kills),
           batches_at_kills=[k[0] for k in striker.kills], load_with_kills_s=round(first_s, 1),
           rerun_changes=rerun.changes, **got.summary())
