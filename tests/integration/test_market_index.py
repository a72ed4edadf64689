"""The market strategies ranked from the member index (queries/market_index.py) give exactly the
answers of the Cypher queries, on both real stores: the hand-built market graph, and seeded random
graphs with members in several segments, parks and associations, events around the growth date,
confidence ties, revoked firms, customers and district filters."""

from __future__ import annotations

import random
from itertools import product

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.queries.market import EnterpriseFilter
from chainscout.queries.peer_index import MemberIndex
from chainscout.queries.strategies import (
    AssociationStrategy,
    association_strategy,
    park_strategy,
    rank_associations,
    rank_parks,
)
from tests.graph_builder import GraphSpec, build
from tests.market_graph import market_graph

FILTERS = (
    EnterpriseFilter(),
    EnterpriseFilter(customer=False),
    EnterpriseFilter(tags=("high_tech",)),
    EnterpriseFilter(tags=("high_tech", "listed")),
    EnterpriseFilter(district="3101"),
    EnterpriseFilter(sizes=("small", "medium")),
    EnterpriseFilter(include_inactive=True),
    EnterpriseFilter(district="31", sizes=("micro", "small"), include_inactive=True),
)
TAGS = ("high_tech", "listed", "state_owned", "foreign")
SIZES = ("micro", "small", "medium", "large")
ROLES = ("president", "vice_president", "director", "member", "observer")
DISTRICTS = ("310115", "310104", "320505", "440305")


def _random_market(seed: int) -> GraphSpec:
    """Two chains, firms in up to three segments (either chain), parks and associations with
    districts, confidences that tie, events either side of the growth dates, roles of every rank,
    revoked firms and customers."""
    rng = random.Random(seed)
    g = GraphSpec()
    for chain in ("c", "d"):
        ref = g.node("IndustryChain", chain_id=chain, name=chain)
        for i in range(4):
            g.rel("PART_OF", g.node("ChainSegment", segment_id=f"{chain}{i}", chain_id=chain,
                                    name=f"{chain}{i}"), ref)
    segments = [f"{c}{i}" for c in "cd" for i in range(4)]
    parks = [f"P{i}" for i in range(6)]
    for pid in parks:
        g.node("Park", park_id=pid, name=pid, district_code=rng.choice(DISTRICTS))
    assocs = [f"A{i}" for i in range(5)]
    for aid in assocs:
        g.node("Association", association_id=aid, name=aid, district_code=rng.choice(DISTRICTS))
    g.node("Branch", branch_id="B1", name="支行")
    for i in range(160):
        key = f"91{i:016d}"
        capital = rng.choice([None, 0.0, 99.0, 99.0, 1234.5, 99999.0, 250000.0,
                              rng.uniform(1, 50000)])
        props = {"uscc": key, "name": f"企业{i}",
                 "status": rng.choice(["active"] * 8 + ["revoked", "cancelled"]),
                 "district_code": rng.choice(DISTRICTS), "size": rng.choice(SIZES),
                 "tags": sorted(rng.sample(TAGS, rng.randint(0, 3)))}
        if capital is not None:
            props["registered_capital"] = capital
        ref = g.node("Enterprise", **props)
        for pid in rng.sample(parks, rng.choice([0, 1, 1, 1, 2, 3])):
            g.rel("LOCATED_IN", ref, f"Park:{pid}")
        for sid in rng.sample(segments, rng.choice([0, 1, 1, 2, 3])):
            confidence = rng.choice([None, 0.5, 0.8, 0.8, 1.0])
            g.rel("IN_SEGMENT", ref, f"ChainSegment:{sid}",
                  **({} if confidence is None else {"confidence": confidence}))
        for aid in rng.sample(assocs, rng.choice([0, 0, 1, 2])):
            g.rel("MEMBER_OF", ref, f"Association:{aid}", role=rng.choice(ROLES))
        if rng.random() < 0.3:
            g.rel("CUSTOMER_OF", ref, "Branch:B1")
        for n in range(rng.choice([0, 0, 1, 2])):
            day = rng.choice(["2024-12-31", "2025-01-01", "2025-06-30", "2025-07-01"])
            event = g.node("Event", event_id=f"EV{i}-{n}", type="capital_increase", date=day)
            g.rel("CONCERNS", event, ref)
    return g


@pytest.fixture
def market(store: GraphStore) -> GraphStore:
    build(store, market_graph())
    return store


def _same_parks(store: GraphStore, index: MemberIndex, **kw: object) -> int:
    by_cypher = park_strategy(store, **kw)  # type: ignore[arg-type]
    by_index = park_strategy(store, index=index, **kw)  # type: ignore[arg-type]
    assert by_index == by_cypher, kw
    assert rank_parks(store, index=index, limit=20, **_place_args(kw, "since", "district")) \
        == rank_parks(store, limit=20, **_place_args(kw, "since", "district"))
    return by_cypher.prospects.total


def _same_associations(store: GraphStore, index: MemberIndex, **kw: object) -> int:
    by_cypher = association_strategy(store, **kw)  # type: ignore[arg-type]
    by_index = association_strategy(store, index=index, **kw)  # type: ignore[arg-type]
    assert by_index == by_cypher, kw
    assert rank_associations(store, index=index, limit=20, **_place_args(kw, "district")) \
        == rank_associations(store, limit=20, **_place_args(kw, "district"))
    return by_cypher.prospects.total


def _place_args(kw: dict[str, object], *names: str) -> dict[str, object]:
    return {k: v for k, v in kw.items() if k in ("chain_id", "segment_ids", *names)}


def test_the_market_graph_answers_are_the_same(market: GraphStore) -> None:
    index = MemberIndex(market)
    for chain, filters, (limit, offset) in product(("ic", "ai"), FILTERS, ((3, 0), (3, 2))):
        for since in ("2020-01-01", "2025-01-01"):
            _same_parks(market, index, chain_id=chain, since=since, parks=2, filters=filters,
                        limit=limit, offset=offset)
        _same_associations(market, index, chain_id=chain, associations=2, filters=filters,
                           limit=limit, offset=offset)
    for district in ("31", "3101", "99"):
        _same_parks(market, index, chain_id="ic", since="2025-01-01", district=district)
        _same_associations(market, index, chain_id="ic", district=district)


@pytest.mark.parametrize("seed", [5, 6])
def test_random_graphs_answer_the_same(store: GraphStore, seed: int) -> None:
    build(store, _random_market(seed))
    index = MemberIndex(store)
    rng = random.Random(seed)
    totals = []
    targets: list[dict[str, object]] = [
        {"chain_id": "c"}, {"chain_id": "d"}, {"segment_ids": ["c1", "d2"]},
        {"segment_ids": ["c0"]}]
    for target in targets:
        for filters in rng.sample(FILTERS, 3):
            for (limit, offset), places in product(((7, 4), (200, 0)), (1, 3, 6)):
                for since in ("2025-01-01", "2025-07-01"):
                    totals.append(_same_parks(
                        store, index, since=since, parks=places, filters=filters, limit=limit,
                        offset=offset, min_members=rng.choice([1, 3]),
                        district=rng.choice([None, "31"]), **target))
                totals.append(_same_associations(
                    store, index, associations=places, filters=filters, limit=limit,
                    offset=offset, district=rng.choice([None, "31", "3101"]), **target))
    assert max(totals) > 20  # enough prospects for pages to cut through ties
    assert index.reads <= 8 + 2  # each segment's members read once, parks and associations once


def test_the_index_answers_from_what_it_read_until_invalidated(market: GraphStore) -> None:
    index = MemberIndex(market)
    before = association_strategy(market, chain_id="ic", index=index)
    reads = index.reads
    assert association_strategy(market, chain_id="ic", index=index) == before
    assert index.reads == reads  # answered from what it holds
    market.write("MATCH (e:Enterprise {uscc: 'E02'})-[r:MEMBER_OF]->() DELETE r")
    stale = association_strategy(market, chain_id="ic", index=index)
    # ranked as read (the introducer counts and choice); the page's nodes and paths are read now
    assert _channels(stale) == _channels(before)
    assert [p.uscc for p in stale.prospects.items] == [p.uscc for p in before.prospects.items]
    index.invalidate()
    after = association_strategy(market, chain_id="ic", index=index)
    assert after == association_strategy(market, chain_id="ic")
    assert after != before


def _channels(result: AssociationStrategy) -> list[tuple[str, int, int, str | None]]:
    return [(c.association_id, c.prospects, c.introducers,
             c.introducer.key if c.introducer else None) for c in result.associations.items]
