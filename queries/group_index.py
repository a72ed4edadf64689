"""Group peers from an in-process copy of the control graph: the corporate-group search walks
arrays instead of asking the store one level at a time.

``peers(kind="group")`` finds the anchor's corporate group by a breadth-first search over control
edges, one ``group_control_edges`` query per level, each reply carrying both end nodes of every
edge, then describes every member (``peers_group``): 220–430 ms p95 at 1M enterprises, most of it
for the groups of 200–500 members. Here the member index (queries/peer_index.py) holds

* the **control graph** — every ``CONTROLS`` edge and every ``HOLDS_SHARES`` above
  :data:`CONTROL_FLOOR` percent, as arrays (``group_control_graph``: one read of scalar rows).
  Only the connected parts that join two or more enterprises are kept (a firm with just its
  majority owner has no group peers): at 1M demo enterprises 1.04M edges read, 0.36M nodes kept;
* each **group's members' facts** (``group_members`` / ``group_member_sets``), read once per
  connected part the first time one of its enterprises asks,

and a page walks the same search in process (the same order, bounds and truncation), scores every
member the same way (the same floating-point operations as :func:`~.ranking.score`), and reads
only the page's members, the nodes between them and the anchor, and those paths' relationships
(``peers_group_page``). Pages, totals and scores are those of the store search (tests compare both
on both stores). A request for a majority below the floor is answered by the store.

Freshness is the member index's: the graph and each group's facts are read again once
``max_age_s`` old (in the background while they keep answering).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship, GraphStore

from .market import EnterpriseFilter, str_list
from .peer_index import MemberFacts, MemberIndex, enterprise_mask, member_facts, set_codes
from .ranking import RankingWeights, hop_weight, signal
from .runner import export_named, run_named

#: Shareholdings above this percentage are held in the control graph; a search for a lower
#: majority is answered by the store.
CONTROL_FLOOR = 50.0
#: The member-index kinds of the control graph and of one group's member facts.
GRAPH_KIND, GROUP_KIND = "control graph", "group members"
_TYPES = ("HOLDS_SHARES", "CONTROLS")  # by the ``controls`` code of group_control_graph
_stamps = itertools.count()

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ControlGraph:
    """Control edges between the enterprises (sorted by USCC, first) and persons (by id, after
    them) of every connected part holding two or more enterprises. Node order is the order of
    the store refs (``Enterprise:…`` before ``Person:…``), so walking neighbours by position walks
    them as the store search sorts them."""

    stamp: int
    enterprises: npt.NDArray[np.str_]
    persons: npt.NDArray[np.str_]
    #: per node: its connected part, named by one of its nodes
    part: IntArray
    #: neighbours of node ``i`` at ``start[i]:start[i + 1]`` of ``other`` / ``edge``, by
    #: (neighbour, CONTROLS before HOLDS_SHARES, percentage descending)
    start: IntArray
    other: IntArray
    edge: IntArray
    holder: IntArray
    held: IntArray
    controls: npt.NDArray[np.bool_]
    percentage: npt.NDArray[np.float64]
    #: the nodes ordered by part
    by_part: IntArray

    def __len__(self) -> int:
        return len(self.part)

    @property
    def first_person(self) -> int:
        return len(self.enterprises)

    def node(self, uscc: str) -> int | None:
        at = int(np.searchsorted(self.enterprises, uscc))
        return at if at < len(self.enterprises) and self.enterprises[at] == uscc else None

    def ref(self, node: int) -> str:
        n = self.first_person
        return f"Enterprise:{self.enterprises[node]}" if node < n \
            else f"Person:{self.persons[node - n]}"

    def rel_type(self, edge: int) -> str:
        return _TYPES[int(self.controls[edge])]

    def part_enterprises(self, part: int) -> list[str]:
        """The USCCs of the enterprises in one connected part, sorted."""
        lo, hi = np.searchsorted(self.part[self.by_part], [part, part + 1])
        nodes = self.by_part[lo:hi]
        return [str(k) for k in self.enterprises[np.sort(nodes[nodes < self.first_person])]]

    @classmethod
    def from_columns(cls, cols: dict[str, list[Any]]) -> ControlGraph:
        """From the export ``group_control_graph``. Nodes are numbered as first met, the parts
        found, and only the kept nodes' keys sorted (a fifth of them at 1M enterprises)."""
        enterprises: dict[str, int] = {}
        persons: dict[str, int] = {}
        held_first = [enterprises.setdefault(k, len(enterprises)) for k in cols["held"]]
        holder_first = []
        for key, is_person in zip(cols["holder"], cols["person"], strict=True):
            ids = persons if is_person else enterprises
            holder_first.append(ids.setdefault(key, len(ids)))
        n_ent, n = len(enterprises), len(enterprises) + len(persons)
        person = np.array(cols["person"], dtype=np.int64).astype(bool)
        holder = np.array(holder_first, dtype=np.int64) + np.where(person, n_ent, 0)
        held = np.array(held_first, dtype=np.int64)
        part = _connected_parts(n, holder, held)
        # keep the parts that join two or more enterprises, numbered in store-ref order
        grouped = np.bincount(part, weights=np.arange(n) < n_ent, minlength=n)[part] >= 2
        new_id = np.full(n, -1, dtype=np.int64)
        kept_keys: list[npt.NDArray[np.str_]] = []
        for first, keys in ((0, list(enterprises)), (n_ent, list(persons))):
            kept = np.flatnonzero(grouped[first:first + len(keys)])
            names = np.array([keys[i] for i in kept.tolist()], dtype=np.str_)
            order = np.argsort(names, kind="stable")
            done = len(kept_keys[0]) if kept_keys else 0
            new_id[first + kept[order]] = np.arange(done, done + len(kept))
            kept_keys.append(names[order])
        keep_edge = grouped[holder]
        controls = np.array(cols["controls"], dtype=np.int64).astype(bool)[keep_edge]
        pct = np.array([np.nan if p is None else float(p) for p in cols["percentage"]],
                       dtype=np.float64)[keep_edge]
        holder, held = new_id[holder[keep_edge]], new_id[held[keep_edge]]
        kept_nodes = np.flatnonzero(grouped)
        part_of = np.empty(len(kept_nodes), dtype=np.int64)
        part_of[new_id[kept_nodes]] = new_id[part[kept_nodes]]
        # both directions of every edge but self-loops, by node, neighbour, type, percentage
        edges = np.flatnonzero(holder != held)
        node = np.concatenate([holder[edges], held[edges]])
        other = np.concatenate([held[edges], holder[edges]])
        edge = np.concatenate([edges, edges])
        order = np.lexsort((-np.nan_to_num(pct[edge]), ~controls[edge], other, node))
        node, other, edge = node[order], other[order], edge[order]
        start = np.searchsorted(node, np.arange(len(part_of) + 1)).astype(np.int64)
        return cls(stamp=next(_stamps), enterprises=kept_keys[0], persons=kept_keys[1],
                   part=part_of, start=start, other=other, edge=edge, holder=holder, held=held,
                   controls=controls, percentage=pct,
                   by_part=np.argsort(part_of, kind="stable").astype(np.int64))


def _connected_parts(n: int, a: IntArray, b: IntArray) -> IntArray:
    """Each node's connected part, named by its smallest node: minimum labels spread over the
    edges, with pointer jumping (a few passes: control chains are shallow)."""
    label = np.arange(n, dtype=np.int64)
    while True:
        low = np.minimum(label[a], label[b])
        spread = label.copy()
        np.minimum.at(spread, a, low)
        np.minimum.at(spread, b, low)
        while True:  # pointer jumping: a label's own label until it names itself
            jumped = spread[spread]
            if np.array_equal(jumped, spread):
                break
            spread = jumped
        if np.array_equal(spread, label):
            return label
        label = spread


def read_control_graph(store: GraphStore, _hub: str) -> ControlGraph:
    return ControlGraph.from_columns(
        export_named(store, "group_control_graph", {"floor": CONTROL_FLOOR}))


@dataclass(frozen=True)
class GroupMembers(MemberFacts):
    """The enterprises of one connected part with their chain segments."""

    segments: npt.NDArray[np.int32]
    segment_sets: tuple[frozenset[str], ...]

    @classmethod
    def read(cls, store: GraphStore, usccs: list[str]) -> GroupMembers:
        facts, _, grouped = member_facts(
            export_named(store, "group_members", {"usccs": usccs}),
            export_named(store, "group_member_sets", {"usccs": usccs}), 2)
        segments, segment_sets = set_codes(grouped[1])
        return cls(segments=segments, segment_sets=segment_sets, **facts)


@dataclass(frozen=True)
class GroupSearch:
    """The breadth-first search of :func:`~.peers.corporate_group` over the held graph: for every
    node reached, its parent and the edge from it (the anchor has none), in the order reached."""

    anchor: int
    parent: dict[int, tuple[int, int]]
    truncated: bool


@dataclass(frozen=True)
class GroupBounds:
    """How far a group search goes and what it follows (see :func:`~.peers.corporate_group`)."""

    max_depth: int = 4
    max_members: int = 500
    majority: float = 50.0
    via_persons: bool = True


def search_group(graph: ControlGraph, anchor: int, bounds: GroupBounds) -> GroupSearch:
    """Level by level from the anchor, each level's nodes in order and each node's edges by
    neighbour: the store search, step for step."""
    max_depth, max_members = bounds.max_depth, bounds.max_members
    majority, via_persons = bounds.majority, bounds.via_persons
    first_person = graph.first_person
    start, other, edge = graph.start, graph.other, graph.edge
    controls, pct = graph.controls, graph.percentage

    def edges(node: int) -> list[tuple[int, int]]:
        lo, hi = int(start[node]), int(start[node + 1])
        found = []
        for o, e in zip(other[lo:hi].tolist(), edge[lo:hi].tolist(), strict=True):
            if (o >= first_person and not via_persons) or not (controls[e] or pct[e] > majority):
                continue
            found.append((o, e))
        return found

    parent: dict[int, tuple[int, int]] = {}
    reached = {anchor}
    frontier = [anchor]
    truncated = False
    for depth in range(max_depth + 1):
        if not frontier:
            break
        if depth == max_depth:
            truncated = any(o not in reached for f in frontier for o, _ in edges(f))
            break
        frontier_next: list[int] = []
        for node in sorted(frontier):
            for o, e in edges(node):
                if o in reached:
                    continue
                if len(reached) >= max_members:
                    truncated = True
                    break
                reached.add(o)
                parent[o] = (node, e)
                frontier_next.append(o)
        frontier = frontier_next
    return GroupSearch(anchor, parent, truncated)


@dataclass(frozen=True)
class RankedMember:
    """A group member that passed the filters, with its score's signals."""

    node: int
    uscc: str
    total: float
    path_strength: float
    chain_fit: float
    scale: float
    not_customer: float


def rank_group(graph: ControlGraph, search: GroupSearch, members: GroupMembers,
               filters: EnterpriseFilter, fit: Callable[[frozenset[str]], float],
               w: RankingWeights) -> list[RankedMember]:
    """Every enterprise the search reached that the filters keep, best first, then by USCC; the
    totals are :class:`~.results.Score` totals of the same four parts. ``fit`` gives the chain
    fit of a member's set of chain segments."""
    strength = {search.anchor: 1.0}
    hops = {search.anchor: 0}
    for node, (up, e) in search.parent.items():  # parents are reached before their children
        strength[node] = strength[up] * hop_weight(w, graph.rel_type(e),
                                                   float(graph.percentage[e]), hops[up])
        hops[node] = hops[up] + 1
    nodes = sorted(n for n in search.parent if n < graph.first_person)
    if not nodes or not len(members):
        return []
    usccs = graph.enterprises[nodes]
    at = np.minimum(np.searchsorted(members.keys, usccs), len(members) - 1)
    known = members.keys[at] == usccs  # a member gone since its group was read is left out
    keep = known & enterprise_mask(members, filters)[at]
    if filters.customer is not None:
        keep &= members.customer[at] == filters.customer
    fit_of = [fit(s) for s in members.segment_sets]
    weights = [w.weight(p) for p in ("path_strength", "chain_fit", "scale", "not_customer")]
    ranked = []
    for node, uscc, i, ok in zip(nodes, usccs.tolist(), at.tolist(), keep.tolist(), strict=True):
        if not ok:
            continue
        signals = (strength[node], fit_of[members.segments[i]], float(members.scale[i]),
                   0.0 if members.customer[i] else 1.0)
        total = round(sum(signal(v) * wt for v, wt in zip(signals, weights, strict=True)), 6)
        ranked.append(RankedMember(node, uscc, total, *signals))
    ranked.sort(key=lambda m: (-m.total, m.uscc))
    return ranked


@dataclass(frozen=True)
class GroupPage:
    """A ranked page's members with their paths from the anchor and the facts the store read."""

    members: list[RankedMember]
    nodes: dict[str, GraphNode]
    paths: dict[str, GraphPath]
    segments: dict[str, tuple[str, ...]]
    branches: dict[str, tuple[str, ...]]


def read_page(store: GraphStore, graph: ControlGraph, search: GroupSearch,
              page: Sequence[RankedMember]) -> GroupPage:
    """The page's members, the nodes on their control paths and those paths' relationships, in
    one read, as the store search would have found them."""
    walks: dict[int, list[int]] = {}
    on_path: set[int] = {search.anchor}
    edges: set[int] = set()
    for m in page:
        steps, node = [], m.node
        while node in search.parent:
            up, e = search.parent[node]
            steps.append(e)
            on_path.add(node)
            node = up
        walks[m.node] = steps[::-1]
        edges.update(steps)
    first_person = graph.first_person
    ordered = sorted(on_path)
    enterprise_links, person_links = [], []
    for e in sorted(edges):
        holder, held = int(graph.holder[e]), int(graph.held[e])
        held_key = str(graph.enterprises[held])
        if holder >= first_person:
            person_links.append([str(graph.persons[holder - first_person]), held_key])
        else:
            enterprise_links.append([str(graph.enterprises[holder]), held_key,
                                     graph.rel_type(e)])
    rows = run_named(store, "peers_group_page", {
        "usccs": [str(graph.enterprises[n]) for n in ordered if n < first_person],
        "person_ids": [str(graph.persons[n - first_person]) for n in ordered
                       if n >= first_person],
        "enterprise_links": enterprise_links, "person_links": person_links,
    })
    nodes: dict[str, GraphNode] = {}
    rels: dict[tuple[str, str, str], GraphRelationship] = {}
    segments: dict[str, tuple[str, ...]] = {}
    branches: dict[str, tuple[str, ...]] = {}
    for row in rows:
        found: GraphNode | None = row.get("node")
        if found is not None:
            nodes[found.ref] = found
            segments[found.ref] = str_list(row.get("segments"))
            branches[found.ref] = str_list(row.get("branches"))
            continue
        raw: GraphRelationship = row["rel"]
        rel = GraphRelationship(raw.type, str(row["holder"]), str(row["held"]),
                                dict(raw.properties))
        rels[(rel.type, rel.start, rel.end)] = rel
    paths = {}
    for m in page:
        ref = graph.ref(m.node)
        refs = [graph.ref(search.anchor)]
        hops = []
        for e in walks[m.node]:
            start, end = graph.ref(int(graph.holder[e])), graph.ref(int(graph.held[e]))
            hops.append(rels.get((graph.rel_type(e), start, end)))
            refs.append(end if refs[-1] == start else start)
        if all(r in nodes for r in refs) and all(h is not None for h in hops):
            paths[ref] = GraphPath(tuple(nodes[r] for r in refs),
                                   tuple(h for h in hops if h is not None))
    return GroupPage(list(page), nodes, paths, segments, branches)


def held_group(index: MemberIndex, uscc: str) -> tuple[ControlGraph, int, GroupMembers] | None:
    """The held control graph, the anchor's node in it and its group's member facts; None when
    the anchor controls nothing and nothing controls it (no group peers)."""
    graph: ControlGraph = index.held(GRAPH_KIND, "", read_control_graph,
                                     index.control_max_age_s)
    node = graph.node(uscc)
    if node is None:
        return None
    part = int(graph.part[node])
    members: GroupMembers = index.held(
        GROUP_KIND, f"{graph.stamp}:{part}",
        lambda store, _hub: GroupMembers.read(store, graph.part_enterprises(part)))
    return graph, node, members
