"""The Python side of the market queries: weights, filters, gap math, the corporate-group search,
coverage groups, the paging protocol, and the Cypher rules the market query files keep."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Mapping
from typing import Any

import pytest

from chainscout.graph.model import ENTERPRISE_TAGS, graph_model
from chainscout.graph.stores.base import GraphNode, GraphRelationship, Row
from chainscout.queries.catalog import load_query, query_names
from chainscout.queries.coverage import _report
from chainscout.queries.gaps import SegmentStatus, _segment_gap
from chainscout.queries.market import (
    EnterpriseFilter,
    NotFound,
    check_themes,
    ranked_page,
    since_or_default,
)
from chainscout.queries.peers import corporate_group, describe_control_path
from chainscout.queries.ranking import load_weights, parse_weights, path_strength, place_score
from chainscout.queries.strategies import _strengths

WEIGHTS = parse_weights({
    "weights": {"path_strength": 25, "chain_fit": 10},
    "place_weights": {"members": 40, "coverage": 40, "growth": 20},
    "hop_decay": 0.6,
    "relation_weights": {"CONTROLS": 1.0, "HOLDS_SHARES": 0.9},
}, "test")


# -- weights ---------------------------------------------------------------------------------------


def test_place_weights_are_parsed_and_checked() -> None:
    assert WEIGHTS.place_weight("members") == 40.0
    assert WEIGHTS.place_weight("reach") == 0.0
    with pytest.raises(ValueError, match="unknown place score part"):
        parse_weights({"place_weights": {"popularity": 1}}, "x")
    packaged = load_weights()
    assert {"members", "coverage", "growth", "reach", "introducers"} <= set(packaged.place_weights)
    assert {"scale", "theme", "cluster", "referral", "gap"} <= set(packaged.weights)


def test_place_score_clamps_rounds_and_weights() -> None:
    s = place_score(WEIGHTS, members=(2 / 3, "2 of 3"), coverage=(1.5, "all"),
                    growth=(-1.0, "none"))
    assert [(p.name, p.value, p.weight) for p in s.parts] == [
        ("members", 0.666667, 40.0), ("coverage", 1.0, 40.0), ("growth", 0.0, 20.0)]
    assert s.total == 66.66668
    with pytest.raises(ValueError, match="unknown place score part"):
        place_score(WEIGHTS, chain_fit=(1.0, ""))


def test_relative_strengths() -> None:
    assert _strengths([74.0, 61.0, 18.0]) == [1.0, 0.824324, 0.243243]
    assert _strengths([0.0, 0.0]) == [0.0, 0.0]
    assert _strengths([]) == []


# -- filters ---------------------------------------------------------------------------------------


def test_enterprise_filter_params_and_validation() -> None:
    f = EnterpriseFilter(tags=("listed", "high_tech", "listed"), sizes=("small",),
                         district="3101", customer=False)
    assert f.params() == {"tags": ["high_tech", "listed"], "sizes": ["small"], "district": "3101",
                          "include_inactive": False, "customer": False}
    assert "customer" not in f.params(customer=False)
    assert EnterpriseFilter(district="").params()["district"] is None
    with pytest.raises(ValueError, match="unknown tag"):
        EnterpriseFilter(tags=("unicorn",))
    with pytest.raises(ValueError, match="unknown size"):
        EnterpriseFilter(sizes=("huge",))
    with pytest.raises(ValueError, match="district"):
        EnterpriseFilter(district="31' OR 1=1")
    assert check_themes(["listed", "green", "listed"]) == ["green", "listed"]
    with pytest.raises(ValueError):
        check_themes(["nope"])
    assert since_or_default("2025-01-01") == "2025-01-01"
    with pytest.raises(ValueError):
        since_or_default("yesterday")


def test_paging_protocol() -> None:
    node = GraphNode("Enterprise:E1", ("Enterprise",), {})
    assert ranked_page([]).total == 0
    page = ranked_page([{"total": 7.0, "enterprise": node}, {"total": 7.0, "enterprise": node}])
    assert page.total == 7 and len(page.rows) == 2
    empty = ranked_page([{"total": 7, "enterprise": None}])
    assert empty.total == 7 and empty.rows == []


# -- chain gaps ------------------------------------------------------------------------------------


def _seg_row(members: int, up: list[str], down: list[str], present: list[str]) -> Row:
    return {"segment": GraphNode("ChainSegment:s", ("ChainSegment",), {}), "members": members,
            "upstream": up, "downstream": down, "present_neighbours": present}


@pytest.mark.parametrize(("members", "thin_below", "status", "gap"), [
    (0, 3, SegmentStatus.MISSING, 1.0),
    (1, 3, SegmentStatus.THIN, 0.666667),
    (2, 3, SegmentStatus.THIN, 0.333333),
    (3, 3, SegmentStatus.PRESENT, 0.0),
    (1, 1, SegmentStatus.PRESENT, 0.0),
])
def test_segment_gap_severity(members: int, thin_below: int, status: SegmentStatus,
                              gap: float) -> None:
    seg = _segment_gap(_seg_row(members, [], [], []), thin_below)
    assert (seg.status, seg.gap) == (status, gap)


def test_segment_adjacency_counts_each_neighbour_once() -> None:
    seg = _segment_gap(_seg_row(0, ["a", "b"], ["b", "c"], ["b", "b"]), 3)
    assert seg.neighbours == ("a", "b", "c")
    assert seg.adjacency == 0.333333
    assert _segment_gap(_seg_row(0, [], [], []), 3).adjacency == 0.0


# -- corporate group -------------------------------------------------------------------------------


def _node(ref: str) -> GraphNode:
    label, key = ref.split(":")
    return GraphNode(ref, (label,), {graph_model().key_of(label): key})


class FakeStore:
    """Answers the group search queries from a list of edges, in a shuffled order."""

    name = "fake"
    model = graph_model()

    def __init__(self, edges: list[tuple[str, str, str, float | None]], seed: int) -> None:
        self.edges = edges
        self.rng = random.Random(seed)
        self.calls = 0

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[Row]:
        p = dict(params or {})
        if "usccs" in p and "person_ids" in p:
            self.calls += 1
            frontier = {f"Enterprise:{k}" for k in p["usccs"]}
            frontier |= {f"Person:{k}" for k in p["person_ids"]}
            rows = []
            for type_, src, dst, pct in self.edges:
                if not (frontier & {src, dst}):
                    continue
                if type_ == "HOLDS_SHARES" and not (pct is not None and pct > p["majority"]):
                    continue
                if not p["persons"] and (src.startswith("Person:") or dst.startswith("Person:")):
                    continue
                props = {"percentage": pct} if pct is not None else {}
                rows.append({"src": _node(src), "dst": _node(dst),
                             "rel": GraphRelationship(type_, f"#{src}", f"#{dst}", props)})
            self.rng.shuffle(rows)
            return rows
        if "uscc" in p:  # enterprise_exists
            return [{"uscc": p["uscc"]}] if p["uscc"] == "A" else []
        raise AssertionError(f"unexpected query {cypher[:60]}")


EDGES: list[tuple[str, str, str, float | None]] = [
    ("CONTROLS", "Enterprise:P", "Enterprise:A", None),
    ("HOLDS_SHARES", "Enterprise:P", "Enterprise:A", 80.0),  # parallel: CONTROLS wins
    ("HOLDS_SHARES", "Enterprise:P", "Enterprise:B", 60.0),
    ("HOLDS_SHARES", "Enterprise:P", "Enterprise:C", 20.0),  # minority: not control
    ("CONTROLS", "Enterprise:B", "Enterprise:D", None),
    ("CONTROLS", "Enterprise:A", "Enterprise:D", None),  # D reachable two ways: via A is shorter
    ("HOLDS_SHARES", "Person:H", "Enterprise:A", 90.0),
    ("HOLDS_SHARES", "Person:H", "Enterprise:E", 55.0),
]


@pytest.mark.parametrize("seed", range(5))
def test_group_search_is_deterministic_and_shortest(seed: int) -> None:
    group = corporate_group(FakeStore(EDGES, seed), "A")  # type: ignore[arg-type]
    assert group.enterprises == ["B", "D", "E", "P"]
    assert not group.truncated
    paths = {ref: [n.ref for n in p.nodes] for ref, p in group.paths.items()}
    assert paths["Enterprise:D"] == ["Enterprise:A", "Enterprise:D"]
    # B is two hops away via D (B controls D) and via P (P holds 60%): the lower ref wins
    assert paths["Enterprise:B"] == ["Enterprise:A", "Enterprise:D", "Enterprise:B"]
    assert paths["Enterprise:E"] == ["Enterprise:A", "Person:H", "Enterprise:E"]
    to_p = group.paths["Enterprise:P"]
    assert [(r.type, r.start, r.end) for r in to_p.relationships] == [
        ("CONTROLS", "Enterprise:P", "Enterprise:A")]
    assert describe_control_path(group.paths["Enterprise:B"]) == (
        "control path: controls → controlled by")
    to_e = group.paths["Enterprise:E"]
    assert path_strength(to_e, WEIGHTS) == pytest.approx(0.9 * 0.9 * 0.9 * 0.55 * 0.6)
    assert describe_control_path(to_e) == "control path: held 90% by → holds 55% of"


def test_group_search_bounds() -> None:
    shallow = corporate_group(FakeStore(EDGES, 0), "A", max_depth=1)  # type: ignore[arg-type]
    assert shallow.enterprises == ["D", "P"] and shallow.truncated
    capped = corporate_group(FakeStore(EDGES, 0), "A", max_members=3)  # type: ignore[arg-type]
    assert len(capped.paths) == 2 and capped.truncated
    no_persons = corporate_group(FakeStore(EDGES, 0), "A",  # type: ignore[arg-type]
                                 via_persons=False)
    assert no_persons.enterprises == ["B", "D", "P"]
    strict = corporate_group(FakeStore(EDGES, 0), "A", majority=85.0)  # type: ignore[arg-type]
    assert strict.enterprises == ["B", "D", "P"]  # H-55%->E no longer controls; B via D
    assert [n.ref for n in strict.paths["Enterprise:B"].nodes][1] == "Enterprise:D"
    store = FakeStore(EDGES, 0)
    corporate_group(store, "A", max_depth=2)  # type: ignore[arg-type]
    assert store.calls == 3  # two levels and one look past the last
    with pytest.raises(NotFound):
        corporate_group(FakeStore([], 0), "Z")  # type: ignore[arg-type]
    assert corporate_group(FakeStore([], 0), "A").paths == {}  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        corporate_group(FakeStore([], 0), "A", max_depth=0)  # type: ignore[arg-type]


# -- coverage --------------------------------------------------------------------------------------


def test_coverage_groups_and_largest_uncovered() -> None:
    rows: list[Row] = [
        {"kind": "all", "key": "", "name": "", "enterprises": 10, "customers": 2.0},
        {"kind": "branch", "key": "B2", "name": "b2", "enterprises": 1, "customers": 1},
        {"kind": "branch", "key": "B1", "name": "b1", "enterprises": 2, "customers": 2},
        {"kind": "tag", "key": "high_tech", "name": "high_tech", "enterprises": 6, "customers": 1},
        {"kind": "tag", "key": "green", "name": "green", "enterprises": 10, "customers": 2},
        {"kind": "segment", "key": "s2", "name": "S2", "enterprises": 5, "customers": 0},
        {"kind": "segment", "key": "s1", "name": "S1", "enterprises": 5, "customers": 0},
        {"kind": "park", "key": "P1", "name": "P", "enterprises": 4, "customers": 4},
    ]
    report = _report("x", rows, ["green", "high_tech", "listed"], top=3)
    assert (report.enterprises, report.customers, report.share) == (10, 2, 0.2)
    assert [g.key for g in report.branches] == ["B1", "B2"]
    assert [(g.key, g.enterprises) for g in report.themes] == [("green", 10), ("high_tech", 6),
                                                               ("listed", 0)]
    # green holds the whole population; P1 is fully covered
    assert [(g.kind, g.key, g.uncovered) for g in report.uncovered] == [
        ("tag", "high_tech", 5), ("segment", "s1", 5), ("segment", "s2", 5)]
    assert report.themes[2].share == 0.0
    empty = _report("x", [], list(ENTERPRISE_TAGS), top=3)
    assert (empty.enterprises, empty.share, len(empty.themes)) == (0, 0.0, 7)


# -- the Cypher rules of the market query files ----------------------------------------------------

MARKET_PREFIXES = ("peers_", "group_", "strategy_", "gap_", "coverage_", "enterprise_",
                   "chain_segments", "segments_by_id", "park_exists")
FORBIDDEN = {
    "COUNT {} subquery": re.compile(r"COUNT\s*\{", re.I),
    "EXISTS {} subquery": re.compile(r"EXISTS\s*\{", re.I),
    "point.distance": re.compile(r"point\.distance|distance\s*\(", re.I),
    "shortestPath": re.compile(r"shortestPath", re.I),
    "unbounded variable length": re.compile(r"\*\s*\d*\s*(\.\.\s*)?\]"),
    "multi-hop OPTIONAL MATCH": re.compile(r"OPTIONAL MATCH[^\n]*\)-\[[^\n]*\)-\[", re.I),
    "quantifier or comprehension in WHERE": re.compile(
        r"^\s*(WHERE|AND|OR)\b[^\n]*(\b(all|any|none|single)\s*\(|\[[^\]]*\|)", re.I | re.M),
}


def _market_queries() -> list[str]:
    return [n for n in query_names() if n.startswith(MARKET_PREFIXES)]


def test_market_queries_keep_the_dialect_rules() -> None:
    names = _market_queries()
    assert len(names) >= 15
    for name in names:
        text = load_query(name).cypher
        for rule, pattern in FORBIDDEN.items():
            assert not pattern.search(text), f"{name}: {rule}"


def test_counted_and_matched_relationships_are_named() -> None:
    unnamed = re.compile(r"-\[:[A-Z_|]+[^\]]*\]-")  # unnamed relationship in a MATCH pattern
    for name in _market_queries():
        for line in load_query(name).cypher.splitlines():
            if re.match(r"\s*(OPTIONAL )?MATCH\b", line):
                assert not unnamed.search(line), f"{name}: unnamed relationship in {line!r}"


def test_peer_patterns_exclude_the_anchor() -> None:
    for name in ("peers_park", "peers_segment", "peers_association"):
        assert "b <> a" in load_query(name).cypher, name
    assert "b.uscc <> $uscc" in load_query("peers_group").cypher


def test_no_filter_right_after_a_match() -> None:
    """FalkorDB plans a WHERE on a MATCH that filters the far end as a label scan of that end:
    filters go into a WITH ... WHERE after the MATCH (OPTIONAL MATCH ... WHERE is fine)."""
    for name in _market_queries():
        lines = [x.strip() for x in load_query(name).cypher.splitlines()]
        for before, line in itertools.pairwise(lines):
            if line.startswith("WHERE") and before.startswith("MATCH"):
                raise AssertionError(f"{name}: WHERE right after {before!r}")
