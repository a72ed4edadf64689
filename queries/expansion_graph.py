"""The batch expansion's in-memory copy of the graph, exported once per batch.

A day's feed at national scale reaches most enterprises within two hops, so fetching neighbours
frontier by frontier (``expansion._Walk``) reads nearly the whole graph piecemeal, a few source
usccs per row. For large batches each relationship pattern the families walk is exported in one
query instead (``expansion_export_*``, column by column: ``GraphStore.read_columns``), and each
family's per-source neighbour lists are built as arrays over the enterprises in uscc order, with
exactly the neighbours, order and weights of the per-source step queries: the ``max_fanout``
lowest usccs per source, parallel relationships resolved the same way (tests compare the two).

Large hubs stay hubs. A source with a single link into a park, association or person with more
than :data:`HUB_MIN_MEMBERS` members (and no repeated member among the first ``max_fanout`` + 1)
keeps that link instead of ``max_fanout`` copied edges; the vectorised walk expands the hub's
member list once per (event, hub) for the sources that can win a member.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chainscout.graph.stores.base import GraphStore

from .array_runs import FloatArray, IntArray, first_strongest, ranges, rank_within, runs
from .collector import cyclic_gc_paused
from .ranking import RankingWeights, relation_weight
from .runner import export_named

#: A hub family's via node with more members than this keeps single-link sources as hub links.
HUB_MIN_MEMBERS = 16
#: Exports in flight while the arrays of an earlier one are built (each on its own connection).
EXPORTS_AHEAD = 2
_CUSTOMERS = "expansion_export_customers"
_EXCLUDED = "expansion_export_excluded"
_ENTERPRISES = "expansion_export_enterprises"


@dataclass(frozen=True)
class _Export:
    """Where a family's relationships come from: the export query and how to read its columns."""

    query: str
    src: str  # column of the source enterprise (direct) or the member enterprise (via)
    dst: str  # column of the neighbour enterprise (direct) or the via node's key (via)


#: Per family (``expansion.FAMILIES``): the export that holds its relationships.
EXPORTS: Mapping[str, _Export] = {
    "shareholders": _Export("expansion_export_ownership", "b", "a"),
    "subsidiaries": _Export("expansion_export_ownership", "a", "b"),
    "investees": _Export("expansion_export_investments", "a", "b"),
    "investors": _Export("expansion_export_investments", "b", "a"),
    "suppliers": _Export("expansion_export_supplies", "b", "a"),
    "buyers": _Export("expansion_export_supplies", "a", "b"),
    "park_cotenants": _Export("expansion_export_park_links", "e", "v"),
    "association_comembers": _Export("expansion_export_association_links", "e", "v"),
    "officer_companies": _Export("expansion_export_officer_links", "e", "v"),
    "owner_companies": _Export("expansion_export_owner_links", "e", "v"),
}


@dataclass(frozen=True)
class FamilyGraph:
    """One family's neighbours: explicit edges as CSR over enterprise indexes, plus hub links."""

    name: str
    rels: int  # relationships per hop: 1 direct, 2 through a via node
    rel_types: tuple[str, ...]  # relationship type names by ``rtype`` code
    indptr: IntArray  # [N + 1] explicit edges of source i: indptr[i]:indptr[i + 1]
    dst: IntArray
    via: IntArray  # via node index, -1 for direct families
    rtype: IntArray
    raw: FloatArray  # product of the hop's relation weights
    vias: tuple[str, ...]  # via node keys by index
    hub_via: IntArray  # [N] the source's hub, -1 for none
    hub_pos: IntArray  # [N] the source's position in its hub's member list
    hub_raw: float  # raw weight of a hop through a hub (bare families: constant)
    member_ptr: IntArray  # [V + 1] hub members (first max_fanout + 1, uscc order)
    members: IntArray

    @functools.cached_property
    def max_raw(self) -> float:
        """The strongest explicit edge's weight (0 without edges)."""
        return float(self.raw.max()) if self.raw.size else 0.0

    def edges_of(self, i: int) -> list[tuple[int, int, int, float]]:
        """Source ``i``'s neighbours as (dst, via, rtype, raw) in walk order, hub links expanded:
        what the frontier walk would fetch for it (the tests compare the two; the vectorised walk
        reads the arrays)."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        out = [(int(self.dst[e]), int(self.via[e]), int(self.rtype[e]), float(self.raw[e]))
               for e in range(lo, hi)]
        v = int(self.hub_via[i])
        if v >= 0:
            start, end = int(self.member_ptr[v]), int(self.member_ptr[v + 1])
            members = [int(m) for m in self.members[start:end] if m != i]
            fanout = end - start - 1
            out += [(m, v, 0, self.hub_raw) for m in members[:fanout]]
        return out


@dataclass(frozen=True)
class ExpansionGraph:
    """Enterprises in uscc order and, per family, their neighbours; facts for ranking."""

    usccs: tuple[str, ...]
    subjects: IntArray  # the positions of the ``subjects`` given to :func:`build`, in order
    families: Mapping[str, FamilyGraph]
    max_fanout: int
    excluded: npt.NDArray[np.bool_]  # [N] status never a prospect
    customer: npt.NDArray[np.bool_]  # [N] has a CUSTOMER_OF link
    held: IntArray  # [N] index into ``product_sets`` (0: none)
    product_sets: tuple[tuple[str, ...], ...]

    @property
    def size(self) -> int:
        return len(self.usccs)


class _Ids:
    """Enterprises numbered in uscc order. The exports name them by internal node id, which the
    server has without reading a property for every relationship; the enterprise table
    (``expansion_export_enterprises``, read after them) turns the ids into usccs once."""

    def __init__(self) -> None:
        self.parts: list[IntArray] = []

    def add(self, node_ids: Sequence[Any] | npt.NDArray[Any]) -> int:
        self.parts.append(np.asarray(node_ids, dtype=np.int64))
        return len(self.parts) - 1

    def finish(self, table: Mapping[str, Sequence[Any]], subjects: Iterable[str]
               ) -> tuple[tuple[str, ...], list[IntArray], IntArray]:
        """Usccs in order (every enterprise in the table, then subjects not in it), each added
        column as positions in that order (-1: a node the table does not hold, deleted since
        its relationships were exported), and the subjects' positions."""
        table_ids = np.asarray(table["id"], dtype=np.int64)
        keys_in = np.concatenate([np.asarray(table["uscc"], dtype=object),
                                  np.asarray(list(subjects), dtype=object)])
        codes, uniques = pd.factorize(keys_in)
        if codes.size and codes.min() < 0:
            raise ValueError("an enterprise without a uscc")
        keys = [u if isinstance(u, str) else str(u) for u in uniques.tolist()]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int64)
        position = rank[codes]
        by_id = np.argsort(table_ids)
        sorted_ids, sorted_pos = table_ids[by_id], position[by_id]
        columns = []
        for node_ids in self.parts:
            if not sorted_ids.size:
                columns.append(np.full(node_ids.size, -1, dtype=np.int64))
                continue
            at = np.minimum(np.searchsorted(sorted_ids, node_ids), sorted_ids.size - 1)
            columns.append(np.where(sorted_ids[at] == node_ids, sorted_pos[at], -1))
        return tuple(keys[i] for i in order), columns, position[table_ids.size:]


def _link_weights(weights: RankingWeights, rows: int, types: Sequence[Any] | None,
                  pct: Sequence[Any] | None, single_type: str) -> FloatArray:
    """``relation_weight`` per relationship, computed once per distinct (type, percentage);
    ``types`` None: every relationship is ``single_type``."""
    if types is None:
        tcode = np.zeros(rows, dtype=np.int64)
        tnames: Sequence[Any] = [single_type]
    else:
        tcode, found = pd.factorize(np.asarray(types, dtype=object))
        tnames = list(found)
    if pct is None:
        per_type = np.array([relation_weight(weights, str(t), None) for t in tnames])
        return per_type[tcode] if tcode.size else np.zeros(0)
    pcode, pvalues = pd.factorize(np.asarray(pct, dtype=np.float64))  # None: NaN, code -1
    combined, pairs = pd.factorize(tcode * (len(pvalues) + 1) + pcode + 1)
    per_pair = np.empty(len(pairs))
    for i, pair in enumerate(np.asarray(pairs).tolist()):
        t, p = divmod(int(pair), len(pvalues) + 1)
        per_pair[i] = relation_weight(weights, str(tnames[t]),
                                      None if p == 0 else float(pvalues[p - 1]))
    return per_pair[combined]


def _via_links(ids: _Ids, weights: RankingWeights, members: Sequence[Any], vias: Sequence[Any],
               types: Sequence[Any] | None, pct: Sequence[Any] | None, single_type: str
               ) -> tuple[int, None, tuple[IntArray, list[str]], FloatArray]:
    """A hub family's links, without via nodes that have a single link (their one member is
    the source itself: no neighbour) — most persons are officers of one company. Via nodes are
    numbered in key order."""
    code, uniques = pd.factorize(np.asarray(vias, dtype=object))
    if code.size and code.min() < 0:
        raise ValueError("an export returned a link without its via node's key")
    links = np.bincount(code, minlength=len(uniques))
    keep = np.flatnonzero(links[code] > 1)
    shared = np.flatnonzero(links > 1)
    keys = [k if isinstance(k, str) else str(k)
            for k in np.asarray(uniques, dtype=object)[shared].tolist()]
    by_key = sorted(range(len(keys)), key=keys.__getitem__)
    renumber = np.full(len(uniques), -1, dtype=np.int64)
    renumber[shared[np.asarray(by_key, dtype=np.int64)]] = np.arange(len(keys), dtype=np.int64)
    kept_members = np.asarray(members, dtype=object)[keep]
    kept_pct = None if pct is None else np.asarray(pct, dtype=object)[keep].tolist()
    kept_types = None if types is None else np.asarray(types, dtype=object)[keep].tolist()
    w = _link_weights(weights, keep.size, kept_types, kept_pct, single_type)
    return (ids.add(kept_members), None, (renumber[code[keep]], [keys[i] for i in by_key]), w)


@cyclic_gc_paused()
def build(
    store: GraphStore,
    families: Sequence[str],
    family_types: Mapping[str, tuple[tuple[str, ...], bool]],
    weights: RankingWeights,
    max_fanout: int,
    excluded_statuses: Sequence[str],
    subjects: Iterable[str] = (),
) -> ExpansionGraph:
    """Export what ``families`` walk and build their neighbour arrays.

    ``family_types`` gives per family its relationship types and whether a hop goes through a via
    node (``expansion.FAMILIES``; passed in to keep this module below it).
    """
    ids = _Ids()
    columns_of: dict[str, tuple[int, int | None, Any, FloatArray]] = {}
    queries = list(dict.fromkeys(EXPORTS[name].query for name in families))
    # the enterprise table last: it then holds every enterprise the exports before it named
    jobs: list[tuple[str, dict[str, Any]]] = [(q, {}) for q in queries] + [
        (_CUSTOMERS, {}), (_EXCLUDED, {"excluded": list(excluded_statuses)}), (_ENTERPRISES, {})]
    facts: dict[str, dict[str, list[Any]]] = {}
    with ThreadPoolExecutor(EXPORTS_AHEAD) as prefetch:
        # exports ahead: the server runs the next ones while this thread builds the last one's
        # arrays (a reply's parsing holds the interpreter; the server's work does not)
        ahead = [prefetch.submit(export_named, store, q, p) for q, p in jobs[:EXPORTS_AHEAD]]
        for i, (query, _) in enumerate(jobs):
            columns = ahead.pop(0).result()
            if i + EXPORTS_AHEAD < len(jobs):
                ahead.append(prefetch.submit(export_named, store, *jobs[i + EXPORTS_AHEAD]))
            if query not in queries:
                facts[query] = columns
                continue
            for name in families:
                spec = EXPORTS[name]
                if spec.query != query:
                    continue
                types, via = family_types[name]
                rows = len(columns[spec.src])
                t = columns.get("t")  # an export of one relationship type leaves it out
                if via:
                    columns_of[name] = _via_links(ids, weights, columns[spec.src],
                                                  columns[spec.dst], t, columns.get("pct"),
                                                  types[0])
                else:
                    codes = {type_: i for i, type_ in enumerate(sorted(types))}
                    tcode = (np.zeros(rows, dtype=np.int64) if t is None else
                             np.fromiter((codes[x] for x in t), dtype=np.int64, count=rows))
                    columns_of[name] = (ids.add(columns[spec.src]), ids.add(columns[spec.dst]),
                                        tcode, _link_weights(weights, rows, t,
                                                             columns.get("pct"), types[0]))
            del columns
    customers = facts[_CUSTOMERS]
    customer_slot = ids.add(customers["id"])
    excluded_slot = ids.add(facts[_EXCLUDED]["id"])
    usccs, coded, subject_ids = ids.finish(facts[_ENTERPRISES], subjects)
    n = len(usccs)

    built: dict[str, FamilyGraph] = {}
    for name in families:
        types, via = family_types[name]
        src_slot, dst_slot, extra, w = columns_of.pop(name)
        src = coded[src_slot]
        if dst_slot is None:
            vid, keys = extra
            kept = src >= 0
            link = relation_weight(weights, types[0], None)
            built[name] = _via_family(name, types, src[kept], (vid[kept], keys), w[kept], n,
                                      max_fanout,
                                      bare=len(types) == 1 and types[0] != "HOLDS_SHARES",
                                      hub_raw=link * link)
        else:
            dst = coded[dst_slot]
            kept = (src >= 0) & (dst >= 0)
            built[name] = _direct_family(name, tuple(sorted(types)), src[kept], dst[kept],
                                         extra[kept], w[kept], n, max_fanout)

    customer_ids = coded[customer_slot]
    excluded_ids = coded[excluded_slot]
    customer = np.zeros(n, dtype=bool)
    customer[customer_ids[customer_ids >= 0]] = True
    held_sets: dict[int, set[str]] = {}
    for i, products in zip(customer_ids.tolist(), customers["products"], strict=True):
        if i >= 0:  # -1: deleted since the customer links were exported
            held_sets.setdefault(i, set()).update(str(p) for p in products or [])
    product_sets: dict[tuple[str, ...], int] = {(): 0}
    held = np.zeros(n, dtype=np.int64)
    for i, products_ in held_sets.items():
        key = tuple(sorted(products_))
        held[i] = product_sets.setdefault(key, len(product_sets))
    excluded = np.zeros(n, dtype=bool)
    excluded[excluded_ids[excluded_ids >= 0]] = True
    return ExpansionGraph(usccs, subject_ids, built, max_fanout, excluded, customer,
                          held, tuple(product_sets))


def _sort_by(key: IntArray, then: FloatArray) -> IntArray:
    """Order by ``key``, then ``then``: one stable sort when ``then`` is constant (bare links)."""
    if then.size and bool(np.all(then == then[0])):
        return np.argsort(key, kind="stable")
    return np.lexsort((then, key))


def _csr(src: IntArray, n: int) -> IntArray:
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr


def _strongest_per_run(raw: FloatArray, *keys: IntArray) -> IntArray:
    """Indexes keeping, per run of rows with equal ``keys`` (sorted), the strongest row, the first
    on a tie — as the walk keeps the first strongest of parallel relationships."""
    starts, sizes = runs(*keys)
    return first_strongest(raw, np.arange(raw.size, dtype=np.int64), starts, sizes)


def _finish(name: str, rels: int, rel_types: tuple[str, ...], src: IntArray, dst: IntArray,
            via: IntArray, rtype: IntArray, raw: FloatArray, n: int, vias: tuple[str, ...],
            hub: tuple[IntArray, IntArray, float, IntArray, IntArray] | None) -> FamilyGraph:
    if hub is None:
        hub = (np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64), 0.0,
               np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    hub_via, hub_pos, hub_raw, member_ptr, members = hub
    return FamilyGraph(name, rels, rel_types, _csr(src, n), dst, via, rtype, raw, vias, hub_via,
                       hub_pos, hub_raw, member_ptr, members)


def _direct_family(name: str, rel_types: tuple[str, ...], src: IntArray, dst: IntArray,
                   tcode: IntArray, w: FloatArray, n: int, max_fanout: int) -> FamilyGraph:
    """Per source: relationships in (neighbour uscc, type) order, the first ``max_fanout``, then
    the strongest per neighbour (``expansion._Walk._direct``)."""
    order = np.lexsort((-w, tcode, dst, src))
    src, dst, tcode, w = src[order], dst[order], tcode[order], w[order]
    keep = rank_within(src) < max_fanout
    src, dst, tcode, w = src[keep], dst[keep], tcode[keep], w[keep]
    best = _strongest_per_run(w, src, dst)
    return _finish(name, 1, rel_types, src[best], dst[best], np.full(best.size, -1, np.int64),
                   tcode[best], w[best], n, (), None)


def _via_family(name: str, rel_types: tuple[str, ...], ent: IntArray,
                factorized: tuple[IntArray, list[str]], w: FloatArray, n: int, max_fanout: int,
                *, bare: bool, hub_raw: float) -> FamilyGraph:
    """Per source: for each of its links to a via node, the via node's member links in uscc
    order without the source, rows sorted by (member, via, link), the first ``max_fanout``, then
    the strongest per (member, via) (``expansion._Walk._join``); sources with one link into a
    large hub keep the hub link instead."""
    vid, keys = factorized
    vias = tuple(keys)
    n_via = len(vias)

    # members per via: links in (via, member uscc) order, strongest first among parallel links
    order = _sort_by(vid * n + ent, -w)
    m_via, m_ent, m_w = vid[order], ent[order], w[order]
    member_ptr = _csr(m_via, n_via)
    m_pos = np.arange(m_via.size, dtype=np.int64) - member_ptr[m_via]
    limit = max_fanout + 1
    head = m_pos < limit
    repeated = np.zeros(n_via, dtype=bool)  # a member twice among the first max_fanout + 1
    if m_via.size > 1:
        same = (m_via[1:] == m_via[:-1]) & (m_ent[1:] == m_ent[:-1]) & head[1:]
        repeated[m_via[1:][same]] = True
    size = np.diff(member_ptr)

    # per source: its links in (source, via) order
    order = _sort_by(ent * max(n_via, 1) + vid, -w)
    l_ent, l_via, l_w = ent[order], vid[order], w[order]
    links_per_source = np.bincount(l_ent, minlength=n)
    single = links_per_source[l_ent] == 1
    hub_link = (single & bare & ~repeated[l_via] & (np.minimum(size[l_via], limit) >
                                                     HUB_MIN_MEMBERS))

    hub: tuple[IntArray, IntArray, float, IntArray, IntArray] | None = None
    if hub_link.any():
        hub_via = np.full(n, -1, dtype=np.int64)
        hub_via[l_ent[hub_link]] = l_via[hub_link]
        # the hub lists: each hub's first max_fanout + 1 members
        is_hub = np.zeros(n_via, dtype=bool)
        is_hub[l_via[hub_link]] = True
        kept = head & is_hub[m_via]
        h_ptr = _csr(m_via[kept], n_via)
        h_members = m_ent[kept]
        # position of each hub source in its hub's list (beyond the list: limit)
        hub_pos = np.full(n, limit, dtype=np.int64)
        at = np.flatnonzero(kept)
        in_list = hub_via[h_members] == m_via[at]
        hub_pos[h_members[in_list]] = m_pos[at][in_list]
        hub = (hub_via, hub_pos, hub_raw, h_ptr, h_members)

    # explicit edges: every other link, joined with the first max_fanout + (links from its source
    # to that via node) members of its via node
    j_ent, j_via, j_w = l_ent[~hub_link], l_via[~hub_link], l_w[~hub_link]
    link_no = rank_within(j_ent)
    pair = j_ent * n_via + j_via
    pair_order = np.argsort(pair, kind="stable")
    pair_sorted = pair[pair_order]
    _, counts = runs(pair_sorted)
    own = np.empty(pair.size, dtype=np.int64)
    own[pair_order] = np.repeat(counts, counts)  # links from this source to this via node
    take = np.minimum(size[j_via], max_fanout + own)
    rep, row, _ = ranges(member_ptr[j_via], take)
    r_src, r_dst, r_via = j_ent[rep], m_ent[row], j_via[rep]
    r_raw = j_w[rep] * m_w[row]
    r_link = link_no[rep]
    not_self = r_dst != r_src
    r_src, r_dst, r_via, r_raw, r_link = (a[not_self] for a in (r_src, r_dst, r_via, r_raw,
                                                                   r_link))
    # the rows come in (source, via, link, member) order: a stable sort on (source, member)
    # leaves them in (source, member, via, link) order
    order = np.argsort(r_src * n + r_dst, kind="stable")
    r_src, r_dst, r_via, r_raw = r_src[order], r_dst[order], r_via[order], r_raw[order]
    keep = rank_within(r_src) < max_fanout
    r_src, r_dst, r_via, r_raw = r_src[keep], r_dst[keep], r_via[keep], r_raw[keep]
    best = _strongest_per_run(r_raw, r_src, r_dst, r_via)
    return _finish(name, 2, rel_types, r_src[best], r_dst[best], r_via[best],
                   np.zeros(best.size, dtype=np.int64), r_raw[best], n, vias, hub)
