"""Read-only Cypher for analysts: where no Neo4j Browser exists.

The query runs through ``store.read``, i.e. in the store's own read-only mode (Neo4j READ access
mode, FalkorDB ``GRAPH.RO_QUERY``): the store refuses writes, whatever the text says. On top of
that, clauses that reach outside the graph (``LOAD CSV``, APOC load/import/export, periodic and
trigger procedures, ``dbms.*``), administration commands that Neo4j runs even in read mode
(``SHOW USERS``/``TRANSACTIONS``/``SETTINGS``…, ``TERMINATE TRANSACTIONS``, ``USE <other database>``,
cache and statistics procedures) and ``range()`` calls with literal bounds over
:data:`RANGE_MAX` elements (FalkorDB builds such a list in full before it checks the time limit)
are refused before the query is sent. Values travel as parameters; there is a time limit and a row
cap.
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
#: String literals, comments and `quoted` names, matched in one left-to-right pass so that a quote
#: inside a comment (or `//` inside a string) cannot hide the code that follows it.
_LEXEMES = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|/\*.*?\*/|`[^`]*`", re.DOTALL)
_REFUSED = re.compile(
    r"\bLOAD\s+CSV\b|\bapoc\s*\.\s*(?:load|import|export|periodic|trigger|cypher|"
    r"systemdb|log)\b|\bdbms\s*\.|\bPERIODIC\s+COMMIT\b|\bIN\s+TRANSACTIONS\b"
    # administration that Neo4j runs in read mode: kill others' transactions, read the system
    # database (users, roles, settings, other queries' text), leave the configured database
    r"|\bTERMINATE\s+TRANSACTIONS?\b"
    r"|(?:^|[;{])\s*SHOW\s+(?!(?:(?:ALL|RANGE|TEXT|POINT|LOOKUP|FULLTEXT|VECTOR|UNIQUE|KEY|NODE|"
    r"RELATIONSHIP|REL|PROPERTY|EXIST|EXISTENCE|EXISTS|TYPE|BUILT\s+IN|USER\s+DEFINED)\s+)*"
    r"(?:INDEX|INDEXES|CONSTRAINT|CONSTRAINTS|FUNCTION|FUNCTIONS|PROCEDURE|PROCEDURES)\b)\w+"
    r"|(?:^|[;{])\s*USE\s+\w+"
    r"|\bdb\s*\.\s*(?:clearQueryCaches|checkpoint|prepareForReplanning|"
    r"stats\s*\.\s*(?:clear|collect|stop))\b",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\brange\s*\(\s*(-?\d+)\s*,\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?\)",
                    re.IGNORECASE)
#: Most elements a ``range()`` with literal bounds may have in an analyst query.
RANGE_MAX = 10_000_000


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


def _code(query: str) -> str:
    """The query with string literals emptied, comments blanked and `quoted` names unquoted."""

    def replace(match: re.Match[str]) -> str:
        token = match[0]
        if token[0] in "'\"":
            return "''"
        if token[0] == "`":
            return token[1:-1]
        return " "

    return _LEXEMES.sub(replace, query)


def refused_clause(query: str) -> str | None:
    """The first clause reaching outside the graph or administering the server, if any
    (literals and comments ignored); or a ``range()`` too large to build."""
    text = _code(query)
    match = _REFUSED.search(text)
    if match:
        return " ".join(match[0].lstrip(";{").split())
    for found in _RANGE.finditer(text):
        start, end, step = int(found[1]), int(found[2]), int(found[3] or 1)
        if step and (end - start) // step + 1 > RANGE_MAX:
            return f"{' '.join(found[0].split())} (more than {RANGE_MAX:,} elements)"
    return None


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
