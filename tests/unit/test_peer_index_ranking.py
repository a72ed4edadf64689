"""The member index's ranking against a plain-Python reading of the peers queries: filters, each
member once across hubs, score order with ties to the lower USCC, pages cut through ties."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from chainscout.queries.market import EnterpriseFilter
from chainscout.queries.peer_index import HubMembers, MemberIndex, rank_members, scale_signal

WEIGHTS = {"chain_fit": 10.0, "scale": 5.0, "not_customer": 5.0}
HUBS = ("h0", "h1", "h2")
TAGS = ("high_tech", "listed", "green")


def _firms(rng: random.Random) -> list[dict[str, Any]]:
    firms = []
    for i in range(150):
        firms.append({
            "uscc": f"91{rng.randrange(10**6):016d}" if i % 7 else f"91{i:016d}",
            "capital": rng.choice([None, 0.0, 9.0, 99.0, 99999.0, 5e5, rng.uniform(1, 9e4)]),
            "active": rng.random() < 0.85, "customer": rng.random() < 0.3,
            "district": rng.choice([None, "310115", "310104", "320505"]),
            "size": rng.choice([None, "micro", "small", "large"]),
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
            "segments": rng.sample(["s1", "s2", "s3", "s4"], rng.randint(0, 2)),
            "hubs": rng.sample(HUBS, rng.randint(1, 3)),
        })
    return list({f["uscc"]: f for f in firms}.values())


def _hub(hub: str, firms: list[dict[str, Any]]) -> HubMembers:
    members = [f for f in firms if hub in f["hubs"]]
    cols = {name: [f[name] for f in members] for name in ("uscc", "capital", "district", "size")}
    cols["active"] = [int(f["active"]) for f in members]
    cols["customer"] = [int(f["customer"]) for f in members]
    sets: dict[str, list[Any]] = {"uscc": [], "field": [], "value": []}
    for f in members:
        for field, name in enumerate(("tags", "segments", "hubs")):
            for value in f[name]:
                sets["uscc"].append(f["uscc"])
                sets["field"].append(field)
                sets["value"].append(value)
    return HubMembers.from_columns(hub, cols, sets)


def _fit(segs: frozenset[str]) -> float:
    return 1.0 if segs & {"s1"} else 0.5 if segs & {"s2", "s3"} else 0.0


def _by_hand(firms: list[dict[str, Any]], hubs: tuple[str, ...], anchor: str,
             f: EnterpriseFilter) -> list[list[Any]]:
    rows = []
    for firm in firms:
        if not set(firm["hubs"]) & set(hubs) or firm["uscc"] == anchor:
            continue
        if not (f.include_inactive or firm["active"]) or not set(f.tags) <= set(firm["tags"]):
            continue
        if f.district and not (firm["district"] or "").startswith(f.district):
            continue
        if f.sizes and firm["size"] not in f.sizes:
            continue
        if f.customer is not None and firm["customer"] != f.customer:
            continue
        fit, scale = _fit(frozenset(firm["segments"])), scale_signal(firm["capital"])
        not_customer = 0.0 if firm["customer"] else 1.0
        score = (WEIGHTS["chain_fit"] * fit + WEIGHTS["scale"] * scale
                 + WEIGHTS["not_customer"] * not_customer)
        rows.append((-score, firm["uscc"], [firm["uscc"], fit, scale, not_customer]))
    return [row for _, _, row in sorted(rows)]


@pytest.mark.parametrize("seed", range(6))
def test_ranking_is_the_queries_ranking(seed: int) -> None:
    rng = random.Random(seed)
    firms = _firms(rng)
    hubs = {h: _hub(h, firms) for h in HUBS}
    filters = [EnterpriseFilter(), EnterpriseFilter(customer=False),
               EnterpriseFilter(tags=("high_tech",), include_inactive=True),
               EnterpriseFilter(district="3101", sizes=("micro", "small")),
               EnterpriseFilter(customer=True, district="32")]
    for searched in [("h0",), ("h1", "h2"), HUBS, ("h2", "h0")]:
        anchor = rng.choice(firms)["uscc"]
        for f in filters:
            expected = _by_hand(firms, searched, anchor, f)
            for skip, limit in [(0, 5), (3, 9), (0, 500), (len(expected) - 1, 4), (999, 5)]:
                got = rank_members([hubs[h] for h in searched], anchor, f, _fit, WEIGHTS,
                                   max(skip, 0), limit)
                assert got.total == len(expected)
                assert got.rows == expected[max(skip, 0):max(skip, 0) + limit]


def test_scale_is_the_cypher_expression() -> None:
    assert [scale_signal(c) for c in (None, -1.0, 0.0, 99999.0, 1e6)] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert scale_signal(999.0) == math.log10(1000.0) / 5.0
    assert scale_signal(99998.0) == math.log10(99999.0) / 5.0


def test_an_index_needs_a_positive_age() -> None:
    with pytest.raises(ValueError, match="max_age_s"):
        MemberIndex(None, max_age_s=0)  # type: ignore[arg-type]
