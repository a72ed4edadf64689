"""Scoring: turns query facts into one explainable score with named parts.

Weights live in ``ranking.yaml`` (package data) or the file named by ``CHAINSCOUT_RANKING_FILE``;
the formula is documented in docs/ranking.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chainscout.graph.stores.base import GraphPath, GraphRelationship

from .results import Score, ScorePart

_PARTS = ("event_value", "path_strength", "product_fit", "proximity", "chain_fit", "not_customer",
          "scale", "theme", "cluster", "referral", "gap")
#: Parts of the scores that rank places and channels (parks for a chain, associations), not
#: enterprises: ``place_weights`` in ranking.yaml, used by :func:`place_score`.
_PLACE_PARTS = ("members", "coverage", "growth", "reach", "introducers")


@dataclass(frozen=True)
class RankingWeights:
    weights: Mapping[str, float]
    hop_decay: float
    relation_weights: Mapping[str, float]
    place_weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, part: str) -> float:
        return float(self.weights.get(part, 0.0))

    def place_weight(self, part: str) -> float:
        return float(self.place_weights.get(part, 0.0))


def parse_weights(data: Mapping[str, Any], source: str) -> RankingWeights:
    weights = {str(k): float(v) for k, v in (data.get("weights") or {}).items()}
    unknown = set(weights) - set(_PARTS)
    if unknown:
        raise ValueError(f"{source}: unknown score part(s) {sorted(unknown)}; known: {_PARTS}")
    decay = float(data.get("hop_decay", 0.6))
    if not 0 < decay <= 1:
        raise ValueError(f"{source}: hop_decay must be in (0, 1]")
    relations = {str(k): float(v) for k, v in (data.get("relation_weights") or {}).items()}
    if any(not 0 <= v <= 1 for v in relations.values()):
        raise ValueError(f"{source}: relation weights must be in [0, 1]")
    places = {str(k): float(v) for k, v in (data.get("place_weights") or {}).items()}
    unknown = set(places) - set(_PLACE_PARTS)
    if unknown:
        raise ValueError(f"{source}: unknown place score part(s) {sorted(unknown)}; "
                         f"known: {_PLACE_PARTS}")
    return RankingWeights(weights, decay, relations, places)


@cache
def load_weights(path: str | None = None) -> RankingWeights:
    path = path or os.environ.get("CHAINSCOUT_RANKING_FILE")
    if path:
        text = Path(path).read_text(encoding="utf-8")
        source = path
    else:
        text = (resources.files("chainscout.queries") / "ranking.yaml").read_text("utf-8")
        source = "ranking.yaml"
    return parse_weights(yaml.safe_load(text) or {}, source)


def relation_weight(weights: RankingWeights, rel_type: str, percentage: Any = None) -> float:
    """Weight of one hop over ``rel_type``; a shareholding is scaled by its percentage (floor 0.2).

    The per-hop factor of :func:`path_strength`, for callers that score paths before building them.
    """
    w = weights.relation_weights.get(rel_type, 0.2)
    if rel_type == "HOLDS_SHARES" and isinstance(percentage, int | float):
        w *= max(0.2, min(float(percentage), 100.0) / 100.0)
    return w


def hop_weight(weights: RankingWeights, rel_type: str, percentage: Any, hop: int) -> float:
    """What hop ``hop`` (0: the first) over ``rel_type`` multiplies a path's strength by: its
    relation weight, decayed after the first hop."""
    return relation_weight(weights, rel_type, percentage) * (weights.hop_decay if hop > 0 else 1.0)


def relationships_strength(rels: Iterable[GraphRelationship], weights: RankingWeights) -> float:
    """Product of relation weights along a path's relationships, shareholdings scaled by their
    percentage, decayed per hop."""
    strength = 1.0
    for hop, rel in enumerate(rels):
        strength *= hop_weight(weights, rel.type, rel.properties.get("percentage"), hop)
    return strength


def path_strength(path: GraphPath, weights: RankingWeights) -> float:
    """:func:`relationships_strength` of a path."""
    return relationships_strength(path.relationships, weights)


def best_path_strength(paths: Iterable[GraphPath], weights: RankingWeights) -> float:
    return max((path_strength(p, weights) for p in paths), default=0.0)


def signal(value: float) -> float:
    """A score part's value as every score keeps it: clamped to 0..1, rounded to 6 places."""
    return round(max(0.0, min(1.0, value)), 6)


def score(weights: RankingWeights, **signals: tuple[float, str]) -> Score:
    """Build a score from named 0..1 signals with explanations; unknown names are an error."""
    parts = []
    for name, (value, why) in signals.items():
        if name not in _PARTS:
            raise ValueError(f"unknown score part {name!r}")
        parts.append(ScorePart(name, signal(value), weights.weight(name), why))
    return Score(tuple(parts))


def place_score(weights: RankingWeights, **signals: tuple[float, str]) -> Score:
    """Like :func:`score`, for places and channels, weighted by ``place_weights``."""
    parts = []
    for name, (value, why) in signals.items():
        if name not in _PLACE_PARTS:
            raise ValueError(f"unknown place score part {name!r}")
        parts.append(ScorePart(name, signal(value), weights.place_weight(name), why))
    return Score(tuple(parts))
