"""Event ingestion (admins): POST events → validate → upsert → new leads in the outbox."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from .. import models
from ..auth import Principal
from ..deps import ADMIN, OutboxDep, StoreDep
from ..errors import BAD_REQUEST, COMMON_RESPONSES
from ..events import EventRecord, ingest
from ..leads import leads_for_events
from .common import module_errors

router = APIRouter(prefix="/events", tags=["events"])


class CounterpartyRole(StrEnum):
    counterparty = "counterparty"
    investee = "investee"
    issuer = "issuer"
    winner = "winner"


class EventIn(models.RequestBody):
    """One event record (the `events` input format)."""

    event_id: str = Field(pattern=models.ID_PATTERN)
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="Event catalogue code.")
    date: models.JsonDate
    uscc: models.Uscc = Field(description="The subject enterprise.")
    title: str | None = Field(None, max_length=500)
    amount: models.StrictFloat | None = Field(None, ge=0, le=1e12, description="CNY 10k (万元).")
    source: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    counterparty_uscc: models.Uscc | None = None
    counterparty_role: CounterpartyRole | None = None


class EventBatch(models.RequestBody):
    events: list[EventIn] = Field(min_length=1, max_length=5000)
    generate_leads: models.StrictBool = Field(True, description="Expand accepted events into leads.")


class Rejection(BaseModel):
    index: int
    event_id: str
    reason: str


class IngestResult(BaseModel):
    received: int
    accepted: int
    created: int
    updated: int
    rejected: list[Rejection]
    new_leads: int


@router.post(
    "",
    summary="Ingest events (admins): upsert, then expand them into leads",
    response_model=IngestResult,
    responses={**COMMON_RESPONSES, **BAD_REQUEST},
)
def post_events(
    body: EventBatch,
    store: StoreDep,
    outbox: OutboxDep,
    _: Annotated[Principal, Depends(ADMIN)],
) -> IngestResult:
    """The events are loaded by the loaders, with their validation (USCC check characters, the
    event catalogue, subject and counterparty enterprises known to the graph, duplicates):
    rejected records are listed with the loaders' reasons, the rest load. Posting the same events
    again changes nothing and creates no duplicate leads."""
    records = [EventRecord(event_id=e.event_id, type=e.type, date=e.date.isoformat(),
                           uscc=e.uscc, title=e.title, amount=e.amount, source=e.source,
                           counterparty_uscc=e.counterparty_uscc,
                           counterparty_role=e.counterparty_role.value
                           if e.counterparty_role else None)
               for e in body.events]
    report = ingest(store, records)
    new_leads = 0
    if body.generate_leads and report.accepted:
        with module_errors():
            leads = leads_for_events(store, report.accepted)
        new_leads = len(outbox.record(leads))
    rejected: list[dict[str, Any]] = report.rejected
    return IngestResult(received=report.received, accepted=len(report.accepted),
                        created=report.created, updated=report.updated,
                        rejected=[Rejection(**r) for r in rejected],
                        new_leads=new_leads)
