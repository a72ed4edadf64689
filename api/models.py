"""Typed request parameters and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from chainscout.graph.stores.base import contains_nul

# -- parameter types -----------------------------------------------------------------------------
#: Unified social credit code (统一社会信用代码): 18 digits or capitals other than I, O, S, V, Z.
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{18}$"
#: Ids of parks, associations, branches, events, chains, segments, persons: ascii word-ish.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"

Uscc = Annotated[str, StringConstraints(pattern=USCC_PATTERN)]


def json_int(value: Any) -> Any:
    """JSON integers (2 or 2.0, as JSON Schema has it), never a bool or a string."""
    if isinstance(value, bool | str):
        raise ValueError("must be an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_date(value: Any) -> Any:
    if not isinstance(value, str | dt.date):
        raise ValueError("must be a YYYY-MM-DD string")
    return value


#: Body numbers, flags and dates as their JSON types: no "5" for 5, no false for 0, no 0 for a
#: date.
StrictInt = Annotated[int, BeforeValidator(json_int)]
StrictFloat = Annotated[float, Strict()]
StrictBool = Annotated[bool, Strict()]
JsonDate = Annotated[dt.date, BeforeValidator(_json_date)]


class RequestBody(BaseModel):
    """Base of request bodies: unknown fields are refused (422), as unknown query parameters
    are; so are NUL characters anywhere in the body (no value has a use for one, and the
    embedded store cannot take one in a query)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if contains_nul(data):
            raise ValueError("NUL characters (\\u0000) are not allowed")
        return data


# -- graph values --------------------------------------------------------------------------------
class Node(BaseModel):
    ref: str = Field(description="`Label:key`, stable across stores and loads.")
    labels: list[str]
    properties: dict[str, Any]


class Relationship(BaseModel):
    type: str
    start: str = Field(description="Ref of the start node.")
    end: str = Field(description="Ref of the end node.")
    properties: dict[str, Any]


class Path(BaseModel):
    """A path as nodes in order and the relationships between consecutive nodes."""

    nodes: list[Node]
    relationships: list[Relationship]


class ScorePart(BaseModel):
    name: str
    value: float = Field(description="The raw 0..1 signal.")
    weight: float
    contribution: float = Field(description="value × weight")
    explanation: str


class Score(BaseModel):
    total: float
    parts: list[ScorePart]


class Prospect(BaseModel):
    """An enterprise worth a call, with the score parts and path(s) that explain its rank."""

    uscc: str
    name: str | None
    enterprise: Node
    score: Score
    paths: list[Path]
    facts: dict[str, Any]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A bounded page of a deterministic ordering."""

    items: list[T]
    total: int = Field(description="Items in the whole result, not just this page.")
    limit: int
    offset: int


class Health(BaseModel):
    status: str = Field(description="`ok` or `degraded`.")
    store: str | None
    store_ok: bool
    version: str


class Me(BaseModel):
    key_id: str
    role: str
    branch_id: str | None
    masks_pii: bool
    map_tile_url: str | None = Field(description="Tile URL template for the web page, if any.")
    page_max: int
