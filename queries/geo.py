"""Marketing map: enterprises around a point, and prospects assigned to their nearest sub-branch.

Neither store's distance function is portable (``point.distance`` vs ``distance``), so queries only
prefilter on a bounding box over the plain ``lat``/``lng`` floats and the exact distance is the
WGS-84 geodesic (``geopy.distance.geodesic``) computed here. A cheap haversine pass first drops
candidates clearly outside the radius (the sphere is within 0.6 % of the ellipsoid), so geodesics
are computed only near the edge and inside.

Branch assignment keeps corporate groups together where the radius allows: the members of a group
(``ownership.group_ids``: same ultimate controller) in the input go to the one branch within the
radius of the most members (fewest total km, then branch id, on a tie) when it covers at least two
of them; the other members, and prospects without a group, go to their nearest branch.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from geopy.distance import geodesic

from chainscout.graph.stores.base import GraphNode, GraphStore

from .ownership import group_ids
from .paths import fetch_nodes, ref
from .results import Page
from .runner import run_named

DEFAULT_LEVELS: tuple[str, ...] = ("sub_branch",)
MAX_RADIUS_KM = 500.0
_EARTH_KM = 6371.0088
_SPHERE_SLACK = 1.006  # haversine vs geodesic differ by < 0.6 %
_BATCH = 10_000

LatLng = tuple[float, float]


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    def params(self) -> dict[str, float]:
        return {"min_lat": self.min_lat, "max_lat": self.max_lat,
                "min_lng": self.min_lng, "max_lng": self.max_lng}


def bounding_box(lat: float, lng: float, radius_km: float) -> Box:
    """A box that certainly holds every point within ``radius_km`` (generous by ~1 %)."""
    dlat = radius_km / 110.57 * 1.01  # km per degree of latitude is ≥ 110.57
    cos = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 0.01)
    dlng = min(180.0, radius_km / (111.32 * cos) * 1.01)
    return Box(max(-90.0, lat - dlat), min(90.0, lat + dlat), lng - dlng, lng + dlng)


def covering_box(points: Sequence[LatLng], radius_km: float) -> Box:
    """One box holding every point within ``radius_km`` of any of the points."""
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    widest = bounding_box(max(lats, key=abs), 0.0, radius_km)  # lng span grows with |lat|
    dlat = widest.max_lat - max(lats, key=abs)
    return Box(max(-90.0, min(lats) - abs(dlat)), min(90.0, max(lats) + abs(dlat)),
               min(lngs) - widest.max_lng, max(lngs) + widest.max_lng)


def haversine_km(a: LatLng, b: LatLng) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2)
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def geodesic_km(a: LatLng, b: LatLng) -> float:
    return float(geodesic(a, b).km)


def within(a: LatLng, b: LatLng, radius_km: float) -> float | None:
    """Geodesic km from a to b if within the radius, else None (haversine prefilter first)."""
    if haversine_km(a, b) > radius_km * _SPHERE_SLACK:
        return None
    d = geodesic_km(a, b)
    return d if d <= radius_km else None


def _check(lat: float, lng: float, radius_km: float) -> None:
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lng <= 180.0:
        raise ValueError("lat must be in [-90, 90] and lng in [-180, 180]")
    if not 0.0 < radius_km <= MAX_RADIUS_KM:
        raise ValueError(f"radius_km must be in (0, {MAX_RADIUS_KM:g}]")


# -- around a point ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NearbyEnterprise:
    enterprise: GraphNode
    distance_km: float
    is_customer: bool


def enterprises_near(
    store: GraphStore,
    lat: float,
    lng: float,
    radius_km: float,
    *,
    limit: int = 50,
    offset: int = 0,
    prospects_only: bool = False,
) -> Page[NearbyEnterprise]:
    """Enterprises within ``radius_km`` of the point, nearest first (then uscc), paged."""
    _check(lat, lng, radius_km)
    rows = run_named(store, "geo_enterprises_in_box", bounding_box(lat, lng, radius_km).params())
    here = (lat, lng)
    # (haversine km, uscc, customer, point); the geodesic is exact but ~30x dearer, so it is only
    # computed where the sphere cannot decide: near the radius, and for what may reach the page.
    near: list[tuple[float, str, bool, LatLng]] = []
    for row in rows:
        if row["lat"] is None or row["lng"] is None:
            continue
        customer = int(row["customer_links"]) > 0
        if prospects_only and customer:
            continue
        point = (float(row["lat"]), float(row["lng"]))
        h = haversine_km(here, point)
        if h <= radius_km * _SPHERE_SLACK:
            near.append((h, str(row["uscc"]), customer, point))
    exact: dict[str, float] = {}
    inside: list[tuple[float, str, bool, LatLng]] = []
    for item in near:
        if item[0] * _SPHERE_SLACK > radius_km:  # undecided by the sphere
            d = geodesic_km(here, item[3])
            if d > radius_km:
                continue
            exact[item[1]] = d
        inside.append(item)
    wanted = offset + limit
    if len(inside) > wanted:
        # the geodesic is within _SPHERE_SLACK of the haversine either way, so no item beyond
        # slack² times the wanted-th smallest haversine can be among the first ``wanted``
        cut = sorted(h for h, *_ in inside)[wanted - 1] * _SPHERE_SLACK ** 2
        candidates = [item for item in inside if item[0] <= cut]
    else:
        candidates = inside
    found = sorted(((round(exact[u] if u in exact else geodesic_km(here, pt), 6), u, c)
                    for _, u, c, pt in candidates), key=lambda t: (t[0], t[1]))
    window = found[offset: offset + limit]
    nodes = fetch_nodes(store, (ref("Enterprise", u) for _, u, _ in window))
    items = [NearbyEnterprise(nodes[ref("Enterprise", u)], d, c) for d, u, c in window]
    return Page(items, len(inside), limit, offset)


# -- nearest-branch assignment ----------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    branch_id: str
    name: str | None
    lat: float
    lng: float


@dataclass(frozen=True)
class BranchAssignment:
    uscc: str
    branch_id: str | None  # None: no branch within the radius, or no coordinates
    branch_name: str | None
    distance_km: float | None
    group_id: str | None  # corporate group (ultimate controller's ref) when known
    by_group: bool  # placed with its group rather than at its own nearest branch
    note: str = ""


class BranchIndex:
    """Branches sorted by latitude: a band lookup, then lng box, then exact distance."""

    def __init__(self, branches: Iterable[Branch]) -> None:
        self.branches = sorted(branches, key=lambda b: (b.lat, b.branch_id))
        self._lats = [b.lat for b in self.branches]

    def within(self, point: LatLng, radius_km: float) -> dict[str, float]:
        """Branch id → geodesic km for every branch within the radius of the point."""
        box = bounding_box(point[0], point[1], radius_km)
        lo, hi = bisect_left(self._lats, box.min_lat), bisect_right(self._lats, box.max_lat)
        out: dict[str, float] = {}
        for branch in self.branches[lo:hi]:
            if box.min_lng <= branch.lng <= box.max_lng:
                d = within(point, (branch.lat, branch.lng), radius_km)
                if d is not None:
                    out[branch.branch_id] = round(d, 6)
        return out


def assign(
    points: Mapping[str, LatLng | None],
    branches: Iterable[Branch],
    radius_km: float,
    groups: Mapping[str, str] | None = None,
) -> list[BranchAssignment]:
    """Pure assignment (no store): see the module docstring for the rule. Sorted by uscc."""
    index = BranchIndex(branches)
    names = {b.branch_id: b.name for b in index.branches}
    groups = groups or {}
    reach = {u: index.within(p, radius_km) for u, p in points.items() if p is not None}
    out: dict[str, BranchAssignment] = {}

    members: dict[str, list[str]] = {}
    for uscc in sorted(reach):
        if uscc in groups:
            members.setdefault(groups[uscc], []).append(uscc)
    for group, usccs in sorted(members.items()):
        if len(usccs) < 2:
            continue
        covered: dict[str, list[str]] = {}
        for uscc in usccs:
            for branch_id in reach[uscc]:
                covered.setdefault(branch_id, []).append(uscc)
        if not covered:
            continue
        best = min(covered, key=lambda b: (-len(covered[b]),
                                           sum(reach[u][b] for u in covered[b]), b))
        if len(covered[best]) < 2:
            continue
        for uscc in covered[best]:
            out[uscc] = BranchAssignment(uscc, best, names[best], reach[uscc][best], group, True,
                                         f"with {len(covered[best])} members of its group")

    for uscc in sorted(points):
        if uscc in out:
            continue
        group_id = groups.get(uscc)
        if points[uscc] is None:
            out[uscc] = BranchAssignment(uscc, None, None, None, group_id, False, "no coordinates")
            continue
        options = reach[uscc]
        if not options:
            out[uscc] = BranchAssignment(uscc, None, None, None, group_id, False,
                                         f"no branch within {radius_km:g} km")
            continue
        nearest = min(options, key=lambda b: (options[b], b))
        out[uscc] = BranchAssignment(uscc, nearest, names[nearest], options[nearest], group_id,
                                     False, "nearest branch")
    return [out[u] for u in sorted(out)]


def assign_branches(
    store: GraphStore,
    usccs: Sequence[str],
    *,
    radius_km: float,
    levels: Sequence[str] = DEFAULT_LEVELS,
    keep_groups: bool = True,
    groups: Mapping[str, str] | None = None,
    group_depth: int = 4,
) -> list[BranchAssignment]:
    """Assign each enterprise to the nearest branch of ``levels`` within ``radius_km``, keeping
    corporate groups on one branch where the radius allows. ``groups`` (uscc → group id) may be
    given; otherwise, with ``keep_groups``, they come from :func:`ownership.group_ids`."""
    if not 0.0 < radius_km <= MAX_RADIUS_KM:
        raise ValueError(f"radius_km must be in (0, {MAX_RADIUS_KM:g}]")
    wanted = sorted(set(usccs))
    points: dict[str, LatLng | None] = {}
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start:start + _BATCH]
        for row in run_named(store, "geo_enterprise_coords", {"usccs": chunk}):
            lat, lng = row["lat"], row["lng"]
            points[str(row["uscc"])] = (None if lat is None or lng is None
                                        else (float(lat), float(lng)))
    located = [p for p in points.values() if p is not None]
    branches: list[Branch] = []
    if located:
        box = covering_box(located, radius_km)
        rows = run_named(store, "geo_branches_in_box", {"levels": list(levels), **box.params()})
        branches = [Branch(str(r["branch_id"]), None if r["name"] is None else str(r["name"]),
                           float(r["lat"]), float(r["lng"])) for r in rows]
    if groups is None and keep_groups:
        groups = group_ids(store, [u for u in wanted if points.get(u) is not None],
                           max_depth=group_depth)
    missing = [u for u in wanted if u not in points]
    result = assign(points, branches, radius_km, groups if keep_groups else None)
    result += [BranchAssignment(u, None, None, None, None, False, "enterprise not found")
               for u in missing]
    return sorted(result, key=lambda a: a.uscc)
