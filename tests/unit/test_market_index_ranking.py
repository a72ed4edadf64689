"""The in-process strategy rankings (queries/market_index.py) on a hand-built chain with known
answers: members counted once across segments, growth by latest event, district and
``min_members``, introducers, prospect scores, filters, ties and pages. The integration tests
compare the same functions with the Cypher queries on both stores."""

from __future__ import annotations

import math
from typing import Any

import pytest

from chainscout.queries.market import EnterpriseFilter
from chainscout.queries.market_index import (
    ChainMarket,
    Places,
    SegmentMarket,
    association_tally,
    park_tally,
    rank_associations,
    rank_parks,
    rank_prospects,
)

#: uscc: (capital, active, customer, district, size, latest event, tags, parks, associations,
#: {segment: confidence})
MEMBERS: dict[str, tuple[Any, ...]] = {
    "E1": (1000.0, 1, 0, "310115", "small", "2025-03-01", ["high_tech", "listed"], ["P1"], ["A1"],
           {"s1": 0.8, "s2": 1.0}),
    "E2": (None, 1, 1, "310104", "large", None, [], ["P1", "P2"], ["A1"], {"s1": 1.0}),
    "E3": (99999.0, 1, 0, "320505", "medium", "2024-01-01", ["listed"], ["P2"], [], {"s2": 0.5}),
    "E3b": (99999.0, 1, 0, "320505", "medium", None, ["listed"], ["P2"], [], {"s2": 0.5}),
    "E4": (10.0, 0, 0, "310115", "micro", "2025-06-01", [], ["P1"], ["A2"], {"s1": 1.0}),
    "E5": (0.0, 1, 0, "440305", "small", None, [], [], ["A2"], {"s2": 1.0}),
}
PLACE_WEIGHTS = {"members": 40.0, "coverage": 40.0, "growth": 20.0, "reach": 60.0,
                 "introducers": 40.0}
PARKS = Places({"P1": "310115", "P2": "320505"}, {}, {})
ASSOCIATIONS = Places({"A1": "310000", "A2": "440000"}, {"A1": 2, "A2": 0},
                      {"A1": "3E2", "A2": None})


def _segment(hub: str) -> SegmentMarket:
    cols: dict[str, list[Any]] = {k: [] for k in ("uscc", "capital", "active", "customer",
                                                  "district", "size", "fit", "latest")}
    sets: dict[str, list[Any]] = {"uscc": [], "field": [], "value": []}
    for uscc, (cap, active, customer, district, size, latest, tags, parks, assocs,
               fits) in MEMBERS.items():
        if hub not in fits:
            continue
        for name, value in zip(cols, (uscc, cap, active, customer, district, size, fits[hub],
                                      latest), strict=True):
            cols[name].append(value)
        for field, values in enumerate((tags, parks, assocs)):
            for value in values:
                sets["uscc"].append(uscc)
                sets["field"].append(field)
                sets["value"].append(value)
    return SegmentMarket.from_columns(hub, cols, sets)


@pytest.fixture(scope="module")
def market() -> ChainMarket:
    return ChainMarket.join([_segment("s1"), _segment("s2")])


def test_members_are_joined_once_across_segments(market: ChainMarket) -> None:
    assert market.keys.tolist() == ["E1", "E2", "E3", "E3b", "E4", "E5"]
    assert market.fit.tolist() == [1.0, 1.0, 0.5, 0.5, 1.0, 1.0]  # E1: the best of 0.8 and 1.0
    assert market.in_segment.tolist() == [[True, True], [True, False], [False, True],
                                          [False, True], [True, False], [False, True]]


def test_parks_rank_by_members_coverage_and_growth(market: ChainMarket) -> None:
    qualified, ranked = rank_parks(park_tally(market), PARKS, since="2025-01-01",
                                   district=None, min_members=1, weights=PLACE_WEIGHTS, limit=10)
    assert qualified == 2
    # P2: E2, E3, E3b, both segments, no recent event: 40 + 40 + 0 = 80
    # P1: E1 and E2 (E4 is inactive), both segments, E1's event is recent: 26.7 + 40 + 10 = 76.7
    assert [(p.place_id, p.counts["members"], p.counts["active_members"], p.counts["segments"])
            for p in ranked] == [("P2", 3, 0, ["s1", "s2"]), ("P1", 2, 1, ["s1", "s2"])]
    assert ranked[0].signals == {"members": 1.0, "coverage": 1.0, "growth": 0.0}
    assert ranked[1].signals == {"members": 2 / 3, "coverage": 1.0, "growth": 0.5}
    growth_only = {**PLACE_WEIGHTS, "members": 0.0, "coverage": 0.0}
    by_growth = rank_parks(park_tally(market), PARKS, since="2024-01-01", district=None,
                           min_members=1, weights=growth_only, limit=10)[1]
    # from 2024: E1 of P1's two (0.5), E3 of P2's three (1/3)
    assert [(p.place_id, p.counts["active_members"]) for p in by_growth] == [("P1", 1), ("P2", 1)]
    later = rank_parks(park_tally(market), PARKS, since="2025-03-02", district=None,
                       min_members=1, weights=growth_only, limit=1)[1]
    assert [(p.place_id, p.signals["growth"]) for p in later] == [("P1", 0.0)]  # tie: lower id


def test_parks_narrowed_by_district_and_min_members(market: ChainMarket) -> None:
    tally = park_tally(market)
    qualified, ranked = rank_parks(tally, PARKS, since="2025-01-01", district="31",
                                   min_members=1, weights=PLACE_WEIGHTS, limit=10)
    assert (qualified, [p.place_id for p in ranked]) == (1, ["P1"])
    assert ranked[0].counts["top_members"] == 2  # the top among the parks kept
    assert rank_parks(tally, PARKS, since="2025-01-01", district=None, min_members=3,
                      weights=PLACE_WEIGHTS, limit=10)[0] == 1
    assert rank_parks(tally, PARKS, since="2025-01-01", district="99", min_members=1,
                      weights=PLACE_WEIGHTS, limit=10) == (0, [])


def test_associations_rank_by_reach_and_introducers(market: ChainMarket) -> None:
    qualified, ranked = rank_associations(association_tally(market), ASSOCIATIONS, district=None,
                                          weights=PLACE_WEIGHTS, limit=10)
    # A1 reaches E1 (E2 is a customer), A2 reaches E5 (E4 is inactive); A1 has the introducers
    assert qualified == 2
    assert [(a.place_id, a.counts["prospects"], a.counts["introducers"], a.counts["best"])
            for a in ranked] == [("A1", 1, 2, "3E2"), ("A2", 1, 0, None)]
    assert [a.signals for a in ranked] == [{"reach": 1.0, "introducers": 1.0},
                                           {"reach": 1.0, "introducers": 0.0}]


def test_prospects_score_ties_and_pages(market: ChainMarket) -> None:
    themes = ("high_tech", "listed")
    weights = (10.0, 10.0, 5.0, 5.0)
    ranked = rank_prospects(market, "park", ["P1", "P2"], [1.0, 0.8], EnterpriseFilter(),
                            themes, weights, 0, 10)
    scale_e1 = math.log10(1001.0) / 5.0
    assert ranked.total == 3  # E1, E3, E3b: E2 is a customer, E4 inactive, E5 in no park
    assert ranked.rows == [
        ["E1", 0, 1.0, 1.0, scale_e1, 1.0],
        ["E3", 1, 0.8, 0.5, 1.0, 0.5],   # ties with E3b: the lower USCC first
        ["E3b", 1, 0.8, 0.5, 1.0, 0.5],
    ]
    with_inactive = rank_prospects(market, "park", ["P1", "P2"], [1.0, 0.8],
                                   EnterpriseFilter(include_inactive=True), themes, weights, 1, 2)
    # E1 28.0, then E4 10 + 10 + 5 * log10(11) / 5 = 21.04, then E3 8 + 5 + 5 + 2.5 = 20.5
    assert with_inactive.total == 4
    assert [r[0] for r in with_inactive.rows] == ["E4", "E3"]
    tagged = rank_prospects(market, "park", ["P1", "P2"], [1.0, 0.8],
                            EnterpriseFilter(tags=("listed",), district="32"), themes, weights,
                            0, 10)
    assert [r[0] for r in tagged.rows] == ["E3", "E3b"]
    via_association = rank_prospects(market, "association", ["A2"], [1.0], EnterpriseFilter(),
                                     themes, weights, 0, 10)
    assert via_association.rows == [["E5", 0, 1.0, 1.0, 0.0, 0.0]]
    assert rank_prospects(market, "park", ["P1"], [1.0], EnterpriseFilter(), themes, weights,
                          5, 10).rows == []
