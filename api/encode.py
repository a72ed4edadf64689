"""Pages of prospects straight to JSON bytes, value for value what the response models give.

A page of 20 peers is ≈ 50 KB in which the anchor and the hub recur in every path: building a
pydantic model per node, validating the page again against the route's response model and
dumping it took ≈ 1.4 ms of a worker's CPU per page, more than ranking it. Here each node is
encoded once per page (an ``orjson.Fragment`` reused wherever it recurs) and the rest are plain
dicts: ≈ 0.6 ms. The route keeps its ``response_model`` for the OpenAPI schema; the unit tests
hold this encoder to the models' own JSON, and the schemathesis run holds the replies to the
schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel

from chainscout.graph.stores.base import GraphNode, GraphPath
from chainscout.queries import results

from .views import jsonable, node_properties, public


class JSONBytes(Response):
    """A reply already encoded as JSON."""

    media_type = "application/json"


class _Nodes:
    """Each node of one reply encoded once, by ref."""

    def __init__(self, mask: bool) -> None:
        self.mask = mask
        self.encoded: dict[str, orjson.Fragment] = {}

    def __call__(self, value: GraphNode) -> orjson.Fragment:
        fragment = self.encoded.get(value.ref)
        if fragment is None:
            fragment = self.encoded[value.ref] = orjson.Fragment(orjson.dumps({
                "ref": value.ref, "labels": list(value.labels),
                "properties": node_properties(value, self.mask),
            }))
        return fragment


def _path(value: GraphPath, nodes: _Nodes) -> dict[str, Any]:
    return {
        "nodes": [nodes(n) for n in value.nodes],
        "relationships": [{"type": r.type, "start": r.start, "end": r.end,
                           "properties": public(r.properties)} for r in value.relationships],
    }


def _prospect(value: results.Prospect, nodes: _Nodes) -> dict[str, Any]:
    name = value.enterprise.properties.get("name")
    return {
        "uscc": value.uscc,
        "name": str(name) if name is not None else None,
        "enterprise": nodes(value.enterprise),
        "score": {"total": float(value.score.total), "parts": [
            {"name": p.name, "value": float(p.value), "weight": float(p.weight),
             "contribution": float(round(p.contribution, 6)), "explanation": p.explanation}
            for p in value.score.parts
        ]},
        "paths": [_path(p, nodes) for p in value.paths],
        "facts": jsonable(dict(value.facts), nodes.mask),
    }


def prospect_page(page: results.Page[results.Prospect], mask: bool) -> bytes:
    """``views.prospect_page(page, mask)`` as the route's response model would dump it."""
    nodes = _Nodes(mask)
    return orjson.dumps({
        "items": [_prospect(p, nodes) for p in page.items],
        "total": page.total, "limit": page.limit, "offset": page.offset,
    })


_NO_PROSPECTS = {"items": [], "total": 0, "limit": 0, "offset": 0}


def model_reply(model: type[BaseModel], mask: bool,
                pages: Mapping[str, results.Page[results.Prospect]], **fields: Any) -> JSONBytes:
    """``model(**fields, **{name: views.prospect_page(page, mask)})`` as the route's response:
    the other fields validated and dumped by the model, the prospect pages by
    :func:`prospect_page`; the keys in the model's order."""
    head = model.model_validate({**fields, **dict.fromkeys(pages, _NO_PROSPECTS)})
    dumped = head.model_dump(mode="json", exclude=set(pages))
    return JSONBytes(orjson.dumps({
        name: orjson.Fragment(prospect_page(pages[name], mask)) if name in pages else dumped[name]
        for name in type(head).model_fields
    }))
