"""Ownership penetration (股权穿透): shareholders, holdings, beneficial owners, controllers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from chainscout.graph.stores.base import GraphStore
from chainscout.queries import ownership
from chainscout.queries.runner import run_named

from .. import models, views
from ..auth import Principal
from ..deps import ANY_ROLE, PagingDep, StoreDep
from ..errors import NotFound
from .common import READ, module_errors

router = APIRouter(prefix="/enterprises/{uscc}", tags=["ownership"])

UsccPath = Annotated[str, Path(pattern=models.USCC_PATTERN, description="The enterprise's USCC.")]
DepthQ = Annotated[int, Query(ge=1, le=10, description="Hops followed at most.")]


class Direction(StrEnum):
    up = "up"
    down = "down"


class OwnershipPath(BaseModel):
    path: models.Path = Field(description="Owner first.")
    percentage: float | None = Field(description="Share integrated along this path, in %.")


class Stake(BaseModel):
    owner: models.Node
    held: models.Node
    percentage: float = Field(description="Integrated share over all paths, in %.")
    complete: bool = Field(description="False when a holding on some path has no percentage.")
    min_hops: int
    paths: list[OwnershipPath]


class OwnershipReport(BaseModel):
    subject: models.Node
    direction: Direction
    stakes: models.Page[Stake]
    cycles: list[list[str]] = Field(description="Cross-holding cycles met (node refs).")
    truncated: bool = Field(description="A depth/size bound was hit: shares may be incomplete.")


class Control(BaseModel):
    controller: models.Node
    controlled: models.Node
    path: models.Path = Field(description="The control chain, controller first.")
    percentage: float = Field(description="Controller's integrated share, in %.")


class ControllerReport(BaseModel):
    subject: str
    controller: Control | None = Field(description="Null when no one controls the enterprise.")


class GroupReport(BaseModel):
    group_id: str = Field(description="Ref of the ultimate controller (the enterprise itself "
                                      "when none).")
    controller: models.Node
    members: models.Page[Control]
    truncated: bool


def require_enterprise(store: GraphStore, uscc: str) -> None:
    if not run_named(store, "enterprise_exists", {"uscc": uscc}):
        raise NotFound(f"no enterprise {uscc} in the graph")


def _report(report: ownership.OwnershipReport, mask: bool, limit: int, offset: int
            ) -> OwnershipReport:
    window = report.stakes[offset:offset + limit]
    stakes = [Stake(owner=views.node(s.owner, mask), held=views.node(s.held, mask),
                    percentage=s.percentage, complete=s.complete, min_hops=s.min_hops,
                    paths=[OwnershipPath(path=views.path(p.path, mask), percentage=p.percentage)
                           for p in s.paths])
              for s in window]
    return OwnershipReport(
        subject=views.node(report.subject, mask), direction=Direction(report.direction),
        stakes=models.Page[Stake](items=stakes, total=len(report.stakes), limit=limit,
                                  offset=offset),
        cycles=[list(c) for c in report.cycles], truncated=report.truncated)


def _control(control: ownership.Control, mask: bool) -> Control:
    return Control(controller=views.node(control.controller, mask),
                   controlled=views.node(control.controlled, mask),
                   path=views.path(control.path, mask), percentage=control.percentage)


@router.get("/ownership", summary="Shareholders (up) or holdings (down) with integrated shares",
            response_model=OwnershipReport, responses=READ)
def ownership_report(
    uscc: UsccPath,
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    direction: Direction = Direction.up,
    max_depth: DepthQ = ownership.DEFAULT_MAX_DEPTH,
    min_percentage: Annotated[float, Query(ge=0, le=100)] = 0.0,
) -> OwnershipReport:
    """Integrated shares by the simple-path method (cycle-safe), each with its paths; stakes by
    integrated share descending, then ref."""
    require_enterprise(store, uscc)
    with module_errors():
        call = ownership.shareholders if direction is Direction.up else ownership.holdings
        report = call(store, uscc, max_depth=max_depth, min_percentage=min_percentage)
    return _report(report, principal.masks_pii, page.limit, page.offset)


@router.get("/beneficial-owners", summary="Ultimate (beneficial) owners above a threshold",
            response_model=OwnershipReport, responses=READ)
def beneficial_owners(
    uscc: UsccPath,
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    threshold: Annotated[float, Query(ge=0, le=100, description="Integrated share, %.")] = 25.0,
    max_depth: DepthQ = ownership.DEFAULT_MAX_DEPTH,
) -> OwnershipReport:
    """Top owners (persons, enterprises without shareholders, closed cross-holding cycles)
    holding at least `threshold` % through all paths."""
    require_enterprise(store, uscc)
    with module_errors():
        report = ownership.ultimate_owners(store, uscc, threshold=threshold, max_depth=max_depth)
    return _report(report, principal.masks_pii, page.limit, page.offset)


@router.get("/controller", summary="The ultimate controller and its control chain",
            response_model=ControllerReport, responses=READ)
def controller(
    uscc: UsccPath,
    store: StoreDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    control_threshold: Annotated[float, Query(ge=0, lt=100)] = 50.0,
    max_depth: DepthQ = ownership.DEFAULT_MAX_DEPTH,
) -> ControllerReport:
    require_enterprise(store, uscc)
    with module_errors():
        found = ownership.ultimate_controller(store, uscc, control_threshold=control_threshold,
                                              max_depth=max_depth)
    return ControllerReport(subject=f"Enterprise:{uscc}",
                            controller=_control(found, principal.masks_pii) if found else None)


@router.get("/group", summary="The corporate group: everything the ultimate controller controls",
            response_model=GroupReport, responses=READ)
def group(
    uscc: UsccPath,
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    control_threshold: Annotated[float, Query(ge=0, lt=100)] = 50.0,
    max_depth: DepthQ = ownership.DEFAULT_MAX_DEPTH,
) -> GroupReport:
    require_enterprise(store, uscc)
    with module_errors():
        found = ownership.corporate_group(store, uscc, control_threshold=control_threshold,
                                          max_depth=max_depth)
    window = found.members[page.offset:page.offset + page.limit]
    return GroupReport(
        group_id=found.group_id, controller=views.node(found.controller, principal.masks_pii),
        members=models.Page[Control](items=[_control(c, principal.masks_pii) for c in window],
                                     total=len(found.members), limit=page.limit,
                                     offset=page.offset),
        truncated=found.truncated)
