"""Read-only Cypher for analysts: where no Neo4j Browser exists.

The query runs through ``store.read``, i.e. in the store's own read-only mode (Neo4j READ access
mode, FalkorDB ``GRAPH.RO_QUERY``): the store refuses writes, whatever the text says. On top of
that, clauses that reach outside the graph (``LOAD CSV``, APOC load/import/export, periodic and
trigger procedures, ``dbms.*``) are refused before the query is sent. Values travel as parameters;
there is a time limit and a row cap.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, BeforeValidator, Field, Strict

from chainscout.graph.stores.base import (
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)

from .. import models, views
from ..auth import Principal
from ..deps import ANALYST, SettingsDep, StoreDep
from ..errors import BAD_REQUEST, COMMON_RESPONSES, BadRequest, Forbidden
from .common import invalid

router = APIRouter(prefix="/cypher", tags=["cypher"])

_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_REFUSED = re.compile(
    r"\bLOAD\s+CSV\b|\bapoc\s*\.\s*(?:load|import|export|periodic|trigger|cypher|"
    r"systemdb|log)\b|\bdbms\s*\.|\bPERIODIC\s+COMMIT\b|\bIN\s+TRANSACTIONS\b",
    re.IGNORECASE,
)


class CypherRequest(models.RequestBody):
    query: str = Field(min_length=1, max_length=20_000, description="One read-only Cypher query.")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Query parameters (`$name` in the query) as JSON values; names are "
                    "identifiers (`[A-Za-z_][A-Za-z0-9_]*`).")
    limit: Annotated[int, Field(ge=1, le=100_000), BeforeValidator(models.json_int)] | None = Field(
        None, description="Rows to return at most (capped by CHAINSCOUT_CYPHER_ROW_CAP).")
    timeout_s: Annotated[float, Field(ge=0.01, le=600), Strict()] | None = Field(
        None, description="Time limit in seconds (capped by CHAINSCOUT_CYPHER_TIMEOUT_S).")


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    row_count: int = Field(description="Rows returned (after the cap).")
    truncated: bool = Field(description="True when the query produced more rows than returned.")
    store: str


def refused_clause(query: str) -> str | None:
    """The first clause reaching outside the graph, if any (literals and comments ignored)."""
    text = _COMMENTS.sub(" ", _STRINGS.sub("''", query))
    match = _REFUSED.search(text)
    return " ".join(match[0].split()) if match else None


@router.post(
    "",
    summary="Run a read-only Cypher query (analysts)",
    response_model=CypherResult,
    responses={**COMMON_RESPONSES, **BAD_REQUEST},
)
def run_cypher(
    body: CypherRequest,
    store: StoreDep,
    settings: SettingsDep,
    _: Annotated[Principal, Depends(ANALYST)],
) -> CypherResult:
    """The query runs in the store's read-only mode: any write is refused by the store itself
    (403 `read_only`). Nodes, relationships and paths come back as `{ref, labels, properties}`,
    `{type, start, end, properties}` and `{nodes, relationships}`."""
    bad = sorted(name for name in body.params if not _PARAM_NAME.match(name))
    if bad:
        raise invalid(f"parameter names must be identifiers: {', '.join(bad)[:200]}")
    clause = refused_clause(body.query)
    if clause:
        raise Forbidden(f"{clause} is not allowed in analyst queries")
    cap = min(body.limit or settings.cypher_row_cap, settings.cypher_row_cap)
    timeout = min(body.timeout_s or settings.cypher_timeout_s, settings.cypher_timeout_s)
    try:
        rows = store.read(body.query, body.params, timeout_s=timeout)
    except (StoreUnavailable, QueryTimeout, ReadOnlyViolation):
        raise
    except StoreError as exc:
        raise BadRequest(f"query failed: {str(exc)[:500]}", code="query_error") from exc
    columns = list(rows[0].keys()) if rows else []
    kept = rows[:cap]
    return CypherResult(
        columns=columns,
        rows=[{k: views.jsonable(v, False) for k, v in row.items()} for row in kept],
        row_count=len(kept),
        truncated=len(rows) > cap,
        store=store.name,
    )
