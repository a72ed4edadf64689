"""Enterprise lookup by USCC and search by name fragment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from chainscout.queries import enterprises

from .. import models, views
from ..auth import Principal
from ..deps import ANY_ROLE, PagingDep, StoreDep
from ..errors import NotFound
from .common import LOOKUP, READ, module_errors

router = APIRouter(prefix="/enterprises", tags=["enterprises"])


class EnterpriseProfile(BaseModel):
    enterprise: models.Node
    parks: list[str]
    segments: list[str]
    associations: list[str]
    branches: list[str]
    is_customer: bool


@router.get("/search", summary="Enterprises whose name contains a fragment (or by USCC)",
            response_model=models.Page[models.Node], responses=READ)
def search(
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name fragment or USCC.")],
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
) -> models.Page[models.Node]:
    """Exact name first, then names starting with the fragment, then the rest; each by name and
    USCC. The fragment is a query parameter value, never part of the query text."""
    with module_errors():
        found = enterprises.search_enterprises(store, q, limit=page.limit, offset=page.offset)
    return models.Page[models.Node](
        items=[views.node(n, principal.masks_pii) for n in found.items], total=found.total,
        limit=found.limit, offset=found.offset)


@router.get("/{uscc}", summary="One enterprise with its parks, segments, associations, branches",
            response_model=EnterpriseProfile, responses=LOOKUP)
def lookup(
    uscc: Annotated[str, Path(pattern=models.USCC_PATTERN, description="The USCC.")],
    store: StoreDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
) -> EnterpriseProfile:
    profile = enterprises.enterprise(store, uscc)
    if profile is None:
        raise NotFound(f"no enterprise {uscc} in the graph")
    return EnterpriseProfile(
        enterprise=views.node(profile.enterprise, principal.masks_pii), parks=list(profile.parks),
        segments=list(profile.segments), associations=list(profile.associations),
        branches=list(profile.branches), is_customer=profile.is_customer)
