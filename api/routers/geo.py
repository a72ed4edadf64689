"""The marketing map: prospects near a point, and prospects assigned to a branch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from chainscout.graph.stores.base import GraphNode, GraphStore
from chainscout.queries.runner import run_named

from .. import encode, geo, models, views
from ..auth import Principal
from ..deps import ANY_ROLE, PagingDep, StoreDep, check_branch
from ..errors import NotFound
from .common import LOOKUP, READ, invalid, module_errors

router = APIRouter(tags=["geo"])

RadiusQ = Annotated[float, Query(gt=0, le=100, description="Radius in km.")]
CustomersQ = Annotated[bool, Query(description="Also list existing customers.")]
BranchPath = Annotated[str, Path(pattern=models.ID_PATTERN, description="Branch code.")]


class Point(BaseModel):
    lat: float
    lng: float


class MapProspects(BaseModel):
    center: Point
    radius_km: float
    branch: models.Node | None = Field(description="The branch at the centre, if any.")
    truncated: bool = Field(description=f"More than {geo.MAX_CANDIDATES} enterprises were in "
                                        "the radius: only the nearest were ranked.")
    prospects: models.Page[models.Prospect]


class BranchOut(BaseModel):
    branch: models.Node


def load_branch(store: GraphStore, branch_id: str) -> GraphNode:
    rows = run_named(store, "api_branch", {"branch_id": branch_id})
    if not rows:
        raise NotFound(f"no branch {branch_id} in the graph")
    node: GraphNode = rows[0]["b"]
    return node


@router.get("/branches/{branch_id}", summary="One branch", response_model=BranchOut,
            responses=LOOKUP)
def branch(
    branch_id: BranchPath,
    store: StoreDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
) -> BranchOut:
    return BranchOut(branch=views.node(load_branch(store, branch_id), principal.masks_pii))


@router.get("/branches/{branch_id}/prospects",
            summary="Prospects assigned to a branch within a radius, ranked (map + list)",
            response_model=MapProspects, responses=READ)
def branch_prospects(
    branch_id: BranchPath,
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    radius_km: RadiusQ = 10.0,
    include_customers: CustomersQ = False,
) -> encode.JSONBytes:
    """Enterprises within `radius_km` of the branch whose nearest branch (of the same level;
    corporate groups kept on one branch) is this one, ranked by proximity, scale, theme and
    not-yet-customer. A manager key sees only its own branch."""
    check_branch(principal, branch_id)
    node = load_branch(store, branch_id)
    lat, lng = node.properties.get("lat"), node.properties.get("lng")
    if not isinstance(lat, int | float) or not isinstance(lng, int | float):
        raise invalid(f"branch {branch_id} has no coordinates")
    with module_errors():
        result = geo.branch_prospects(store, node, radius_km, customers=include_customers,
                                      limit=page.limit, offset=page.offset)
    return encode.model_reply(
        MapProspects, principal.masks_pii, {"prospects": result.page},
        center=Point(lat=float(lat), lng=float(lng)), radius_km=radius_km,
        branch=views.node(node, principal.masks_pii), truncated=result.truncated)


@router.get("/prospects/near", summary="Prospects around a point, ranked, with their branch",
            response_model=MapProspects, responses=READ)
def prospects_near(
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    radius_km: RadiusQ = 5.0,
    branch_radius_km: Annotated[float, Query(gt=0, le=100, description="How far a branch "
                                                                       "serves.")] = 30.0,
    include_customers: CustomersQ = False,
) -> encode.JSONBytes:
    """Each prospect's path is its branch assignment (nearest branch within
    `branch_radius_km`, derived `NEAREST_BRANCH` relationship)."""
    with module_errors():
        result = geo.near_point(store, lat, lng, radius_km, branch_radius_km=branch_radius_km,
                                customers=include_customers, limit=page.limit,
                                offset=page.offset)
    return encode.model_reply(
        MapProspects, principal.masks_pii, {"prospects": result.page},
        center=Point(lat=lat, lng=lng), radius_km=radius_km, branch=None,
        truncated=result.truncated)
