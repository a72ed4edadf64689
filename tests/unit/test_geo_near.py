"""enterprises_near computes the exact geodesic only where the sphere cannot decide; its pages and
totals must equal the brute-force answer (a geodesic for every candidate)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from chainscout.graph.stores.base import GraphNode
from chainscout.queries import geo


class BoxStore:
    """Answers the two queries enterprises_near sends, from a list of points."""

    name = "falkordb"

    def __init__(self, points: list[tuple[str, float, float, bool]]) -> None:
        self.points = points

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[dict[str, Any]]:
        p = dict(params or {})
        if "customer_links" in cypher:
            return [{"uscc": u, "lat": la, "lng": ln, "customer_links": int(c)}
                    for u, la, ln, c in self.points
                    if p["min_lat"] <= la <= p["max_lat"] and p["min_lng"] <= ln <= p["max_lng"]]
        keys = set(p.get("enterprises") or ())
        return [{"n": GraphNode(f"Enterprise:{u}", ("Enterprise",), {"uscc": u})}
                for u, *_ in self.points if u in keys]


def brute(points: list[tuple[str, float, float, bool]], lat: float, lng: float, radius: float,
          prospects_only: bool) -> list[tuple[float, str]]:
    found = []
    for u, la, ln, customer in points:
        if prospects_only and customer:
            continue
        d = geo.geodesic_km((lat, lng), (la, ln))
        if d <= radius:
            found.append((round(d, 6), u))
    return sorted(found)


@pytest.mark.parametrize("seed", range(4))
def test_pages_and_totals_equal_the_brute_force_answer(seed: int) -> None:
    rng = random.Random(seed)
    lat, lng, radius = 31.2 + rng.random(), 121.0 + rng.random(), rng.choice((1.0, 5.0, 20.0))
    spread = radius / 100.0
    points = [(f"E{i:05d}", lat + rng.uniform(-spread, spread), lng + rng.uniform(-spread, spread),
               rng.random() < 0.2) for i in range(1500)]
    # a few exactly on shared spots (ties go to the lower uscc) and some near the edge
    points += [(f"T{i:03d}", points[0][1], points[0][2], False) for i in range(5)]
    store = BoxStore(points)
    for prospects_only in (False, True):
        want = brute(points, lat, lng, radius, prospects_only)
        for limit, offset in ((50, 0), (7, 3), (20, 100), (10, len(want) - 4), (500, 0)):
            page = geo.enterprises_near(store, lat, lng, radius, limit=limit,  # type: ignore[arg-type]
                                        offset=max(0, offset), prospects_only=prospects_only)
            assert page.total == len(want)
            got = [(n.distance_km, n.enterprise.key) for n in page.items]
            assert got == want[max(0, offset): max(0, offset) + limit]
