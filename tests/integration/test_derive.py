"""Derived properties (loaders/derive.py) on both stores: set by every load, exact after an
incremental load or a direct change, idempotent, and what the market queries read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.upsert import relationship_row, relationship_upsert
from chainscout.loaders.derive import derive
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, TargetStats, load_directory
from chainscout.queries.peers import peers
from chainscout.queries.strategies import park_strategy
from tests.graph_builder import build
from tests.market_graph import market_graph

V = ["91310110K8PBRNYTPG", "91310111LXG0TEQY7C", "91310112L1W53BFU7A"]


def derived(store: GraphStore) -> dict[str, tuple[bool, tuple[str, ...] | None]]:
    """uscc -> (_is_customer, _segment_ids) as stored."""
    rows = store.read("MATCH (e:Enterprise) RETURN e.uscc AS u, e._is_customer AS c, "
                      "e._segment_ids AS s")
    return {str(r["u"]): (bool(r["c"]), None if r["s"] is None else tuple(r["s"])) for r in rows}


def truth(store: GraphStore) -> dict[str, tuple[bool, tuple[str, ...] | None]]:
    """The same facts computed from the relationships."""
    out: dict[str, tuple[bool, tuple[str, ...] | None]] = {}
    for r in store.read("MATCH (e:Enterprise) RETURN e.uscc AS u, "
                        "[(e)-[c:CUSTOMER_OF]->(b:Branch) | b.branch_id] AS branches, "
                        "[(e)-[m:IN_SEGMENT]->(s:ChainSegment) | s.segment_id] AS segments"):
        segments = tuple(sorted(set(r["segments"] or ())))
        out[str(r["u"])] = (bool(r["branches"]), segments or None)
    return out


def _write(directory: Path, name: str, lines: list[str]) -> None:
    (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load(store: GraphStore, directory: Path, tmp: Path, **kw: Any) -> LoadSummary:
    return load_directory(store, directory, LoadOptions(progress=False,
                                                        rejects=tmp / "rejects.csv", **kw))


def test_a_load_derives_and_an_incremental_load_keeps_them_exact(
        store: GraphStore, tmp_path: Path) -> None:
    data = tmp_path / "crm"
    data.mkdir()
    _write(data, "enterprises.csv", ["uscc,name", f"{V[0]},甲", f"{V[1]},乙", f"{V[2]},丙"])
    _write(data, "branches.csv", ["branch_id,name", "B1,浦东支行"])
    _write(data, "customers.csv", ["uscc,branch_id", f"{V[0]},B1"])
    _write(data, "enterprise_segments.csv", ["uscc,segment_id", f"{V[1]},ic.fab",
                                             f"{V[1]},ic.design"])
    first = _load(store, data, tmp_path)
    assert first.changes > 0
    got = derived(store)
    assert got == truth(store)
    assert got[V[0]] == (True, None)
    assert got[V[1]] == (False, ("ic.design", "ic.fab"))
    assert got[V[2]] == (False, None)
    again = _load(store, data, tmp_path)
    assert again.changes == 0  # the derive step does not count as a change of the load
    summary = derive(store)
    assert summary is not None and summary.changes == 0, summary

    # incremental: V0 stops being a customer, V2 becomes one; V1 leaves ic.fab, V2 joins ic.design
    _write(data, "customers.csv", ["uscc,branch_id", f"{V[2]},B1"])
    _write(data, "enterprise_segments.csv", ["uscc,segment_id", f"{V[1]},ic.design",
                                             f"{V[2]},ic.design"])
    _load(store, data, tmp_path, prune=True)
    got = derived(store)
    assert got == truth(store)
    assert got[V[0]] == (False, None)
    assert got[V[1]] == (False, ("ic.design",))
    assert got[V[2]] == (True, ("ic.design",))
    third = _load(store, data, tmp_path, prune=True)
    assert third.changes == 0
    summary = derive(store)
    assert summary is not None and summary.changes == 0, summary


@pytest.fixture
def market(store: GraphStore) -> GraphStore:
    build(store, market_graph())
    return store


def test_derive_follows_direct_changes_and_the_queries_follow_it(market: GraphStore) -> None:
    store = market
    assert derived(store) == truth(store)
    summary = derive(store)
    assert summary is not None and summary.changes == 0, summary
    before = {p.enterprise.key: p.facts["is_customer"] for p in peers(store, "E01", "park").items}
    customer = next(u for u, c in before.items() if c)
    prospect = next(u for u, c in before.items() if not c)

    model = graph_model()
    rel = model.relationship("CUSTOMER_OF", "Enterprise", "Branch")
    store.write(relationship_upsert(model, rel).cypher, {"rows": [
        relationship_row(rel, prospect, "B1", {}, snapshot="t2", source="test")]})
    store.write("MATCH (e:Enterprise {uscc: $u})-[c:CUSTOMER_OF]->() DELETE c", {"u": customer})
    store.write("MATCH (e:Enterprise {uscc: $u})-[m:IN_SEGMENT]->() DELETE m", {"u": prospect})
    summary = derive(store, batch=1)  # batches smaller than the work still converge
    assert summary is not None
    assert summary.changed["customer_set"] == 1 and summary.changed["customer_unset"] == 1
    assert derived(store) == truth(store)
    summary = derive(store)
    assert summary is not None and summary.changes == 0, summary

    after = {p.enterprise.key: p for p in peers(store, "E01", "park").items}
    not_customer = {part.name: part.value for part in after[prospect].score.parts}["not_customer"]
    assert after[prospect].facts["is_customer"] and not_customer == 0
    assert not after[customer].facts["is_customer"]
    assert after[prospect].facts["segments"] == ()
    strategy = park_strategy(store, chain_id="ic", since="2020-01-01")
    assert prospect not in {p.enterprise.key for p in strategy.prospects.items}


def test_derive_without_a_store_or_on_a_dry_run_does_nothing(store: GraphStore) -> None:
    assert derive(None) is None
    assert derive(store, dry_run=True) is None
    with pytest.raises(ValueError):
        derive(store, batch=0)


def test_a_load_that_changed_nothing_derived_skips_the_pass(market: GraphStore) -> None:
    store = market
    store.write("MATCH (e:Enterprise)-[c:CUSTOMER_OF]->() DELETE c")  # stale on purpose
    skipped = derive(store, targets={"Enterprise": TargetStats(sent=3, updated=3),
                                     "Enterprise-CUSTOMER_OF->Branch": TargetStats(sent=2)})
    assert skipped is not None and skipped.skipped and skipped.changes == 0
    assert derived(store) != truth(store)
    ran = derive(store, targets={"Enterprise-CUSTOMER_OF->Branch": TargetStats(deleted=2)})
    assert ran is not None and not ran.skipped and ran.changed["customer_unset"] > 0
    assert derived(store) == truth(store)


def test_an_unchanged_load_still_derives_what_is_missing(market: GraphStore) -> None:
    """After an offline bulk import nothing is derived and a load of the same inputs changes
    nothing: the pass must run anyway."""
    store = market
    store.write("MATCH (e:Enterprise) REMOVE e._is_customer, e._segment_ids")
    ran = derive(store, targets={"Enterprise": TargetStats(sent=3, updated=0)})
    assert ran is not None and not ran.skipped and ran.changes > 0
    assert derived(store) == truth(store)
    again = derive(store, targets={"Enterprise": TargetStats(sent=3, updated=0)})
    assert again is not None and again.skipped


@pytest.mark.falkordb
def test_the_derive_command_repairs_a_store_written_outside_a_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`chainscout derive` (what an operator runs after a bulk import) sets what is missing and
    then changes nothing."""
    from typer.testing import CliRunner

    from chainscout.cli import app
    from chainscout.settings import Settings
    from chainscout.stores import open_store

    data = tmp_path / "crm"
    data.mkdir()
    _write(data, "enterprises.csv", ["uscc,name", f"{V[0]},甲", f"{V[1]},乙"])
    _write(data, "branches.csv", ["branch_id,name", "B1,浦东支行"])
    _write(data, "customers.csv", ["uscc,branch_id", f"{V[0]},B1"])
    monkeypatch.setenv("CHAINSCOUT_STORE", "falkordb")
    monkeypatch.setenv("CHAINSCOUT_DATA_DIR", str(tmp_path / "home"))
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", str(data), "--no-progress"])
    assert loaded.exit_code == 0, loaded.output
    store = open_store(Settings())
    try:
        store.write("MATCH (e:Enterprise) REMOVE e._is_customer")  # as after an offline import
        assert not any(c for c, _ in derived(store).values())
    finally:
        store.close()
    first = runner.invoke(app, ["derive"])
    assert first.exit_code == 0, first.output
    assert ": 1 nodes changed" in first.output, first.output
    again = runner.invoke(app, ["derive"])
    assert again.exit_code == 0 and ": 0 nodes changed" in again.output, again.output
    store = open_store(Settings())
    try:
        assert derived(store) == truth(store)
    finally:
        store.close()


@pytest.mark.falkordb
def test_a_bulk_build_writes_the_derived_properties_without_a_derive_pass(
        falkordb_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Into an empty embedded graph the bulk sink writes ``_segment_ids`` with each enterprise
    (from its own chunk's links) and derives by node id what is linked later: customers, and
    explicit segments of an enterprise built in an earlier chunk (one that has derived segments
    of its own, one that has none). No derive pass runs, yet the graph equals the truth."""
    import chainscout.loaders.pipeline as pipeline

    data = tmp_path / "crm"
    data.mkdir()
    _write(data, "enterprises.csv", [
        "uscc,name,industry_code",
        f"{V[0]},甲集成电路设计有限公司,6520",  # a core class of ic.design: derived in its chunk
        f"{V[1]},乙,",
        f"{V[2]},丙集成电路设计有限公司,6520"])
    _write(data, "branches.csv", ["branch_id,name", "B1,浦东支行"])
    _write(data, "customers.csv", ["uscc,branch_id", f"{V[0]},B1", f"{V[1]},B1"])
    _write(data, "enterprise_segments.csv", ["uscc,segment_id", f"{V[1]},ic.fab",
                                             f"{V[2]},ic.fab"])
    passes: list[Any] = []
    monkeypatch.setattr(pipeline, "derive", lambda *a, **kw: passes.append((a, kw)))
    first = _load(falkordb_store, data, tmp_path)
    assert first.reconciles and first.rejected == 0
    assert passes == []  # the bulk sink derived everything itself
    got = derived(falkordb_store)
    assert got == truth(falkordb_store)
    assert got[V[0]] == (True, ("ic.design",))
    assert got[V[1]] == (True, ("ic.fab",))
    assert got[V[2]] == (False, ("ic.design", "ic.fab"))
    monkeypatch.undo()
    summary = derive(falkordb_store)
    assert summary is not None and summary.changes == 0, summary
