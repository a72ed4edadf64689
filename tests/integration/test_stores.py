"""The model → schema → upsert path on both real stores, and their shared behaviour."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from chainscout.graph.model import graph_model
from chainscout.graph.stores import falkordb_store as falkordb_store_module
from chainscout.graph.stores.base import GraphPath, GraphStore, ReadOnlyViolation, StoreUnavailable
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.graph.upsert import node_row, node_upsert, relationship_row, relationship_upsert

MODEL = graph_model()


def _load(store: GraphStore, snapshot: str = "s1", capital: float = 100.0) -> list[dict[str, int]]:
    ent = MODEL.node("Enterprise")
    park = MODEL.node("Park")
    located = MODEL.relationship("LOCATED_IN", "Enterprise", "Park")
    rows = [
        node_row(ent, {"uscc": f"E{i}", "name": f"企业{i}", "registered_capital": capital,
                       "tags": ["high_tech"]}, snapshot=snapshot, source="test")
        for i in range(3)
    ]
    counts = []
    counts += store.write(node_upsert(ent).cypher, {"rows": rows})
    counts += store.write(node_upsert(park).cypher, {"rows": [
        node_row(park, {"park_id": "P1", "name": "张江", "lat": 31.2, "lng": 121.6},
                 snapshot=snapshot, source="test")]})
    counts += store.write(relationship_upsert(MODEL, located).cypher, {"rows": [
        relationship_row(located, f"E{i}", "P1", {"since": "2020-01-01"}, snapshot=snapshot,
                         source="test") for i in range(3)]})
    return [{k: int(v) for k, v in c.items()} for c in counts]


def test_schema_is_created_from_the_model_once(store: GraphStore) -> None:
    # The session's Neo4j keeps its schema between tests, so the first call may create nothing.
    store.apply_schema()
    assert store.apply_schema() == []


def test_every_node_key_is_unique_in_the_store(store: GraphStore) -> None:
    store.apply_schema()
    for node in MODEL.nodes:
        store.write(f"CREATE (:{node.label} {{{node.key}: 'same'}})")
        with pytest.raises(Exception):  # noqa: B017 - each store words its violation differently
            store.write(f"CREATE (:{node.label} {{{node.key}: 'same'}})")


def test_unique_key_is_enforced(store: GraphStore) -> None:
    store.apply_schema()
    store.write("CREATE (:Park {park_id: 'dup'})")
    with pytest.raises(Exception):  # noqa: B017 - each store words its violation differently
        store.write("CREATE (:Park {park_id: 'dup'})")


def test_upsert_is_idempotent_and_reports_changes(store: GraphStore) -> None:
    store.apply_schema()
    first = _load(store)
    assert [c["created"] for c in first] == [3, 1, 3]
    again = _load(store)
    assert all(c["touched"] == 0 for c in again), again
    changed = _load(store, capital=200.0)
    assert changed[0] == {"created": 0, "updated": 3, "touched": 3}
    counts = store.read("MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() "
                        "RETURN nodes, count(r) AS rels")
    assert counts == [{"nodes": 4, "rels": 3}]


def test_newer_snapshot_restamps_without_counting_a_change(store: GraphStore) -> None:
    store.apply_schema()
    _load(store, snapshot="s1")
    restamped = _load(store, snapshot="s2")
    assert restamped[0] == {"created": 0, "updated": 0, "touched": 3}


def test_read_mode_refuses_writes(store: GraphStore) -> None:
    with pytest.raises(ReadOnlyViolation):
        store.read("CREATE (:Park {park_id: 'x'})")
    assert store.read("MATCH (p:Park {park_id: 'x'}) RETURN count(p) AS n") == [{"n": 0}]


def test_paths_come_back_store_neutral(store: GraphStore) -> None:
    store.apply_schema()
    _load(store)
    rows = store.read(
        "MATCH p = (a:Enterprise {uscc: 'E0'})-[r1:LOCATED_IN]->(:Park)<-[r2:LOCATED_IN]-"
        "(b:Enterprise) WHERE b <> a RETURN p, b.uscc AS peer ORDER BY peer"
    )
    assert [r["peer"] for r in rows] == ["E1", "E2"]
    path = rows[0]["p"]
    assert isinstance(path, GraphPath)
    assert [n.ref for n in path.nodes] == ["Enterprise:E0", "Park:P1", "Enterprise:E1"]
    assert [(r.type, r.start, r.end) for r in path.relationships] == [
        ("LOCATED_IN", "Enterprise:E0", "Park:P1"),
        ("LOCATED_IN", "Enterprise:E1", "Park:P1"),
    ]
    assert path.nodes[1].properties["name"] == "张江"


def test_values_of_every_kind_come_back_as_python_values(store: GraphStore) -> None:
    store.apply_schema()
    _load(store)
    rows = store.read(
        "MATCH (a:Enterprise {uscc: 'E0'})-[r:LOCATED_IN]->(p:Park) "
        "RETURN 'text' AS s, 7 AS i, 2.5 AS f, true AS t, false AS no, null AS nothing, "
        "[1, 'two', [3.0]] AS nested, {k: 'v', n: 1, m: {inner: [true]}} AS map, "
        "a.tags AS tags, a.registered_capital AS capital, a, r, [a, p] AS both, "
        "[x IN [a, a] | x.uscc] AS same"
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["s"], row["i"], row["f"], row["t"], row["no"], row["nothing"]) == (
        "text", 7, 2.5, True, False, None)
    assert row["nested"] == [1, "two", [3.0]]
    assert row["map"] == {"k": "v", "n": 1, "m": {"inner": [True]}}
    assert row["tags"] == ["high_tech"] and row["capital"] == 100.0
    assert row["a"].ref == "Enterprise:E0" and row["a"].properties["name"] == "企业0"
    assert row["r"].type == "LOCATED_IN" and row["r"].properties["since"] == "2020-01-01"
    assert [n.ref for n in row["both"]] == ["Enterprise:E0", "Park:P1"]
    assert row["both"][0] == row["a"] and row["same"] == ["E0", "E0"]


def test_exports_name_enterprises_by_node_id_quietly(store: GraphStore,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """The expansion's exports carry id(), which Neo4j 5 reports as deprecated on every query:
    the ids match the enterprise table, and no notice reaches the log."""
    from chainscout.queries.runner import export_named

    store.apply_schema()
    _load(store)
    caplog.set_level("INFO")
    table = export_named(store, "expansion_export_enterprises", {})
    links = export_named(store, "expansion_export_park_links", {})
    uscc_of = dict(zip(table["id"], table["uscc"], strict=True))
    assert all(isinstance(i, int) for i in table["id"])
    assert sorted(uscc_of[i] for i in links["e"]) == sorted(
        str(r["u"]) for r in store.read(
            "MATCH (e:Enterprise)-[r:LOCATED_IN]->(:Park) RETURN e.uscc AS u"))
    assert links["e"] and not [r for r in caplog.records if "notification" in r.getMessage()]


@pytest.mark.falkordb
def test_a_dropped_embedded_graph_forgets_its_cached_property_names(
        falkordb_store: GraphStore) -> None:
    from chainscout.graph.stores.falkordb_store import FalkorDBStore

    assert isinstance(falkordb_store, FalkorDBStore)
    falkordb_store.write("CREATE (:Scratch {a: 1, b: 2})")
    assert falkordb_store.read("MATCH (n:Scratch) RETURN n.a AS a, n")[0]["n"].properties == {
        "a": 1, "b": 2}
    falkordb_store.drop_graph()  # property ids start afresh: b is now the first, c the second
    falkordb_store.write("CREATE (:Scratch {b: 3, c: 4})")
    [row] = falkordb_store.read("MATCH (n:Scratch) RETURN n")
    assert row["n"].properties == {"b": 3, "c": 4}


def _refuse_busy(monkeypatch: pytest.MonkeyPatch, store: FalkorDBStore, times: int) -> list[str]:
    """The store's connection answers ``BUSY`` (as FalkorDB does while preparing to fork) to the
    next ``times`` commands; returns the commands refused."""
    conn = store._client.connection
    real = conn.execute_command
    refused: list[str] = []

    def busy_then_real(*args: Any, **kwargs: Any) -> Any:
        if len(refused) < times:
            refused.append(str(args[0]))
            raise redis.ResponseError("BUSY preparing to fork")
        return real(*args, **kwargs)

    monkeypatch.setattr(conn, "execute_command", busy_then_real)
    return refused


@pytest.mark.falkordb
def test_a_busy_embedded_server_is_waited_for(
        falkordb_store: FalkorDBStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command refused with BUSY did not run: reads, writes and module commands send it again."""
    refused = _refuse_busy(monkeypatch, falkordb_store, 3)
    assert falkordb_store.write("CREATE (:Probe {k: 1}) RETURN 1 AS ok") == [{"ok": 1}]
    assert refused == ["GRAPH.QUERY"] * 3
    refused = _refuse_busy(monkeypatch, falkordb_store, 2)
    assert falkordb_store.read("MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 1}]
    refused = _refuse_busy(monkeypatch, falkordb_store, 2)
    assert falkordb_store._command("GRAPH.LIST")
    assert len(refused) == 2


@pytest.mark.falkordb
def test_a_server_busy_for_too_long_is_unavailable(
        falkordb_store: FalkorDBStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(falkordb_store_module, "BUSY_WAIT_S", 0.2)
    _refuse_busy(monkeypatch, falkordb_store, 10**6)
    with pytest.raises(StoreUnavailable, match="busy"):
        falkordb_store.read("RETURN 1 AS one")
