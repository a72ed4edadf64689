"""The small interface every graph store implements, and the store-neutral values it returns.

Query modules see only this: Cypher text in, plain Python rows out, with nodes, relationships and
paths converted to :class:`GraphNode`, :class:`GraphRelationship` and :class:`GraphPath` so results
compare equal across stores. Nodes are identified by ``Label:key`` from the graph model, never by a
store's internal id, which differs between stores and between loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model import GraphModel


class StoreError(Exception):
    """A query failed for a reason the caller should see (bad query, constraint, refused write)."""


class StoreUnavailable(StoreError):
    """The store cannot be reached now; the API turns this into 503."""


class ReadOnlyViolation(StoreError):
    """A read-only query tried to write; refused by the store itself."""


class QueryTimeout(StoreError):
    """The store stopped the query at its time limit."""


@dataclass(frozen=True)
class GraphNode:
    ref: str  # "Label:key"
    labels: tuple[str, ...]
    properties: Mapping[str, Any] = field(hash=False, compare=False)

    @property
    def label(self) -> str:
        return self.ref.split(":", 1)[0]

    @property
    def key(self) -> str:
        return self.ref.split(":", 1)[1]


@dataclass(frozen=True)
class GraphRelationship:
    type: str
    start: str  # node ref
    end: str  # node ref
    properties: Mapping[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[GraphNode, ...]
    relationships: tuple[GraphRelationship, ...]

    def __len__(self) -> int:
        return len(self.relationships)


Row = dict[str, Any]


@dataclass(frozen=True)
class WriteResult:
    rows: list[Row]


class GraphStore(Protocol):
    """What a store must offer. Kept small so another engine can be added later."""

    name: str
    model: GraphModel

    def read(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None
    ) -> list[Row]:
        """Run a read-only query in the store's read-only mode (writes are refused by the store)."""
        ...

    def read_columns(self, cypher: str, params: Mapping[str, Any] | None = None, *,
                     kinds: Mapping[str, str]) -> dict[str, list[Any]]:
        """A read-only export, column by column: millions of rows (a whole relationship type)
        without a dict per row or node conversion. ``kinds`` names every returned column's kind
        (``string``, ``integer``, ``float`` or ``list``), so a store can pick its cheapest
        reply format; values come back as those Python types or None."""
        ...

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a write in one transaction, retrying transient failures."""
        ...

    def apply_schema(self) -> list[str]:
        """Create the model's constraints and indexes; return what was newly created."""
        ...

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` when the store does not answer."""
        ...

    def clear(self) -> None:
        """Delete every node and relationship (tests, demo rebuilds)."""
        ...

    def background_saves_paused(self) -> AbstractContextManager[None]:
        """Hold back the server's own background saves (snapshots, log rewrites) while a load
        writes, and let one follow it; nothing to do for a server that schedules none."""
        ...

    def close(self) -> None: ...


def node_ref(model: GraphModel, labels: tuple[str, ...], properties: Mapping[str, Any]) -> str:
    """``Label:key`` for the first model label the node carries."""
    for label in labels:
        if label in model.labels:
            key = properties.get(model.key_of(label))
            return f"{label}:{key}"
    return f"{labels[0] if labels else '?'}:?"


def public_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Drop loader bookkeeping (``_hash``, ``_snapshot``, ``_source``) from what users see."""
    return {k: v for k, v in properties.items() if not k.startswith("_")}


def contains_nul(value: Any) -> bool:
    """Whether a value holds a NUL character anywhere (mapping keys and nested lists included).

    FalkorDB gets parameters inside the query text, which its parser reads up to the first NUL,
    so no layer may pass one on; the API refuses them up front, the store as a last guard."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    text = getattr(value, "text", None)  # the loader's pre-rendered literals
    return isinstance(text, str) and "\x00" in text
