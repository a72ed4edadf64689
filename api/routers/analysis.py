"""Park chain-gap analysis (补链) and coverage (how much of a scope already banks with us)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.queries import coverage, gaps
from chainscout.queries.market import NotFound as MarketNotFound

from .. import encode, models, views
from ..auth import Principal
from ..deps import ANALYST, ANY_ROLE, PagingDep, StoreDep
from .common import READ, invalid, module_errors
from .filters import FiltersDep, Tag

router = APIRouter(tags=["analysis"])

IdQ = Annotated[str, Query(pattern=models.ID_PATTERN)]
ThemesQ = Annotated[list[Tag] | None, Query(description="Theme tags (default: all).")]


class SegmentGap(BaseModel):
    segment: models.Node
    members: int = Field(description="The park's active enterprises in the segment.")
    status: str = Field(description="`missing`, `thin` or `present`.")
    upstream: list[str]
    downstream: list[str]
    present_neighbours: list[str]
    gap: float
    adjacency: float


class GapReport(BaseModel):
    park_id: str
    chain_id: str
    thin_below: int
    segments: list[SegmentGap] = Field(description="Every segment of the chain, in chain order.")
    gaps: list[str] = Field(description="Missing and thin segment ids, worst first.")
    fillers: models.Page[models.Prospect] = Field(
        description="Enterprises outside the park that would fill the gaps, ranked.")


class CoverageGroup(BaseModel):
    kind: str
    key: str
    name: str
    enterprises: int
    customers: int
    share: float
    uncovered: int


class CoverageReport(BaseModel):
    scope: str
    enterprises: int
    customers: int
    share: float
    branches: list[CoverageGroup]
    themes: list[CoverageGroup]
    segments: list[CoverageGroup]
    parks: list[CoverageGroup]
    uncovered: list[CoverageGroup] = Field(description="Largest groups not yet customers.")


def _themes(themes: list[Tag] | None) -> tuple[str, ...]:
    return tuple(t.value for t in themes) if themes else ENTERPRISE_TAGS


@router.get("/parks/{park_id}/gaps", summary="Which segments of a chain a park lacks, and who "
                                             "would fill them", response_model=GapReport,
            responses=READ)
def park_gaps(
    park_id: Annotated[str, Path(pattern=models.ID_PATTERN)],
    chain_id: IdQ,
    store: StoreDep,
    page: PagingDep,
    filters: FiltersDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    thin_below: Annotated[int, Query(ge=1, le=1000, description="Fewer members than this is "
                                                                "thin.")] = 3,
    max_km: Annotated[float, Query(gt=0, le=5000, description="Fillers within this distance "
                                                              "of the park.")] = 100.0,
    anywhere: Annotated[bool, Query(description="Ignore max_km: fillers anywhere, also "
                                                "without coordinates.")] = False,
    themes: ThemesQ = None,
) -> encode.JSONBytes:
    with module_errors(MarketNotFound):
        report = gaps.chain_gaps(store, park_id, chain_id, thin_below=thin_below,
                                 max_km=None if anywhere else max_km,
                                 reach_km=None if not anywhere else max_km,
                                 filters=filters.value, themes=_themes(themes),
                                 limit=page.limit, offset=page.offset)
    mask = principal.masks_pii
    return encode.model_reply(
        GapReport, mask, {"fillers": report.fillers},
        park_id=report.park_id, chain_id=report.chain_id, thin_below=report.thin_below,
        segments=[SegmentGap(segment=views.node(s.segment, mask), members=s.members,
                             status=s.status.value, upstream=list(s.upstream),
                             downstream=list(s.downstream),
                             present_neighbours=list(s.present_neighbours), gap=s.gap,
                             adjacency=s.adjacency) for s in report.segments],
        gaps=[s.segment_id for s in report.gaps])


def _group(g: coverage.CoverageGroup) -> CoverageGroup:
    return CoverageGroup(kind=g.kind, key=g.key, name=g.name, enterprises=g.enterprises,
                         customers=g.customers, share=g.share, uncovered=g.uncovered)


@router.get("/coverage", summary="Customer coverage of a park, a chain or a segment",
            response_model=CoverageReport, responses=READ)
def coverage_report(
    store: StoreDep,
    _: Annotated[Principal, Depends(ANALYST)],
    park_id: Annotated[str | None, Query(pattern=models.ID_PATTERN)] = None,
    chain_id: Annotated[str | None, Query(pattern=models.ID_PATTERN)] = None,
    segment_id: Annotated[str | None, Query(pattern=models.ID_PATTERN)] = None,
    themes: ThemesQ = None,
    top: Annotated[int, Query(ge=1, le=50, description="Largest uncovered groups listed.")] = 5,
    include_inactive: bool = False,
) -> CoverageReport:
    """Scope: `park_id` (optionally narrowed by `chain_id` or `segment_id`), or `chain_id`, or
    `segment_id`."""
    chosen = _themes(themes)
    with module_errors(MarketNotFound):
        if park_id is not None:
            if chain_id is not None and segment_id is not None:
                raise invalid("narrow a park by chain_id or "
                                                         "segment_id, not both")
            report = coverage.park_coverage(
                store, park_id, chain_id=chain_id,
                segment_ids=[segment_id] if segment_id else None, themes=chosen, top=top,
                include_inactive=include_inactive)
        elif (chain_id is None) == (segment_id is None):
            raise invalid("give park_id, chain_id or segment_id")
        elif chain_id is not None:
            report = coverage.chain_coverage(store, chain_id, themes=chosen, top=top,
                                             include_inactive=include_inactive)
        else:
            assert segment_id is not None
            report = coverage.segment_coverage(store, segment_id, themes=chosen, top=top,
                                               include_inactive=include_inactive)
    return CoverageReport(
        scope=report.scope, enterprises=report.enterprises, customers=report.customers,
        share=report.share, branches=[_group(g) for g in report.branches],
        themes=[_group(g) for g in report.themes], segments=[_group(g) for g in report.segments],
        parks=[_group(g) for g in report.parks], uncovered=[_group(g) for g in report.uncovered])
