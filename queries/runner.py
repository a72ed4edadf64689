"""Run a named query on a store: the one path from a query name to rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainscout.graph.stores.base import GraphStore, Row

from .catalog import load_query


def run_named(
    store: GraphStore,
    name: str,
    params: Mapping[str, Any],
    *,
    timeout_s: float | None = None,
) -> list[Row]:
    """Read-only named query with checked parameters (missing ones would match nothing)."""
    query = load_query(name, store.name)
    return store.read(query.cypher, query.bind(params), timeout_s=timeout_s)


def export_named(store: GraphStore, name: str, params: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A named bulk export, column by column (``GraphStore.read_columns``), its columns' kinds
    as the query declares them."""
    query = load_query(name, store.name)
    if not query.columns:
        raise ValueError(f"query {name!r} declares no @column: it is not an export")
    return store.read_columns(query.cypher, query.bind(params), kinds=query.column_kinds)
