"""Health (public) and who-am-I (any key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from chainscout.graph.stores.base import StoreError

from .. import models
from ..auth import Principal
from ..deps import ANY_ROLE, PAGE_MAX, SettingsDep, StoreHolder
from ..errors import COMMON_RESPONSES

router = APIRouter()

VERSION = "0.1.0"


@router.get(
    "/health",
    tags=["system"],
    summary="Liveness and store health (no key needed)",
    response_model=models.Health,
    responses={503: {"model": models.Health, "description": "The graph store does not answer."}},
)
def health(request: Request) -> JSONResponse:
    holder: StoreHolder = request.app.state.store_holder
    name: str | None = None
    ok = False
    try:
        store = holder.get()
        name = store.name
        store.ping()
        ok = True
    except StoreError:
        ok = False
    body = models.Health(status="ok" if ok else "degraded", store=name, store_ok=ok,
                         version=VERSION)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503,
                        headers=None if ok else {"Retry-After": "5"})


@router.get(
    "/me",
    tags=["system"],
    summary="The calling key: id, role, branch, and settings the web page needs",
    response_model=models.Me,
    responses=COMMON_RESPONSES,
)
def me(principal: Annotated[Principal, Depends(ANY_ROLE)], settings: SettingsDep) -> models.Me:
    return models.Me(key_id=principal.key_id, role=principal.role.value,
                     branch_id=principal.branch_id, masks_pii=principal.masks_pii,
                     map_tile_url=settings.map_tile_url, page_max=PAGE_MAX)
