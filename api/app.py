"""The FastAPI application: ``create_app(settings)``.

One graph store per app, opened in the lifespan and kept on ``app.state``; routers per resource in
``api/routers``; one JSON error shape; API-key auth on every route but /health, the docs and the
static web page (which asks for a key itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from chainscout.graph.stores.base import GraphStore
from chainscout.settings import Settings, get_settings
from chainscout.stores import open_store

from .auth import KeyRing
from .deps import StoreHolder, api_routes, forbid_unknown_query
from .errors import install_handlers
from .middleware import AccessLog, BodySizeLimit
from .outbox import LeadOutbox, WebhookDispatcher
from .routers import ROUTERS
from .routers.guide import router as guide_router
from .routers.system import VERSION

log = logging.getLogger("chainscout.api")

DESCRIPTION = """
Ranked, explained corporate-banking prospects from the industry-chain and park graph.

**Auth**: every route except `/health`, the docs and the web page (`/ui/`) needs an API key:
`Authorization: Bearer cs_…`. Roles: `manager` (own branch's leads and prospects; person names
masked), `analyst` (everything read-only, plus `/cypher`), `admin` (analyst rights plus event
ingestion and lead generation). Errors are `{"error": {"code", "message"}}`.

**Strings**: no parameter or body value may contain a NUL character (U+0000): 422.

**Pages**: list endpoints take `limit` (≤ 200) and `offset` and return `total`; orderings are
deterministic (score descending, then key). See docs/api.md.
"""

TAGS = [
    {"name": "system", "description": "Health and the calling key."},
    {"name": "enterprises", "description": "Enterprise lookup by USCC and search by name."},
    {"name": "peers", "description": "Enterprises sharing a park, chain, association or group."},
    {"name": "strategies", "description": "Prospecting strategies: industry × park, industry × "
                                          "association."},
    {"name": "expansion", "description": "Event-triggered expansion: prospects around an event."},
    {"name": "ownership", "description": "Ownership penetration and (ultimate) controllers."},
    {"name": "introductions", "description": "Warm-introduction paths from existing customers."},
    {"name": "geo", "description": "Prospects near a point or assigned to a branch."},
    {"name": "analysis", "description": "Park chain-gap analysis and coverage."},
    {"name": "events", "description": "Event ingestion (admins)."},
    {"name": "leads", "description": "Lead lists, CSV export, and the outbox of new leads."},
    {"name": "cypher", "description": "Read-only Cypher for analysts."},
]

STATIC_DIR = Path(str(resources.files("chainscout.api") / "static"))


def create_app(
    settings: Settings | None = None,
    *,
    store: GraphStore | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app. ``store`` injects an open store (tests); it is then not closed by the app."""
    settings = settings or get_settings()
    own_settings = settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder: StoreHolder = app.state.store_holder
        thresholds = gc.get_threshold()
        if own_settings.api_gc_threshold:
            gc.set_threshold(own_settings.api_gc_threshold, *thresholds[1:])
        await asyncio.to_thread(holder.open_quietly)  # a store down at start-up answers 503
        dispatcher: WebhookDispatcher | None = None
        task: asyncio.Task[None] | None = None
        if own_settings.webhook_url:
            secret = own_settings.webhook_secret
            if secret is None:
                log.error("CHAINSCOUT_WEBHOOK_URL is set without CHAINSCOUT_WEBHOOK_SECRET: "
                          "the webhook is disabled")
            else:
                dispatcher = WebhookDispatcher(
                    app.state.outbox, own_settings.webhook_url,
                    secret.get_secret_value().encode(),
                    max_attempts=own_settings.webhook_max_attempts, transport=webhook_transport)
                task = asyncio.create_task(dispatcher.run(), name="chainscout-webhook")
        app.state.dispatcher = dispatcher
        try:
            yield
        finally:
            if dispatcher is not None and task is not None:
                dispatcher.stop()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=5)
            await asyncio.to_thread(holder.close)
            gc.set_threshold(*thresholds)

    app = FastAPI(
        title="chainscout",
        version=VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(forbid_unknown_query)],
    )
    app.state.settings = settings
    app.state.keyring = KeyRing(settings.api_keys_file)
    app.state.outbox = LeadOutbox(settings.lead_outbox_path)
    # Opened in the lifespan; reopened on demand while the store is unavailable.
    app.state.store_holder = StoreHolder(lambda: open_store(own_settings), store,
                                         owned=store is None,
                                         peer_index_s=settings.peer_index_s,
                                         peer_index_members=settings.peer_index_members,
                                         peer_index_rows=settings.peer_index_rows,
                                         group_index_s=settings.group_index_s)
    app.state.dispatcher = None
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(guide_router)  # Neo4j Browser guide, public like /docs

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    app.mount("/ui", StaticFiles(directory=STATIC_DIR, html=True), name="ui")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes,
                                 tags=app.openapi_tags)
            for route in api_routes(app):
                if route.guard is None or route.path not in schema["paths"]:
                    continue
                roles = sorted(r.value for r in route.guard.roles)
                for method in route.methods:
                    operation = schema["paths"][route.path].get(method.lower())
                    if operation is not None:
                        operation["x-roles"] = roles
                        operation["description"] = (operation.get("description", "") +
                                                    f"\n\n**Roles**: {', '.join(roles)}").strip()
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(AccessLog)
    return app
