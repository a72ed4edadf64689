"""The member index (queries/peer_index.py) answers peers pages exactly as the Cypher queries do,
on both real stores: the hand-built market graph's known answers, and seeded random graphs with
every filter, paging past ties, firms in several hubs, revoked firms and customers."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import Executor, Future
from itertools import product
from typing import Any

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.queries.market import EnterpriseFilter
from chainscout.queries.peer_index import MemberIndex
from chainscout.queries.peers import PeerKind, peers
from tests.graph_builder import GraphSpec, build
from tests.market_graph import market_graph

KINDS = (PeerKind.PARK, PeerKind.SEGMENT, PeerKind.ASSOCIATION)
FILTERS = (
    EnterpriseFilter(),
    EnterpriseFilter(customer=False),
    EnterpriseFilter(customer=True),
    EnterpriseFilter(tags=("high_tech",)),
    EnterpriseFilter(tags=("high_tech", "listed")),
    EnterpriseFilter(district="3101"),
    EnterpriseFilter(sizes=("small", "medium")),
    EnterpriseFilter(include_inactive=True),
    EnterpriseFilter(district="31", sizes=("micro",), customer=False, include_inactive=True),
)
TAGS = ("high_tech", "listed", "state_owned", "foreign")
SIZES = ("micro", "small", "medium", "large")


def _random_market(seed: int) -> GraphSpec:
    """Hubs of every size, firms in two or three parks, segments and associations, capitals that
    tie (the same value, none, beyond the full-scale cap), revoked firms and customers."""
    rng = random.Random(seed)
    g = GraphSpec()
    segments = [f"s{i}" for i in range(7)]
    chain = g.node("IndustryChain", chain_id="c", name="链")
    for sid in segments:
        g.rel("PART_OF", g.node("ChainSegment", segment_id=sid, chain_id="c", name=sid), chain)
    for a, b in [(0, 1), (1, 2), (2, 3), (4, 1), (5, 6)]:
        g.rel("UPSTREAM_OF", f"ChainSegment:{segments[a]}", f"ChainSegment:{segments[b]}")
    parks = [f"P{i}" for i in range(4)]
    for pid in parks:
        g.node("Park", park_id=pid, name=pid)
    assocs = [f"A{i}" for i in range(3)]
    for aid in assocs:
        g.node("Association", association_id=aid, name=aid)
    g.node("Branch", branch_id="B1", name="支行")
    for i in range(120):
        key = f"91{i:016d}"
        capital = rng.choice([None, 0.0, 9.0, 99.0, 99.0, 1234.5, 99999.0, 250000.0,
                              rng.uniform(1, 50000)])
        props = {"uscc": key, "name": f"企业{i}",
                 "status": rng.choice(["active"] * 8 + ["revoked", "cancelled"]),
                 "district_code": rng.choice(["310115", "310104", "320505", "440305"]),
                 "size": rng.choice(SIZES),
                 "tags": sorted(rng.sample(TAGS, rng.randint(0, 3)))}
        if capital is not None:
            props["registered_capital"] = capital
        ref = g.node("Enterprise", **props)
        for pid in rng.sample(parks, rng.choice([0, 1, 1, 1, 2, 3])):
            g.rel("LOCATED_IN", ref, f"Park:{pid}")
        for sid in rng.sample(segments, rng.choice([0, 1, 1, 2])):
            g.rel("IN_SEGMENT", ref, f"ChainSegment:{sid}", confidence=1.0)
        for aid in rng.sample(assocs, rng.choice([0, 0, 1, 2])):
            g.rel("MEMBER_OF", ref, f"Association:{aid}", role="member")
        if rng.random() < 0.25:
            g.rel("CUSTOMER_OF", ref, "Branch:B1")
    return g


@pytest.fixture
def market(store: GraphStore) -> GraphStore:
    build(store, market_graph())
    return store


def _same(store: GraphStore, index: MemberIndex, anchor: str, kind: PeerKind,
          filters: EnterpriseFilter, limit: int, offset: int) -> int:
    by_cypher = peers(store, anchor, kind, filters=filters, limit=limit, offset=offset)
    by_index = peers(store, anchor, kind, filters=filters, limit=limit, offset=offset, index=index)
    assert by_index == by_cypher, (anchor, kind, filters, offset)
    return by_cypher.total


@pytest.mark.parametrize("kind", KINDS)
def test_the_market_graph_answers_are_the_same(market: GraphStore, kind: PeerKind) -> None:
    index = MemberIndex(market)
    for anchor in ("E01", "E06", "E22"):
        for filters in FILTERS:
            for offset in (0, 2):
                _same(market, index, anchor, kind, filters, 3, offset)


@pytest.mark.parametrize("seed", [3, 4])
def test_random_graphs_answer_the_same(store: GraphStore, seed: int) -> None:
    build(store, _random_market(seed))
    index = MemberIndex(store)
    rng = random.Random(seed)
    anchors = [f"91{i:016d}" for i in rng.sample(range(120), 6)]
    totals = []
    for anchor, kind in product(anchors, KINDS):
        for filters in rng.sample(FILTERS, 2):
            for limit, offset in ((7, 5), (100, 0)):
                totals.append(_same(store, index, anchor, kind, filters, limit, offset))
    assert max(totals) > 20  # hubs large enough for pages to cut through ties
    assert index.reads <= 4 + 7 + 3  # each hub read once


def test_an_index_answers_from_what_it_read_until_invalidated(market: GraphStore) -> None:
    index = MemberIndex(market)
    before = peers(market, "E01", PeerKind.PARK, index=index)
    market.write("MATCH (e:Enterprise {uscc: 'E04'})-[r:LOCATED_IN]->() DELETE r")
    stale = peers(market, "E01", PeerKind.PARK, index=index)
    assert [p.uscc for p in stale.items] == [p.uscc for p in before.items]  # as read: E04 is in
    index.invalidate()
    after = peers(market, "E01", PeerKind.PARK, index=index)
    assert after == peers(market, "E01", PeerKind.PARK)
    assert after.total == before.total - 1
    assert "E04" not in [p.uscc for p in after.items]


class _RightAway(Executor):
    """Runs a submitted read at once, so the test sees its effect."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


def _clocked(store: GraphStore) -> tuple[MemberIndex, list[float]]:
    """An index on a clock the test moves (``now[0]``), reading due hubs at once."""
    now = [0.0]
    return MemberIndex(store, max_age_s=60.0, clock=lambda: now[0], background=_RightAway()), now


def test_a_due_hub_answers_while_it_is_read_again(market: GraphStore) -> None:
    index, now = _clocked(market)
    before = peers(market, "E01", PeerKind.PARK, index=index)
    now[0] = 59.0
    peers(market, "E01", PeerKind.PARK, index=index)
    assert index.reads == 1
    market.write("MATCH (e:Enterprise {uscc: 'E04'})-[r:LOCATED_IN]->() DELETE r")
    now[0] = 60.0
    due = peers(market, "E01", PeerKind.PARK, index=index)  # answered from what it held
    assert index.reads == 2  # and read again
    assert due.total == before.total
    fresh = peers(market, "E01", PeerKind.PARK, index=index)
    assert fresh == peers(market, "E01", PeerKind.PARK)
    assert fresh.total == before.total - 1


def test_a_hub_nobody_asked_for_is_read_before_answering(market: GraphStore) -> None:
    index, now = _clocked(market)
    before = peers(market, "E01", PeerKind.PARK, index=index)
    market.write("MATCH (e:Enterprise {uscc: 'E04'})-[r:LOCATED_IN]->() DELETE r")
    now[0] = 120.0
    after = peers(market, "E01", PeerKind.PARK, index=index)
    assert index.reads == 2
    assert after == peers(market, "E01", PeerKind.PARK)
    assert after.total == before.total - 1


def test_an_anchor_is_kept_as_long_as_the_hubs(market: GraphStore) -> None:
    index, now = _clocked(market)
    before = peers(market, "E01", PeerKind.ASSOCIATION, index=index)
    market.write("MATCH (:Enterprise {uscc: 'E01'})-[r:MEMBER_OF]->() DELETE r")
    kept = peers(market, "E01", PeerKind.ASSOCIATION, index=index)
    assert kept.total == before.total  # the anchor's associations as read
    now[0] = 60.0
    assert peers(market, "E01", PeerKind.ASSOCIATION, index=index).total == 0
    index.invalidate()
    assert peers(market, "E01", PeerKind.ASSOCIATION, index=index) == peers(
        market, "E01", PeerKind.ASSOCIATION)


def test_a_page_reads_only_the_rows_it_does_not_hold(market: GraphStore) -> None:
    index, now = _clocked(market)
    first = peers(market, "E01", PeerKind.PARK, index=index)
    read = index.rows_read
    assert read == len(first.items) + 1  # the peers and the anchor
    assert peers(market, "E01", PeerKind.PARK, index=index) == first
    assert index.rows_read == read  # all held
    other = peers(market, "E02", PeerKind.PARK, index=index)  # in E01's park: E01 is a peer
    held = {"E01"} | {p.uscc for p in first.items}
    assert index.rows_read == read + len(({"E02"} | {p.uscc for p in other.items}) - held)
    market.write("MATCH (e:Enterprise {uscc: 'E02'}) SET e.name = '新名称'")
    kept = peers(market, "E01", PeerKind.PARK, index=index)
    assert "新名称" not in [p.enterprise.properties["name"] for p in kept.items]  # as read
    now[0] = 60.0
    fresh = peers(market, "E01", PeerKind.PARK, index=index)
    assert "新名称" in [p.enterprise.properties["name"] for p in fresh.items]
    assert fresh == peers(market, "E01", PeerKind.PARK)
