"""Warm introductions: shortest explainable paths from existing customers to a prospect."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from chainscout.queries import introductions

from .. import models, views
from ..auth import Principal
from ..deps import ANY_ROLE, StoreDep
from .common import READ, module_errors
from .ownership import require_enterprise

router = APIRouter(tags=["introductions"])


class Channel(StrEnum):
    """Introduction channels (``queries.introductions.CHANNELS``)."""

    ownership = "ownership"
    officer = "officer"
    supply_chain = "supply_chain"
    park = "park"
    association = "association"


class CustomerLink(BaseModel):
    branch_id: str
    branch_name: str | None
    manager_id: str | None
    since: str | None


class Introduction(BaseModel):
    customer: models.Node
    links: list[CustomerLink] = Field(description="How the bank serves the customer.")
    path: models.Path = Field(description="Customer first, prospect last.")
    hops: int
    strength: float = Field(description="Path strength 0..1 (relation weights, hop decay).")
    channels: list[str] = Field(description="Channel of each relationship, customer side first.")


class Introductions(BaseModel):
    prospect: models.Node
    prospect_is_customer: bool
    truncated: bool = Field(description="A fan-out or frontier bound was hit.")
    introductions: list[Introduction] = Field(
        description="By hops, then strength (descending), then customer USCC.")


@router.get(
    "/enterprises/{uscc}/introductions",
    summary="Who among our customers can introduce us to this enterprise",
    response_model=Introductions,
    responses=READ,
)
def warm_introductions(
    uscc: Annotated[str, Path(pattern=models.USCC_PATTERN, description="The prospect's USCC.")],
    store: StoreDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    channels: Annotated[list[Channel] | None, Query(description="Channels (default all).")
                        ] = None,
    max_hops: Annotated[int, Query(ge=1, le=introductions.MAX_HOPS)] = 4,
    k: Annotated[int, Query(ge=1, le=50, description="Introductions returned at most.")] = 5,
    paths_per_customer: Annotated[int, Query(ge=1, le=5)] = 1,
) -> Introductions:
    require_enterprise(store, uscc)
    chosen = tuple(c.value for c in channels) if channels else introductions.DEFAULT_CHANNELS
    with module_errors():
        result = introductions.warm_introductions(store, uscc, channels=chosen,
                                                  max_hops=max_hops, k=k,
                                                  paths_per_customer=paths_per_customer)
    mask = principal.masks_pii
    return Introductions(
        prospect=views.node(result.prospect, mask),
        prospect_is_customer=result.prospect_is_customer,
        truncated=result.truncated,
        introductions=[
            Introduction(customer=views.node(i.customer, mask),
                         links=[CustomerLink(branch_id=link.branch_id,
                                             branch_name=link.branch_name,
                                             manager_id=link.manager_id, since=link.since)
                                for link in i.links],
                         path=views.path(i.path, mask), hops=i.hops, strength=i.strength,
                         channels=list(i.channels))
            for i in result.introductions
        ],
    )
