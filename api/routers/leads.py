"""Lead distribution: lists per branch / relationship manager, CSV export, the outbox feed."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from .. import models
from ..auth import Principal, Role
from ..deps import ADMIN, ANY_ROLE, OutboxDep, PagingDep, StoreDep, check_branch
from ..errors import COMMON_RESPONSES
from ..leads import leads_for_events, mask_stored_prospect
from ..outbox import StoredLead
from .common import READ, module_errors

router = APIRouter(prefix="/leads", tags=["leads"])

EXPORT_MAX = 10_000


class Lead(BaseModel):
    seq: int = Field(description="Outbox sequence number (the cursor).")
    lead_id: str = Field(description="Stable id: enterprise + branch + source.")
    uscc: str
    name: str | None
    branch_id: str | None = Field(description="Branch the lead is routed to (null: unassigned).")
    manager_id: str | None = Field(description="Relationship manager, when a warm channel has one.")
    source: str = Field(description="What produced the lead, e.g. `event`.")
    source_id: str | None = Field(description="E.g. the event id.")
    score: float
    created_at: str
    prospect: models.Prospect


class Outbox(BaseModel):
    items: list[Lead]
    next_cursor: str = Field(description="Pass as `cursor` to get the leads after these.")
    has_more: bool


class GenerateRequest(models.RequestBody):
    event_ids: list[Annotated[str, Field(pattern=models.ID_PATTERN)]] = Field(
        min_length=1, max_length=1000)
    per_event_limit: models.StrictInt = Field(20, ge=1, le=200)


class GenerateResult(BaseModel):
    new_leads: int
    last_seq: int


def lead_view(lead: StoredLead, principal: Principal) -> Lead:
    prospect = mask_stored_prospect(lead.prospect) if principal.masks_pii else lead.prospect
    return Lead(seq=lead.seq, lead_id=lead.lead_id, uscc=lead.uscc, name=lead.name,
                branch_id=lead.branch_id, manager_id=lead.manager_id, source=lead.source,
                source_id=lead.source_id, score=lead.score, created_at=lead.created_at,
                prospect=models.Prospect.model_validate(prospect))


def _scope(principal: Principal, branch_id: str | None) -> str | None:
    """Managers are held to their own branch; others may filter or not."""
    if principal.role is Role.manager:
        if branch_id is not None:
            check_branch(principal, branch_id)
        return principal.branch_id
    return branch_id


BranchQ = Annotated[str | None, Query(pattern=models.ID_PATTERN, description="Branch id.")]
ManagerQ = Annotated[str | None, Query(pattern=models.ID_PATTERN,
                                       description="Relationship manager's staff id.")]


@router.get("", summary="Leads of a branch or relationship manager, best first",
            response_model=models.Page[Lead], responses=COMMON_RESPONSES)
def list_leads(
    outbox: OutboxDep,
    page: PagingDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    branch_id: BranchQ = None,
    manager_id: ManagerQ = None,
) -> models.Page[Lead]:
    """Ordered by score (descending), then USCC. A manager key sees only its own branch."""
    leads, total = outbox.page(branch_id=_scope(principal, branch_id), manager_id=manager_id,
                               limit=page.limit, offset=page.offset)
    return models.Page[Lead](items=[lead_view(lead, principal) for lead in leads], total=total,
                             limit=page.limit, offset=page.offset)


def _path_text(prospect: dict[str, Any]) -> str:
    paths = prospect.get("paths") or []
    if not paths:
        return ""
    path = paths[0]
    names = {n["ref"]: str(n["properties"].get("name") or n["ref"]) for n in path["nodes"]}
    parts = [names.get(path["nodes"][0]["ref"], "")]
    for i, rel in enumerate(path["relationships"]):
        here, there = path["nodes"][i]["ref"], path["nodes"][i + 1]["ref"]
        arrow = f"-[{rel['type']}]->" if rel["start"] == here else f"<-[{rel['type']}]-"
        parts.append(f"{arrow} {names.get(there, there)}")
    return " ".join(parts)


def _cell(value: Any) -> str:
    """CSV cell safe from spreadsheet formula injection."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get(
    "/export.csv",
    summary="The same leads as CSV (UTF-8 with BOM, for spreadsheets)",
    response_class=Response,
    responses={**COMMON_RESPONSES, 200: {"content": {"text/csv": {}},
                                         "description": "CSV, one lead per row."}},
)
def export_leads(
    outbox: OutboxDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    branch_id: BranchQ = None,
    manager_id: ManagerQ = None,
    limit: Annotated[int, Query(ge=1, le=EXPORT_MAX)] = 1000,
) -> Response:
    leads, _ = outbox.page(branch_id=_scope(principal, branch_id), manager_id=manager_id,
                           limit=limit, offset=0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "score", "uscc", "name", "branch_id", "manager_id", "source",
                     "source_id", "score_parts", "path", "created_at"])
    for rank, lead in enumerate(leads, 1):
        view = lead_view(lead, principal).prospect
        parts = "; ".join(f"{p.name}={p.contribution:g}" for p in view.score.parts)
        writer.writerow([_cell(v) for v in (
            rank, f"{lead.score:.3f}", lead.uscc, lead.name, lead.branch_id, lead.manager_id,
            lead.source, lead.source_id, parts, _path_text(view.model_dump()), lead.created_at)])
    scope = _scope(principal, branch_id) or "all"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="leads-{scope}.csv"'})


@router.get(
    "/outbox",
    summary="New leads after a cursor, oldest first (polling feed for downstream systems)",
    response_model=Outbox,
    responses=COMMON_RESPONSES,
)
def outbox_feed(
    outbox: OutboxDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    cursor: Annotated[str, Query(pattern=r"^[0-9]{1,18}$",
                                 description="`next_cursor` of the previous call; 0 = start.")
                      ] = "0",
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Outbox:
    """Leads in creation order with `seq > cursor`. Store `next_cursor` and pass it next time:
    every lead is seen once, in order, even across restarts."""
    branch = principal.branch_id if principal.role is Role.manager else None
    after = int(cursor)
    items = outbox.after(after, limit + 1, branch_id=branch)
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = str(items[-1].seq) if items else str(after)
    return Outbox(items=[lead_view(lead, principal) for lead in items], next_cursor=next_cursor,
                  has_more=has_more)


@router.post(
    "/generate",
    summary="Create leads from events already in the graph (admins)",
    response_model=GenerateResult,
    responses=READ,
)
def generate(
    body: GenerateRequest,
    store: StoreDep,
    outbox: OutboxDep,
    _: Annotated[Principal, Depends(ADMIN)],
) -> GenerateResult:
    """Expands the events, routes each prospect to a branch and appends leads not seen before to
    the outbox (and so to the webhook)."""
    with module_errors():
        leads = leads_for_events(store, body.event_ids, per_event_limit=body.per_event_limit)
    new = outbox.record(leads)
    return GenerateResult(new_leads=len(new), last_seq=outbox.last_seq())
