"""Market queries (peers, strategies, chain gaps, coverage, enterprise lookup) on both real stores,
on the hand-built graph of tests/market_graph.py, with answers worked out by hand.

Weights are those of the packaged ranking.yaml: chain_fit 10, scale 5, not_customer 5,
path_strength 25, cluster 10, referral 10, gap 10, proximity 10, theme 5; place weights members 40,
coverage 40, growth 20, reach 60, introducers 40. Registered capitals are 9, 99, 999, 9999 and
99999 万元 so that scale = log10(1 + capital) / 5 is 0.2, 0.4, 0.6, 0.8 and 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from chainscout.graph.stores.base import GraphPath, GraphStore
from chainscout.queries.coverage import chain_coverage, park_coverage, segment_coverage
from chainscout.queries.enterprises import enterprise, search_enterprises
from chainscout.queries.gaps import SegmentStatus, chain_gaps
from chainscout.queries.market import EnterpriseFilter, NotFound
from chainscout.queries.peers import PeerKind, corporate_group, peers
from chainscout.queries.ranking import parse_weights
from chainscout.queries.results import Page, Prospect, node_view, path_view, rank
from chainscout.queries.strategies import association_strategy, park_strategy, rank_parks
from tests.graph_builder import build
from tests.market_graph import market_graph

WEIGHTS = parse_weights({
    "weights": {"path_strength": 25, "chain_fit": 10, "not_customer": 5, "scale": 5, "theme": 5,
                "cluster": 10, "referral": 10, "gap": 10, "proximity": 10},
    "place_weights": {"members": 40, "coverage": 40, "growth": 20, "reach": 60,
                      "introducers": 40},
    "hop_decay": 0.6,
    "relation_weights": {"CONTROLS": 1.0, "HOLDS_SHARES": 0.9},
}, "test")


@pytest.fixture
def market(store: GraphStore) -> GraphStore:
    build(store, market_graph())
    return store


def ranked(page: Page[Prospect]) -> list[tuple[str, float]]:
    return [(p.uscc, p.score.total) for p in page.items]


def parts(prospect: Prospect) -> dict[str, float]:
    return {p.name: p.value for p in prospect.score.parts}


def refs(path: GraphPath) -> list[str]:
    return [n.ref for n in path.nodes]


def rel_view(path: GraphPath) -> list[tuple[str, str, str]]:
    return [(r.type, r.start, r.end) for r in path.relationships]


def assert_rank_order(items: Sequence[Prospect]) -> None:
    """The store's order (Cypher ORDER BY) is the order of the explained scores."""
    assert [p.uscc for p in items] == [p.uscc for p in rank(items)]


# -- peers -----------------------------------------------------------------------------------------


def test_park_peers_are_ranked_with_their_path(market: GraphStore) -> None:
    page = peers(market, "E01", PeerKind.PARK, weights=WEIGHTS)
    # E11 same segment, small, prospect: 10 + 1 + 5; E02 same segment, 10亿, customer: 10 + 5 + 0;
    # E03 adjacent segment (fab): 5 + 1 + 5; E04 other chain, no capital: 0 + 0 + 5.
    # E05 is in the park but revoked.
    assert ranked(page) == [("E11", 16.0), ("E02", 15.0), ("E03", 11.0), ("E04", 5.0)]
    assert page.total == 4
    e02 = page.items[1]
    assert parts(e02) == {"chain_fit": 1.0, "scale": 1.0, "not_customer": 0.0}
    assert e02.facts["is_customer"] is True
    assert e02.facts["branches"] == ("B1",)
    assert e02.facts["via"] == "P1"
    (path,) = e02.paths
    assert refs(path) == ["Enterprise:E01", "Park:P1", "Enterprise:E02"]
    assert rel_view(path) == [("LOCATED_IN", "Enterprise:E01", "Park:P1"),
                              ("LOCATED_IN", "Enterprise:E02", "Park:P1")]
    assert "customer of branch B1" in e02.score.parts[2].explanation
    assert_rank_order(page.items)


def test_segment_peers_reach_adjacent_segments(market: GraphStore) -> None:
    page = peers(market, "E01", "segment", weights=WEIGHTS)
    assert ranked(page) == [
        ("E20", 20.0), ("E06", 18.0), ("E11", 16.0), ("E02", 15.0),  # ic.design, fit 1
        ("E08", 14.0), ("E24", 13.0), ("E10", 12.0), ("E03", 11.0),  # ic.fab, fit 0.5
        ("E09", 11.0),  # ic.eda, upstream of design, fit 0.5
    ]
    same = page.items[0]
    assert refs(same.paths[0]) == ["Enterprise:E01", "ChainSegment:ic.design", "Enterprise:E20"]
    adjacent = page.items[4]
    assert refs(adjacent.paths[0]) == ["Enterprise:E01", "ChainSegment:ic.design",
                                       "ChainSegment:ic.fab", "Enterprise:E08"]
    assert rel_view(adjacent.paths[0])[1] == ("UPSTREAM_OF", "ChainSegment:ic.design",
                                              "ChainSegment:ic.fab")
    upstream = page.items[8]
    assert rel_view(upstream.paths[0])[1] == ("UPSTREAM_OF", "ChainSegment:ic.eda",
                                              "ChainSegment:ic.design")
    assert upstream.facts["via"] == "ic.eda"
    assert_rank_order(page.items)


def test_association_peers(market: GraphStore) -> None:
    page = peers(market, "E01", PeerKind.ASSOCIATION, weights=WEIGHTS)
    assert ranked(page) == [("E02", 15.0), ("E03", 11.0), ("E09", 11.0)]
    assert refs(page.items[2].paths[0]) == ["Enterprise:E01", "Association:AS1", "Enterprise:E09"]
    assert page.items[0].facts["shared"] == ("AS1",)


def test_group_peers_follow_control_edges(market: GraphStore) -> None:
    page = peers(market, "E01", PeerKind.GROUP, weights=WEIGHTS)
    # path strengths: E20 parent (CONTROLS) 1; E24 subsidiary 1; E21 via E20 holding 60%:
    # 0.9*0.6*0.6 = 0.324; E23 via person H1 (70%, 80%): 0.9*0.7*0.6 * 0.9*0.8*0.6 = 0.163296;
    # E25 one more 51% hop: * 0.9*0.51*0.6 -> 0.044972. E22 (30%) is not in the group.
    assert ranked(page) == [("E20", 45.0), ("E24", 38.0), ("E23", 11.0824), ("E21", 9.1),
                            ("E25", 6.1243)]
    assert [parts(p)["path_strength"] for p in page.items] == [1.0, 1.0, 0.163296, 0.324,
                                                               0.044972]
    e23 = page.items[2]
    assert refs(e23.paths[0]) == ["Enterprise:E01", "Enterprise:E20", "Person:H1",
                                  "Enterprise:E23"]
    assert rel_view(e23.paths[0]) == [("CONTROLS", "Enterprise:E20", "Enterprise:E01"),
                                      ("HOLDS_SHARES", "Person:H1", "Enterprise:E20"),
                                      ("HOLDS_SHARES", "Person:H1", "Enterprise:E23")]
    assert e23.score.parts[0].explanation == (
        "control path: controlled by → held 70% by → holds 80% of")
    assert e23.facts["hops"] == 3 and e23.facts["group_truncated"] is False

    shallow = peers(market, "E01", PeerKind.GROUP, weights=WEIGHTS, max_depth=3)
    assert [p.uscc for p in shallow.items] == ["E20", "E24", "E23", "E21"]
    assert shallow.items[0].facts["group_truncated"] is True
    no_persons = peers(market, "E01", PeerKind.GROUP, weights=WEIGHTS, via_persons=False)
    assert [p.uscc for p in no_persons.items] == ["E20", "E24", "E21"]
    capped = corporate_group(market, "E01", max_members=3)
    assert capped.enterprises == ["E20", "E24"] and capped.truncated


@pytest.mark.parametrize(("kind", "filters", "expected"), [
    ("park", EnterpriseFilter(tags=("high_tech",)), ["E02"]),
    ("park", EnterpriseFilter(tags=("high_tech", "listed")), ["E02"]),
    ("park", EnterpriseFilter(customer=False), ["E11", "E03", "E04"]),
    ("park", EnterpriseFilter(customer=True), ["E02"]),
    ("park", EnterpriseFilter(district="310104"), ["E04"]),
    ("park", EnterpriseFilter(sizes=("small",)), ["E11", "E03"]),
    ("park", EnterpriseFilter(include_inactive=True), ["E11", "E02", "E05", "E03", "E04"]),
    ("segment", EnterpriseFilter(tags=("high_tech",)), ["E02", "E10"]),
    ("segment", EnterpriseFilter(district="3101", sizes=("small", "medium")),
     ["E06", "E11", "E10", "E03", "E09"]),
    ("association", EnterpriseFilter(customer=False), ["E03", "E09"]),
    ("group", EnterpriseFilter(customer=True), ["E21"]),
    ("group", EnterpriseFilter(sizes=("small",)), ["E23", "E21"]),
    ("group", EnterpriseFilter(tags=("high_tech",)), []),
])
def test_peer_filters(market: GraphStore, kind: str, filters: EnterpriseFilter,
                      expected: list[str]) -> None:
    page = peers(market, "E01", kind, filters=filters, weights=WEIGHTS)
    assert [p.uscc for p in page.items] == expected
    assert page.total == len(expected)


@pytest.mark.parametrize("kind", list(PeerKind))
def test_peer_pages_are_slices_of_one_order(market: GraphStore, kind: PeerKind) -> None:
    full = peers(market, "E01", kind, weights=WEIGHTS, limit=100)
    pages = [peers(market, "E01", kind, weights=WEIGHTS, limit=2, offset=o) for o in (0, 2, 4, 6, 8)]
    assert [p.uscc for page in pages for p in page.items] == [p.uscc for p in full.items]
    assert {page.total for page in pages} == {full.total}
    past = peers(market, "E01", kind, weights=WEIGHTS, limit=5, offset=50)
    assert past.items == [] and past.total == full.total


def test_unknown_anchor_is_not_found(market: GraphStore) -> None:
    for kind in PeerKind:
        with pytest.raises(NotFound):
            peers(market, "NOPE", kind)
    assert peers(market, "E22", PeerKind.PARK).total == 0  # exists, in no park


# -- strategies ------------------------------------------------------------------------------------


def test_parks_ranked_for_a_chain(market: GraphStore) -> None:
    page = rank_parks(market, chain_id="ic", since="2025-01-01", weights=WEIGHTS)
    # P2: 4 members (E06, E07, E10, E11), 3 of 5 segments, 2 with a 2025 event: 40 + 24 + 10;
    # P1: 4 members (E01, E02, E03, E11), 2 of 5, 1 active: 40 + 16 + 5;
    # P3: 1 member (E08, event in 2024): 10 + 8 + 0.
    assert [(c.park_id, c.score.total) for c in page.items] == [("P2", 74.0), ("P1", 61.0),
                                                                ("P3", 18.0)]
    p2 = page.items[0]
    assert (p2.members, p2.active_members, p2.segments) == (4, 2, ("ic.design", "ic.fab",
                                                                    "ic.pkg"))
    assert [c.strength for c in page.items] == [1.0, 0.824324, 0.243243]
    assert page.total == 3
    assert rank_parks(market, segment_ids=["ic.pkg"], since="2025-01-01",
                      weights=WEIGHTS).items[0].park_id == "P2"
    assert rank_parks(market, chain_id="ic", since="2025-01-01", min_members=2,
                      weights=WEIGHTS).total == 2
    with pytest.raises(NotFound):
        rank_parks(market, chain_id="nope")
    with pytest.raises(NotFound):
        rank_parks(market, segment_ids=["ic.design", "ic.nope"])


def test_park_strategy_lists_non_customers_in_the_top_parks(market: GraphStore) -> None:
    result = park_strategy(market, chain_id="ic", since="2025-01-01", parks=2, weights=WEIGHTS)
    assert [c.park_id for c in result.parks.items] == ["P2", "P1"]
    # cluster 10 x park strength, chain_fit 10 x IN_SEGMENT confidence, scale 5, theme 5:
    # E01 (P1): 8.24324 + 10 + 3 + 2.5; E10 (P2, confidence 0.5, two tags): 10 + 5 + 2 + 5;
    # E06 (P2, confidence 0.8): 10 + 8 + 3; E11 (P1 and P2 -> P2): 10 + 10 + 1; E03: 8.24324 + 10 + 1
    assert ranked(result.prospects) == [("E01", 23.74324), ("E10", 22.0), ("E06", 21.0),
                                        ("E11", 21.0), ("E03", 19.24324)]
    e01 = result.prospects.items[0]
    assert [refs(p) for p in e01.paths] == [["Enterprise:E01", "Park:P1"],
                                            ["Enterprise:E01", "ChainSegment:ic.design",
                                             "IndustryChain:ic"]]
    assert e01.facts["park_id"] == "P1"
    assert result.prospects.items[3].facts["park_id"] == "P2"
    assert parts(result.prospects.items[1]) == {"cluster": 1.0, "chain_fit": 0.5, "scale": 0.4,
                                                "theme": 1.0}
    assert_rank_order(result.prospects.items)
    page2 = park_strategy(market, chain_id="ic", since="2025-01-01", parks=2, weights=WEIGHTS,
                          limit=2, offset=2)
    assert [p.uscc for p in page2.prospects.items] == ["E06", "E11"]
    assert page2.prospects.total == 5
    tagged = park_strategy(market, chain_id="ic", since="2025-01-01", parks=2, weights=WEIGHTS,
                           filters=EnterpriseFilter(tags=("high_tech",)))
    assert [p.uscc for p in tagged.prospects.items] == ["E01", "E10"]


def test_association_strategy_paths_run_through_an_introducer(market: GraphStore) -> None:
    result = association_strategy(market, chain_id="ic", weights=WEIGHTS)
    # AS1: 3 prospects (E01, E03, E09), customer E02 (president): 60 + 40
    # AS2: 2 prospects (E06, E10), customer E07 (director): 60 * 0.666667 + 40
    # AS3: 1 prospect (E08), no customer: 60 * 0.333333
    channels = result.associations.items
    assert [(c.association_id, c.prospects, c.introducers) for c in channels] == [
        ("AS1", 3, 1), ("AS2", 2, 1), ("AS3", 1, 0)]
    assert [c.score.total for c in channels] == [100.0, 80.00002, 19.99998]
    assert [c.strength for c in channels] == [1.0, 0.8, 0.2]
    assert channels[0].introducer is not None and channels[0].introducer.key == "E02"
    assert channels[0].introducer_role == "president"
    assert channels[2].introducer is None
    assert ranked(result.prospects) == [("E01", 25.5), ("E03", 21.0), ("E09", 21.0),
                                        ("E10", 20.0), ("E06", 19.0), ("E08", 16.0)]
    e01 = result.prospects.items[0]
    assert refs(e01.paths[0]) == ["Enterprise:E02", "Association:AS1", "Enterprise:E01"]
    assert rel_view(e01.paths[0]) == [("MEMBER_OF", "Enterprise:E02", "Association:AS1"),
                                      ("MEMBER_OF", "Enterprise:E01", "Association:AS1")]
    assert refs(e01.paths[1]) == ["Enterprise:E01", "ChainSegment:ic.design"]
    assert e01.facts["introducer"] == "E02"
    e08 = result.prospects.items[-1]
    assert refs(e08.paths[0]) == ["Enterprise:E08", "Association:AS3"]
    assert e08.facts["introducer"] is None
    assert_rank_order(result.prospects.items)


# -- chain gaps ------------------------------------------------------------------------------------


def test_chain_gaps_of_a_park(market: GraphStore) -> None:
    report = chain_gaps(market, "P1", "ic", thin_below=2, weights=WEIGHTS)
    assert [(s.segment_id, s.members, s.status, s.gap, s.adjacency) for s in report.segments] == [
        ("ic.design", 3, SegmentStatus.PRESENT, 0.0, 0.5),
        ("ic.dist", 0, SegmentStatus.MISSING, 1.0, 0.0),
        ("ic.eda", 0, SegmentStatus.MISSING, 1.0, 1.0),
        ("ic.fab", 1, SegmentStatus.THIN, 0.5, 0.333333),  # neighbours design, pkg, ai.chips
        ("ic.pkg", 0, SegmentStatus.MISSING, 1.0, 0.5),
    ]
    assert [s.segment_id for s in report.gaps] == ["ic.dist", "ic.eda", "ic.pkg", "ic.fab"]
    # gap 10, chain_fit (adjacency) 10, proximity 10 (1 - km / 100), scale 5, theme 5:
    # E09 eda 11.1 km: 10 + 10 + 8.88805 + 1; E07 pkg 22.2 km: 10 + 5 + 7.7761 + 2;
    # E10 fab 22.2 km: 5 + 3.33333 + 7.7761 + 2 + 5; E24 dist (worth more than its fab) 55.6 km:
    # 10 + 0 + 4.44025 + 3. E08 (fab, Beijing) is beyond 100 km.
    assert ranked(report.fillers) == [("E09", 29.88805), ("E07", 24.7761), ("E10", 23.10943),
                                      ("E24", 17.44025)]
    e24 = report.fillers.items[3]
    assert e24.facts["segment_id"] == "ic.dist" and e24.facts["km"] == 55.597
    assert refs(e24.paths[0]) == ["Enterprise:E24", "ChainSegment:ic.dist", "IndustryChain:ic"]
    assert report.fillers.items[1].facts["is_customer"] is True
    assert_rank_order(report.fillers.items)

    prospects_only = chain_gaps(market, "P1", "ic", thin_below=2, weights=WEIGHTS,
                                filters=EnterpriseFilter(customer=False))
    assert [p.uscc for p in prospects_only.fillers.items] == ["E09", "E10", "E24"]
    anywhere = chain_gaps(market, "P1", "ic", thin_below=2, weights=WEIGHTS, max_km=None)
    assert ranked(anywhere.fillers)[-1] == ("E08", 12.33333)  # 5 + 3.33333 + 0 + 4
    near = chain_gaps(market, "P1", "ic", thin_below=2, weights=WEIGHTS, max_km=20)
    assert ranked(near.fillers) == [("E09", 25.44025)]  # proximity 1 - 11.1195 / 20
    with pytest.raises(NotFound):
        chain_gaps(market, "PX", "ic")
    with pytest.raises(NotFound):
        chain_gaps(market, "P1", "nope")


# -- coverage --------------------------------------------------------------------------------------


def groups(items: Sequence[Any]) -> list[tuple[str, int, int]]:
    return [(g.key, g.enterprises, g.customers) for g in items]


def test_park_coverage(market: GraphStore) -> None:
    report = park_coverage(market, "P1", top=3)
    assert (report.enterprises, report.customers, report.share) == (5, 1, 0.2)
    assert groups(report.branches) == [("B1", 1, 1)]
    assert [g for g in groups(report.themes) if g[1]] == [("green", 1, 0), ("high_tech", 2, 1),
                                                          ("listed", 1, 1)]
    assert len(report.themes) == 7
    assert groups(report.segments) == [("ai.apps", 1, 0), ("ic.design", 3, 1), ("ic.fab", 1, 0)]
    assert groups(report.uncovered) == [("ic.design", 3, 1), ("high_tech", 2, 1),
                                        ("ai.apps", 1, 0)]
    chain_only = park_coverage(market, "P1", chain_id="ic")
    assert (chain_only.scope, chain_only.enterprises, chain_only.customers) == (
        "park:P1/chain:ic", 4, 1)
    with pytest.raises(NotFound):
        park_coverage(market, "PX")


def test_chain_and_segment_coverage(market: GraphStore) -> None:
    report = chain_coverage(market, "ic")
    assert (report.enterprises, report.customers, report.share) == (11, 2, 0.181818)
    assert groups(report.branches) == [("B1", 1, 1), ("B2", 1, 1)]
    assert groups(report.segments) == [("ic.design", 5, 1), ("ic.dist", 1, 0), ("ic.eda", 1, 0),
                                       ("ic.fab", 4, 0), ("ic.pkg", 1, 1)]
    assert groups(report.parks) == [("P1", 4, 1), ("P2", 4, 1), ("P3", 1, 0)]
    assert groups(report.uncovered)[:2] == [("ic.design", 5, 1), ("ic.fab", 4, 0)]
    seg = segment_coverage(market, "ic.design")
    assert (seg.enterprises, seg.customers) == (5, 1)
    assert groups(seg.parks) == [("P1", 3, 1), ("P2", 2, 0)]
    assert groups(seg.uncovered) == [("P1", 3, 1), ("P2", 2, 0), ("high_tech", 2, 1)]


# -- enterprise lookup -----------------------------------------------------------------------------


def test_enterprise_by_uscc(market: GraphStore) -> None:
    profile = enterprise(market, "E11")
    assert profile is not None
    assert (profile.parks, profile.segments, profile.branches) == (("P1", "P2"), ("ic.design",),
                                                                    ())
    assert profile.enterprise.properties["name"] == "两园芯片"
    assert enterprise(market, "NOPE") is None


def test_enterprise_search_is_paged_and_deterministic(market: GraphStore) -> None:
    page = search_enterprises(market, "芯原")
    # exact name, then names starting with the fragment (by name), then the rest
    assert [n.key for n in page.items] == ["E02", "E24", "E21", "E01", "E20", "E03"]
    assert page.total == 6
    second = search_enterprises(market, "芯原", limit=2, offset=2)
    assert [n.key for n in second.items] == ["E21", "E01"] and second.total == 6
    past = search_enterprises(market, "芯原", limit=2, offset=10)
    assert past.items == [] and past.total == 6
    assert search_enterprises(market, "没有").total == 0


# -- the same answers on both stores -------------------------------------------------------------


def _page_view(page: Page[Prospect]) -> dict[str, Any]:
    return {"total": page.total, "items": [
        {"enterprise": node_view(p.enterprise),
         "score": [(s.name, s.value, s.weight, s.explanation) for s in p.score.parts],
         "total": p.score.total, "paths": [path_view(x) for x in p.paths],
         "facts": dict(p.facts)} for p in page.items]}


def market_snapshot(store: GraphStore) -> dict[str, Any]:
    """Every market query's result on the market graph, as plain data."""
    out: dict[str, Any] = {}
    for kind in PeerKind:
        out[f"peers/{kind}"] = _page_view(peers(store, "E01", kind, weights=WEIGHTS))
    strategy = park_strategy(store, chain_id="ic", since="2025-01-01", parks=3, weights=WEIGHTS)
    out["parks"] = [(node_view(c.park), c.members, c.active_members, c.segments, c.score,
                     c.strength) for c in strategy.parks.items]
    out["park_prospects"] = _page_view(strategy.prospects)
    channels = association_strategy(store, chain_id="ic", weights=WEIGHTS)
    out["associations"] = [(node_view(c.association), c.prospects, c.introducers,
                            c.introducer.ref if c.introducer else None, c.introducer_role,
                            c.score, c.strength) for c in channels.associations.items]
    out["association_prospects"] = _page_view(channels.prospects)
    gaps = chain_gaps(store, "P1", "ic", thin_below=2, max_km=None, weights=WEIGHTS)
    out["gaps"] = [(node_view(s.segment), s.members, s.status, s.upstream, s.downstream,
                    s.present_neighbours, s.gap, s.adjacency) for s in gaps.segments]
    out["gap_fillers"] = _page_view(gaps.fillers)
    for name, report in [("park", park_coverage(store, "P1")), ("chain", chain_coverage(store, "ic")),
                         ("segment", segment_coverage(store, "ic.fab"))]:
        out[f"coverage/{name}"] = report
    profile = enterprise(store, "E11")
    out["enterprise"] = (node_view(profile.enterprise), profile) if profile else None
    search = search_enterprises(store, "芯")
    out["search"] = (search.total, [node_view(n) for n in search.items])
    return out


@pytest.mark.neo4j
def test_market_queries_answer_the_same_on_both_stores(falkordb_store: GraphStore,
                                                       neo4j_store: GraphStore) -> None:
    spec = market_graph()
    build(falkordb_store, spec)
    build(neo4j_store, spec)
    falkordb = market_snapshot(falkordb_store)
    neo4j = market_snapshot(neo4j_store)
    for key in falkordb:
        assert falkordb[key] == neo4j[key], key
