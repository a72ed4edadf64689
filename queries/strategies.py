"""Market strategies for a target industry chain: "industry + park" and "industry + association".

*Industry + park*: parks are ranked by how strongly the chain (all its segments, or a chosen few)
clusters there (place score parts, ``place_weights`` in ranking.yaml):

* ``members`` active chain enterprises in the park / the most in any qualifying park;
* ``coverage`` distinct target segments present in the park / target segments;
* ``growth`` share of those members with an event (``CONCERNS``) on or after ``since``.

Then the non-customer enterprises of the chain in the top parks are ranked (prospect score parts):
``cluster`` (their best park's score / the best park's score), ``chain_fit`` (best ``IN_SEGMENT``
confidence, 1 when unknown), ``scale`` and ``theme`` (see :mod:`chainscout.queries.market`), each
with its paths enterprise → park and enterprise → segment → chain.

*Industry + association*: associations are ranked as referral channels by ``reach`` (active
non-customer members in the target segments / the most in any association) and ``introducers``
(members that are customers / the most in any association), each with its best introducer (highest
association role, then lowest USCC). Their target-chain prospects are ranked by ``referral`` (their
best association's score / the best association's score), ``chain_fit``, ``scale`` and ``theme``,
each with the path introducing customer → association ← prospect and prospect → segment.

Ties go to the lower park id, association id or USCC.

Both rank a whole chain (tens of thousands of members at 1M enterprises): in the store on each
call, or, given a member index (queries/market_index.py, as the API does), in process from the
chain's members read once, with only the page's nodes and paths read: the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.graph.stores.base import GraphNode, GraphPath, GraphStore, Row

from . import market_index
from .market import (
    NO_FILTER,
    EnterpriseFilter,
    as_float,
    as_int,
    check_page,
    check_themes,
    place_weight_map,
    ranked_page,
    resolve_segments,
    scale_why,
    since_or_default,
    str_list,
    theme_why,
    weight_map,
    weights_or_default,
)
from .paths import hop, via_hub
from .peer_index import MemberIndex
from .ranking import RankingWeights, place_score, score
from .results import Page, Prospect, Score
from .runner import run_named


@dataclass(frozen=True)
class ParkCluster:
    """A park ranked for a chain; ``strength`` is its score relative to the best park's (0..1)."""

    park: GraphNode
    members: int
    active_members: int
    segments: tuple[str, ...]
    segment_count: int
    score: Score
    strength: float

    @property
    def park_id(self) -> str:
        return self.park.key


@dataclass(frozen=True)
class ParkStrategy:
    segment_ids: tuple[str, ...]
    since: str
    parks: Page[ParkCluster]
    prospects: Page[Prospect]


@dataclass(frozen=True)
class AssociationChannel:
    """An association ranked as a referral channel; ``strength`` is relative to the best one's."""

    association: GraphNode
    prospects: int
    introducers: int
    introducer: GraphNode | None
    introducer_role: str | None
    score: Score
    strength: float

    @property
    def association_id(self) -> str:
        return self.association.key


@dataclass(frozen=True)
class AssociationStrategy:
    segment_ids: tuple[str, ...]
    associations: Page[AssociationChannel]
    prospects: Page[Prospect]


def _strengths(totals: Sequence[float]) -> list[float]:
    best = totals[0] if totals else 0.0
    return [round(t / best, 6) if best > 0 else 0.0 for t in totals]


# -- industry + park -------------------------------------------------------------------------------


def rank_parks(
    store: GraphStore,
    *,
    chain_id: str | None = None,
    segment_ids: Sequence[str] | None = None,
    since: str | date | None = None,
    district: str | None = None,
    min_members: int = 1,
    limit: int = 10,
    weights: RankingWeights | None = None,
    index: MemberIndex | None = None,
) -> Page[ParkCluster]:
    """Parks where the chain clusters, best first; ``total`` counts every qualifying park.

    Give ``chain_id`` (all its segments) or ``segment_ids``. ``since`` defaults to one year ago.
    With an ``index`` the parks are ranked in process (queries/market_index.py): the same page.
    """
    segments = resolve_segments(store, chain_id=chain_id, segment_ids=segment_ids)
    return _rank_parks(store, segments, since_or_default(since), district, min_members, limit,
                       weights_or_default(weights), _view(index, segments))


def _rank_parks(
    store: GraphStore,
    segments: tuple[str, ...],
    since: str,
    district: str | None,
    min_members: int,
    limit: int,
    w: RankingWeights,
    view: market_index.ChainView | None,
) -> Page[ParkCluster]:
    check_page(limit, 0)
    params = {
        "segment_ids": list(segments), "since": since, "district": district,
        "min_members": max(1, min_members), "w": place_weight_map(w, "members", "coverage", "growth"),
        "limit": limit,
    }
    rows = (run_named(store, "strategy_parks", params) if view is None
            else _indexed_parks(store, view, params))
    scored = []
    for row in rows:
        members = as_int(row["members"])
        active = as_int(row["active_members"])
        present = str_list(row["segments"])
        scored.append((row, members, active, present, place_score(
            w,
            members=(as_float(row["members_signal"]),
                     f"{members} chain enterprises in the park (most in one park: "
                     f"{as_int(row['top_members'])})"),
            coverage=(as_float(row["coverage"]),
                      f"{len(present)} of {len(segments)} target segments present: "
                      f"{', '.join(present)}"),
            growth=(as_float(row["growth"]),
                    f"{active} of {members} members with an event since {since}"),
        )))
    strengths = _strengths([s.total for *_, s in scored])
    parks = [ParkCluster(row["park"], members, active, present, len(segments), s, strength)
             for (row, members, active, present, s), strength in zip(scored, strengths, strict=True)]
    total = as_int(rows[0]["qualified"]) if rows else 0
    return Page(parks, total, limit, 0)


def _view(index: MemberIndex | None, segments: tuple[str, ...]) -> market_index.ChainView | None:
    return None if index is None else market_index.chain_view(index, segments)


def _indexed_parks(store: GraphStore, view: market_index.ChainView,
                   params: dict[str, Any]) -> list[Row]:
    """``strategy_parks``' rows, ranked in process; only the parks' nodes are read."""
    qualified, ranked = market_index.rank_parks(
        view.tally("park"), view.places("park"), since=params["since"],
        district=params["district"], min_members=params["min_members"], weights=params["w"],
        limit=params["limit"])
    nodes = run_named(store, "strategy_parks_page", {"park_ids": [p.place_id for p in ranked]})
    by_id = {str(r["park"].key): r["park"] for r in nodes}
    return [{"qualified": qualified, "park": by_id[p.place_id], **p.counts,
             "members_signal": p.signals["members"], "coverage": p.signals["coverage"],
             "growth": p.signals["growth"]} for p in ranked if p.place_id in by_id]


def park_strategy(
    store: GraphStore,
    *,
    chain_id: str | None = None,
    segment_ids: Sequence[str] | None = None,
    since: str | date | None = None,
    district: str | None = None,
    parks: int = 5,
    min_members: int = 1,
    filters: EnterpriseFilter = NO_FILTER,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights | None = None,
    index: MemberIndex | None = None,
) -> ParkStrategy:
    """"Industry + park": the top ``parks`` for the chain and one page of its non-customer
    enterprises in them, ranked. ``district`` narrows the parks; ``filters`` the prospects (their
    customer field must be unset or false: prospects are never customers). With an ``index``
    parks and prospects are ranked in process and only the page is read: the same answer."""
    if filters.customer:
        raise ValueError("park strategy prospects are non-customers; customer=True is not allowed")
    check_page(limit, offset)
    w = weights_or_default(weights)
    segments = resolve_segments(store, chain_id=chain_id, segment_ids=segment_ids)
    since_text = since_or_default(since)
    view = _view(index, segments)
    ranked = _rank_parks(store, segments, since_text, district, min_members, parks, w, view)
    clusters = list(ranked.items)
    if not clusters:
        return ParkStrategy(segments, since_text, ranked, Page([], 0, limit, offset))
    params = {
        "park_ids": [c.park_id for c in clusters],
        "cluster": [c.strength for c in clusters],
        "segment_ids": list(segments), "themes": check_themes(themes),
        **filters.params(customer=False),
        "w": weight_map(w, "cluster", "chain_fit", "scale", "theme"),
        "skip": offset, "limit": limit,
    }
    rows = (run_named(store, "strategy_park_prospects", params) if view is None
            else _indexed_prospects(store, view.market, "park", params, filters))
    by_id = {c.park_id: c for c in clusters}
    page = ranked_page(rows)
    items = [_park_prospect(row, by_id[str(row["park_id"])], w, themes) for row in page.rows]
    return ParkStrategy(segments, since_text, ranked, Page(items, page.total, limit, offset))


def _indexed_prospects(store: GraphStore, market: market_index.ChainMarket, via: str,
                       params: dict[str, Any], filters: EnterpriseFilter) -> list[Row]:
    """``strategy_<via>_prospects``' rows, ranked in process; only the page's rows are read.
    The place signal (``cluster`` or ``referral``) is both a parameter and a weight's name."""
    place, w = _PLACE_SIGNAL[via], params["w"]
    ranked = market_index.rank_prospects(
        market, via, params[f"{via}_ids"], params[place], filters, params["themes"],
        (w[place], w["chain_fit"], w["scale"], w["theme"]), params["skip"], params["limit"])
    keep = {k: v for k, v in params.items() if k in _PAGE_PARAMS[via]}
    return run_named(store, f"strategy_{via}_prospects_page",
                     {**keep, "page": ranked.rows, "total": ranked.total})


#: The parameters of the page queries besides ``page`` and ``total``.
_PAGE_PARAMS = {"park": ("park_ids", "segment_ids"),
                "association": ("association_ids", "introducers", "segment_ids")}
_PLACE_SIGNAL = {"park": "cluster", "association": "referral"}


def _segment_paths(row: Row) -> list[GraphPath]:
    paths: list[GraphPath] = [p for p in row.get("segment_paths") or () if p is not None]
    return sorted(paths, key=lambda p: p.nodes[1].ref)


def _fit_why(paths: Sequence[GraphPath], fit: float) -> str:
    segments = ", ".join(p.nodes[1].key for p in paths)
    return f"in segment {segments}; best classification confidence {fit:.2f}"


def _park_prospect(row: Row, cluster: ParkCluster, w: RankingWeights,
                   themes: Sequence[str]) -> Prospect:
    node: GraphNode = row["enterprise"]
    seg_paths = _segment_paths(row)
    fit = as_float(row["chain_fit"])
    park_name = cluster.park.properties.get("name") or cluster.park_id
    park_paths: list[GraphPath] = [p for p in row.get("park_paths") or () if p is not None]
    paths = tuple([*park_paths[:1], *seg_paths])
    return Prospect(
        enterprise=node,
        score=score(
            w,
            cluster=(as_float(row["cluster"]),
                     f"in park {park_name} ({cluster.park_id}), chain cluster strength "
                     f"{cluster.strength:.2f}"),
            chain_fit=(fit, _fit_why(seg_paths, fit)),
            scale=(as_float(row["scale"]), scale_why(node)),
            theme=(as_float(row["theme"]), theme_why(node, themes)),
        ),
        paths=paths,
        facts={
            "park_id": cluster.park_id,
            "segments": tuple(p.nodes[1].key for p in seg_paths),
            "is_customer": False,
        },
    )


# -- industry + association ------------------------------------------------------------------------


def rank_associations(
    store: GraphStore,
    *,
    chain_id: str | None = None,
    segment_ids: Sequence[str] | None = None,
    district: str | None = None,
    limit: int = 10,
    weights: RankingWeights | None = None,
    index: MemberIndex | None = None,
) -> Page[AssociationChannel]:
    """Associations as referral channels into the chain, best first; ``total`` counts every
    association with at least one target-chain prospect. With an ``index`` they are ranked in
    process: the same page."""
    segments = resolve_segments(store, chain_id=chain_id, segment_ids=segment_ids)
    return _rank_associations(store, segments, district, limit, weights_or_default(weights),
                              _view(index, segments))


def _rank_associations(
    store: GraphStore,
    segments: tuple[str, ...],
    district: str | None,
    limit: int,
    w: RankingWeights,
    view: market_index.ChainView | None,
) -> Page[AssociationChannel]:
    check_page(limit, 0)
    params = {"segment_ids": list(segments), "district": district,
              "w": place_weight_map(w, "reach", "introducers"), "limit": limit}
    rows = (run_named(store, "strategy_associations", params) if view is None
            else _indexed_associations(store, view, params))
    scored = []
    for row in rows:
        prospects = as_int(row["prospects"])
        introducers = as_int(row["introducers"])
        intro: GraphNode | None = row.get("introducer")
        role = row.get("introducer_role")
        intro_text = (f"; best introducer {intro.properties.get('name') or intro.key} "
                      f"({role or 'member'})") if intro is not None else ""
        scored.append((row, prospects, introducers, intro, role, place_score(
            w,
            reach=(as_float(row["reach"]),
                   f"{prospects} target-chain prospects among its members (most in one "
                   f"association: {as_int(row['top_prospects'])})"),
            introducers=(as_float(row["introducers_signal"]),
                         f"{introducers} members are bank customers (most in one association: "
                         f"{as_int(row['top_introducers'])}){intro_text}"),
        )))
    strengths = _strengths([s.total for *_, s in scored])
    channels = [
        AssociationChannel(row["association"], prospects, introducers, intro,
                           str(role) if role is not None else None, s, strength)
        for (row, prospects, introducers, intro, role, s), strength
        in zip(scored, strengths, strict=True)
    ]
    total = as_int(rows[0]["qualified"]) if rows else 0
    return Page(channels, total, limit, 0)


def _indexed_associations(store: GraphStore, view: market_index.ChainView,
                          params: dict[str, Any]) -> list[Row]:
    """``strategy_associations``' rows, ranked in process; only the associations' and their
    introducers' nodes are read."""
    qualified, ranked = market_index.rank_associations(
        view.tally("association"), view.places("association"),
        district=params["district"], weights=params["w"], limit=params["limit"])
    introducers = [best[1:] if (best := a.counts["best"]) else None for a in ranked]
    nodes = {str(r["association"].key): r for r in run_named(
        store, "strategy_associations_page",
        {"association_ids": [a.place_id for a in ranked], "introducers": introducers})}
    return [{"qualified": qualified, "association": nodes[a.place_id]["association"],
             "introducer": nodes[a.place_id]["introducer"],
             "introducer_role": nodes[a.place_id]["introducer_role"], **a.counts,
             "reach": a.signals["reach"], "introducers_signal": a.signals["introducers"]}
            for a in ranked if a.place_id in nodes]


def association_strategy(
    store: GraphStore,
    *,
    chain_id: str | None = None,
    segment_ids: Sequence[str] | None = None,
    district: str | None = None,
    associations: int = 5,
    filters: EnterpriseFilter = NO_FILTER,
    themes: Sequence[str] = ENTERPRISE_TAGS,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights | None = None,
    index: MemberIndex | None = None,
) -> AssociationStrategy:
    """"Industry + association": the top ``associations`` as referral channels into the chain and
    one page of their target-chain prospects, ranked, each with the introducer path. With an
    ``index`` both are ranked in process and only the page is read: the same answer."""
    if filters.customer:
        raise ValueError("association strategy prospects are non-customers; "
                         "customer=True is not allowed")
    check_page(limit, offset)
    w = weights_or_default(weights)
    segments = resolve_segments(store, chain_id=chain_id, segment_ids=segment_ids)
    view = _view(index, segments)
    ranked = _rank_associations(store, segments, district, associations, w, view)
    channels = list(ranked.items)
    if not channels:
        return AssociationStrategy(segments, ranked, Page([], 0, limit, offset))
    params = {
        "association_ids": [c.association_id for c in channels],
        "referral": [c.strength for c in channels],
        "introducers": [c.introducer.key if c.introducer is not None else None
                        for c in channels],
        "segment_ids": list(segments), "themes": check_themes(themes),
        **filters.params(customer=False),
        "w": weight_map(w, "referral", "chain_fit", "scale", "theme"),
        "skip": offset, "limit": limit,
    }
    rows = (run_named(store, "strategy_association_prospects", params) if view is None
            else _indexed_prospects(store, view.market, "association", params, filters))
    by_id = {c.association_id: c for c in channels}
    page = ranked_page(rows)
    items = [_association_prospect(row, by_id[str(row["association_id"])], w, themes)
             for row in page.rows]
    return AssociationStrategy(segments, ranked, Page(items, page.total, limit, offset))


def _association_prospect(row: Row, channel: AssociationChannel, w: RankingWeights,
                          themes: Sequence[str]) -> Prospect:
    node: GraphNode = row["enterprise"]
    seg_paths = _segment_paths(row)
    fit = as_float(row["chain_fit"])
    member_hops = row.get("member_hops") or ()
    member_paths = [GraphPath((node, hub), (hop(rel, node, hub),)) for rel, hub in member_hops]
    intro_paths = via_hub(channel.introducer, row.get("introducer_hops"), node,
                          [rel for rel, _ in member_hops]) if channel.introducer else []
    intro_path = intro_paths[0] if intro_paths else None
    channel_path = intro_path if intro_path is not None else (
        member_paths[0] if member_paths else None)
    name = channel.association.properties.get("name") or channel.association_id
    if intro_path is not None and channel.introducer is not None:
        intro = (f"; introduced by customer {channel.introducer.properties.get('name') or ''} "
                 f"({channel.introducer.key})")
    else:
        intro = "; no customer member to introduce"
    return Prospect(
        enterprise=node,
        score=score(
            w,
            referral=(as_float(row["referral"]),
                      f"member of {name} ({channel.association_id}), channel strength "
                      f"{channel.strength:.2f}{intro}"),
            chain_fit=(fit, _fit_why(seg_paths, fit)),
            scale=(as_float(row["scale"]), scale_why(node)),
            theme=(as_float(row["theme"]), theme_why(node, themes)),
        ),
        paths=tuple(p for p in (channel_path, *seg_paths) if p is not None),
        facts={
            "association_id": channel.association_id,
            "introducer": channel.introducer.key
            if channel.introducer is not None and intro_path is not None else None,
            "segments": tuple(p.nodes[1].key for p in seg_paths),
            "is_customer": False,
        },
    )
