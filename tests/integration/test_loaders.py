"""Loading on both stores: idempotent, every rejection reported, prune, resume, open standards."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

import chainscout.loaders.pipeline as pipeline
from chainscout.graph.stores.base import GraphStore
from chainscout.loaders.errors import LoadError
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, load_directory
from chainscout.loaders.rejects import read_rejects

REPO = Path(__file__).resolve().parents[2]
STANDARDS = REPO / "tests" / "data" / "standards"

V = ["91310110K8PBRNYTPG", "91310111LXG0TEQY7C", "91310112L1W53BFU7A", "91310113CH3J70P6DF",
     "9131011485XUQC5QRU", "9131011524KKE440U2", "9131011606Q6Y5U59E", "91310117AY6HWML65X",
     "91310118YYN6YYWC9N", "913101190BD5X482AJ", "913101109TKJ0KMNAN", "9131011129BT9FNA58",
     "91310112FFN518Y0YL", "91310113PBUC0HRDB6"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chainscout.loaders.demo import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, 2000, seed=11)
    return out


def load(store: GraphStore | None, directory: Path, tmp: Path, **kw: Any) -> LoadSummary:
    options = LoadOptions(progress=False, rejects=tmp / "rejects.csv", **kw)
    return load_directory(store, directory, options)


def counts(store: GraphStore) -> tuple[int, int]:
    nodes = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    rels = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return int(nodes), int(rels)


def created(summary: LoadSummary) -> tuple[int, int]:
    nodes = sum(s.created for name, s in summary.targets.items() if "->" not in name)
    rels = sum(s.created for name, s in summary.targets.items() if "->" in name)
    return nodes, rels


def test_demo_data_loads_once_and_the_second_load_changes_nothing(
        store: GraphStore, demo_dir: Path, tmp_path: Path) -> None:
    first = load(store, demo_dir, tmp_path)
    assert first.reconciles and first.loaded > 0
    assert first.changes > 0
    assert counts(store) == created(first)
    again = load(store, demo_dir, tmp_path)
    assert again.reconciles
    assert again.changes == 0, {k: v for k, v in again.targets.items() if v.created or v.updated}
    assert all(s.restamped == 0 for s in again.targets.values())
    assert counts(store) == created(first)
    assert [(f.file, f.loaded) for f in again.files] == [(f.file, f.loaded) for f in first.files]


@pytest.mark.falkordb
def test_csv_parquet_and_jsonl_of_the_same_data_load_the_same_graph(
        falkordb_store: GraphStore, tmp_path_factory: pytest.TempPathFactory,
        tmp_path: Path) -> None:
    from chainscout.loaders.demo import generate

    dirs = {}
    for fmt in ("csv", "parquet", "jsonl"):
        dirs[fmt] = tmp_path_factory.mktemp(f"demo_{fmt}")
        generate(dirs[fmt], 400, seed=3, fmt=fmt)
    first = load(falkordb_store, dirs["csv"], tmp_path, snapshot="s1", source="demo")
    assert first.changes > 0
    for fmt in ("parquet", "jsonl"):
        again = load(falkordb_store, dirs[fmt], tmp_path, snapshot="s1", source="demo")
        assert again.reconciles
        assert [(f.kind, f.read, f.loaded) for f in again.files] == [
            (f.kind, f.read, f.loaded) for f in first.files]
        assert again.changes == 0, fmt
        assert all(t.restamped == 0 for t in again.targets.values())


def _write(directory: Path, name: str, lines: list[str]) -> None:
    (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_corrupted_rows_of_every_kind_go_to_the_rejects_file(store: GraphStore,
                                                              tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    ok = "active,500,2015-06-18,3973,310115,31.2,121.5,high_tech"
    _write(data, "enterprises.csv", [
        "uscc,name,status,registered_capital,established,industry_code,district_code,lat,lng,tags",
        f"{V[0]},好企业,{ok}",                                                   # 1 ok
        f"{V[1][:-1]}X,校验错,{ok}",                                             # 2 check char
        f"9131011,太短,{ok}",                                                    # 3 length
        f"{V[2]},,{ok}",                                                         # 4 name empty
        f"{V[3]},未知行业,active,100,2015-01-01,9999,310115,,,",                  # 5 GB/T unknown
        f"{V[4]},大类行业,active,100,2015-01-01,35,310115,,,",                    # 6 GB/T division
        f"{V[5]},境外坐标,active,100,2015-01-01,3973,310115,48.85,2.35,",         # 7 outside China
        f"{V[6]},只有纬度,active,100,2015-01-01,3973,310115,31.2,,",              # 8 lat w/o lng
        f"{V[7]},坏日期,active,100,2021-02-30,3973,310115,,,",                    # 9 date
        f"{V[8]},坏状态,open,100,2015-01-01,3973,310115,,,",                      # 10 vocabulary
        f"{V[9]},坏金额,active,abc,2015-01-01,3973,310115,,,",                    # 11 not a number
        f"{V[10]},负金额,active,-5,2015-01-01,3973,310115,,,",                    # 12 negative
        f"{V[0]},重复,{ok}",                                                     # 13 duplicate
        "x,y",                                                                   # 14 malformed
        f"{V[11]},坏标签,active,100,2015-01-01,3973,310115,,,moon",               # 15 tag
        f"{V[12]},坏区划,active,100,2015-01-01,3973,3101,,,",                     # 16 district
        f"{V[13]},外币,active,3万欧元,2015-01-01,3973,310115,,,",                  # 17 currency
        f"{V[2][:-1]}A,好企业二,{ok}".replace(V[2][:-1] + "A", "91310000132200821H"),  # 18 ok
    ])
    _write(data, "persons.csv", ["person_id,name", "P1,张三", "P2,李四"])
    _write(data, "shareholdings.csv", [
        "holder_type,holder_id,held_uscc,percentage",
        f"person,P1,{V[0]},60",                       # 1 ok
        f"person,P2,{V[0]},30",                       # 2 ok
        f"person,P404,{V[0]},5",                      # 3 unknown person
        f"person,P1,{V[1][:-1]}X,10",                 # 4 bad check character
        f"person,P1,{V[3]},10",                       # 5 enterprise was rejected
        f"person,P1,{V[1]},10",                       # 6 unknown enterprise
        f"person,P2,{V[0]},150",                      # 7 percentage > 100
        f"enterprise,{V[0]},91310000132200821H,70",   # 8 total 110 %
        "person,P2,91310000132200821H,40",            # 9 total 110 %
    ])
    _write(data, "events.csv", [
        "event_id,type,date,uscc",
        f"EV1,government_bid_won,2024-01-02,{V[0]}",  # 1 ok
        f"EV2,alien_landing,2024-01-02,{V[0]}",       # 2 unknown event type
        f"EV3,government_bid_won,,{V[0]}",            # 3 date required
    ])
    summary = load(store, data, tmp_path)
    by_file = {f.file: (f.read, f.loaded, f.rejected) for f in summary.files}
    assert by_file == {"enterprises.csv": (18, 2, 16), "persons.csv": (2, 2, 0),
                       "shareholdings.csv": (9, 2, 7), "events.csv": (3, 1, 2)}
    assert summary.reconciles and summary.read == summary.loaded + summary.rejected

    rows = read_rejects(tmp_path / "rejects.csv")
    got = sorted((r["source_file"], int(r["row_number"]), r["field"], r["reason"]) for r in rows)
    expected = sorted([
        ("enterprises.csv", 2, "uscc", "check character is 'X' but should be 'C'"),
        ("enterprises.csv", 3, "uscc",
         "a unified social credit code has 18 characters, this has 7"),
        ("enterprises.csv", 4, "name", "required field is empty"),
        ("enterprises.csv", 5, "industry_code", "unknown GB/T 4754-2017 class '9999'"),
        ("enterprises.csv", 6, "industry_code",
         "'35' is the GB/T 4754-2017 division 35 专用设备制造业, not a 4-digit class"),
        ("enterprises.csv", 7, "lng", "2.35 is outside China's longitudes (73.4–135.1)"),
        ("enterprises.csv", 8, "lng", "lat is given without lng"),
        ("enterprises.csv", 9, "established", "'2021-02-30' is not a date (expected YYYY-MM-DD)"),
        ("enterprises.csv", 10, "status",
         "'open' is not one of active, revoked, cancelled, moved, liquidating"),
        ("enterprises.csv", 11, "registered_capital",
         "'abc' is not an amount (e.g. 500, 500万元, 1.2亿元)"),
        ("enterprises.csv", 12, "registered_capital", "-5.0 is negative"),
        ("enterprises.csv", 13, "uscc", "duplicate of row 1: the first one is loaded"),
        ("enterprises.csv", 14, "(row)", "the row has 2 fields but the header has 10"),
        ("enterprises.csv", 15, "tags",
         "'moon' is not one of listed, high_tech, state_owned, foreign, top100, green, "
         "specialized"),
        ("enterprises.csv", 16, "district_code",
         "'3101' is not a 6-digit administrative division code"),
        ("enterprises.csv", 17, "registered_capital",
         "unknown currency '欧元' in '3万欧元': add its CNY rate under 'currencies' in a "
         "mapping file"),
        ("shareholdings.csv", 3, "holder_id",
         "unknown Person 'P404': not in this load or in the store"),
        ("shareholdings.csv", 4, "held_uscc", "check character is 'X' but should be 'C'"),
        ("shareholdings.csv", 5, "held_uscc",
         f"Enterprise {V[3]} was rejected (enterprises.csv row 5), so this row cannot be "
         "loaded"),
        ("shareholdings.csv", 6, "held_uscc",
         f"unknown Enterprise '{V[1]}': not in this load or in the store"),
        ("shareholdings.csv", 7, "percentage", "150.0 is outside 0–100"),
        ("shareholdings.csv", 8, "percentage",
         "holdings of 91310000132200821H add up to 110.00% in 2 rows (more than 100%); all of "
         "them are rejected"),
        ("shareholdings.csv", 9, "percentage",
         "holdings of 91310000132200821H add up to 110.00% in 2 rows (more than 100%); all of "
         "them are rejected"),
        ("events.csv", 2, "type", "unknown event type 'alien_landing' (see event_types.yaml)"),
        ("events.csv", 3, "date", "required field is empty"),
    ])
    assert got == expected
    assert {r["kind"] for r in rows} == {"enterprises", "shareholdings", "events"}
    loaded = store.read("MATCH (e:Enterprise) RETURN e.uscc AS u ORDER BY u")
    assert [r["u"] for r in loaded] == sorted([V[0], "91310000132200821H"])
    holders = store.read("MATCH (p:Person)-[h:HOLDS_SHARES]->(e:Enterprise) "
                         "RETURN p.person_id AS p, h.percentage AS pct ORDER BY p")
    assert holders == [{"p": "P1", "pct": 60.0}, {"p": "P2", "pct": 30.0}]


def test_newer_snapshot_updates_changed_rows_and_prune_removes_vanished_ones(
        store: GraphStore, tmp_path: Path) -> None:
    data = tmp_path / "crm"
    data.mkdir()
    header = "uscc,name,registered_capital"
    _write(data, "enterprises.csv", [header, f"{V[0]},甲,100", f"{V[1]},乙,200",
                                     f"{V[2]},丙,300"])
    _write(data, "parks.csv", ["park_id,name", "PK1,张江"])
    _write(data, "park_members.csv", ["uscc,park_id", f"{V[0]},PK1", f"{V[1]},PK1"])
    first = load(store, data, tmp_path, reference=False)
    assert first.targets["Enterprise"].created == 3
    # (a build of an empty graph brings the reference data along, named 'reference')
    names = {r["n"] for r in store.read("MATCH (s:LoadSource) RETURN s.name AS n")}
    assert names - {"reference"} == {"crm:enterprises", "crm:parks", "crm:park_members"}

    _write(data, "enterprises.csv", [header, f"{V[0]},甲,150", f"{V[2]},丙,300"])
    _write(data, "park_members.csv", ["uscc,park_id", f"{V[0]},PK1"])
    second = load(store, data, tmp_path, reference=False, prune=True)
    ent = second.targets["Enterprise"]
    assert (ent.created, ent.updated, ent.restamped, ent.deleted) == (0, 1, 1, 1)
    assert second.targets["Enterprise-LOCATED_IN->Park"].deleted == 0  # went with its node
    assert second.targets["Park"].restamped == 1
    rows = store.read("MATCH (e:Enterprise) RETURN e.uscc AS u, e.registered_capital AS c "
                      "ORDER BY u")
    assert rows == [{"u": V[0], "c": 150.0}, {"u": V[2], "c": 300.0}]
    assert store.read("MATCH ()-[r:LOCATED_IN]->() RETURN count(r) AS n") == [{"n": 1}]
    # The integer tags on every item name their source and snapshot through its LoadSource node.
    assert second.snapshot != first.snapshot
    assert store.read("MATCH (e:Enterprise) MATCH (s:LoadSource) WHERE s.tag = e._source "
                      "RETURN e.uscc AS u, s.name AS name, s.snapshot AS snapshot, "
                      "s.snapshot_tag = e._snapshot AS current ORDER BY u") == [
        {"u": u, "name": "crm:enterprises", "snapshot": second.snapshot, "current": True}
        for u in (V[0], V[2])]
    third = load(store, data, tmp_path, reference=False, prune=True)
    assert third.changes == 0


class CrashingStore:
    """A store that dies after some upsert batches, like a process killed mid-load."""

    def __init__(self, inner: GraphStore, fail_after: int) -> None:
        self.inner = inner
        self.fail_after = fail_after
        self.batches = 0
        self.name = inner.name
        self.model = inner.model

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        if "UNWIND $rows" in cypher:
            self._count()
        return self.inner.write(cypher, params)

    def _command(self, *args: Any) -> Any:
        if args[0] == "GRAPH.BULK":
            self._count()
        return getattr(self.inner, "_command")(*args)  # noqa: B009 - FalkorDB only

    def _count(self) -> None:
        self.batches += 1
        if self.batches > self.fail_after:
            raise RuntimeError("simulated crash")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_crashed_load_resumes_without_duplicates(store: GraphStore, demo_dir: Path,
                                                    tmp_path: Path) -> None:
    crashing = CrashingStore(store, fail_after=12)
    with pytest.raises(RuntimeError, match="simulated crash"):
        load(crashing, demo_dir, tmp_path, batch_size=1000,
             bulk_when_empty=False)
    checkpoint = tmp_path / "rejects.csv.checkpoint.json"
    assert checkpoint.exists()
    counting = CrashingStore(store, fail_after=10**9)
    resumed = load(counting, demo_dir, tmp_path, batch_size=1000)
    assert resumed.resumed and resumed.reconciles
    assert not checkpoint.exists()
    nodes, rels = counts(store)
    distinct = store.read("MATCH (e:Enterprise) RETURN count(DISTINCT e.uscc) AS d, "
                          "count(e) AS n")[0]
    assert distinct["d"] == distinct["n"]

    clean = CrashingStore(store, fail_after=10**9)
    store.clear()
    full = load(clean, demo_dir, tmp_path, batch_size=1000,
                bulk_when_empty=False)
    assert counts(store) == (nodes, rels) == created(full)
    assert counting.batches < clean.batches  # the resumed run skipped what was written


@pytest.mark.falkordb
def test_bulk_build_of_an_empty_graph_equals_the_upserts(
        falkordb_server: Any, demo_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process and with the officers sent by a forked second loader: the same graph."""
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    forks: list[object] = []
    start = pipeline.SecondProcess.__init__

    def counted(self: Any, *args: Any) -> None:
        forks.append(self)
        start(self, *args)

    monkeypatch.setattr(pipeline.SecondProcess, "__init__", counted)
    bulk = FalkorDBStore(falkordb_server.connect(), "bulk_vs_upsert_a")
    single = FalkorDBStore(falkordb_server.connect(), "bulk_vs_upsert_c")
    upsert = FalkorDBStore(falkordb_server.connect(), "bulk_vs_upsert_b")
    try:
        built = load(bulk, demo_dir, tmp_path, processes=2)
        assert len(forks) == 1
        alone = load(single, demo_dir, tmp_path, processes=1)
        assert len(forks) == 1
        merged = load(upsert, demo_dir, tmp_path, bulk_when_empty=False)
        for summary in (built, alone):
            assert {k: (v.sent, v.created) for k, v in summary.targets.items()} == {
                k: (v.sent, v.created) for k, v in merged.targets.items()}
            assert [(f.file, f.read, f.loaded, f.rejected) for f in summary.files] == [
                (f.file, f.read, f.loaded, f.rejected) for f in merged.files]
        assert _dump(bulk) == _dump(upsert) == _dump(single)
        assert _indexes(bulk) == _indexes(upsert)
        assert load(bulk, demo_dir, tmp_path).changes == 0

        crashing = CrashingStore(FalkorDBStore(falkordb_server.connect(), "bulk_crash"),
                                 fail_after=6)
        with pytest.raises(RuntimeError, match="simulated crash"):
            load(crashing, demo_dir, tmp_path)
        crashing.fail_after = 10**9
        resumed = load(crashing, demo_dir, tmp_path)
        assert resumed.reconciles
        assert _dump(crashing.inner) == _dump(upsert)
    finally:
        for store in (bulk, single, upsert):
            store._graph.delete()


@pytest.mark.falkordb
def test_a_failed_send_of_the_second_bulk_loader_fails_the_build(
        falkordb_server: Any, demo_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked loader's GRAPH.BULK error stops the load with its message; the half-built graph
    is not empty, so the next load upserts and completes it."""
    from chainscout.graph.stores.falkordb_store import FalkorDBStore
    from chainscout.loaders import falkordb_bulk

    parent = os.getpid()
    send = falkordb_bulk.FalkorBulkSink._command

    def failing(self: Any, args: list[Any], stats: Any, count: int) -> None:
        if os.getpid() != parent:
            raise LoadError(None, "bulk build of graph 'x' failed: out of memory")
        send(self, args, stats, count)

    monkeypatch.setattr(falkordb_bulk.FalkorBulkSink, "_command", failing)
    store = FalkorDBStore(falkordb_server.connect(), "bulk_part_fails")
    try:
        with pytest.raises(LoadError, match="out of memory"):
            load(store, demo_dir, tmp_path, processes=2)
        monkeypatch.undo()
        assert not store.read("MATCH (:Person)-[r:OFFICER_OF]->() RETURN r LIMIT 1")
        again = load(store, demo_dir, tmp_path)
        assert again.reconciles and again.targets["Person-OFFICER_OF->Enterprise"].created > 0
    finally:
        store._graph.delete()


@pytest.mark.falkordb
def test_the_second_bulk_loader_waits_for_the_nodes_still_queued_at_the_fork(
        falkordb_server: Any, demo_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork does not wait for the first loader's queue; the child's edges must still reach the
    server after every node they name (sent earlier on the first loader's connection)."""
    from chainscout.graph.stores.falkordb_store import FalkorDBStore
    from chainscout.loaders import falkordb_bulk

    parent = os.getpid()
    send = falkordb_bulk.FalkorBulkSink._command
    forking = falkordb_bulk.FalkorBulkSink.forking
    queued_at_fork: list[int] = []
    log = tmp_path / "commands.log"  # both processes append: "who label start end"

    def slow(self: Any, args: list[Any], stats: Any, count: int) -> None:
        nodes = args[-5]  # [BEGIN,] nodes, edges, labels, types, blob (label or type first)
        label = bytes(args[-1]).split(b"\0", 1)[0].decode() if nodes else "-"
        first = os.getpid() == parent
        if first and nodes:
            time.sleep(0.2)  # a slow server: node batches pile up in the first loader's queue
        start = time.monotonic()
        send(self, args, stats, count)
        with log.open("a") as out:
            out.write(f"{'first' if first else 'second'} {label} {start} {time.monotonic()}\n")

    @contextlib.contextmanager
    def counted(self: Any) -> Iterator[None]:
        with forking(self):
            queued_at_fork.append(self._sender._queue.qsize())
            yield

    monkeypatch.setattr(falkordb_bulk.FalkorBulkSink, "_command", slow)
    monkeypatch.setattr(falkordb_bulk.FalkorBulkSink, "forking", counted)
    bulk = FalkorDBStore(falkordb_server.connect(), "bulk_fork_early")
    upsert = FalkorDBStore(falkordb_server.connect(), "bulk_fork_early_upsert")
    try:
        built = load(bulk, demo_dir, tmp_path, processes=2)
        assert queued_at_fork and queued_at_fork[0] >= 2  # nodes still unsent when it forked
        commands = [line.split() for line in log.read_text().splitlines()]
        # the nodes the officers name (parks or events may be sent after the fork)
        last_node = max(float(end) for who, label, _, end in commands
                        if who == "first" and label in ("Person", "Enterprise"))
        # (the wait is inside the command: its start is logged before it, its end after)
        first_edge = min(float(end) for who, _, _, end in commands if who == "second")
        assert first_edge > last_node
        monkeypatch.undo()
        merged = load(upsert, demo_dir, tmp_path, bulk_when_empty=False)
        assert built.reconciles and merged.reconciles
        assert _dump(bulk) == _dump(upsert)
    finally:
        for store in (bulk, upsert):
            store._graph.delete()


def test_loads_pause_background_saves_and_restore_the_rules(
        falkordb_server: Any, demo_dir: Path, tmp_path: Path) -> None:
    """Every write lands in the append-only file; rewriting it at every 25 % of growth would dump
    the growing graph over and over during a load, and a rewrite that starts while a long
    statement runs can abort the server. Bulk builds, upserts and the derive all run paused."""
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    rule = "auto-aof-rewrite-percentage"

    class Watched(FalkorDBStore):
        seen: ClassVar[dict[str, set[tuple[str, str]]]] = {}

        def _execute(self, args: list[Any], busy_wait: float = 60.0) -> Any:
            if args[0] in ("GRAPH.BULK", "GRAPH.QUERY"):
                aof = str(super()._execute(["CONFIG", "GET", rule])[1])
                save = str(super()._execute(["CONFIG", "GET", "save"])[1])
                self.seen.setdefault(str(args[0]), set()).add((aof, save))
            return super()._execute(args, busy_wait)

    def current() -> tuple[str, str]:
        config = falkordb_server.redis_client().config_get("*")
        return str(config[rule]), str(config["save"])

    before = current()
    assert before[0] != "0" and before[1] != ""
    stores = [Watched(falkordb_server.connect(), name)
              for name in ("aof_bulk", "aof_upsert", "aof_failing")]
    try:
        Watched.seen.clear()
        built = load(stores[0], demo_dir, tmp_path)
        assert built.reconciles
        paused = {("0", "")}
        assert Watched.seen == {"GRAPH.BULK": paused, "GRAPH.QUERY": paused}  # derive included
        assert current() == before

        Watched.seen.clear()
        upserted = load(stores[1], demo_dir, tmp_path, bulk_when_empty=False)
        assert upserted.reconciles and Watched.seen == {"GRAPH.QUERY": paused}
        assert current() == before

        Watched.seen.clear()
        crashing = CrashingStore(stores[2], fail_after=3)
        with pytest.raises(RuntimeError, match="simulated crash"):
            load(crashing, demo_dir, tmp_path)
        assert Watched.seen["GRAPH.BULK"] == paused
        assert current() == before
    finally:
        for store in stores:
            with contextlib.suppress(Exception):
                store._graph.delete()


def _dump(store: GraphStore) -> tuple[list[Any], list[Any]]:
    nodes = store.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels = store.read("MATCH (a)-[r]->(b) RETURN type(r) AS t, properties(a) AS a, "
                      "properties(b) AS b, properties(r) AS p")

    def key(props: Mapping[str, Any]) -> str:
        return str(sorted(props.items()))

    node_rows = sorted((r["l"], key(r["p"])) for r in nodes)
    rel_rows = sorted((r["t"], key(r["a"]), key(r["b"]), key(r["p"])) for r in rels)
    return node_rows, rel_rows


def _indexes(store: GraphStore) -> list[Any]:
    rows = store.read("CALL db.indexes() YIELD label, properties RETURN label, properties")
    return sorted((r["label"], sorted(r["properties"])) for r in rows)


def test_open_standard_samples_load(store: GraphStore, tmp_path: Path) -> None:
    data = tmp_path / "std"
    shutil.copytree(STANDARDS, data)
    summary = load(store, data, tmp_path, reference=False)
    assert summary.reconciles
    assert summary.targets["Enterprise"].created == 7
    pct = store.read("MATCH (:Person {person_id: 'bods-person-wang-li'})-[h:HOLDS_SHARES]->"
                     "(e:Enterprise) RETURN e.name AS e, h.percentage AS p")
    assert pct == [{"e": "上海华芯集成电路控股股份有限公司", "p": 60.0}]
    chain = store.read("MATCH (p:Enterprise)-[:CONTROLS]->(s:Enterprise) "
                       "WHERE p.uscc = '91440300NLNHD7EJ8P' RETURN s.name AS s")
    assert chain == [{"s": "北京中关村智算科技有限公司"}]
    member = store.read("MATCH (e:Enterprise)-[m:MEMBER_OF]->(a:Association) "
                        "RETURN e.uscc AS e, m.role AS r, a.name AS a")
    assert member == [{"e": "91440300NLNHD7EJ8P", "r": "vice_president",
                       "a": "中国化学与物理电源行业协会"}]
    assert load(store, data, tmp_path, reference=False).changes == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.neo4j
@pytest.mark.slow
def test_bulk_import_files_load_into_local_neo4j_and_match_an_incremental_load(
        demo_dir: Path, tmp_path: Path, falkordb_store: GraphStore) -> None:
    from chainscout.graph.stores.neo4j_store import Neo4jStore
    from chainscout.loaders.bulk_import import write_bulk_import
    from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig, Neo4jLocalError

    files = write_bulk_import(demo_dir, tmp_path / "import",
                              LoadOptions(progress=False, rejects=tmp_path / "bulk.csv"))
    assert files.summary is not None and files.summary.reconciles
    config = Neo4jLocalConfig(home=tmp_path / "neo4j", bolt_port=_free_port(),
                              http_port=_free_port(), heap_max="1g", pagecache="256m",
                              stop_with_parent=True)
    server = Neo4jLocal(config)
    try:
        server.bulk_import(files.nodes, files.relationships, extra_args=files.admin_args)
        server.start()
    except (Neo4jLocalError, OSError) as exc:
        pytest.skip(f"the local Neo4j is not available: {exc}")
    neo = Neo4jStore(config.bolt_uri, *config.auth)
    try:
        expected = created(load(falkordb_store, demo_dir, tmp_path))
        assert counts(neo) == expected
        again = load(neo, demo_dir, tmp_path)
        assert again.changes == 0 and all(s.restamped == 0 for s in again.targets.values())
    finally:
        neo.close()
        server.stop()


@pytest.mark.neo4j
@pytest.mark.slow
def test_demo_10k_loads_the_same_graph_into_both_stores(
        tmp_path_factory: pytest.TempPathFactory, falkordb_store: GraphStore,
        neo4j_store: GraphStore, tmp_path: Path) -> None:
    from chainscout.loaders.demo import generate

    data = tmp_path_factory.mktemp("demo10k")
    generate(data, 10_000)
    results = {}
    for store in (falkordb_store, neo4j_store):
        first = load(store, data, tmp_path)
        again = load(store, data, tmp_path)
        assert again.changes == 0
        results[store.name] = counts(store)
        assert results[store.name] == created(first)
    assert results["falkordb"] == results["neo4j"]
