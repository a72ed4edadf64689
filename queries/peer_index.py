"""An in-process index of the members of parks, chain segments and associations, so that a peers
page ranks a hub's members with numpy instead of a pass over every member in the store.

``peers_park`` / ``peers_segment`` / ``peers_association`` score every member of the anchor's hubs
on each call: ≈ 5–13 µs per member in the store, 60–90 ms for the largest park and 0.4–0.9 s for
a segment and its neighbours at 1M enterprises. The index reads each hub's members once
(``peer_members_*`` and ``peer_member_sets_*``: the facts those queries filter and rank on, as
scalar rows), keeps them as arrays, and answers a page by vectorised filters and a partial sort;
the anchor's own hubs and segments (``peer_anchor``) are kept alongside. A page's rows and paths
come from the enterprises' page rows (``peer_rows_<kind>``: node, hub links, segments, branches,
a segment's links up- and downstream), kept per enterprise and read only for those not held. The
ranks, totals and rows are those of the Cypher queries, bit for bit (tests compare both paths on
both stores).

Freshness: the index is a cache of the graph. A hub is read again once its members are
``max_age_s`` old (in the background while they keep answering, see :class:`MemberIndex`), and
everything is forgotten at once by :meth:`MemberIndex.invalidate`. The API keeps one per worker
(``CHAINSCOUT_PEER_INDEX_S``, default 60 s; 0 switches it off): a load — always another process —
shows in peers within twice that time. Event ingestion changes no peers fact, so it keeps the
index (the market strategies' growth, which counts recent events, catches up with the
re-reads). Until then a peer that left a hub can still be ranked (its row then carries no path).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence, Sized
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from chainscout.graph.stores.base import GraphStore

from .collector import cyclic_gc_paused
from .market import SCALE_FULL_CAPITAL, EnterpriseFilter
from .runner import export_named

log = logging.getLogger(__name__)

#: Hub kinds the index serves (each read by ``peer_members_<kind>`` and
#: ``peer_member_sets_<kind>``).
KINDS = ("park", "segment", "association")
#: Anchors whose facts an index keeps (least recently used dropped beyond).
MAX_ANCHORS = 100_000
#: Page rows (one enterprise as a peers page shows it: node, hub links, segments, branches) an
#: index keeps by default, all kinds together: ≈ 3.3 KB each at 1M (measured), ≈ 65 MB in all; a
#: thousand pages of 20, and a park's best-ranked peers recur on every page of its tenants.
MAX_ROWS = 20_000
#: Values derived from held members (a chain's members joined, its places counted) an index
#: keeps: three per chain asked about.
MAX_DERIVED = 32
#: The ``field`` codes of ``peer_member_sets_*``: tags, chain segments, the member's hubs.
_SET_FIELDS = ("tags", "segments", "hubs")

_V = TypeVar("_V", bound=Hashable)
_A = TypeVar("_A")
_H = TypeVar("_H", bound=Sized)
#: Reads what the index holds for one hub: ``(store, hub id) -> members``.
Build = Callable[[GraphStore, str], _H]
_Sets = tuple[frozenset[str], ...]


def value_codes(values: Sequence[_V]) -> tuple[npt.NDArray[np.int32], tuple[_V, ...]]:
    """Each value's position in the tuple of the distinct values (few: tag sets, district codes)."""
    vocab: dict[_V, int] = {}
    codes = [vocab.setdefault(v, len(vocab)) for v in values]
    return np.array(codes, dtype=np.int32), tuple(vocab)


def set_codes(groups: list[list[str]]) -> tuple[npt.NDArray[np.int32], _Sets]:
    """Each member's set of values as its position among the distinct sets."""
    return value_codes([frozenset(v) for v in groups])


def member_facts(
    cols: dict[str, list[Any]], sets: dict[str, list[Any]], fields: int
) -> tuple[dict[str, Any], Callable[[str], list[Any]], list[list[list[str]]]]:
    """The members of a hub export sorted by USCC, each once (parallel links list it twice): their
    :class:`MemberFacts` fields, a picker of a further scalar column in that order, and their
    values of each set ``field`` (``sets`` holds ``uscc, field, value`` rows; field 0 is tags)."""
    keys = np.array([str(k) for k in cols["uscc"]], dtype=np.str_)
    keys, first = np.unique(keys, return_index=True)

    def pick(name: str) -> list[Any]:
        column = cols[name]
        return [column[i] for i in first]

    grouped: list[list[list[str]]] = [[[] for _ in range(len(keys))] for _ in range(fields)]
    if sets["uscc"] and len(keys):
        owners = np.array([str(k) for k in sets["uscc"]], np.str_)
        owner = np.minimum(np.searchsorted(keys, owners), len(keys) - 1)
        # a member that joined between the two reads is not in ``keys``: left out
        known = (keys[owner] == owners).tolist()
        for at, ok, field, value in zip(owner.tolist(), known, sets["field"], sets["value"],
                                        strict=True):
            if ok:
                grouped[int(field)][at].append(str(value))
    district, districts = value_codes(pick("district"))
    size, sizes = value_codes(pick("size"))
    tags, tag_sets = set_codes(grouped[0])
    facts = {
        "keys": keys,
        "scale": np.array([scale_signal(c) for c in pick("capital")], dtype=np.float64),
        "active": np.array(pick("active"), dtype=np.int64).astype(bool),
        "customer": np.array(pick("customer"), dtype=np.int64).astype(bool),
        "district": district, "districts": districts, "size": size, "sizes": sizes,
        "tags": tags, "tag_sets": tag_sets,
    }
    return facts, pick, grouped


def scale_signal(capital: Any) -> float:
    """The ``scale`` part exactly as the peers queries compute it in Cypher."""
    if not isinstance(capital, int | float) or capital <= 0:
        return 0.0
    if capital >= SCALE_FULL_CAPITAL - 1.0:
        return 1.0
    return math.log10(1.0 + capital) / 5.0


@dataclass(frozen=True)
class MemberFacts:
    """Members sorted by USCC, as columns, with the facts every ranking filters on. The few
    distinct values of a set-valued or repeated fact (tags, districts, sizes) are kept once and
    each member holds their position, so a filter is decided per distinct value and gathered."""

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

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class HubMembers(MemberFacts):
    """One hub's members with their chain segments and their hubs (as positions among the
    distinct sets, like the tags)."""

    hub: str
    segments: npt.NDArray[np.int32]
    segment_sets: _Sets
    hubs: npt.NDArray[np.int32]
    hub_sets: _Sets

    @classmethod
    def from_columns(cls, hub: str, cols: dict[str, list[Any]],
                     sets: dict[str, list[Any]]) -> HubMembers:
        """From the exports ``peer_members_*`` (``cols``) and ``peer_member_sets_*`` (``sets``)."""
        facts, _, grouped = member_facts(cols, sets, len(_SET_FIELDS))
        segments, segment_sets = set_codes(grouped[1])
        hubs, hub_sets = set_codes(grouped[2])
        return cls(hub=hub, segments=segments, segment_sets=segment_sets, hubs=hubs,
                   hub_sets=hub_sets, **facts)


@dataclass(frozen=True)
class RankedKeys:
    """A page of ranked peers: ``[uscc, chain_fit, scale, not_customer]`` rows and the total."""

    total: int
    rows: list[list[Any]]


def _per_value(values: tuple[Any, ...], test: Callable[[Any], bool]) -> npt.NDArray[np.bool_]:
    return np.fromiter((test(v) for v in values), bool, len(values))


def enterprise_mask(members: MemberFacts, filters: EnterpriseFilter) -> npt.NDArray[np.bool_]:
    """The members an :class:`EnterpriseFilter` keeps (status, tags, district prefix, sizes) as
    the Cypher queries decide it; customer status is the caller's."""
    keep = members.active.copy() if not filters.include_inactive else np.ones(len(members), bool)
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
    return keep


def _kept(members: HubMembers, hubs: Sequence[str], anchor: str,
          filters: EnterpriseFilter) -> npt.NDArray[np.bool_]:
    """The members the peers queries keep: the filters, not the anchor, and each member once
    across the searched hubs (in the first of them, in ``hubs`` order, that it belongs to)."""
    keep = enterprise_mask(members, filters)
    at = int(np.searchsorted(members.keys, anchor))
    if at < len(members) and members.keys[at] == anchor:
        keep[at] = False
    if filters.customer is not None:
        keep &= members.customer == filters.customer
    if len(hubs) > 1:
        order = {h: i for i, h in enumerate(hubs)}
        here = order[members.hub]
        keep &= _per_value(members.hub_sets, lambda hs: min(
            (order[h] for h in hs if h in order), default=here) == here)[members.hubs]
    return keep


def top_candidates(score: npt.NDArray[np.float64], wanted: int) -> npt.NDArray[np.intp]:
    """Positions, ascending, of every score at least the ``wanted``-th best: the ones that can
    reach a page ending there once ties are ordered by key."""
    total = len(score)
    if wanted >= total:
        return np.arange(total)
    threshold = np.partition(score, total - wanted)[total - wanted]
    return np.flatnonzero(score >= threshold)


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
    if not members:
        return RankedKeys(0, [])
    hubs = [m.hub for m in members]
    kept, fits, scales, not_customers = [], [], [], []
    for m in members:
        at = np.flatnonzero(_kept(m, hubs, anchor, filters))
        fit_of = np.fromiter((fit(s) for s in m.segment_sets), np.float64, len(m.segment_sets))
        kept.append(at)
        fits.append(fit_of[m.segments[at]] if len(at) else np.zeros(0))
        scales.append(m.scale[at])
        not_customers.append(np.where(m.customer[at], 0.0, 1.0))
    chain_fit, scale = np.concatenate(fits), np.concatenate(scales)
    not_customer = np.concatenate(not_customers)
    total = len(scale)
    wanted = min(skip + limit, total)
    if skip >= total:
        return RankedKeys(total, [])
    score = (weights["chain_fit"] * chain_fit + weights["scale"] * scale
             + weights["not_customer"] * not_customer)
    candidates = top_candidates(score, wanted)
    # candidates ascend, so each hub's run of them follows the previous hub's
    starts = np.cumsum([0] + [len(at) for at in kept])
    keys = np.concatenate([
        m.keys[at[candidates[(candidates >= lo) & (candidates < hi)] - lo]]
        for m, at, lo, hi in zip(members, kept, starts[:-1], starts[1:], strict=True)])
    order = np.lexsort((keys, -score[candidates]))[skip:wanted]
    return RankedKeys(total, [[str(keys[i]), float(chain_fit[c]), float(scale[c]),
                               float(not_customer[c])]
                              for i, c in zip(order.tolist(), candidates[order].tolist(),
                                              strict=True)])


def read_hub_members(kind: str) -> Build[HubMembers]:
    """The peers reader of one hub kind (``peer_members_<kind>`` and ``peer_member_sets_<kind>``)."""
    def build(store: GraphStore, hub: str) -> HubMembers:
        return HubMembers.from_columns(
            hub, export_named(store, f"peer_members_{kind}", {"hub": hub}),
            export_named(store, f"peer_member_sets_{kind}", {"hub": hub}))
    return build


_PEER_READERS = {kind: read_hub_members(kind) for kind in KINDS}


@dataclass(frozen=True)
class _Entry:
    members: Sized
    read_at: float


class MemberIndex:
    """Hub members by (kind, hub id) — the peers' hubs, and what the market strategies hold (see
    queries/market_index.py) — read on first use and again once ``max_age_s`` old; the
    least recently used are dropped beyond ``max_members`` members in all. Safe to share between
    threads (the API's worker threads).

    A hub that is due is read again in the background while its previous list keeps answering,
    for up to another ``max_age_s``; after that (a hub nobody asked for a while) it is read before
    answering. So no answer is built from members read more than ``2 * max_age_s`` ago, and a
    busy hub never waits for its read."""

    def __init__(self, store: GraphStore, *, max_age_s: float = 60.0,
                 max_members: int = 2_000_000,
                 max_rows: int = MAX_ROWS,
                 control_max_age_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic,
                 background: Executor | None = None) -> None:
        if max_age_s <= 0:
            raise ValueError("max_age_s must be positive")
        self.store = store
        self.max_age_s = max_age_s
        #: how old the control graph of group peers (queries/group_index.py) may grow; 0: group
        #: peers are searched in the store
        self.control_max_age_s = control_max_age_s
        self.max_members = max_members
        #: page rows kept at most (:meth:`rows`); 0: every page reads its rows
        self.max_rows = max_rows
        self._clock = clock
        self._background = background
        self._lock = threading.Lock()
        self._hubs: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._held = 0
        self._epoch = 0
        self._reading: dict[tuple[str, str], threading.Lock] = {}
        self._refreshing: set[tuple[str, str]] = set()
        self._anchors: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._derived: OrderedDict[Hashable, tuple[tuple[object, ...], Any]] = OrderedDict()
        self._rows: OrderedDict[tuple[str, str], tuple[Any, float]] = OrderedDict()
        self.reads = 0
        #: enterprises whose page rows were read from the store
        self.rows_read = 0

    def invalidate(self) -> None:
        """Forget every hub and anchor: the next answers read the graph again (reads under way
        are discarded)."""
        with self._lock:
            self._hubs.clear()
            self._anchors.clear()
            self._derived.clear()
            self._rows.clear()
            self._held = 0
            self._epoch += 1

    def anchor(self, uscc: str, read: Callable[[], _A]) -> _A:
        """An anchor's facts (its hubs and segments: one small read) kept as long as a hub's
        members, so a page of peers costs the store one read; read again once ``max_age_s``
        old."""
        with self._lock:
            held = self._anchors.get(uscc)
            if held is not None and self._clock() - held[1] < self.max_age_s:
                self._anchors.move_to_end(uscc)
                return cast(_A, held[0])
            epoch = self._epoch
        read_at = self._clock()
        value = read()
        self._remember(self._anchors, uscc, (value, read_at), epoch, MAX_ANCHORS)
        return value

    def rows(self, kind: str, keys: Sequence[str],
             read: Callable[[list[str]], dict[str, _A]]) -> dict[str, _A]:
        """The page rows of these enterprises (what a page of ``kind`` peers shows of each,
        whichever anchor asks), kept like the anchors' facts: read again once ``max_age_s`` old,
        the last ``max_rows`` kept. Those not held are read in one call; a key the read does
        not return (no such enterprise any more) is left out, and not kept."""
        now = self._clock()
        found: dict[str, _A] = {}
        with self._lock:
            for key in keys:
                held = self._rows.get((kind, key))
                if held is not None and now - held[1] < self.max_age_s:
                    self._rows.move_to_end((kind, key))
                    found[key] = held[0]
            epoch = self._epoch
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if not missing:
            return found
        read_at = self._clock()
        fresh = read(missing)
        with self._lock:
            self.rows_read += len(missing)
            if epoch == self._epoch and self.max_rows > 0:
                for key, value in fresh.items():
                    self._rows[(kind, key)] = (value, read_at)
                    self._rows.move_to_end((kind, key))
                while len(self._rows) > self.max_rows:
                    self._rows.popitem(last=False)
        found.update(fresh)
        return found

    def derived(self, key: Hashable, sources: Sequence[object], build: Callable[[], _A]) -> _A:
        """A value computed from held members (``sources``, e.g. the lists of a chain's
        segments), kept while exactly those objects are the ones held: a source read again
        rebuilds it. The last :data:`MAX_DERIVED` are kept."""
        ident = tuple(sources)
        with self._lock:
            held = self._derived.get(key)
            if held is not None and len(held[0]) == len(ident) and all(
                    a is b for a, b in zip(held[0], ident, strict=True)):
                self._derived.move_to_end(key)
                return cast(_A, held[1])
            epoch = self._epoch
        value = build()
        self._remember(self._derived, key, (ident, value), epoch, MAX_DERIVED)
        return value

    def _remember(self, table: OrderedDict[Any, Any], key: Hashable, value: Any, epoch: int,
                  cap: int) -> None:
        """Keep ``value`` as the most recently used of ``table`` (at most ``cap``), unless the
        index was invalidated since ``epoch``, when the read began."""
        with self._lock:
            if epoch == self._epoch:
                table[key] = value
                table.move_to_end(key)
                while len(table) > cap:
                    table.popitem(last=False)

    def members(self, kind: str, hubs: Iterable[str]) -> list[HubMembers]:
        """The members of each hub, in the order given."""
        if kind not in KINDS:
            raise ValueError(f"no member index for {kind!r}; known: {', '.join(KINDS)}")
        build = _PEER_READERS[kind]
        return [self.held(kind, hub, build) for hub in hubs]

    def held(self, kind: str, hub: str, build: Build[_H], max_age_s: float | None = None) -> _H:
        """What ``build`` reads for one hub, kept under ``(kind, hub)``; the kind names the
        reader (one builder per kind). ``max_age_s`` overrides the index's for this entry."""
        return cast(_H, self._hub((kind, hub), build, max_age_s or self.max_age_s))

    def _hub(self, ident: tuple[str, str], build: Build[Sized], max_age_s: float) -> Sized:
        with self._lock:
            entry = self._hubs.get(ident)
            age = self._clock() - entry.read_at if entry is not None else math.inf
            usable = age < 2 * max_age_s
            refresh = usable and age >= max_age_s and ident not in self._refreshing
            if usable:
                self._hubs.move_to_end(ident)
            if refresh:
                self._refreshing.add(ident)
            reading = self._reading.setdefault(ident, threading.Lock())
        if refresh:
            self._executor().submit(self._refresh, ident, build, max_age_s)
        if entry is not None and usable:
            return entry.members
        with reading:  # one read per hub when several threads ask for it at once
            with self._lock:
                entry = self._hubs.get(ident)
                if entry is not None and self._clock() - entry.read_at < max_age_s:
                    return entry.members
            return self._read(ident, build, max_age_s)

    def _refresh(self, ident: tuple[str, str], build: Build[Sized], max_age_s: float) -> None:
        try:
            self._read(ident, build, max_age_s)
        except Exception:  # the next request reads it (and reports the error) itself
            log.exception("reading the members of %s %s again failed", *ident)
        finally:
            with self._lock:
                self._refreshing.discard(ident)

    def _read(self, ident: tuple[str, str], build: Build[Sized], max_age_s: float) -> Sized:
        with self._lock:
            epoch = self._epoch
        read_at = self._clock()
        with cyclic_gc_paused():
            built = build(self.store, ident[1])
        with self._lock:
            self.reads += 1
            if epoch == self._epoch:  # not invalidated while it was read
                old = self._hubs.pop(ident, None)
                self._held -= len(old.members) if old is not None else 0
                self._hubs[ident] = _Entry(built, read_at)
                self._held += len(built)
                while self._held > self.max_members and len(self._hubs) > 1:
                    _, dropped = self._hubs.popitem(last=False)
                    self._held -= len(dropped.members)
        return built

    def _executor(self) -> Executor:
        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="chainscout-peer-index")
        return self._background
