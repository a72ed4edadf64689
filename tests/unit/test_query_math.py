"""The pure parts of the query modules: integrated shares, control, distances, assignment."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship
from chainscout.queries import geo
from chainscout.queries.ownership import (
    CONTROLS,
    HOLDS,
    Holding,
    OwnershipIndex,
    control_chain,
    control_set,
    cycles,
    integrated_paths,
    top_owners,
    total_fraction,
    ultimate_controllers,
)
from chainscout.queries.ranking import load_weights, path_strength, relation_weight


def h(holder: str, held: str, pct: float | None = None, type_: str = HOLDS) -> Holding:
    return Holding(holder, held, type_, pct)


MULTI = OwnershipIndex([h("A", "B", 60), h("A", "C", 40), h("B", "D", 50), h("C", "D", 50)])


def test_integrated_share_is_the_sum_of_path_products() -> None:
    up, cut = integrated_paths(MULTI, "D", upward=True)
    assert not cut
    assert total_fraction(up["A"]) == pytest.approx(0.5)  # 0.6·0.5 + 0.4·0.5
    assert sorted(p.fraction or 0 for p in up["A"]) == pytest.approx([0.2, 0.3])
    assert all(p.nodes[0] == "A" and p.nodes[-1] == "D" for p in up["A"])
    down, _ = integrated_paths(MULTI, "A", upward=False)
    assert {k: round(total_fraction(v), 6) for k, v in down.items()} == {
        "B": 0.6, "C": 0.4, "D": 0.5}
    shallow, _ = integrated_paths(MULTI, "D", upward=True, max_depth=1)
    assert set(shallow) == {"B", "C"}
    _, cut = integrated_paths(MULTI, "D", upward=True, max_paths=2)
    assert cut


def test_cycles_end_and_unknown_percentages_are_flagged() -> None:
    index = OwnershipIndex([h("B", "X", 60), h("A", "B", 60), h("B", "A", 10), h("Q", "A", 90),
                            h("U", "X")])
    up, _ = integrated_paths(index, "X", upward=True)
    assert {k: round(total_fraction(v), 6) for k, v in up.items()} == {
        "B": 0.6, "A": 0.36, "Q": 0.324, "U": 0.0}
    assert up["U"][0].fraction is None
    assert cycles(index) == [("A", "B")]
    assert top_owners(index) == {"Q", "U"}
    closed = OwnershipIndex([h("Y", "Z", 60), h("Z", "Y", 60)])
    assert top_owners(closed) == {"Y", "Z"}


def test_control_is_a_fixpoint_over_combined_holdings() -> None:
    index = OwnershipIndex([h("P", "A", 100), h("A", "B", 60), h("A", "C", 40), h("B", "D", 50),
                            h("C", "D", 50), h("A", "E", type_=CONTROLS), h("E", "D", 10)])
    controlled = control_set(index, "P")
    assert set(controlled) == {"P", "A", "B", "E", "D"}
    assert [(e.holder, e.held) for e in control_chain(controlled, "D")] == [
        ("P", "A"), ("A", "B"), ("B", "D")]
    assert set(control_set(index, "P", threshold=60)) == {"P", "A", "E"}
    assert ultimate_controllers(index, ["D", "C", "A"]) == {"D": "P", "C": None, "A": "P"}
    mutual = OwnershipIndex([h("Y", "Z", 60), h("Z", "Y", 60), h("Z", "W", 51)])
    assert ultimate_controllers(mutual, ["W", "Y"]) == {"W": "Y", "Y": "Z"}


def test_relation_weight_is_the_per_hop_factor_of_path_strength() -> None:
    weights = load_weights()
    rels = (GraphRelationship("HOLDS_SHARES", "a", "b", {"percentage": 30.0}),
            GraphRelationship("SUPPLIES", "b", "c", {}),
            GraphRelationship("LOCATED_IN", "c", "d", {}))
    path = GraphPath(tuple(GraphNode(r, ("Enterprise",), {}) for r in "abcd"), rels)
    expected = 1.0
    for hop, rel in enumerate(rels):
        expected *= relation_weight(weights, rel.type, rel.properties.get("percentage"))
        expected *= weights.hop_decay if hop else 1.0
    assert path_strength(path, weights) == pytest.approx(expected)
    assert relation_weight(weights, "HOLDS_SHARES", 5.0) == pytest.approx(0.9 * 0.2)
    assert relation_weight(weights, "HOLDS_SHARES", None) == pytest.approx(0.9)


@settings(max_examples=200, deadline=None)
@given(st.floats(-60, 60), st.floats(-179, 179), st.floats(0.1, 300), st.floats(0, 360))
def test_bounding_box_holds_every_point_within_the_radius(lat: float, lng: float, r: float,
                                                         bearing: float) -> None:
    from geopy.distance import geodesic

    edge = geodesic(kilometers=r * 0.999).destination((lat, lng), bearing)
    box = geo.bounding_box(lat, lng, r)
    assert box.min_lat <= edge.latitude <= box.max_lat
    lng_edge = lng + (edge.longitude - lng + 180.0) % 360.0 - 180.0  # unwrapped at ±180°
    assert box.min_lng <= lng_edge <= box.max_lng
    assert geo.within((lat, lng), (edge.latitude, edge.longitude), r) is not None
    covering = geo.covering_box([(lat, lng), (lat + 0.5, lng - 0.5)], r)
    assert covering.min_lat <= edge.latitude <= covering.max_lat


def test_haversine_is_close_to_the_geodesic() -> None:
    a, b = (31.2, 121.5), (39.9, 116.4)
    assert math.isclose(geo.haversine_km(a, b), geo.geodesic_km(a, b), rel_tol=0.006)


def test_group_members_share_the_branch_that_covers_most_of_them() -> None:
    branches = [geo.Branch("BA", "A", 31.20, 121.50), geo.Branch("BB", "B", 31.30, 121.50)]
    points: dict[str, geo.LatLng | None] = {"G1": (31.21, 121.5), "G2": (31.28, 121.5),
                                             "G3": (31.60, 121.5), "S1": (31.31, 121.5),
                                             "NL": None}
    groups = {"G1": "g", "G2": "g", "G3": "g"}
    out = {a.uscc: a for a in geo.assign(points, branches, 15, groups)}
    assert [(u, out[u].branch_id, out[u].by_group) for u in ("G1", "G2", "G3", "S1")] == [
        ("G1", "BA", True), ("G2", "BA", True), ("G3", None, False), ("S1", "BB", False)]
    assert out["NL"].note == "no coordinates"
    alone = {a.uscc: a.branch_id for a in geo.assign(points, branches, 15)}
    assert alone["G2"] == "BB"
