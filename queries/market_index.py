"""The market strategies ranked in process from the member index, so that "industry + park" and
"industry + association" no longer pass over every member of a chain in the store per call.

``strategy_parks`` / ``strategy_associations`` and their prospects queries expand every member of
the target segments (and, for parks, every member's events) on each call: 0.4–1.8 s (p50) for a chain
of 60–90k members at 1M enterprises. Here each segment's members are read once with the facts those
queries rank and filter on (``market_members_segment``, ``market_member_sets_segment``), the
parks' districts and the associations' introducers once (``market_parks``,
``market_associations``), all kept by the :class:`~.peer_index.MemberIndex` with its freshness
rules; a chain's members joined across its segments are kept while those lists are. Places and
prospects are then ranked with numpy, and only the page's nodes and paths are read
(``strategy_*_page``). Ranks, totals, scores and rows are those of the Cypher queries (tests
compare both paths on both stores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chainscout.graph.stores.base import GraphStore

from .market import EnterpriseFilter
from .peer_index import (
    MemberFacts,
    MemberIndex,
    enterprise_mask,
    member_facts,
    set_codes,
    top_candidates,
)
from .runner import export_named

_Sets = tuple[frozenset[str], ...]
#: The ``field`` codes of ``market_member_sets_segment``: tags, parks, associations.
_SET_FIELDS = ("tags", "parks", "associations")
#: Member-index kinds of what this module reads.
SEGMENT_KIND = "market segment"
PLACES_KIND = "market places"


@dataclass(frozen=True)
class MarketFacts(MemberFacts):
    """Members with the facts the strategies rank on besides the shared ones: the best
    classification confidence, the latest event date ('' for none), and their parks and
    associations as positions among the distinct sets."""

    fit: npt.NDArray[np.float64]
    latest: npt.NDArray[np.str_]
    parks: npt.NDArray[np.int32]
    park_sets: _Sets
    associations: npt.NDArray[np.int32]
    association_sets: _Sets


#: The coded facts: each member's position (first name) among the distinct values (second).
_CODED = (("district", "districts"), ("size", "sizes"), ("tags", "tag_sets"),
          ("parks", "park_sets"), ("associations", "association_sets"))


@dataclass(frozen=True)
class SegmentMarket(MarketFacts):
    """One chain segment's members; ``fit`` is their confidence for this segment."""

    hub: str

    @classmethod
    def read(cls, store: GraphStore, hub: str) -> SegmentMarket:
        return cls.from_columns(hub, export_named(store, "market_members_segment", {"hub": hub}),
                                export_named(store, "market_member_sets_segment", {"hub": hub}))

    @classmethod
    def from_columns(cls, hub: str, cols: dict[str, list[Any]],
                     sets: dict[str, list[Any]]) -> SegmentMarket:
        """From the exports ``market_members_segment`` (``cols``) and
        ``market_member_sets_segment`` (``sets``)."""
        facts, pick, grouped = member_facts(cols, sets, len(_SET_FIELDS))
        parks, park_sets = set_codes(grouped[1])
        associations, association_sets = set_codes(grouped[2])
        return cls(
            hub=hub,
            fit=np.array([1.0 if f is None else float(f) for f in pick("fit")], np.float64),
            latest=np.array(["" if d is None else str(d) for d in pick("latest")], np.str_),
            parks=parks, park_sets=park_sets, associations=associations,
            association_sets=association_sets, **facts,
        )


@dataclass(frozen=True)
class ChainMarket(MarketFacts):
    """The members of a set of target segments, each once: ``fit`` is the best confidence over
    the target segments a member is in, ``in_segment[i, j]`` whether member ``i`` is in
    ``segments[j]``."""

    segments: tuple[str, ...]
    in_segment: npt.NDArray[np.bool_]

    @classmethod
    def join(cls, segments: Sequence[SegmentMarket]) -> ChainMarket:
        if not segments:
            raise ValueError("a chain market joins at least one segment")
        keys, first, inverse = np.unique(np.concatenate([s.keys for s in segments]),
                                         return_index=True, return_inverse=True)
        fit = np.full(len(keys), -np.inf)
        np.maximum.at(fit, inverse, np.concatenate([s.fit for s in segments]))
        in_segment = np.zeros((len(keys), len(segments)), bool)
        at = 0
        for j, s in enumerate(segments):
            in_segment[inverse[at:at + len(s)], j] = True
            at += len(s)

        def scalar(name: str) -> Any:
            return np.concatenate([getattr(s, name) for s in segments])[first]

        coded: dict[str, Any] = {}
        for name, values_name in _CODED:
            # each segment's codes moved onto the distinct values of all of them
            vocab: dict[Any, int] = {}
            moved = []
            for s in segments:
                onto = np.array([vocab.setdefault(v, len(vocab)) for v in getattr(s, values_name)],
                                np.int32)
                codes = getattr(s, name)
                moved.append(onto[codes] if len(codes) else np.zeros(0, np.int32))
            coded[name], coded[values_name] = np.concatenate(moved)[first], tuple(vocab)
        return cls(
            segments=tuple(s.hub for s in segments), in_segment=in_segment, keys=keys, fit=fit,
            scale=scalar("scale"), active=scalar("active"), customer=scalar("customer"),
            latest=scalar("latest"), **coded,
        )


@dataclass(frozen=True)
class Places:
    """Every park or association with the facts the place rankings need."""

    district: dict[str, Any]
    introducers: dict[str, int]
    best: dict[str, str | None]

    def __len__(self) -> int:
        return len(self.district)

    @classmethod
    def read(cls, store: GraphStore, kind: str) -> Places:
        if kind == "park":
            cols = export_named(store, "market_parks", {})
            return cls(dict(zip(map(str, cols["id"]), cols["district"], strict=True)), {}, {})
        cols = export_named(store, "market_associations", {})
        ids = [str(i) for i in cols["id"]]
        return cls(dict(zip(ids, cols["district"], strict=True)),
                   {i: int(n) for i, n in zip(ids, cols["introducers"], strict=True)},
                   dict(zip(ids, cols["best"], strict=True)))


@dataclass(frozen=True)
class ChainView:
    """One request's view of a chain in the index: its members joined (the same lists for the
    places and the prospects), and the counts and place tables kept alongside."""

    index: MemberIndex
    market: ChainMarket

    def tally(self, kind: str) -> PlaceTally:
        """The chain's parks (``kind`` park) or associations, counted once per joined chain."""
        count = park_tally if kind == "park" else association_tally
        return self.index.derived((f"{kind} tally", self.market.segments), [self.market],
                                  lambda: count(self.market))

    def places(self, kind: str) -> Places:
        """Every park (``kind`` park) or association as the index holds them."""
        return self.index.held(PLACES_KIND, kind, Places.read)


def chain_view(index: MemberIndex, segments: Sequence[str]) -> ChainView:
    """The target segments' members joined, from (and kept as long as) the index's lists."""
    lists = [index.held(SEGMENT_KIND, s, SegmentMarket.read) for s in segments]
    market = index.derived(("chain market", tuple(segments)), lists,
                           lambda: ChainMarket.join(lists))
    return ChainView(index, market)


# -- ranking places --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedPlace:
    """A park or association ranked in process: its id, counts and score parts as the Cypher
    ranking returns them."""

    place_id: str
    counts: dict[str, Any]
    signals: dict[str, float]


@dataclass(frozen=True)
class PlaceTally:
    """What a ranking of places needs from a chain's members, counted once per chain: the places
    with members (sorted), each one's active members (parks) or active non-customer members
    (associations), the target segments present among them, and for the growth signal the
    counted members' place-set codes and latest event dates."""

    segments: tuple[str, ...]
    places: tuple[str, ...]
    members: npt.NDArray[np.int64]
    present: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.int32]
    latest: npt.NDArray[np.str_]
    pair_code: npt.NDArray[np.int64]
    pair_place: npt.NDArray[np.int64]

    @classmethod
    def count(cls, market: ChainMarket, codes: npt.NDArray[np.int32], sets: _Sets,
              counted: npt.NDArray[np.bool_]) -> PlaceTally:
        n = len(sets)
        mine = codes[counted]
        per_code = np.bincount(mine, minlength=n)
        present = np.zeros((n, len(market.segments)), bool)
        for j in range(len(market.segments)):
            present[:, j] = np.bincount(mine[market.in_segment[counted, j]], minlength=n) > 0
        held = np.flatnonzero(per_code).tolist()
        places = tuple(sorted({p for c in held for p in sets[c]}))
        at = {p: i for i, p in enumerate(places)}
        pairs = [(c, at[p]) for c in held for p in sets[c]]
        pair_code = np.array([c for c, _ in pairs], np.int64)
        pair_place = np.array([i for _, i in pairs], np.int64)
        members = np.bincount(pair_place, weights=per_code[pair_code],
                              minlength=len(places)).astype(np.int64)
        place_present = np.zeros((len(places), len(market.segments)), bool)
        np.logical_or.at(place_present, pair_place, present[pair_code])
        return cls(market.segments, places, members, place_present, mine, market.latest[counted],
                   pair_code, pair_place)

    def recent(self, since: str) -> npt.NDArray[np.int64]:
        """Per place, the counted members whose latest event is on or after ``since``."""
        per_code = np.bincount(self.codes, weights=(self.latest >= since).astype(np.float64),
                               minlength=int(self.pair_code.max(initial=-1)) + 1)
        return np.bincount(self.pair_place, weights=per_code[self.pair_code],
                           minlength=len(self.places)).astype(np.int64)


def park_tally(market: ChainMarket) -> PlaceTally:
    """The parks of a chain's active members."""
    return PlaceTally.count(market, market.parks, market.park_sets, market.active)


def association_tally(market: ChainMarket) -> PlaceTally:
    """The associations of a chain's active non-customer members (its prospects)."""
    return PlaceTally.count(market, market.associations, market.association_sets,
                            market.active & ~market.customer)


def rank_parks(tally: PlaceTally, table: Places, *, since: str, district: str | None,
               min_members: int, weights: dict[str, float],
               limit: int) -> tuple[int, list[RankedPlace]]:
    """Parks as ``strategy_parks`` ranks them: ``(qualified, top parks)``."""
    members, recent = tally.members, tally.recent(since)
    kept = [i for i in _districted_at(tally.places, table, district)
            if members[i] >= min_members]
    if not kept:
        return 0, []
    top = int(max(members[i] for i in kept))
    segments = len(tally.segments)
    scored = []
    for i in kept:
        count, active_count = int(members[i]), int(recent[i])
        signals = {"members": count / top,
                   "coverage": int(tally.present[i].sum()) / segments,
                   "growth": active_count / count}
        total = (weights["members"] * signals["members"] + weights["coverage"]
                 * signals["coverage"] + weights["growth"] * signals["growth"])
        scored.append((total, i, signals))
    scored.sort(key=lambda t: (-t[0], t[1]))  # places are sorted: ties to the lower id
    return len(kept), [RankedPlace(tally.places[i], {
        "members": int(members[i]), "active_members": int(recent[i]),
        "segments": [s for s, here in zip(tally.segments, tally.present[i].tolist(), strict=True)
                     if here],
        "top_members": top}, signals) for _, i, signals in scored[:limit]]


def _districted_at(places: Sequence[str], table: Places, district: str | None) -> list[int]:
    """Positions of the places in ``district`` (a prefix of their district code; None: all)."""
    if district is None:
        return list(range(len(places)))
    return [i for i, p in enumerate(places) if (d := table.district.get(p)) is not None
            and str(d).startswith(district)]


def rank_associations(tally: PlaceTally, table: Places, *,
                      district: str | None, weights: dict[str, float],
                      limit: int) -> tuple[int, list[RankedPlace]]:
    """Associations as ``strategy_associations`` ranks them: ``(qualified, top associations)``;
    each one's ``best`` introducer (role rank + USCC) is in its counts."""
    kept = _districted_at(tally.places, table, district)
    if not kept:
        return 0, []
    prospects = tally.members
    introducers = [table.introducers.get(tally.places[i], 0) for i in kept]
    top_prospects = int(max(prospects[i] for i in kept))
    top_introducers = max(introducers)
    scored = []
    for i, intro in zip(kept, introducers, strict=True):
        signals = {"reach": int(prospects[i]) / top_prospects,
                   "introducers": 0.0 if top_introducers == 0 else intro / top_introducers}
        total = weights["reach"] * signals["reach"] + weights["introducers"] * signals["introducers"]
        scored.append((total, i, intro, signals))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return len(kept), [RankedPlace(tally.places[i], {
        "prospects": int(prospects[i]), "introducers": intro, "top_prospects": top_prospects,
        "top_introducers": top_introducers, "best": table.best.get(tally.places[i])}, signals)
        for _, i, intro, signals in scored[:limit]]


# -- ranking prospects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedProspects:
    """A page of ranked prospects: ``[uscc, best place's position, place signal, chain_fit,
    scale, theme]`` rows (the page queries' ``$page``) and the total."""

    total: int
    rows: list[list[Any]]


def rank_prospects(market: ChainMarket, via: str, place_ids: Sequence[str],
                   strengths: Sequence[float], filters: EnterpriseFilter, themes: Sequence[str],
                   weights: tuple[float, float, float, float], skip: int,
                   limit: int) -> RankedProspects:
    """The non-customer members of the target segments in the given places (``via`` parks or
    associations, best first), as ``strategy_*_prospects`` rank them: score ``w0 * place strength
    of their best place + w1 * chain_fit + w2 * scale + w3 * theme`` (the same floating-point
    operations in the same order) descending, then USCC."""
    codes, sets = ((market.parks, market.park_sets) if via == "park"
                   else (market.associations, market.association_sets))
    rank = {p: k for k, p in enumerate(place_ids)}
    best_of = np.fromiter((min((rank[p] for p in s if p in rank), default=-1) for s in sets),
                          np.int64, len(sets))
    best = best_of[codes] if len(codes) else np.zeros(0, np.int64)
    keep = enterprise_mask(market, filters) & ~market.customer & (best >= 0)
    at = np.flatnonzero(keep)
    total = len(at)
    wanted = min(skip + limit, total)
    if skip >= total:
        return RankedProspects(total, [])
    wanted_themes = set(themes)
    theme_of = np.fromiter((1.0 if len(s & wanted_themes) >= 2 else len(s & wanted_themes) / 2.0
                            for s in market.tag_sets), np.float64, len(market.tag_sets))
    place = np.asarray(strengths, np.float64)[best[at]]
    fit, scale, theme = market.fit[at], market.scale[at], theme_of[market.tags[at]]
    w0, w1, w2, w3 = weights
    score = w0 * place + w1 * fit + w2 * scale + w3 * theme
    candidates = top_candidates(score, wanted)
    order = candidates[np.lexsort((market.keys[at[candidates]], -score[candidates]))][skip:wanted]
    return RankedProspects(total, [
        [str(market.keys[at[i]]), int(best[at[i]]), float(place[i]), float(fit[i]),
         float(scale[i]), float(theme[i])] for i in order.tolist()])
