"""Shared pieces of the market queries (peers, strategies, gaps, coverage, enterprise lookup).

* :class:`EnterpriseFilter`, the filters every enterprise list accepts, turned into the query
  parameters ``tags``, ``sizes``, ``district``, ``customer`` and ``include_inactive``;
* the score signals the queries compute in Cypher (so they can order and page at the store) and
  the explanations attached to them here: ``scale`` is ``log10(1 + registered capital in 万元) / 5``
  capped at 1, ``theme`` the theme tags held / 2 capped at 1, ``chain_fit`` 1 in the same segment and
  0.5 in an adjacent one (peers) or the best ``IN_SEGMENT`` confidence (strategies);
* the paging protocol of ranked queries: one row per item of the page in rank order, each carrying
  ``total``; an empty page is one row whose item is null, so the total still comes back.

Floats computed in Cypher come back from FalkorDB with 15 significant digits and from Neo4j with 17:
every signal goes through :func:`chainscout.queries.ranking.score`, which rounds it to 6 decimals, so
results are identical on both stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.graph.stores.base import GraphNode, GraphStore, Row

from .ranking import RankingWeights, load_weights
from .runner import run_named

#: Size classes of enterprises (``Enterprise.size``).
ENTERPRISE_SIZES = ("micro", "small", "medium", "large")

#: Registered capital (万元) from which the ``scale`` signal is 1: 10亿 CNY.
SCALE_FULL_CAPITAL = 100_000.0

#: Theme tags an enterprise needs for a ``theme`` signal of 1.
THEME_FULL_TAGS = 2


class NotFound(LookupError):
    """The anchor of a query (an enterprise, park, chain, segment) is not in the graph."""

    def __init__(self, label: str, key: str) -> None:
        super().__init__(f"no {label} {key!r} in the graph")
        self.label = label
        self.key = key


@dataclass(frozen=True)
class EnterpriseFilter:
    """Filters of an enterprise list; empty or null fields do not filter.

    ``tags`` must all be present (values from :data:`ENTERPRISE_TAGS`); ``sizes`` is any-of;
    ``district`` is a prefix of the 6-digit division code (``31`` Shanghai, ``3101`` its districts,
    ``310115`` Pudong); ``customer`` true keeps bank customers only, false non-customers only.
    Enterprises whose status is not ``active`` are left out unless ``include_inactive``.
    """

    tags: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    district: str | None = None
    customer: bool | None = None
    include_inactive: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.tags) - set(ENTERPRISE_TAGS)
        if unknown:
            raise ValueError(f"unknown tag(s) {sorted(unknown)}; known: {', '.join(ENTERPRISE_TAGS)}")
        unknown = set(self.sizes) - set(ENTERPRISE_SIZES)
        if unknown:
            raise ValueError(f"unknown size(s) {sorted(unknown)}; "
                             f"known: {', '.join(ENTERPRISE_SIZES)}")
        if self.district and not (self.district.isdigit() and len(self.district) <= 6):
            raise ValueError("district must be 1 to 6 digits of a division code")

    def params(self, *, customer: bool = True) -> dict[str, Any]:
        """Query parameters; ``customer=False`` for queries that fix customer status themselves."""
        params: dict[str, Any] = {
            "tags": sorted(set(self.tags)),
            "sizes": sorted(set(self.sizes)),
            "district": self.district or None,
            "include_inactive": self.include_inactive,
        }
        if customer:
            params["customer"] = self.customer
        return params


NO_FILTER = EnterpriseFilter()


def check_themes(themes: Iterable[str]) -> list[str]:
    """The theme tags that count for the ``theme`` signal, checked against the vocabulary."""
    out = sorted(set(themes))
    unknown = set(out) - set(ENTERPRISE_TAGS)
    if unknown:
        raise ValueError(f"unknown theme tag(s) {sorted(unknown)}; known: {', '.join(ENTERPRISE_TAGS)}")
    return out


def check_page(limit: int, offset: int, *, max_limit: int = 500) -> None:
    if not 1 <= limit <= max_limit:
        raise ValueError(f"limit must be between 1 and {max_limit}")
    if offset < 0:
        raise ValueError("offset must not be negative")


def weight_map(weights: RankingWeights, *parts: str) -> dict[str, float]:
    """The ``$w`` parameter: the weights of the prospect score parts a query sums."""
    return {part: weights.weight(part) for part in parts}


def place_weight_map(weights: RankingWeights, *parts: str) -> dict[str, float]:
    return {part: weights.place_weight(part) for part in parts}


def weights_or_default(weights: RankingWeights | None) -> RankingWeights:
    return weights if weights is not None else load_weights()


def since_or_default(since: str | date | None, *, days: int = 365) -> str:
    """ISO date; by default one year before today."""
    if since is None:
        return (date.today() - timedelta(days=days)).isoformat()
    if isinstance(since, date):
        return since.isoformat()
    return date.fromisoformat(since).isoformat()


def as_int(value: Any) -> int:
    """FalkorDB returns ``sum`` of integers as a float: counts go through here."""
    return int(value) if value is not None else 0


def as_float(value: Any) -> float:
    return float(value) if value is not None else 0.0


def str_list(value: Any) -> tuple[str, ...]:
    """A list of ids from a pattern comprehension, deduplicated and sorted (stores differ in order)."""
    return tuple(sorted({str(v) for v in value or () if v is not None}))


@dataclass(frozen=True)
class RankedRows:
    """The rows of one page of a ranked query, and the total the query counted."""

    total: int
    rows: list[Row] = field(default_factory=list)


def ranked_page(rows: Sequence[Row], item: str = "enterprise") -> RankedRows:
    """Unpack the paging protocol: every row carries ``total``; a null ``item`` is an empty page."""
    if not rows:
        return RankedRows(0)
    return RankedRows(as_int(rows[0]["total"]), [r for r in rows if r.get(item) is not None])


# -- explanations of the shared signals ------------------------------------------------------------


def capital_text(capital: Any) -> str:
    if not isinstance(capital, int | float) or capital <= 0:
        return "registered capital unknown"
    return f"registered capital {capital:,.0f} 万元"


def scale_why(node: GraphNode) -> str:
    return capital_text(node.properties.get("registered_capital"))


def theme_tags(node: GraphNode, themes: Sequence[str]) -> list[str]:
    tags = node.properties.get("tags") or []
    return sorted(t for t in set(tags) if t in themes)


def theme_why(node: GraphNode, themes: Sequence[str]) -> str:
    held = theme_tags(node, themes)
    return f"theme tags: {', '.join(held)}" if held else "no theme tags"


def customer_why(branches: Sequence[str]) -> str:
    if branches:
        return f"already a customer of branch {', '.join(branches)}"
    return "not a customer yet"


def peer_fit_why(value: float, segments: Sequence[str], own: Sequence[str] = ()) -> str:
    if value >= 1.0:
        same = [s for s in segments if s in own] if own else list(segments)
        return "in the anchor's chain segment" + (f" {', '.join(same)}" if same else "")
    if value > 0:
        return "in a segment up- or downstream of the anchor's"
    return "not in the anchor's segments or next to them"


def segment_ids_of(rows: Iterable[Mapping[str, Any]], key: str = "segment_id") -> tuple[str, ...]:
    return tuple(str(r[key]) for r in rows)


def resolve_segments(
    store: GraphStore, *, chain_id: str | None, segment_ids: Sequence[str] | None
) -> tuple[str, ...]:
    """The target segments: every segment of ``chain_id``, or the given ids (which must exist)."""
    if (chain_id is None) == (not segment_ids):
        raise ValueError("give either a chain_id or a non-empty list of segment_ids")
    if chain_id is not None:
        rows = run_named(store, "chain_segments", {"chain_id": chain_id})
        if not rows:
            raise NotFound("IndustryChain", chain_id)
        return segment_ids_of(rows)
    wanted = sorted(set(segment_ids or ()))
    rows = run_named(store, "segments_by_id", {"segment_ids": wanted})
    found = set(segment_ids_of(rows))
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound("ChainSegment", ", ".join(missing))
    return tuple(wanted)
