"""Query results → response models, with person names masked for roles without PII rights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship
from chainscout.queries import results

from . import models

#: Node properties that hold a natural person's name (PII), by label.
PII_PROPERTIES: Mapping[str, frozenset[str]] = {
    "Person": frozenset({"name"}),
    "Enterprise": frozenset({"legal_representative"}),
}
#: Keys of free-form fact / row dicts that hold a person's name.
PII_KEYS = frozenset({
    "legal_representative", "person_name", "controller_name", "introducer_name", "officer_name",
    "holder_name", "contact_name",
})


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``; keeps the first character so a manager can still recognise a name."""
    text = name.strip()
    if not text:
        return text
    return text[0] + "*" * max(1, min(len(text) - 1, 3))


_PLAIN = (str, int, bool, type(None))


def public(properties: Mapping[str, Any]) -> dict[str, Any]:
    # Most values are plain text and numbers: skip jsonable's dispatch for them.
    return {k: v if type(v) in _PLAIN else jsonable(v, False)
            for k, v in properties.items() if not k.startswith("_")}


#: Views of the nodes already converted for one response, by ref: the anchor and the park or
#: segment recur in every path of a page, and each peer is also its own path's last node.
NodeViews = dict[str, models.Node]


def node(value: GraphNode, mask: bool, seen: NodeViews | None = None) -> models.Node:
    if seen is not None:
        view = seen.get(value.ref)
        if view is None:
            view = seen[value.ref] = node(value, mask)
        return view
    return models.Node(ref=value.ref, labels=list(value.labels),
                       properties=node_properties(value, mask))


def node_properties(value: GraphNode, mask: bool) -> dict[str, Any]:
    """A node's public properties as JSON values, its person names masked if ``mask``."""
    props = public(value.properties)
    if mask:
        for label in value.labels:
            for prop in PII_PROPERTIES.get(label, ()):
                if isinstance(props.get(prop), str):
                    props[prop] = mask_name(props[prop])
    return props


def relationship(value: GraphRelationship) -> models.Relationship:
    return models.Relationship(type=value.type, start=value.start, end=value.end,
                               properties=public(value.properties))


def path(value: GraphPath, mask: bool, seen: NodeViews | None = None) -> models.Path:
    return models.Path(nodes=[node(n, mask, seen) for n in value.nodes],
                       relationships=[relationship(r) for r in value.relationships])


def jsonable(value: Any, mask: bool, key: str | None = None) -> Any:
    """Any query-module value as JSON: graph values as views, dataclasses as objects."""
    kind = type(value)
    if kind is str:  # most values: text, numbers and lists of them, before the graph types
        return mask_name(value) if mask and key in PII_KEYS else value
    if kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [jsonable(v, mask, key) for v in value]
    if isinstance(value, GraphNode):
        return node(value, mask).model_dump()
    if isinstance(value, GraphPath):
        return path(value, mask).model_dump()
    if isinstance(value, GraphRelationship):
        return relationship(value).model_dump()
    if isinstance(value, results.Prospect):
        return prospect(value, mask).model_dump()
    if isinstance(value, results.Score):
        return score(value).model_dump()
    if isinstance(value, str):
        return mask_name(value) if mask and key in PII_KEYS else value
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, Enum):
        return jsonable(value.value, mask, key)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, mask, str(k)) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(getattr(value, k), mask, k) for k in asdict(value)}
    if isinstance(value, Sequence | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v, mask, key) for v in items]
    return str(value)


def score(value: results.Score) -> models.Score:
    return models.Score(total=value.total, parts=[
        models.ScorePart(name=p.name, value=p.value, weight=p.weight,
                         contribution=round(p.contribution, 6), explanation=p.explanation)
        for p in value.parts
    ])


def prospect(value: results.Prospect, mask: bool, seen: NodeViews | None = None
             ) -> models.Prospect:
    name = value.enterprise.properties.get("name")
    return models.Prospect(
        uscc=value.uscc,
        name=str(name) if name is not None else None,
        enterprise=node(value.enterprise, mask, seen),
        score=score(value.score),
        paths=[path(p, mask, seen) for p in value.paths],
        facts=jsonable(dict(value.facts), mask),
    )


def prospect_page(page: results.Page[results.Prospect], mask: bool) -> models.Page[models.Prospect]:
    """The page as response models: what the routes' replies are (api/encode.py writes them
    straight to JSON, held to this by the tests)."""
    seen: NodeViews = {}
    return models.Page[models.Prospect](
        items=[prospect(p, mask, seen) for p in page.items],
        total=page.total, limit=page.limit, offset=page.offset,
    )
