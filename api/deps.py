"""Typed dependencies: the app's store, the caller's principal, role guards and paging."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chainscout.graph.stores.base import GraphStore, StoreError, StoreUnavailable
from chainscout.queries.peer_index import MAX_ROWS, MemberIndex
from chainscout.settings import Settings

from .auth import KeyRing, Principal, Role
from .errors import ApiError, Forbidden, Unauthorized
from .outbox import LeadOutbox

PAGE_MAX = 200
PAGE_DEFAULT = 50


class StoreHolder:
    """The app's one store, opened in the lifespan; reopened on demand if it was unavailable."""

    def __init__(self, opener: Callable[[], GraphStore] | None, store: GraphStore | None = None,
                 owned: bool = True, *, peer_index_s: float = 0.0,
                 peer_index_members: int = 2_000_000, peer_index_rows: int = MAX_ROWS,
                 group_index_s: float = 0.0) -> None:
        self._opener = opener
        self._store = store
        self._owned = owned
        self._lock = threading.Lock()
        self._peer_index_s = peer_index_s
        self._peer_index_members = peer_index_members
        self._peer_index_rows = peer_index_rows
        self._group_index_s = group_index_s
        self._peer_index: MemberIndex | None = None

    def get(self) -> GraphStore:
        store = self._store
        if store is not None:
            return store
        if self._opener is None:
            raise StoreUnavailable("no graph store configured")
        with self._lock:
            if self._store is None:
                self._store = self._opener()
            return self._store

    def peek(self) -> GraphStore | None:
        return self._store

    def peer_index(self) -> MemberIndex | None:
        """The peers member index of the current store (none when switched off)."""
        if self._peer_index_s <= 0:
            return None
        store = self.get()
        with self._lock:
            if self._peer_index is None or self._peer_index.store is not store:
                self._peer_index = MemberIndex(store, max_age_s=self._peer_index_s,
                                               max_members=self._peer_index_members,
                                               max_rows=self._peer_index_rows,
                                               control_max_age_s=self._group_index_s)
            return self._peer_index

    def open_quietly(self) -> None:
        with contextlib.suppress(StoreError):
            self.get()

    def close(self) -> None:
        """Close the store the app opened. An injected store stays: it is not the app's to close,
        and forgetting it would make a restarted lifespan open the configured store instead."""
        with self._lock:
            self._peer_index = None
            if self._store is not None and self._owned:
                self._store.close()
                self._store = None


# The small dependencies are coroutines: FastAPI runs a plain function dependency on a worker
# thread, and a hop there and back per dependency was a good part of a request's CPU. Whatever
# may block (opening the store, checking a key's hash) still runs on a thread.

async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> GraphStore:
    holder: StoreHolder = request.app.state.store_holder
    store = holder.peek()
    return store if store is not None else await run_in_threadpool(holder.get)


async def get_peer_index(request: Request) -> MemberIndex | None:
    holder: StoreHolder = request.app.state.store_holder
    if holder.peek() is None:  # opening the store blocks
        return await run_in_threadpool(holder.peer_index)
    return holder.peer_index()


async def get_outbox(request: Request) -> LeadOutbox:
    outbox: LeadOutbox = request.app.state.outbox
    return outbox


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cs_…`.")


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    keyring: KeyRing = request.app.state.keyring
    key = credentials.credentials
    principal = keyring.known(key) or await run_in_threadpool(keyring.authenticate, key)
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    request.state.key_id = principal.key_id
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
PeerIndexDep = Annotated[MemberIndex | None, Depends(get_peer_index)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
OutboxDep = Annotated[LeadOutbox, Depends(get_outbox)]


class RoleGuard:
    """Route dependency admitting keys that act as one of ``roles``; introspected by the tests
    and the OpenAPI description so no route goes unguarded."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, principal: PrincipalDep) -> Principal:
        if not any(principal.acts_as(r) for r in self.roles):
            raise Forbidden(f"role {principal.role.value} may not use this route "
                            f"(needs {', '.join(sorted(r.value for r in self.roles))})")
        return principal

    def __repr__(self) -> str:
        return f"RoleGuard({', '.join(sorted(r.value for r in self.roles))})"


ANY_ROLE = RoleGuard(Role.manager, Role.analyst, Role.admin)
ANALYST = RoleGuard(Role.analyst, Role.admin)
ADMIN = RoleGuard(Role.admin)


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"Page size (≤ {PAGE_MAX}).")] = (
        PAGE_DEFAULT
    ),
    offset: Annotated[int, Query(ge=0, le=100_000, description="Items to skip.")] = 0,
) -> Paging:
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def check_branch(principal: Principal, branch_id: str) -> None:
    """Managers see only their own branch."""
    if principal.role is Role.manager and principal.branch_id != branch_id:
        raise Forbidden("a manager key sees only its own branch")


def route_guard(dependant: Any) -> RoleGuard | None:
    """The role guard somewhere in a route's dependency tree (tests, OpenAPI ``x-roles``)."""
    for dep in getattr(dependant, "dependencies", ()):
        if isinstance(dep.call, RoleGuard):
            return dep.call
        found = route_guard(dep)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    guard: RoleGuard | None
    in_schema: bool


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every API route of the app with its role guard, flattened from ``app.routes`` (FastAPI
    ≥ 0.13x keeps included routers lazily; older versions list APIRoutes directly)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - older FastAPI
        contexts: list[Any] = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    found = []
    for context in contexts:
        if not isinstance(getattr(context, "original_route", context), APIRoute):
            continue
        found.append(RouteInfo(
            str(context.path_format), frozenset(context.methods or ()),
            route_guard(context.dependant), bool(context.include_in_schema)))
    return found


def _query_names(dependant: Any) -> frozenset[str]:
    names = {str(getattr(p, "alias", None) or p.name) for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


#: id(dependant) → (dependant, its query parameter names); holding the dependant keeps its id
#: from being reused by another route's.
_QUERY_NAMES: dict[int, tuple[Any, frozenset[str]]] = {}


async def forbid_unknown_query(request: Request) -> None:
    """App-wide dependency: a query parameter the route does not declare is a 422, so a typo
    (`limt=5`) is an error rather than silently ignored; so is a NUL character in a value (the
    embedded store cannot take one in a query)."""
    if not request.query_params:
        return
    if any("\x00" in value for _, value in request.query_params.multi_items()):
        raise ApiError(422, "validation_error", "query parameters may not contain NUL characters")
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    cached = _QUERY_NAMES.get(id(dependant))
    if cached is None or cached[0] is not dependant:
        cached = _QUERY_NAMES[id(dependant)] = (dependant, _query_names(dependant))
    unknown = sorted(set(request.query_params.keys()) - cached[1])
    if unknown:
        raise ApiError(422, "validation_error",
                       f"unknown query parameter(s): {', '.join(unknown)[:200]}")
