"""Park chain-gap analysis (补链): which segments of a chain a park lacks, and who would fill them.

For every segment of the chain the park's active enterprises in it are counted: ``missing`` (none),
``thin`` (fewer than ``thin_below``) or ``present``. Two numbers per segment feed the ranking:

* ``gap`` 1 for a missing segment, ``(thin_below - members) / thin_below`` for a thin one;
* ``adjacency`` the share of the segment's up- and downstream neighbours (``UPSTREAM_OF``, any
  chain) that the park has (at least one enterprise): a filler next to the park's strengths links
  into its chain.

Enterprises outside the park in the missing and thin segments are ranked by the score parts
``gap`` and ``chain_fit`` (the gap and adjacency of their segment; an enterprise in several gap
segments counts for the one worth most), ``proximity`` (1 at the park, 0 at ``reach_km``, planar
distance on lat/lng, fine at city scale), ``scale`` and ``theme``; ties by USCC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.graph.stores.base import GraphNode, GraphPath, GraphStore, Row

from .market import (
    NO_FILTER,
    EnterpriseFilter,
    NotFound,
    as_float,
    as_int,
    check_page,
    check_themes,
    customer_why,
    ranked_page,
    scale_why,
    str_list,
    theme_why,
    weight_map,
    weights_or_default,
)
from .ranking import RankingWeights, score
from .results import Page, Prospect
from .runner import run_named


class SegmentStatus(StrEnum):
    MISSING = "missing"
    THIN = "thin"
    PRESENT = "present"


@dataclass(frozen=True)
class SegmentGap:
    segment: GraphNode
    members: int
    status: SegmentStatus
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    present_neighbours: tuple[str, ...]
    gap: float
    adjacency: float

    @property
    def segment_id(self) -> str:
        return self.segment.key

    @property
    def neighbours(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.upstream) | set(self.downstream)))


@dataclass(frozen=True)
class GapReport:
    park_id: str
    chain_id: str
    thin_below: int
    segments: list[SegmentGap]
    fillers: Page[Prospect]

    @property
    def gaps(self) -> list[SegmentGap]:
        """The missing and thin segments, worst first (then by id)."""
        return sorted((s for s in self.segments if s.status is not SegmentStatus.PRESENT),
                      key=lambda s: (-s.gap, s.segment_id))


def segment_gaps(store: GraphStore, park_id: str, chain_id: str, *,
                 thin_below: int = 3) -> list[SegmentGap]:
    """Every segment of the chain with the park's enterprise count, status, gap and adjacency."""
    if thin_below < 1:
        raise ValueError("thin_below must be at least 1")
    rows = run_named(store, "gap_segments", {"park_id": park_id, "chain_id": chain_id})
    if not rows:
        if not run_named(store, "park_exists", {"park_id": park_id}):
            raise NotFound("Park", park_id)
        raise NotFound("IndustryChain", chain_id)
    return [_segment_gap(row, thin_below) for row in rows]


def _segment_gap(row: Row, thin_below: int) -> SegmentGap:
    members = as_int(row["members"])
    if members == 0:
        status, gap = SegmentStatus.MISSING, 1.0
    elif members < thin_below:
        status, gap = SegmentStatus.THIN, round((thin_below - members) / thin_below, 6)
    else:
        status, gap = SegmentStatus.PRESENT, 0.0
    upstream = str_list(row["upstream"])
    downstream = str_list(row["downstream"])
    present = str_list(row["present_neighbours"])
    neighbours = set(upstream) | set(downstream)
    adjacency = round(len(present) / len(neighbours), 6) if neighbours else 0.0
    return SegmentGap(row["segment"], members, status, upstream, downstream, present, gap,
                      adjacency)


def chain_gaps(
    store: GraphStore,
    park_id: str,
    chain_id: str,
    *,
    thin_below: int = 3,
    max_km: float | None = 100.0,
    reach_km: float | None = None,
    filters: EnterpriseFilter = NO_FILTER,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights | None = None,
) -> GapReport:
    """The park's segment gaps for the chain and one page of ranked enterprises that would fill
    them. ``max_km`` keeps fillers within that distance of the park (None: anywhere, also those
    without coordinates); proximity falls to 0 at ``reach_km`` (default ``max_km`` or 100 km)."""
    check_page(limit, offset)
    if max_km is not None and max_km <= 0:
        raise ValueError("max_km must be positive")
    reach = float(reach_km if reach_km is not None else (max_km or 100.0))
    if reach <= 0:
        raise ValueError("reach_km must be positive")
    w = weights_or_default(weights)
    segments = segment_gaps(store, park_id, chain_id, thin_below=thin_below)
    gaps = sorted((s for s in segments if s.status is not SegmentStatus.PRESENT),
                  key=lambda s: s.segment_id)
    if not gaps:
        return GapReport(park_id, chain_id, thin_below, segments, Page([], 0, limit, offset))
    rows = run_named(store, "gap_fillers", {
        "park_id": park_id,
        "segment_ids": [s.segment_id for s in gaps],
        "gap": [s.gap for s in gaps],
        "adjacency": [s.adjacency for s in gaps],
        "max_km": float(max_km) if max_km is not None else None,
        "reach_km": reach,
        "themes": check_themes(themes),
        **filters.params(),
        "w": weight_map(w, "gap", "chain_fit", "proximity", "scale", "theme"),
        "skip": offset, "limit": limit,
    })
    by_id = {s.segment_id: s for s in gaps}
    page = ranked_page(rows)
    items = [_filler(row, by_id[str(row["segment_id"])], reach, w, themes) for row in page.rows]
    return GapReport(park_id, chain_id, thin_below, segments,
                     Page(items, page.total, limit, offset))


def _gap_why(seg: SegmentGap) -> str:
    if seg.status is SegmentStatus.MISSING:
        return f"the park has no enterprise in segment {seg.segment_id}"
    return f"the park has only {seg.members} enterprise(s) in segment {seg.segment_id}"


def _adjacency_why(seg: SegmentGap) -> str:
    neighbours = seg.neighbours
    if not neighbours:
        return f"segment {seg.segment_id} has no up- or downstream links"
    present = ", ".join(seg.present_neighbours) or "none"
    return (f"segment {seg.segment_id} links to {len(seg.present_neighbours)} of "
            f"{len(neighbours)} neighbour segments the park has: {present}")


def _filler(row: Row, seg: SegmentGap, reach_km: float, w: RankingWeights,
            themes: Sequence[str]) -> Prospect:
    node: GraphNode = row["enterprise"]
    km = row.get("km")
    km_value = round(float(km), 3) if km is not None else None
    branches = str_list(row.get("branches"))
    paths: list[GraphPath] = [p for p in row.get("segment_paths") or () if p is not None]
    distance = (f"{km_value:.1f} km from the park (0 at {reach_km:g} km)"
                if km_value is not None else "no coordinates to measure the distance")
    return Prospect(
        enterprise=node,
        score=score(
            w,
            gap=(seg.gap, _gap_why(seg)),
            chain_fit=(seg.adjacency, _adjacency_why(seg)),
            proximity=(as_float(row["proximity"]), distance),
            scale=(as_float(row["scale"]), scale_why(node)),
            theme=(as_float(row["theme"]), theme_why(node, themes)),
        ),
        paths=tuple(paths[:1]),
        facts={
            "segment_id": seg.segment_id,
            "segment_status": seg.status.value,
            "km": km_value,
            "parks": str_list(row.get("parks")),
            "branches": branches,
            "is_customer": bool(branches),
            "customer": customer_why(branches),
        },
    )
