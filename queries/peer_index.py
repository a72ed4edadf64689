"""An in-process index of the members of parks, chain segments and associations, so that a peers
page ranks a hub's members with numpy instead of a pass over every member in the store.

``peers_park`` / ``peers_segment`` / ``peers_association`` score every member of the anchor's hubs
on each call: ≈ 5–13 µs per member in the store, 60–90 ms for the largest park and 0.4–0.9 s for
a segment and its neighbours at 1M enterprises. The index reads each hub's members once
(``peer_members_*``: the facts those queries filter and rank on), keeps them as arrays, and answers
a page by vectorised filters, a partial sort and one small query for the page's rows and paths
(``peers_*_page``). The ranks, totals and rows are those of the Cypher queries, bit for bit
(tests compare both paths on both stores).

Freshness: the index is a cache of the graph. Everything it holds is dropped ``max_age_s`` after
it was first filled (one epoch, so the hubs of one answer were read within the same window), and
at once by :meth:`MemberIndex.invalidate`. The API keeps one per worker
(``CHAINSCOUT_PEER_INDEX_S``, default 60 s; 0 switches it off): a load — always another process —
shows in peers within that time. Event ingestion changes no member fact, so it keeps the index.
Until then a peer that left a hub can still be ranked (its row then carries no path).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from chainscout.graph.stores.base import GraphStore

from .market import SCALE_FULL_CAPITAL, EnterpriseFilter
from .runner import export_named

#: Hub kinds the index serves, and the export query of each.
EXPORTS = {"park": "peer_members_park", "segment": "peer_members_segment",
           "association": "peer_members_association"}

_V = TypeVar("_V", bound=Hashable)
_Sets = tuple[frozenset[str], ...]


def _codes(values: Sequence[_V]) -> tuple[npt.NDArray[np.int32], tuple[_V, ...]]:
    """Each value's position in the tuple of the distinct values (few: tag sets, district codes)."""
    vocab: dict[_V, int] = {}
    codes = np.fromiter((vocab.setdefault(v, len(vocab)) for v in values), np.int32, len(values))
    return codes, tuple(vocab)


def scale_signal(capital: Any) -> float:
    """The ``scale`` part exactly as the peers queries compute it in Cypher."""
    if not isinstance(capital, int | float) or capital <= 0:
        return 0.0
    if capital >= SCALE_FULL_CAPITAL - 1.0:
        return 1.0
    return math.log10(1.0 + capital) / 5.0


@dataclass(frozen=True)
class HubMembers:
    """One hub's members, sorted by USCC, as columns. The few distinct values of a set-valued or
    repeated fact (tags, segment lists, the member's hubs, districts, sizes) are kept once and
    each member holds their position, so a filter is decided per distinct value and gathered."""

    hub: str
    keys: npt.NDArray[np.str_]
    scale: npt.NDArray[np.float64]
    active: npt.NDArray[np.bool_]
    customer: npt.NDArray[np.bool_]
    district: npt.NDArray[np.int32]
    districts: tuple[Any, ...]
    size: npt.NDArray[np.int32]
    sizes: tuple[Any, ...]
    tags: npt.NDArray[np.int32]
    tag_sets: _Sets
    segments: npt.NDArray[np.int32]
    segment_sets: _Sets
    hubs: npt.NDArray[np.int32]
    hub_sets: _Sets

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_columns(cls, hub: str, cols: dict[str, list[Any]]) -> HubMembers:
        keys = np.array([str(k) for k in cols["uscc"]], dtype=np.str_)
        # sorted by key, each member once (parallel links would list it twice)
        keys, first = np.unique(keys, return_index=True) if len(keys) else (keys, np.arange(0))

        def pick(name: str) -> list[Any]:
            column = cols[name]
            return [column[i] for i in first]

        district, districts = _codes(pick("district"))
        size, sizes = _codes(pick("size"))
        tags, tag_sets = _codes([frozenset(t or ()) for t in pick("tags")])
        segments, segment_sets = _codes([frozenset(s or ()) for s in pick("segments")])
        hubs, hub_sets = _codes([frozenset(h or ()) for h in pick("hubs")])
        return cls(
            hub=hub, keys=keys,
            scale=np.array([scale_signal(c) for c in pick("capital")], dtype=np.float64),
            active=np.array(pick("active"), dtype=np.int64).astype(bool) if len(keys)
            else np.zeros(0, bool),
            customer=np.array(pick("customer"), dtype=np.int64).astype(bool) if len(keys)
            else np.zeros(0, bool),
            district=district, districts=districts, size=size, sizes=sizes, tags=tags,
            tag_sets=tag_sets, segments=segments, segment_sets=segment_sets, hubs=hubs,
            hub_sets=hub_sets,
        )


@dataclass(frozen=True)
class RankedKeys:
    """A page of ranked peers: ``[uscc, chain_fit, scale, not_customer]`` rows and the total."""

    total: int
    rows: list[list[Any]]


def _per_value(values: tuple[Any, ...], test: Callable[[Any], bool]) -> npt.NDArray[np.bool_]:
    return np.fromiter((test(v) for v in values), bool, len(values))


def _kept(members: HubMembers, hubs: Sequence[str], anchor: str,
          filters: EnterpriseFilter) -> npt.NDArray[np.bool_]:
    """The members the peers queries keep: the filters, not the anchor, and each member once
    across the searched hubs (in the first of them, in ``hubs`` order, that it belongs to)."""
    keep = members.active.copy() if not filters.include_inactive else np.ones(len(members), bool)
    at = int(np.searchsorted(members.keys, anchor))
    if at < len(members) and members.keys[at] == anchor:
        keep[at] = False
    if filters.tags:
        wanted = set(filters.tags)
        keep &= _per_value(members.tag_sets, wanted.issubset)[members.tags]
    if filters.district:
        prefix = filters.district
        keep &= _per_value(members.districts,
                           lambda d: d is not None and str(d).startswith(prefix))[members.district]
    if filters.sizes:
        sizes = set(filters.sizes)
        keep &= _per_value(members.sizes, lambda s: s in sizes)[members.size]
    if filters.customer is not None:
        keep &= members.customer == filters.customer
    if len(hubs) > 1:
        order = {h: i for i, h in enumerate(hubs)}
        here = order[members.hub]
        keep &= _per_value(members.hub_sets, lambda hs: min(
            (order[h] for h in hs if h in order), default=here) == here)[members.hubs]
    return keep


def rank_members(
    members: Sequence[HubMembers],
    anchor: str,
    filters: EnterpriseFilter,
    fit: Callable[[frozenset[str]], float],
    weights: dict[str, float],
    skip: int,
    limit: int,
) -> RankedKeys:
    """Filter, score and order the members of the searched hubs as the peers queries do: score
    ``w.chain_fit * chain_fit + w.scale * scale + w.not_customer * not_customer`` (the same
    floating-point operations in the same order) descending, then USCC; ``fit`` gives the chain
    fit of a member's set of chain segments. Keys are gathered only for the members that can
    reach the page."""
    hubs = [m.hub for m in members]
    kept, fits, scales, not_customers = [], [], [], []
    for m in members:
        at = np.flatnonzero(_kept(m, hubs, anchor, filters))
        fit_of = np.fromiter((fit(s) for s in m.segment_sets), np.float64, len(m.segment_sets))
        kept.append(at)
        fits.append(fit_of[m.segments[at]] if len(at) else np.zeros(0))
        scales.append(m.scale[at])
        not_customers.append(np.where(m.customer[at], 0.0, 1.0))
    if not members:
        return RankedKeys(0, [])
    chain_fit, scale = np.concatenate(fits), np.concatenate(scales)
    not_customer = np.concatenate(not_customers)
    total = len(scale)
    wanted = min(skip + limit, total)
    if skip >= total:
        return RankedKeys(total, [])
    score = (weights["chain_fit"] * chain_fit + weights["scale"] * scale
             + weights["not_customer"] * not_customer)
    candidates = np.arange(total)
    if wanted < total:
        # every member scoring at least the wanted-th best score; ties there are ordered by key
        threshold = np.partition(score, total - wanted)[total - wanted]
        candidates = np.flatnonzero(score >= threshold)
    starts = np.cumsum([0] + [len(at) for at in kept])
    hub_of = np.searchsorted(starts, candidates, side="right") - 1
    keys = np.empty(len(candidates), dtype=object)
    for h, m in enumerate(members):
        mine = hub_of == h
        keys[mine] = m.keys[kept[h][candidates[mine] - starts[h]]]
    order = candidates[np.lexsort((keys.astype(np.str_), -score[candidates]))][skip:wanted]
    key_of = dict(zip(candidates.tolist(), keys.tolist(), strict=True))
    return RankedKeys(total, [[str(key_of[i]), float(chain_fit[i]), float(scale[i]),
                               float(not_customer[i])] for i in order])


class MemberIndex:
    """Hub members by (kind, hub id), read on first use, least recently used dropped beyond
    ``max_members`` members in all, everything dropped ``max_age_s`` after the first read of an
    epoch. Safe to share between threads (the API's worker threads)."""

    def __init__(self, store: GraphStore, *, max_age_s: float = 60.0,
                 max_members: int = 2_000_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_age_s <= 0:
            raise ValueError("max_age_s must be positive")
        self.store = store
        self.max_age_s = max_age_s
        self.max_members = max_members
        self._clock = clock
        self._lock = threading.Lock()
        self._hubs: OrderedDict[tuple[str, str], HubMembers] = OrderedDict()
        self._held = 0
        self._epoch = 0
        self._epoch_started: float | None = None
        self._building: dict[tuple[str, str], threading.Lock] = {}
        self.reads = 0

    def invalidate(self) -> None:
        """Forget every hub: the next answers read the graph again."""
        with self._lock:
            self._drop_all()

    def _drop_all(self) -> None:
        self._hubs.clear()
        self._held = 0
        self._epoch += 1
        self._epoch_started = None

    def _expire(self) -> None:
        now = self._clock()
        if self._epoch_started is not None and now - self._epoch_started >= self.max_age_s:
            self._drop_all()

    def members(self, kind: str, hubs: Iterable[str]) -> list[HubMembers]:
        """The members of each hub, in the order given."""
        if kind not in EXPORTS:
            raise ValueError(f"no member index for {kind!r}; known: {', '.join(EXPORTS)}")
        return [self._hub(kind, hub) for hub in hubs]

    def _hub(self, kind: str, hub: str) -> HubMembers:
        ident = (kind, hub)
        with self._lock:
            self._expire()
            found = self._hubs.get(ident)
            if found is not None:
                self._hubs.move_to_end(ident)
                return found
            building = self._building.setdefault(ident, threading.Lock())
        with building:  # one read per hub when several threads ask for it at once
            with self._lock:
                self._expire()
                found = self._hubs.get(ident)
                if found is not None:
                    return found
                epoch = self._epoch
                if self._epoch_started is None:
                    self._epoch_started = self._clock()
            try:
                built = HubMembers.from_columns(hub, export_named(self.store, EXPORTS[kind],
                                                                  {"hub": hub}))
            finally:
                with self._lock:
                    self._building.pop(ident, None)
            with self._lock:
                self.reads += 1
                if epoch == self._epoch:  # not invalidated while it was read
                    self._hubs[ident] = built
                    self._held += len(built)
                    while self._held > self.max_members and len(self._hubs) > 1:
                        _, dropped = self._hubs.popitem(last=False)
                        self._held -= len(dropped)
            return built
