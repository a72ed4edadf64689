"""Event-triggered expansion: who to call because of an event (one event, or a posted batch)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from chainscout.queries import expansion

from .. import encode, models
from ..auth import Principal
from ..deps import ANALYST, ANY_ROLE, PagingDep, StoreDep
from .common import READ, invalid, module_errors

router = APIRouter(tags=["expansion"])


class Family(StrEnum):
    """Relation families the walk may follow (``queries.expansion.FAMILIES``)."""

    shareholders = "shareholders"
    subsidiaries = "subsidiaries"
    investees = "investees"
    investors = "investors"
    suppliers = "suppliers"
    buyers = "buyers"
    park_cotenants = "park_cotenants"
    association_comembers = "association_comembers"
    officer_companies = "officer_companies"
    owner_companies = "owner_companies"


class TriggerEvent(BaseModel):
    event_id: str
    type: str
    date: str
    subject: str = Field(description="USCC of the enterprise the event concerns.")
    title: str | None
    amount: float | None
    age_days: int
    value: float = Field(description="Decayed event value 0..1.")


class EventProspects(BaseModel):
    event: TriggerEvent
    prospects: models.Page[models.Prospect]


class BatchRequest(models.RequestBody):
    event_ids: list[Annotated[str, Field(pattern=models.ID_PATTERN)]] | None = Field(
        None, min_length=1, max_length=1000, description="Events to expand …")
    date_from: models.JsonDate | None = Field(None, description="… or every event from this date …")
    date_to: models.JsonDate | None = Field(None, description="… to this date (inclusive).")
    families: list[Family] | None = Field(None, description="Relation families (default: all).")
    max_hops: models.StrictInt = Field(2, ge=1, le=expansion.MAX_HOPS)
    per_event_limit: models.StrictInt = Field(20, ge=1, le=200,
                                              description="Prospects kept per event.")

    def check(self) -> None:
        """Cross-field rules (400 when broken)."""
        if (self.event_ids is None) == (self.date_from is None):
            raise invalid("give either event_ids or date_from (with optional date_to)")
        if self.date_to is not None and self.date_from is None:
            raise invalid("date_to needs date_from")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise invalid("date_to is before date_from")


class BatchProspects(BaseModel):
    events: list[TriggerEvent]
    skipped: dict[str, str] = Field(description="Event id → why it was not expanded.")
    prospects: models.Page[models.Prospect]


def _families(chosen: list[Family] | None) -> tuple[str, ...]:
    return tuple(f.value for f in chosen) if chosen else expansion.DEFAULT_FAMILIES


def _event(event: expansion.TriggerEvent) -> TriggerEvent:
    return TriggerEvent(event_id=event.event_id, type=event.type, date=event.date,
                        subject=event.subject, title=event.title, amount=event.amount,
                        age_days=event.age_days, value=event.value)


@router.get(
    "/events/{event_id}/prospects",
    summary="Prospects around one event's subject, ranked and explained",
    response_model=EventProspects,
    responses=READ,
)
def event_prospects(
    event_id: Annotated[str, Path(pattern=models.ID_PATTERN)],
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    families: Annotated[list[Family] | None, Query(description="Relation families.")] = None,
    max_hops: Annotated[int, Query(ge=1, le=expansion.MAX_HOPS)] = 2,
) -> encode.JSONBytes:
    """Walks up to `max_hops` over the chosen relation families from the event's subject; each
    prospect carries its score parts and the strongest path from the subject."""
    with module_errors(expansion.ExpansionError):
        result = expansion.expand_event(store, event_id, families=_families(families),
                                        max_hops=max_hops, limit=page.limit,
                                        offset=page.offset)
    return encode.model_reply(EventProspects, principal.masks_pii, {"prospects": result.page},
                              event=_event(result.event))


@router.post(
    "/expansion/batch",
    summary="Expand a batch of events (ids or a date range) and rank all prospects together",
    response_model=BatchProspects,
    responses=READ,
)
def batch_prospects(
    body: BatchRequest,
    store: StoreDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANALYST)],
) -> encode.JSONBytes:
    body.check()
    with module_errors(expansion.ExpansionError):
        batch = expansion.expand_events(
            store, body.event_ids,
            date_from=body.date_from.isoformat() if body.date_from else None,
            date_to=body.date_to.isoformat() if body.date_to else None,
            families=_families(body.families), max_hops=body.max_hops,
            per_event_limit=body.per_event_limit)
        drawn = expansion.page(store, batch, limit=page.limit, offset=page.offset)
    return encode.model_reply(BatchProspects, principal.masks_pii, {"prospects": drawn},
                              events=[_event(e) for e in batch.events],
                              skipped=dict(batch.skipped))
