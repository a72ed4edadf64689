"""The batch expansion walked and ranked with arrays over an :class:`ExpansionGraph`.

The same walk as ``expansion._Walk.run`` and the same ranking as ``expansion._rank``, for a
window of events at once: every (event, candidate) pair of a level is one row of a few arrays,
the strongest per (event, enterprise) is kept with the walk's tie rule (the earliest frontier
node, family and neighbour), the frontier is cut to the ``beam`` strongest (then lowest uscc) per
event, and the top ``k`` per event are ranked by total and uscc. Totals are rounded exactly as
Python's ``round(x, 6)`` (see :func:`round6`), so the hits equal the walk's to the last bit
(tests/integration/test_queries_events.py compares them).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .array_runs import FloatArray, IntArray, first_strongest, ranges, rank_within, runs
from .expansion_graph import ExpansionGraph, FamilyGraph


def round6(x: FloatArray) -> FloatArray:
    """``round(v, 6)`` for every element, bit for bit: ``rint(v * 1e6) / 1e6`` is exact except
    within rounding error of a half-way case, and those few go through Python's ``round``."""
    flat = np.asarray(x, dtype=np.float64).ravel()
    scaled = flat * 1e6
    out: FloatArray = np.rint(scaled) / 1e6
    risky = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-3)
    if risky.size:
        out[risky] = [round(v, 6) for v in flat[risky].tolist()]
    return out.reshape(np.shape(x))


def clamp6(x: FloatArray) -> FloatArray:
    """``expansion._clamp`` for every element."""
    return round6(np.clip(x, 0.0, 1.0))


@dataclass(frozen=True)
class Scoring:
    """What a total needs beyond the path: per event its weighted event_value and type, and the
    weighted product_fit per (held product set, event type) and not_customer per customer flag
    (``expansion._facts_parts``, tabulated)."""

    event_part: FloatArray  # [events]
    event_type: IntArray  # [events] column of ``fit_part``
    w_ps: float
    fit_part: FloatArray  # [product sets, event types]
    customer_part: FloatArray  # [2]: not a customer, customer

    @functools.cached_property
    def _best_facts(self) -> FloatArray:
        """Per event type, the largest facts part any enterprise can add."""
        best: FloatArray = self.fit_part.max(axis=0) if self.fit_part.shape[0] else np.zeros(
            self.fit_part.shape[1])
        return best + float(self.customer_part.max())

    def totals(self, graph: ExpansionGraph, ev: IntArray, node: IntArray,
               strength: FloatArray) -> FloatArray:
        """``Score.total`` of each (event, enterprise) at the given path strength, exactly."""
        base = self.event_part[ev] + clamp6(strength) * self.w_ps
        fit = self.fit_part[graph.held[node], self.event_type[ev]]
        return round6(base + fit + self.customer_part[graph.customer[node].astype(np.int64)])

    def best_case(self, ev: IntArray, strength: FloatArray) -> FloatArray:
        """At least the total of any enterprise reached at ``strength`` for these events."""
        base = self.event_part[ev] + (np.minimum(strength, 1.0) + 1e-6) * self.w_ps
        return base + self._best_facts[self.event_type[ev]] + 1e-6

    def ceiling(self, graph: ExpansionGraph, ev: IntArray, node: IntArray,
                strength: FloatArray) -> FloatArray:
        """At least :meth:`totals`, without its rounding (for pruning)."""
        base = self.event_part[ev] + (np.minimum(strength, 1.0) + 1e-6) * self.w_ps
        fit = self.fit_part[graph.held[node], self.event_type[ev]]
        return base + fit + self.customer_part[graph.customer[node].astype(np.int64)] + 1e-6


@dataclass
class Reached:
    """Per window: every (event, enterprise) reached, its strength and the record of its path.

    Records are kept per level: level 0 holds the subjects, level ``L`` the nodes improved by
    hop ``L``, each with the record of the frontier node it was reached from (``prev``)."""

    ev: IntArray
    node: IntArray
    strength: FloatArray
    level: IntArray
    record: IntArray  # index into that level's records
    levels: list[dict[str, npt.NDArray[np.generic]]]


def _gather(indptr: IntArray, nodes: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """For CSR rows ``nodes``: (row of each element, element index, position within the row)."""
    starts = indptr[nodes]
    return ranges(starts, indptr[nodes + 1] - starts)


def _hub_candidates(fam: FamilyGraph, f_ev: IntArray, f_node: IntArray, f_s: FloatArray,
                    f_pos: IntArray, max_fanout: int) -> tuple[IntArray, IntArray, IntArray]:
    """Hub members reached from the frontier: (frontier row, member, position in the row's list).

    Per (event, hub) only the sources that can win a member are expanded: on equal link weights
    the strongest source (then the earliest in the frontier) wins every member but itself, the
    second strongest wins that one, and the member just past the first ``max_fanout`` goes to
    the best source among those listed before it (its own list reaches one further)."""
    hub = fam.hub_via[f_node]
    rows = np.flatnonzero(hub >= 0)
    if rows.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    h_via = hub[rows]
    order = np.lexsort((f_pos[rows], -f_s[rows], h_via, f_ev[rows]))
    rows, h_via = rows[order], h_via[order]
    group = f_ev[rows] * (fam.member_ptr.size) + h_via
    rank = rank_within(group)
    early = fam.hub_pos[f_node[rows]] < max_fanout
    # the first source listed within the first max_fanout of each group
    first_early = np.zeros(rows.size, dtype=bool)
    if early.any():
        e_rows = np.flatnonzero(early)
        first_early[e_rows[rank_within(group[e_rows]) == 0]] = True
    chosen = rows[(rank < 2) | first_early]

    node = f_node[chosen]
    via = fam.hub_via[node]
    p_u = fam.hub_pos[node]
    rep, member_index, j = _gather(fam.member_ptr, via)
    src_pos = p_u[rep]
    keep = ((j < max_fanout) & (j != src_pos)) | ((j == max_fanout) & (src_pos < max_fanout))
    rep, member_index, j, src_pos = rep[keep], member_index[keep], j[keep], src_pos[keep]
    epos = np.where(j < src_pos, j, j - 1)
    return chosen[rep], fam.members[member_index], epos


def _floor(graph: ExpansionGraph, subjects: IntArray, scoring: Scoring, k: int,
           known_key: IntArray, known_s: FloatArray) -> FloatArray:
    """Per event, the ``k``-th largest total among the prospects reached so far (their totals
    only grow as the walk goes on); -inf with fewer than ``k``."""
    n = graph.size
    ev, node = known_key // n, known_key % n
    ok = (node != subjects[ev]) & ~graph.excluded[node]
    ev, node = ev[ok], node[ok]
    totals = scoring.totals(graph, ev, node, known_s[ok])
    order = np.lexsort((-totals, ev))
    kth = rank_within(ev[order]) == k - 1
    floor = np.full(subjects.size, -np.inf)
    floor[ev[order][kth]] = totals[order][kth]
    return floor


_CANDIDATE_FIELDS = ("rep", "dst", "strength", "pos", "fam", "edge")


@dataclass(frozen=True)
class _Candidates:
    """One level's (frontier row, neighbour) pairs, a row each."""

    rep: IntArray  # frontier row the hop starts from
    dst: IntArray
    strength: FloatArray
    pos: IntArray  # position in the row's neighbour list for the family
    fam: IntArray
    edge: IntArray  # the family's explicit edge, -1 through its hub

    def steps(self, fams: Sequence[FamilyGraph], node_of_rep: IntArray
              ) -> tuple[IntArray, IntArray, FloatArray]:
        """Via node, relationship type code and raw weight of each candidate's hop (asked for
        the winners only)."""
        via = np.full(self.rep.size, -1, dtype=np.int64)
        rtype = np.zeros(self.rep.size, dtype=np.int64)
        raw = np.zeros(self.rep.size)
        for fi, fam in enumerate(fams):
            mine = np.flatnonzero(self.fam == fi)
            if not mine.size:
                continue
            edge = self.edge[mine]
            explicit, hub = mine[edge >= 0], mine[edge < 0]
            via[explicit] = fam.via[self.edge[explicit]]
            rtype[explicit] = fam.rtype[self.edge[explicit]]
            raw[explicit] = fam.raw[self.edge[explicit]]
            via[hub] = fam.hub_via[node_of_rep[self.rep[hub]]]
            raw[hub] = fam.hub_raw
        return via, rtype, raw

    def take(self, index: IntArray) -> _Candidates:
        return _Candidates(*(getattr(self, f)[index] for f in _CANDIDATE_FIELDS))

    @staticmethod
    def join(parts: Sequence[_Candidates]) -> _Candidates:
        return _Candidates(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in _CANDIDATE_FIELDS))


@dataclass
class _Frontier:
    """The nodes a level expands: their records in the previous level, in frontier order."""

    records: IntArray
    ev: IntArray
    node: IntArray
    strength: FloatArray
    pos: IntArray  # rank within its event: the walk's tie order


def _candidates(fams: Sequence[FamilyGraph], front: _Frontier, factor: Mapping[int, float],
                max_fanout: int, bound: tuple[Scoring, ExpansionGraph, FloatArray] | None
                ) -> _Candidates | None:
    """Every neighbour of every frontier node over every family; with ``bound`` (scoring, graph
    and each event's floor) only those whose total could reach the floor."""
    parts: list[_Candidates] = []
    for fi, fam in enumerate(fams):
        f = factor[fam.rels]
        rows = np.arange(front.node.size, dtype=np.int64)
        if bound is not None:
            # frontier rows none of whose neighbours over this family could reach the floor
            scoring, _, floor = bound
            strongest = front.strength * max(fam.max_raw, fam.hub_raw if fam.members.size
                                             else 0.0) * f
            rows = np.flatnonzero(scoring.best_case(front.ev, strongest) >= floor[front.ev])
        sub, edge, pos = _gather(fam.indptr, front.node[rows])
        if sub.size:
            rep = rows[sub]
            raw = fam.raw[edge]
            parts.append(_Candidates(rep, fam.dst[edge], front.strength[rep] * raw * f, pos,
                                     np.full(rep.size, fi), edge))
        sub, member, pos = _hub_candidates(fam, front.ev[rows], front.node[rows],
                                           front.strength[rows], front.pos[rows], max_fanout)
        if sub.size:
            rep = rows[sub]
            raw = np.full(rep.size, fam.hub_raw)
            parts.append(_Candidates(rep, member, front.strength[rep] * raw * f, pos,
                                     np.full(rep.size, fi), np.full(rep.size, -1)))
    if not parts:
        return None
    found = _Candidates.join(parts)
    if bound is None:
        return found
    scoring, graph, floor = bound
    ev = front.ev[found.rep]
    return found.take(np.flatnonzero(scoring.ceiling(graph, ev, found.dst, found.strength)
                                     >= floor[ev]))


def _strongest(key: IntArray, strength: FloatArray, order: IntArray) -> IntArray:
    """Per distinct ``key``, the index of the strongest row, the smallest ``order`` on a tie."""
    by_key = np.argsort(key, kind="stable")
    starts, sizes = runs(key[by_key])
    winners: IntArray = by_key[first_strongest(strength[by_key], order[by_key], starts, sizes)]
    return winners


@dataclass
class _Known:
    """The best reach so far of every (event, enterprise), by ``event * N + enterprise``."""

    key: IntArray  # sorted
    strength: FloatArray
    level: IntArray
    record: IntArray  # index into that level's records

    def improved(self, key: IntArray, strength: FloatArray) -> tuple[IntArray, IntArray]:
        """Which of the (unique) keys improve on what is known, and their positions here (-1:
        new)."""
        at = np.minimum(np.searchsorted(self.key, key), self.key.size - 1)
        present = self.key[at] == key
        better = ~present | (strength > self.strength[at])
        return np.flatnonzero(better), np.where(present, at, -1)[better]

    def update(self, key: IntArray, strength: FloatArray, at: IntArray, level: int) -> None:
        """Record the level's improvements (record ``i`` is the ``i``-th key)."""
        numbers = np.arange(key.size, dtype=np.int64)
        old = at >= 0
        self.strength[at[old]] = strength[old]
        self.level[at[old]] = level
        self.record[at[old]] = numbers[old]
        new = np.flatnonzero(~old)
        # both sorted: merge by position instead of sorting again
        slots = np.searchsorted(self.key, key[new]) + np.arange(new.size)
        kept = np.ones(self.key.size + new.size, dtype=bool)
        kept[slots] = False
        self.key = _merged(self.key, key[new], slots, kept)
        self.strength = _merged(self.strength, strength[new], slots, kept)
        self.level = _merged(self.level, np.full(new.size, level), slots, kept)
        self.record = _merged(self.record, numbers[new], slots, kept)


def _merged(old: npt.NDArray[Any], new: npt.NDArray[Any], slots: IntArray,
            kept: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    out = np.empty(kept.size, dtype=old.dtype)
    out[slots] = new
    out[kept] = old
    return out


def walk(graph: ExpansionGraph, families: Sequence[str], subjects: IntArray, max_hops: int,
         beam: int, hop_decay: float, prune: tuple[Scoring, int] | None = None) -> Reached:
    """Every enterprise reached from each subject (one per event) and its strongest path.

    With ``prune`` (scoring and k), the last hop skips the candidates whose total could not
    reach the ``k``-th best total their event has already: they could not enter its top k, so
    only records no hit reads are missing."""
    n = graph.size
    max_fanout = graph.max_fanout
    fams = [graph.families[name] for name in families]
    per_frontier_row = len(fams) * (max_fanout + 1)
    events = subjects.size
    ev0 = np.arange(events, dtype=np.int64)
    levels: list[dict[str, npt.NDArray[np.generic]]] = [{
        "ev": ev0, "node": subjects, "strength": np.ones(events), "prev": np.full(events, -1),
        "fam": np.full(events, -1), "via": np.full(events, -1), "rtype": np.full(events, -1),
        "raw": np.ones(events)}]
    known = _Known(ev0 * n + subjects, np.ones(events), np.zeros(events, dtype=np.int64),
                   ev0.copy())  # keys sorted: one subject per event
    front = _Frontier(ev0.copy(), ev0.copy(), subjects.astype(np.int64), np.ones(events),
                      np.zeros(events, dtype=np.int64))

    for level in range(max_hops):
        first = level == 0
        # decay per hop: relationships in the hop, less one on the first hop
        factor = {rels: hop_decay ** (rels - 1 if first else rels) for rels in (1, 2)}
        bound = None
        if prune is not None and level == max_hops - 1 and prune[0].w_ps >= 0:
            scoring, k = prune
            floor = _floor(graph, subjects, scoring, k, known.key, known.strength)
            bound = (scoring, graph, floor)
        found = _candidates(fams, front, factor, max_fanout, bound)
        if found is None:
            break
        key = front.ev[found.rep] * n + found.dst
        # per (event, enterprise) the strongest, on a tie the earliest frontier node, family
        # and neighbour: the order the frontier walk relaxes them in
        win = _strongest(key, found.strength,
                         front.pos[found.rep] * per_frontier_row + found.fam * (max_fanout + 1)
                         + found.pos)
        better, at = known.improved(key[win], found.strength[win])
        hop = found.take(win[better])
        via, rtype, raw = hop.steps(fams, front.node)
        levels.append({"ev": front.ev[hop.rep], "node": hop.dst, "strength": hop.strength,
                       "prev": front.records[hop.rep], "fam": hop.fam, "via": via,
                       "rtype": rtype, "raw": raw})
        known.update(key[win[better]], hop.strength, at, level + 1)
        if level == max_hops - 1:
            break
        # next frontier: per event the beam strongest improved nodes, then lowest uscc
        ev_l = front.ev[hop.rep]
        order = np.lexsort((hop.dst, -hop.strength, ev_l))
        rank = rank_within(ev_l[order])
        records = order[rank < beam]
        front = _Frontier(records, ev_l[records], hop.dst[records], hop.strength[records],
                          rank[rank < beam])

    return Reached(known.key // n, known.key % n, known.strength, known.level, known.record,
                   levels)


@dataclass(frozen=True)
class Ranked:
    """Ranked hits with their paths as arrays: step ``h`` of hit ``i`` at ``[i, h]``."""

    ev: IntArray  # event index in the batch
    node: IntArray
    totals: FloatArray
    strength: FloatArray
    hops: IntArray
    step_src: IntArray
    step_dst: IntArray
    step_fam: IntArray
    step_via: IntArray
    step_rtype: IntArray
    step_raw: FloatArray

    @classmethod
    def concat(cls, parts: Sequence[Ranked], max_hops: int) -> Ranked:
        """All windows' hits ranked together: total desc, then uscc, then event id (events are
        in event id order)."""
        if not parts:
            e = np.zeros(0, dtype=np.int64)
            steps = np.zeros((0, max_hops), dtype=np.int64)
            return cls(e, e, np.zeros(0), np.zeros(0), e, steps, steps, steps, steps, steps,
                       np.zeros((0, max_hops)))
        joined = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _RANKED_FIELDS}
        order = np.lexsort((joined["ev"], joined["node"], -joined["totals"]))
        return cls(**{f: v[order] for f, v in joined.items()})


_RANKED_FIELDS = ("ev", "node", "totals", "strength", "hops", "step_src", "step_dst", "step_fam",
                  "step_via", "step_rtype", "step_raw")


def rank(graph: ExpansionGraph, reached: Reached, subjects: IntArray, scoring: Scoring,
         k: int | None, *, first_event: int = 0, max_hops: int = 1) -> Ranked:
    """Top ``k`` per event by total, then uscc, of every reached enterprise that is not the
    subject and not excluded, with its path. Event indexes in the result start at
    ``first_event``."""
    ev, node = reached.ev, reached.node
    keep = np.flatnonzero((node != subjects[ev]) & ~graph.excluded[node])
    ev, node, strength = ev[keep], node[keep], reached.strength[keep]
    totals = scoring.totals(graph, ev, node, strength)
    # by event, then total descending, then uscc: the rows come in (event, uscc) order, so one
    # stable sort on (event, total) does it (totals are multiples of 1e-6)
    micro = np.rint(totals * 1e6).astype(np.int64)
    top = int(micro.max(initial=0))
    span = top - int(micro.min(initial=0)) + 1
    order = np.argsort(ev * span + (top - micro), kind="stable")
    if k is not None:
        order = order[rank_within(ev[order]) < k]
    rows = keep[order]

    # paths: the record at level l is step l of its path; follow prev down to the subject
    count = rows.size
    step_src = np.zeros((count, max_hops), dtype=np.int64)
    step_dst = np.zeros((count, max_hops), dtype=np.int64)
    step_fam = np.zeros((count, max_hops), dtype=np.int64)
    step_via = np.full((count, max_hops), -1, dtype=np.int64)
    step_rtype = np.zeros((count, max_hops), dtype=np.int64)
    step_raw = np.zeros((count, max_hops))
    hops = reached.level[rows]
    level = hops.copy()
    record = reached.record[rows].copy()
    for current in range(int(level.max(initial=0)), 0, -1):
        at = np.flatnonzero(level == current)
        here, below = reached.levels[current], reached.levels[current - 1]
        rec = record[at]
        prev = here["prev"][rec].astype(np.int64)
        column = current - 1
        step_dst[at, column] = here["node"][rec]
        step_src[at, column] = below["node"][prev]
        step_fam[at, column] = here["fam"][rec]
        step_via[at, column] = here["via"][rec]
        step_rtype[at, column] = here["rtype"][rec]
        step_raw[at, column] = here["raw"][rec]
        record[at] = prev
        level[at] = current - 1
    return Ranked(ev[order] + first_event, node[order], totals[order], strength[order], hops,
                  step_src, step_dst, step_fam, step_via, step_rtype, step_raw)
