"""Group peers from the held control graph (queries/group_index.py) are the store search's pages,
on both real stores: the hand-built market graph, and seeded random groups with cross-holdings,
cycles, persons holding several majorities, shareholdings at and around the majority, parallel
CONTROLS and HOLDS_SHARES, truncation by depth and by size, every filter and pages past ties."""

from __future__ import annotations

import random
from typing import Any

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.queries.group_index import GRAPH_KIND, GROUP_KIND
from chainscout.queries.market import EnterpriseFilter
from chainscout.queries.peer_index import MemberIndex
from chainscout.queries.peers import PeerKind, peers
from chainscout.queries.results import Page, Prospect, path_view
from tests.graph_builder import GraphSpec, build
from tests.market_graph import market_graph

FILTERS = (
    EnterpriseFilter(),
    EnterpriseFilter(customer=False),
    EnterpriseFilter(customer=True),
    EnterpriseFilter(tags=("listed",)),
    EnterpriseFilter(district="3101", include_inactive=True),
    EnterpriseFilter(sizes=("small", "large")),
)
BOUNDS: tuple[dict[str, Any], ...] = (
    {},
    {"max_depth": 1},
    {"max_depth": 2, "via_persons": False},
    {"max_members": 4},
    {"max_members": 9, "max_depth": 3},
    {"majority": 60.0},
    {"majority": 75.0, "via_persons": False},
)


def _random_groups(seed: int) -> GraphSpec:
    """Corporate groups of 1–25 firms: parents holding 30–100 % of their subsidiaries (exactly
    50 % too, which does not control), CONTROLS beside some holdings, cross-holdings that close
    cycles, persons holding majorities in firms of different groups, a firm holding itself."""
    rng = random.Random(seed)
    g = GraphSpec()
    chain = g.node("IndustryChain", chain_id="c", name="链")
    segments = [f"s{i}" for i in range(5)]
    for sid in segments:
        g.rel("PART_OF", g.node("ChainSegment", segment_id=sid, chain_id="c", name=sid), chain)
    for a, b in [(0, 1), (1, 2), (3, 4)]:
        g.rel("UPSTREAM_OF", f"ChainSegment:{segments[a]}", f"ChainSegment:{segments[b]}")
    g.node("Branch", branch_id="B1", name="支行")
    firms: list[str] = []
    for i in range(140):
        key = f"91{i:016d}"
        props: dict[str, Any] = {
            "uscc": key, "name": f"企业{i}",
            "status": rng.choice(["active"] * 6 + ["revoked"]),
            "district_code": rng.choice(["310115", "310104", "320505"]),
            "size": rng.choice(["micro", "small", "medium", "large"]),
            "tags": sorted(rng.sample(["listed", "high_tech", "green"], rng.randint(0, 2)))}
        capital = rng.choice([None, 0.0, 500.0, 500.0, 99999.0, rng.uniform(1, 40000)])
        if capital is not None:
            props["registered_capital"] = capital
        firms.append(g.node("Enterprise", **props))
        for sid in rng.sample(segments, rng.choice([0, 1, 1, 2])):
            g.rel("IN_SEGMENT", firms[-1], f"ChainSegment:{sid}", confidence=1.0)
        if rng.random() < 0.3:
            g.rel("CUSTOMER_OF", firms[-1], "Branch:B1")
    pct = (30.0, 50.0, 50.5, 51, 55.0, 60.0, 75.0, 80, 100)
    at = 0
    while at < len(firms):
        size = min(rng.choice([1, 1, 2, 3, 5, 8, 13, 25]), len(firms) - at)
        group = firms[at: at + size]
        for i in range(1, size):
            parent = group[rng.randrange(i)]
            g.rel("HOLDS_SHARES", parent, group[i], percentage=rng.choice(pct))
            if rng.random() < 0.3:
                g.rel("CONTROLS", parent, group[i], basis="agreement")
        if size > 3 and rng.random() < 0.6:  # a cross-holding back up the tree: a cycle
            g.rel("HOLDS_SHARES", group[-1], group[0], percentage=rng.choice(pct))
        at += size
    g.rel("HOLDS_SHARES", firms[7], firms[7], percentage=60.0)
    for j in range(30):
        person = g.node("Person", person_id=f"P{j:03d}", name=f"人{j}")
        for firm in rng.sample(firms, rng.choice([1, 1, 2, 3])):
            g.rel("HOLDS_SHARES", person, firm, percentage=rng.choice(pct))
    return g


def _same(store: GraphStore, index: MemberIndex, anchor: str, filters: EnterpriseFilter,
          limit: int, offset: int, bounds: dict[str, Any]) -> Page[Prospect]:
    by_store = peers(store, anchor, PeerKind.GROUP, filters=filters, limit=limit, offset=offset,
                     **bounds)
    by_index = peers(store, anchor, PeerKind.GROUP, filters=filters, limit=limit, offset=offset,
                     index=index, **bounds)
    assert by_index == by_store, (anchor, filters, bounds, offset)
    # relationship properties are not part of equality: the drawn paths are
    assert [[path_view(p) for p in x.paths] for x in by_index.items] == [
        [path_view(p) for p in x.paths] for x in by_store.items]
    return by_store


@pytest.mark.parametrize("seed", [11, 12])
def test_random_groups_answer_the_same(store: GraphStore, seed: int) -> None:
    build(store, _random_groups(seed))
    index = MemberIndex(store)
    rng = random.Random(seed)
    seen_total, seen_truncated, seen_person_path = 0, False, False
    for i in rng.sample(range(140), 24):
        anchor = f"91{i:016d}"
        for bounds in rng.sample(BOUNDS, 3):
            for filters in rng.sample(FILTERS, 2):
                for limit, offset in ((3, 2), (100, 0)):
                    page = _same(store, index, anchor, filters, limit, offset, bounds)
                    seen_total = max(seen_total, page.total)
                    seen_truncated |= any(p.facts["group_truncated"] for p in page.items)
                    seen_person_path |= any(n.label == "Person" for p in page.items
                                            for n in p.paths[0].nodes)
    assert seen_total > 8 and seen_truncated and seen_person_path  # the cases were reached
    # one read of the graph; one of each group's facts
    held = {kind for kind, _ in index._hubs}
    assert held == {GRAPH_KIND, GROUP_KIND}


def test_the_market_graph_group_answers_are_the_same(store: GraphStore) -> None:
    build(store, market_graph())
    index = MemberIndex(store)
    for anchor in ("E01", "E21", "E23", "E25", "E22", "E05"):
        for filters in FILTERS:
            for bounds in BOUNDS:
                _same(store, index, anchor, filters, 2, 1, bounds)
                _same(store, index, anchor, filters, 20, 0, bounds)


def test_a_majority_below_the_floor_is_the_stores(store: GraphStore) -> None:
    build(store, market_graph())
    index = MemberIndex(store)
    _same(store, index, "E01", EnterpriseFilter(), 20, 0, {"majority": 25.0})
    assert not index._hubs  # nothing read into the index


def test_the_group_index_answers_from_what_it_read_until_invalidated(store: GraphStore) -> None:
    build(store, market_graph())
    index = MemberIndex(store)
    before = peers(store, "E01", PeerKind.GROUP, index=index)
    assert before.total >= 2
    gone = before.items[-1].uscc
    store.write("MATCH (e:Enterprise {uscc: $u})-[r:HOLDS_SHARES|CONTROLS]-() DELETE r", {"u": gone})
    stale = peers(store, "E01", PeerKind.GROUP, index=index)
    assert stale.total == before.total  # as read
    index.invalidate()
    after = peers(store, "E01", PeerKind.GROUP, index=index)
    assert after == peers(store, "E01", PeerKind.GROUP)
    assert gone not in [p.uscc for p in after.items]
