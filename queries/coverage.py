"""Coverage and theme groups: how much of a park, a chain or a segment already banks with us.

The population is the active enterprises of the scope (a park, optionally narrowed to a chain's
segments; every segment of a chain; one segment). The report gives the share that are customers
overall, per serving branch (a customer of two branches counts for both), per theme group (tags:
listed, high_tech, state_owned, foreign, top100, green, specialized), per chain segment and, for
chain and segment scopes, per park; and the largest uncovered groups (theme, segment and park
groups by enterprises not yet customers, then by size, kind and key; a group holding the whole
population is left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.graph.stores.base import GraphStore, Row

from .market import NotFound, as_int, check_themes, resolve_segments
from .runner import run_named


@dataclass(frozen=True)
class CoverageGroup:
    kind: str  # all, branch, tag, segment or park
    key: str
    name: str
    enterprises: int
    customers: int

    @property
    def share(self) -> float:
        """Customers / enterprises of the group, 6 decimals (0 for an empty group)."""
        return round(self.customers / self.enterprises, 6) if self.enterprises else 0.0

    @property
    def uncovered(self) -> int:
        return self.enterprises - self.customers


@dataclass(frozen=True)
class CoverageReport:
    scope: str  # "park:P1", "park:P1/chain:ic", "chain:ic", "segment:ic.design"
    enterprises: int
    customers: int
    branches: list[CoverageGroup] = field(default_factory=list)
    themes: list[CoverageGroup] = field(default_factory=list)
    segments: list[CoverageGroup] = field(default_factory=list)
    parks: list[CoverageGroup] = field(default_factory=list)
    uncovered: list[CoverageGroup] = field(default_factory=list)

    @property
    def share(self) -> float:
        return round(self.customers / self.enterprises, 6) if self.enterprises else 0.0


def park_coverage(
    store: GraphStore,
    park_id: str,
    *,
    chain_id: str | None = None,
    segment_ids: Sequence[str] | None = None,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    top: int = 5,
    include_inactive: bool = False,
) -> CoverageReport:
    """Coverage of a park's enterprises, or only of those in a chain (``chain_id``) or in some
    segments (``segment_ids``)."""
    segments: tuple[str, ...] = ()
    scope = f"park:{park_id}"
    if chain_id is not None or segment_ids:
        segments = resolve_segments(store, chain_id=chain_id, segment_ids=segment_ids)
        scope += f"/chain:{chain_id}" if chain_id else f"/segments:{','.join(segments)}"
    if not run_named(store, "park_exists", {"park_id": park_id}):
        raise NotFound("Park", park_id)
    rows = run_named(store, "coverage_park", {
        "park_id": park_id, "segment_ids": list(segments), "themes": check_themes(themes),
        "include_inactive": include_inactive,
    })
    return _report(scope, rows, themes, top)


def chain_coverage(
    store: GraphStore,
    chain_id: str,
    *,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    top: int = 5,
    include_inactive: bool = False,
) -> CoverageReport:
    """Coverage of the enterprises in every segment of a chain."""
    segments = resolve_segments(store, chain_id=chain_id, segment_ids=None)
    return _segments_report(store, f"chain:{chain_id}", segments, themes, top, include_inactive)


def segment_coverage(
    store: GraphStore,
    segment_id: str,
    *,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    top: int = 5,
    include_inactive: bool = False,
) -> CoverageReport:
    """Coverage of the enterprises in one chain segment."""
    segments = resolve_segments(store, chain_id=None, segment_ids=[segment_id])
    return _segments_report(store, f"segment:{segment_id}", segments, themes, top,
                            include_inactive)


def _segments_report(store: GraphStore, scope: str, segments: tuple[str, ...],
                     themes: Sequence[str], top: int, include_inactive: bool) -> CoverageReport:
    rows = run_named(store, "coverage_segments", {
        "segment_ids": list(segments), "themes": check_themes(themes),
        "include_inactive": include_inactive,
    })
    return _report(scope, rows, themes, top)


def _report(scope: str, rows: Sequence[Row], themes: Sequence[str], top: int) -> CoverageReport:
    groups: dict[str, list[CoverageGroup]] = {}
    for row in rows:
        group = CoverageGroup(str(row["kind"]), str(row["key"] or ""), str(row["name"] or ""),
                              as_int(row["enterprises"]), as_int(row["customers"]))
        groups.setdefault(group.kind, []).append(group)
    overall = groups.get("all", [CoverageGroup("all", "", "", 0, 0)])[0]
    # every requested theme is reported, also when no enterprise carries it
    seen = {g.key for g in groups.get("tag", [])}
    tags = groups.get("tag", []) + [CoverageGroup("tag", t, t, 0, 0)
                                    for t in check_themes(themes) if t not in seen]
    themes_out = sorted(tags, key=lambda g: g.key)
    # sub-groups only: a group holding the whole population says nothing new
    candidates = [g for kind in ("tag", "segment", "park") for g in groups.get(kind, [])
                  if g.uncovered > 0 and g.enterprises < overall.enterprises]
    uncovered = sorted(candidates, key=lambda g: (-g.uncovered, -g.enterprises, g.kind, g.key))
    return CoverageReport(
        scope=scope,
        enterprises=overall.enterprises,
        customers=overall.customers,
        branches=sorted(groups.get("branch", []), key=lambda g: (-g.customers, g.key)),
        themes=themes_out,
        segments=sorted(groups.get("segment", []), key=lambda g: g.key),
        parks=sorted(groups.get("park", []), key=lambda g: g.key),
        uncovered=uncovered[:max(0, top)],
    )
