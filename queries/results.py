"""Result shapes shared by every query module: ranked prospects with the paths that explain them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chainscout.graph.stores.base import GraphNode, GraphPath, public_properties


@dataclass(frozen=True)
class ScorePart:
    """One named, weighted contribution to a prospect's score, so every rank can be explained."""

    name: str
    value: float  # the raw signal, usually 0..1
    weight: float
    explanation: str = ""

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Score:
    parts: tuple[ScorePart, ...]

    @property
    def total(self) -> float:
        return round(sum(p.contribution for p in self.parts), 6)


@dataclass(frozen=True)
class Prospect:
    """An enterprise worth a call, its score and the path(s) from the anchor that justify it."""

    enterprise: GraphNode
    score: Score
    paths: tuple[GraphPath, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def uscc(self) -> str:
        return self.enterprise.key


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int


def rank(prospects: Sequence[Prospect]) -> list[Prospect]:
    """Deterministic order: score descending, then USCC, so pages are stable across stores."""
    return sorted(prospects, key=lambda p: (-p.score.total, p.uscc))


def paginate(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    return Page(items[offset: offset + limit], len(items), limit, offset)


def node_view(node: GraphNode) -> dict[str, Any]:
    """JSON-ready node for API responses and drawings; bookkeeping stripped."""
    return {"ref": node.ref, "labels": list(node.labels),
            "properties": public_properties(node.properties)}


def path_view(path: GraphPath) -> dict[str, Any]:
    return {
        "nodes": [node_view(n) for n in path.nodes],
        "relationships": [
            {"type": r.type, "start": r.start, "end": r.end,
             "properties": public_properties(r.properties)}
            for r in path.relationships
        ],
    }
