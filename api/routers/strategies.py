"""Market strategies for a target chain: "industry + park" and "industry + association"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.queries import strategies
from chainscout.queries.market import NotFound as MarketNotFound

from .. import encode, models, views
from ..auth import Principal
from ..deps import ANY_ROLE, PagingDep, PeerIndexDep, StoreDep
from .common import READ, invalid, module_errors
from .filters import ProspectFiltersDep, Tag

router = APIRouter(prefix="/strategies", tags=["strategies"])

ChainQ = Annotated[str | None, Query(pattern=models.ID_PATTERN,
                                     description="Target chain (all its segments) …")]
SegmentsQ = Annotated[list[Annotated[str, Query(pattern=models.ID_PATTERN)]] | None,
                      Query(max_length=50, description="… or these chain segments.")]
DistrictQ = Annotated[str | None, Query(pattern=r"^[0-9]{1,6}$",
                                        description="Prefix of the division code.")]
ThemesQ = Annotated[list[Tag] | None, Query(description="Tags counted by the `theme` signal "
                                                        "(default: all).")]


class ParkCluster(BaseModel):
    park: models.Node
    members: int
    active_members: int
    segments: list[str]
    segment_count: int
    score: models.Score
    strength: float = Field(description="Score relative to the best park's, 0..1.")


class ParkStrategy(BaseModel):
    segment_ids: list[str]
    since: str
    parks: models.Page[ParkCluster]
    prospects: models.Page[models.Prospect]


class AssociationChannel(BaseModel):
    association: models.Node
    prospects: int
    introducers: int
    introducer: models.Node | None
    introducer_role: str | None
    score: models.Score
    strength: float = Field(description="Score relative to the best association's, 0..1.")


class AssociationStrategy(BaseModel):
    segment_ids: list[str]
    associations: models.Page[AssociationChannel]
    prospects: models.Page[models.Prospect]


def _target(chain_id: str | None, segment_ids: list[str] | None
            ) -> tuple[str | None, list[str] | None]:
    if (chain_id is None) == (not segment_ids):
        raise invalid("give either chain_id or segment_ids")
    return chain_id, segment_ids or None


def _themes(themes: list[Tag] | None) -> tuple[str, ...]:
    return tuple(t.value for t in themes) if themes else ENTERPRISE_TAGS


@router.get("/industry-park", summary="Industry + park: where the chain clusters, and whom to call "
                                      "there", response_model=ParkStrategy, responses=READ)
def industry_park(
    store: StoreDep,
    index: PeerIndexDep,
    page: PagingDep,
    filters: ProspectFiltersDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    chain_id: ChainQ = None,
    segment_ids: SegmentsQ = None,
    since: Annotated[dt.date | None, Query(description="Events counted for growth from this "
                                                       "date (default: a year ago).")] = None,
    district: DistrictQ = None,
    parks: Annotated[int, Query(ge=1, le=50, description="Top parks whose enterprises are "
                                                         "ranked.")] = 5,
    min_members: Annotated[int, Query(ge=1, le=10_000)] = 1,
    themes: ThemesQ = None,
) -> encode.JSONBytes:
    """Parks ranked by members, segment coverage and growth; then the chain's non-customers in
    the top parks, ranked by cluster strength, chain fit, scale and theme, with their paths."""
    chain, segments = _target(chain_id, segment_ids)
    with module_errors(MarketNotFound):
        result = strategies.park_strategy(
            store, chain_id=chain, segment_ids=segments, since=since, district=district,
            parks=parks, min_members=min_members, filters=filters.value,
            themes=_themes(themes), limit=page.limit, offset=page.offset, index=index)
    mask = principal.masks_pii
    return encode.model_reply(
        ParkStrategy, mask, {"prospects": result.prospects},
        segment_ids=list(result.segment_ids), since=result.since,
        parks=models.Page[ParkCluster](
            items=[ParkCluster(park=views.node(c.park, mask), members=c.members,
                               active_members=c.active_members, segments=list(c.segments),
                               segment_count=c.segment_count, score=views.score(c.score),
                               strength=c.strength) for c in result.parks.items],
            total=result.parks.total, limit=result.parks.limit, offset=result.parks.offset))


@router.get("/industry-association", summary="Industry + association: referral channels into the "
                                             "chain and their prospects",
            response_model=AssociationStrategy, responses=READ)
def industry_association(
    store: StoreDep,
    index: PeerIndexDep,
    page: PagingDep,
    filters: ProspectFiltersDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    chain_id: ChainQ = None,
    segment_ids: SegmentsQ = None,
    district: DistrictQ = None,
    associations: Annotated[int, Query(ge=1, le=50, description="Top associations whose "
                                                                "members are ranked.")] = 5,
    themes: ThemesQ = None,
) -> encode.JSONBytes:
    """Associations ranked by reach and introducers (customers among members); then their
    non-customer members in the chain, ranked, each with the introducer path
    customer → association ← prospect."""
    chain, segments = _target(chain_id, segment_ids)
    with module_errors(MarketNotFound):
        result = strategies.association_strategy(
            store, chain_id=chain, segment_ids=segments, district=district,
            associations=associations, filters=filters.value, themes=_themes(themes),
            limit=page.limit, offset=page.offset, index=index)
    mask = principal.masks_pii
    return encode.model_reply(
        AssociationStrategy, mask, {"prospects": result.prospects},
        segment_ids=list(result.segment_ids),
        associations=models.Page[AssociationChannel](
            items=[AssociationChannel(
                association=views.node(c.association, mask), prospects=c.prospects,
                introducers=c.introducers,
                introducer=views.node(c.introducer, mask) if c.introducer else None,
                introducer_role=c.introducer_role, score=views.score(c.score),
                strength=c.strength) for c in result.associations.items],
            total=result.associations.total, limit=result.associations.limit,
            offset=result.associations.offset))
