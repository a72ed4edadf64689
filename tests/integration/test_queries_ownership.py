"""Ownership penetration on both stores: integrated shares over several paths, cycles, control."""

from __future__ import annotations

import dataclasses

import pytest

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphStore
from chainscout.queries import expansion, geo, introductions, ownership
from chainscout.queries.results import node_view, path_view
from tests.graph_builder import GraphSpec, build


def _group_graph() -> GraphSpec:
    """P owns A; A owns 60 % of B and 40 % of C; B and C own 50 % of D each; A controls E (10 % of
    D). A's integrated share of D is 0.6·0.5 + 0.4·0.5 = 50 %; A (via B and E) controls D."""
    g = GraphSpec()
    g.node("Person", person_id="P", name="王五")
    for key in ("A", "B", "C", "D", "E"):
        g.node("Enterprise", uscc=key, name=f"企业{key}")
    g.rel("HOLDS_SHARES", "Person:P", "Enterprise:A", percentage=100.0)
    g.rel("HOLDS_SHARES", "Enterprise:A", "Enterprise:B", percentage=60.0)
    g.rel("HOLDS_SHARES", "Enterprise:A", "Enterprise:C", percentage=40.0)
    g.rel("HOLDS_SHARES", "Enterprise:B", "Enterprise:D", percentage=50.0)
    g.rel("HOLDS_SHARES", "Enterprise:C", "Enterprise:D", percentage=50.0)
    g.rel("CONTROLS", "Enterprise:A", "Enterprise:E", basis="agreement")
    g.rel("HOLDS_SHARES", "Enterprise:E", "Enterprise:D", percentage=10.0)
    return g


def _cycle_graph() -> GraphSpec:
    """B owns 60 % of X; A owns 60 % of B and B owns 10 % of A back (a cycle); person Q owns 90 %
    of A. Y and Z own 60 % of each other and nobody else owns either (a closed cycle)."""
    g = GraphSpec()
    g.node("Person", person_id="Q", name="赵六")
    for key in ("X", "A", "B", "Y", "Z"):
        g.node("Enterprise", uscc=key, name=f"企业{key}")
    g.rel("HOLDS_SHARES", "Enterprise:B", "Enterprise:X", percentage=60.0)
    g.rel("HOLDS_SHARES", "Enterprise:A", "Enterprise:B", percentage=60.0)
    g.rel("HOLDS_SHARES", "Enterprise:B", "Enterprise:A", percentage=10.0)
    g.rel("HOLDS_SHARES", "Person:Q", "Enterprise:A", percentage=90.0)
    g.rel("HOLDS_SHARES", "Enterprise:Y", "Enterprise:Z", percentage=60.0)
    g.rel("HOLDS_SHARES", "Enterprise:Z", "Enterprise:Y", percentage=60.0)
    return g


def _shares(report: ownership.OwnershipReport) -> dict[str, float]:
    side = "owner" if report.direction == "up" else "held"
    return {getattr(s, side).ref: s.percentage for s in report.stakes}


def test_integrated_share_sums_products_over_paths(store: GraphStore) -> None:
    build(store, _group_graph())
    up = ownership.shareholders(store, "D")
    assert _shares(up) == pytest.approx({
        "Enterprise:B": 50.0, "Enterprise:C": 50.0, "Enterprise:A": 50.0, "Person:P": 50.0,
        "Enterprise:E": 10.0})
    assert [s.owner.ref for s in up.stakes] == [
        "Enterprise:A", "Enterprise:B", "Enterprise:C", "Person:P", "Enterprise:E"]
    a = next(s for s in up.stakes if s.owner.ref == "Enterprise:A")
    assert [(p.percentage, [n.ref for n in p.path.nodes]) for p in a.paths] == [
        (30.0, ["Enterprise:A", "Enterprise:B", "Enterprise:D"]),
        (20.0, ["Enterprise:A", "Enterprise:C", "Enterprise:D"]),
    ]
    first = a.paths[0].path
    assert [(r.type, r.start, r.end, r.properties["percentage"]) for r in first.relationships] == [
        ("HOLDS_SHARES", "Enterprise:A", "Enterprise:B", 60.0),
        ("HOLDS_SHARES", "Enterprise:B", "Enterprise:D", 50.0),
    ]
    assert first.nodes[0].properties["name"] == "企业A"
    assert a.complete and a.min_hops == 2
    assert up.cycles == () and not up.truncated

    down = ownership.holdings(store, "A")
    assert _shares(down) == pytest.approx({
        "Enterprise:B": 60.0, "Enterprise:C": 40.0, "Enterprise:D": 50.0})
    person = ownership.holdings(store, "Person:P", min_percentage=55)
    assert _shares(person) == pytest.approx({"Enterprise:A": 100.0, "Enterprise:B": 60.0})


def test_ultimate_owner_controller_and_group(store: GraphStore) -> None:
    build(store, _group_graph())
    owners = ownership.ultimate_owners(store, "D", threshold=25.0)
    assert _shares(owners) == pytest.approx({"Person:P": 50.0})
    assert ownership.ultimate_owners(store, "D", threshold=50.01).stakes == ()

    control = ownership.ultimate_controller(store, "D")
    assert control is not None
    assert control.controller.ref == "Person:P"
    assert [n.ref for n in control.path.nodes] == [
        "Person:P", "Enterprise:A", "Enterprise:B", "Enterprise:D"]
    assert control.percentage == pytest.approx(50.0)
    assert ownership.ultimate_controller(store, "D", control_threshold=60.0) is None

    group = ownership.corporate_group(store, "C")  # C itself is not controlled: its own group
    assert group.group_id == "Enterprise:C" and group.members == ()
    group = ownership.corporate_group(store, "E")
    assert group.group_id == "Person:P"
    assert [m.controlled.ref for m in group.members] == [
        "Enterprise:A", "Enterprise:B", "Enterprise:D", "Enterprise:E"]
    e = next(m for m in group.members if m.controlled.ref == "Enterprise:E")
    assert [r.type for r in e.path.relationships] == ["HOLDS_SHARES", "CONTROLS"]
    assert ownership.group_ids(store, ["B", "C", "D"]) == {
        "B": "Person:P", "C": "Enterprise:C", "D": "Person:P"}


def test_cross_holding_cycles_end_and_count_each_simple_path_once(store: GraphStore) -> None:
    build(store, _cycle_graph())
    up = ownership.shareholders(store, "X")
    assert _shares(up) == pytest.approx({
        "Enterprise:B": 60.0, "Enterprise:A": 36.0, "Person:Q": 32.4})
    assert up.cycles == (("Enterprise:A", "Enterprise:B"),)
    control = ownership.ultimate_controller(store, "X")
    assert control is not None and control.controller.ref == "Person:Q"

    closed = ownership.ultimate_owners(store, "Y")
    assert _shares(closed) == pytest.approx({"Enterprise:Z": 60.0})
    closed_control = ownership.ultimate_controller(store, "Y")
    assert closed_control is not None and closed_control.controller.ref == "Enterprise:Z"


def test_depth_bound_is_reported(store: GraphStore) -> None:
    build(store, _group_graph())
    shallow = ownership.shareholders(store, "D", max_depth=1)
    assert set(_shares(shallow)) == {"Enterprise:B", "Enterprise:C", "Enterprise:E"}
    assert shallow.truncated
    deep = ownership.shareholders(store, "D", max_depth=3)
    assert not deep.truncated


def _map_graph() -> GraphSpec:
    """Two sub-branches 11 km apart; G1 and G2 belong to GP's group; S1 stands alone."""
    g = GraphSpec()
    g.node("Branch", branch_id="BA", name="A支行", level="sub_branch", lat=31.20, lng=121.50)
    g.node("Branch", branch_id="BB", name="B支行", level="sub_branch", lat=31.30, lng=121.50)
    g.node("Branch", branch_id="BH", name="分行", level="branch", lat=31.21, lng=121.50)
    g.node("Enterprise", uscc="GP", name="集团")
    g.node("Enterprise", uscc="G1", name="子公司1", lat=31.21, lng=121.50)
    g.node("Enterprise", uscc="G2", name="子公司2", lat=31.28, lng=121.50)
    g.node("Enterprise", uscc="S1", name="独立", lat=31.31, lng=121.50)
    g.node("Enterprise", uscc="F1", name="远处", lat=32.50, lng=121.50)
    g.node("Enterprise", uscc="NL", name="无坐标")
    g.rel("HOLDS_SHARES", "Enterprise:GP", "Enterprise:G1", percentage=80.0)
    g.rel("HOLDS_SHARES", "Enterprise:GP", "Enterprise:G2", percentage=70.0)
    g.rel("CUSTOMER_OF", "Enterprise:S1", "Branch:BB")
    return g


def test_nearest_branch_keeps_a_group_together_where_the_radius_allows(store: GraphStore
                                                                      ) -> None:
    build(store, _map_graph())
    wanted = ["G1", "G2", "S1", "F1", "NL", "XX"]
    wide = {a.uscc: a for a in geo.assign_branches(store, wanted, radius_km=15)}
    assert (wide["G1"].branch_id, wide["G2"].branch_id) == ("BA", "BA")  # G2 alone: BB
    assert wide["G2"].by_group and wide["G2"].group_id == "Enterprise:GP"
    assert wide["G2"].distance_km == pytest.approx(geo.geodesic_km((31.28, 121.5), (31.2, 121.5)))
    assert (wide["S1"].branch_id, wide["S1"].by_group) == ("BB", False)
    assert wide["F1"].branch_id is None and "within" in wide["F1"].note
    assert wide["NL"].note == "no coordinates" and wide["XX"].note == "enterprise not found"

    tight = {a.uscc: a for a in geo.assign_branches(store, wanted, radius_km=5)}
    assert (tight["G1"].branch_id, tight["G2"].branch_id) == ("BA", "BB")
    assert not tight["G2"].by_group
    alone = {a.uscc: a for a in geo.assign_branches(store, wanted, radius_km=15,
                                                    keep_groups=False)}
    assert alone["G2"].branch_id == "BB"


def test_enterprises_around_a_point_with_distance_paged(store: GraphStore) -> None:
    build(store, _map_graph())
    page = geo.enterprises_near(store, 31.30, 121.50, 5.0)
    assert [(n.enterprise.key, n.is_customer) for n in page.items] == [
        ("S1", True), ("G2", False)]
    assert page.items[0].distance_km == pytest.approx(
        geo.geodesic_km((31.30, 121.50), (31.31, 121.50)), abs=1e-6)
    assert page.items[0].enterprise.properties["name"] == "独立"
    assert geo.enterprises_near(store, 31.30, 121.50, 5.0, prospects_only=True).total == 1
    second = geo.enterprises_near(store, 31.25, 121.50, 12.0, limit=1, offset=1)
    assert second.total == 3 and [n.enterprise.key for n in second.items] == ["G1"]
    with pytest.raises(ValueError):
        geo.enterprises_near(store, 31.3, 121.5, 0)


def _view(value: object) -> object:
    """Plain data for comparing results across stores, node and relationship properties included
    (``GraphNode`` equality alone compares refs only)."""
    if isinstance(value, GraphPath):
        return path_view(value)
    if isinstance(value, GraphNode):
        return node_view(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _view(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_view(v) for v in value]
    if isinstance(value, dict):
        return {k: _view(v) for k, v in value.items()}
    return value


@pytest.mark.neo4j
def test_results_are_identical_on_both_stores(falkordb_store: GraphStore, neo4j_store: GraphStore
                                              ) -> None:
    from tests.integration.test_queries_events import AS_OF, _event_graph, _intro_graph

    def everything(store: GraphStore) -> object:
        store.clear()
        build(store, _group_graph())
        build(store, _map_graph(), schema=False)
        out: list[object] = [
            ownership.shareholders(store, "D"), ownership.holdings(store, "Person:P"),
            ownership.ultimate_controller(store, "D"), ownership.corporate_group(store, "B"),
            geo.assign_branches(store, ["G1", "G2", "S1", "F1"], radius_km=15),
            geo.enterprises_near(store, 31.25, 121.5, 12.0),
        ]
        store.clear()
        build(store, _cycle_graph(), schema=False)
        out += [ownership.shareholders(store, "X"), ownership.ultimate_owners(store, "Y")]
        store.clear()
        build(store, _event_graph(), schema=False)
        out += [expansion.expand_event(store, "EV1", max_hops=3, as_of=AS_OF, limit=50),
                expansion.expand_events(store, date_from="2024-06-01", as_of=AS_OF)]
        store.clear()
        build(store, _intro_graph(), schema=False)
        out.append(introductions.warm_introductions(store, "PR", k=5, paths_per_customer=2))
        return _view(out)

    assert everything(falkordb_store) == everything(neo4j_store)
