"""Ownership penetration (股权穿透): integrated shares, ultimate owners and controllers, groups.

The bounded ownership subgraph around an enterprise is fetched level by level with two fixed one-hop
queries (``ownership_holders`` upward, ``ownership_holdings`` downward; ``HOLDS_SHARES`` and
``CONTROLS``), and everything else is computed here in Python, cycle-safe:

* **Integrated share — simple-path method.** The share of owner O in enterprise X is the sum over
  every *simple* ownership path O → … → X (no node twice) of the product of the holdings'
  percentages along it. Circular holdings (A holds B, B holds A) therefore never inflate a share and
  the enumeration always ends; each path is returned with its own product. (The matrix method
  ``(I − W)⁻¹`` would also count the walks that go round a cycle; it is not used.) Paths are
  enumerated depth-first up to ``max_depth`` hops and at most ``max_paths`` paths; a holding without
  a percentage makes that path's share unknown (``None``) and the stake ``complete=False``.
* **Top owners.** The holders nobody in the fetched subgraph holds: natural persons, enterprises
  without registered shareholders, and closed cross-holding cycles (source components of the
  networkx condensation — every member of such a cycle is a top owner).
* **Control.** C controls T when ``C -[:CONTROLS]-> T``, or when C together with the entities it
  already controls holds more than ``control_threshold`` % (default 50) of T — applied until
  nothing changes (a fixpoint, so it too ends on cycles). The *ultimate controller* of X is the
  controller of X that no one outside its own mutual-control cycle controls (lowest ref on a tie);
  the *corporate group* of X is everything its ultimate controller controls (X's own if none).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphStore

from .paths import build_path, fetch_nodes, ref, relationship, split_ref
from .runner import run_named

HOLDS = "HOLDS_SHARES"
CONTROLS = "CONTROLS"
DEFAULT_MAX_DEPTH = 6
DEFAULT_MAX_PATHS = 10_000
DEFAULT_MAX_NODES = 20_000
_BATCH = 5000


# -- the math, on plain edges -----------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """One ownership edge between node refs: a shareholding (with its %) or a control link."""

    holder: str
    held: str
    type: str  # HOLDS_SHARES or CONTROLS
    percentage: float | None = None
    props: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ChainPath:
    """A simple ownership path in walk order from the owner down to the held enterprise."""

    nodes: tuple[str, ...]
    edges: tuple[Holding, ...]
    fraction: float | None  # product of the shares 0..1; None if a holding has no percentage


class OwnershipIndex:
    """Edges indexed both ways, in a stable order (so results do not depend on the store)."""

    def __init__(self, edges: Iterable[Holding]) -> None:
        unique = {(e.holder, e.held, e.type): e for e in edges}
        self.edges = [unique[k] for k in sorted(unique)]
        self.out: dict[str, list[Holding]] = defaultdict(list)
        self.into: dict[str, list[Holding]] = defaultdict(list)
        for e in self.edges:
            self.out[e.holder].append(e)
            self.into[e.held].append(e)

    @property
    def nodes(self) -> list[str]:
        return sorted({e.holder for e in self.edges} | {e.held for e in self.edges})

    def share_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((e.holder, e.held) for e in self.edges if e.type == HOLDS)
        return graph


def integrated_paths(
    index: OwnershipIndex,
    start: str,
    *,
    upward: bool,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_paths: int = DEFAULT_MAX_PATHS,
) -> tuple[dict[str, list[ChainPath]], bool]:
    """Every simple shareholding path from ``start`` (up to its owners or down to its holdings).

    Returns the paths by the node at their far end, and whether ``max_paths`` cut the enumeration.
    """
    found: dict[str, list[ChainPath]] = defaultdict(list)
    count = 0
    truncated = False
    # Depth-first over (node, nodes so far, edges so far, fraction so far).
    stack: list[tuple[str, tuple[str, ...], tuple[Holding, ...], float | None]] = [
        (start, (start,), (), 1.0)]
    while stack:
        node, seen, via, fraction = stack.pop()
        if len(via) >= max_depth:
            continue
        edges = index.into[node] if upward else index.out[node]
        for edge in reversed(edges):  # reversed: the stack pops them in stable order
            if edge.type != HOLDS:
                continue
            nxt = edge.holder if upward else edge.held
            if nxt in seen:
                continue  # a cycle: simple paths only
            share = None if edge.percentage is None or fraction is None else (
                fraction * max(0.0, min(edge.percentage, 100.0)) / 100.0)
            path_edges = (*via, edge)
            path_nodes = (*seen, nxt)
            if upward:  # walk order is always owner first
                path = ChainPath(path_nodes[::-1], path_edges[::-1], share)
            else:
                path = ChainPath(path_nodes, path_edges, share)
            found[nxt].append(path)
            count += 1
            if count >= max_paths:
                return dict(found), True
            stack.append((nxt, path_nodes, path_edges, share))
    return dict(found), truncated


def total_fraction(paths: Iterable[ChainPath]) -> float:
    """Sum of the known path shares (0..1)."""
    return sum(p.fraction for p in paths if p.fraction is not None)


def top_owners(index: OwnershipIndex) -> set[str]:
    """Holders no one in the subgraph holds; members of closed cross-holding cycles included."""
    graph = index.share_graph()
    condensed = nx.condensation(graph)
    tops: set[str] = set()
    for component in condensed.nodes:
        if condensed.in_degree(component) == 0:
            members = condensed.nodes[component]["members"]
            if len(members) > 1 or graph.out_degree(next(iter(members))) > 0:
                tops.update(members)
    return tops


def cycles(index: OwnershipIndex) -> list[tuple[str, ...]]:
    """Cross-holding cycles (strongly connected groups of two or more, or self-holdings)."""
    graph = index.share_graph()
    out = []
    for component in nx.strongly_connected_components(graph):
        members = sorted(component)
        if len(members) > 1 or graph.has_edge(members[0], members[0]):
            out.append(tuple(members))
    return sorted(out)


def control_set(index: OwnershipIndex, controller: str, *, threshold: float = 50.0
                ) -> dict[str, Holding | None]:
    """Everything ``controller`` controls (itself included), each with the edge that explains it:
    a CONTROLS link, or the largest holding by a controlled entity once the controlled entities
    together hold more than ``threshold`` %. A fixpoint, so cross-holdings are safe."""
    controlled: dict[str, Holding | None] = {controller: None}
    held: dict[str, float] = defaultdict(float)
    largest: dict[str, Holding] = {}
    queue = deque([controller])
    while queue:
        member = queue.popleft()
        for edge in index.out[member]:
            target = edge.held
            if target in controlled:
                continue
            if edge.type == CONTROLS:
                controlled[target] = edge
                queue.append(target)
                continue
            if edge.percentage is None:
                continue
            held[target] += edge.percentage
            best = largest.get(target)
            if best is None or (edge.percentage or 0.0) > (best.percentage or 0.0):
                largest[target] = edge
            if held[target] > threshold:
                controlled[target] = largest[target]
                queue.append(target)
    return controlled


def control_chain(controlled: Mapping[str, Holding | None], node: str) -> list[Holding]:
    """The explaining edges from the controller down to ``node``."""
    chain: list[Holding] = []
    edge = controlled[node]
    while edge is not None:
        chain.append(edge)
        edge = controlled[edge.holder]
    return chain[::-1]


def ultimate_controllers(index: OwnershipIndex, targets: Iterable[str], *,
                         threshold: float = 50.0) -> dict[str, str | None]:
    """For each target, its ultimate controller (None when no one controls it)."""
    memo: dict[str, dict[str, Holding | None]] = {}

    def ctrl(node: str) -> dict[str, Holding | None]:
        if node not in memo:
            memo[node] = control_set(index, node, threshold=threshold)
        return memo[node]

    def ancestors(node: str) -> list[str]:
        seen = {node}
        queue = deque([node])
        while queue:
            for edge in index.into[queue.popleft()]:
                if edge.holder not in seen:
                    seen.add(edge.holder)
                    queue.append(edge.holder)
        seen.discard(node)
        return sorted(seen)

    def controllers(node: str) -> list[str]:
        return [a for a in ancestors(node) if node in ctrl(a)]

    out: dict[str, str | None] = {}
    for target in targets:
        above = controllers(target)
        tops = [c for c in above if all(d in ctrl(c) for d in controllers(c))]
        picked = tops or above
        out[target] = picked[0] if picked else None
    return out


# -- fetching the bounded subgraph ------------------------------------------------------------


def _holding(row: Mapping[str, Any]) -> Holding:
    props = {k: v for k, v in (row["props"] or {}).items() if not k.startswith("_")}
    pct = props.get("percentage")
    holder = ref(str(row["holder_label"]), str(row["holder"]))
    return Holding(holder, ref("Enterprise", str(row["held"])), str(row["type"]),
                   float(pct) if isinstance(pct, int | float) else None, props)


def _step(store: GraphStore, frontier: Sequence[str], upward: bool) -> list[Holding]:
    out: list[Holding] = []
    for start in range(0, len(frontier), _BATCH):
        chunk = frontier[start:start + _BATCH]
        usccs = [split_ref(r)[1] for r in chunk if split_ref(r)[0] == "Enterprise"]
        if upward:
            rows = run_named(store, "ownership_holders", {"usccs": usccs})
        else:
            persons = [split_ref(r)[1] for r in chunk if split_ref(r)[0] == "Person"]
            rows = run_named(store, "ownership_holdings", {"usccs": usccs, "person_ids": persons})
        out += [_holding(row) for row in rows]
    return out


def fetch_subgraph(store: GraphStore, seeds: Iterable[str], *, upward: bool,
                   max_depth: int = DEFAULT_MAX_DEPTH, max_nodes: int = DEFAULT_MAX_NODES
                   ) -> tuple[OwnershipIndex, bool]:
    """Breadth-first ownership neighbourhood of ``seeds`` (node refs), one query per level.

    Returns the index and whether the bound (depth or node count) left edges unfetched.
    """
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    visited = set(seeds)
    frontier = sorted(visited)
    edges: list[Holding] = []
    for _depth in range(max_depth):
        if not frontier:
            break
        step = _step(store, frontier, upward)
        edges += step
        nxt = sorted({(e.holder if upward else e.held) for e in step} - visited)
        visited.update(nxt)
        frontier = [n for n in nxt if split_ref(n)[0] == "Enterprise" or not upward]
        if len(visited) > max_nodes:
            return OwnershipIndex(edges), True
    truncated = bool(frontier) and any(
        (e.holder if upward else e.held) not in visited for e in _step(store, frontier, upward))
    return OwnershipIndex(edges), truncated


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnershipPath:
    path: GraphPath  # owner first
    percentage: float | None  # integrated along this path, in %


@dataclass(frozen=True)
class OwnershipStake:
    owner: GraphNode
    held: GraphNode
    percentage: float  # integrated: sum over the paths with a known share, in %
    paths: tuple[OwnershipPath, ...]
    complete: bool  # False when some path has a holding without a percentage
    min_hops: int


@dataclass(frozen=True)
class OwnershipReport:
    subject: GraphNode
    direction: Literal["up", "down"]
    stakes: tuple[OwnershipStake, ...]  # integrated % desc, then ref
    cycles: tuple[tuple[str, ...], ...]
    truncated: bool  # depth, node or path bound reached: shares may be incomplete


@dataclass(frozen=True)
class Control:
    controller: GraphNode
    controlled: GraphNode
    path: GraphPath  # the control chain, controller first
    percentage: float  # controller's integrated share, in %


@dataclass(frozen=True)
class CorporateGroup:
    group_id: str  # ref of the ultimate controller (the enterprise itself when none)
    controller: GraphNode
    members: tuple[Control, ...]  # controlled enterprises, controller's own entry excluded
    truncated: bool


# -- public API -------------------------------------------------------------------------------


def shareholders(
    store: GraphStore,
    uscc: str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    min_percentage: float = 0.0,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> OwnershipReport:
    """Who owns the enterprise, directly and indirectly, with integrated shares and paths."""
    subject = ref("Enterprise", uscc)
    index, truncated = fetch_subgraph(store, [subject], upward=True, max_depth=max_depth,
                                      max_nodes=max_nodes)
    return _report(store, index, subject, "up", max_depth, max_paths, truncated,
                   lambda owner: True, min_percentage)


def holdings(
    store: GraphStore,
    owner: str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    min_percentage: float = 0.0,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> OwnershipReport:
    """What an enterprise (uscc or ``Enterprise:uscc``) or person (``Person:id``) owns."""
    subject = owner if ":" in owner else ref("Enterprise", owner)
    if split_ref(subject)[0] not in ("Enterprise", "Person"):
        raise ValueError("an owner is an Enterprise or a Person")
    index, truncated = fetch_subgraph(store, [subject], upward=False, max_depth=max_depth,
                                      max_nodes=max_nodes)
    return _report(store, index, subject, "down", max_depth, max_paths, truncated,
                   lambda held: True, min_percentage)


def ultimate_owners(
    store: GraphStore,
    uscc: str,
    *,
    threshold: float = 25.0,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> OwnershipReport:
    """Top owners (natural persons, enterprises without shareholders, closed cross-holding
    cycles) whose integrated share is at least ``threshold`` % (25: beneficial owners)."""
    subject = ref("Enterprise", uscc)
    index, truncated = fetch_subgraph(store, [subject], upward=True, max_depth=max_depth,
                                      max_nodes=max_nodes)
    tops = top_owners(index)
    return _report(store, index, subject, "up", max_depth, max_paths, truncated,
                   lambda owner: owner in tops, threshold)


def ultimate_controller(
    store: GraphStore,
    uscc: str,
    *,
    control_threshold: float = 50.0,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Control | None:
    """The enterprise's ultimate controller with the control chain, or None if no one controls it."""
    subject = ref("Enterprise", uscc)
    index, _ = fetch_subgraph(store, [subject], upward=True, max_depth=max_depth,
                              max_nodes=max_nodes)
    controller = ultimate_controllers(index, [subject], threshold=control_threshold)[subject]
    if controller is None:
        return None
    controlled = control_set(index, controller, threshold=control_threshold)
    return _controls(store, index, controller, controlled, [subject], max_depth)[0]


def corporate_group(
    store: GraphStore,
    uscc: str,
    *,
    control_threshold: float = 50.0,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> CorporateGroup:
    """All enterprises controlled by the enterprise's ultimate controller, with control chains."""
    subject = ref("Enterprise", uscc)
    up, up_truncated = fetch_subgraph(store, [subject], upward=True, max_depth=max_depth,
                                      max_nodes=max_nodes)
    controller = ultimate_controllers(up, [subject], threshold=control_threshold)[subject]
    top = controller or subject
    down, down_truncated = fetch_subgraph(store, [top], upward=False, max_depth=max_depth,
                                          max_nodes=max_nodes)
    controlled = control_set(down, top, threshold=control_threshold)
    members = sorted(n for n in controlled if n != top and split_ref(n)[0] == "Enterprise")
    controls = _controls(store, down, top, controlled, members, max_depth)
    nodes = fetch_nodes(store, [top])
    return CorporateGroup(top, _node(nodes, top), tuple(controls), up_truncated or down_truncated)


def group_ids(
    store: GraphStore,
    usccs: Iterable[str],
    *,
    control_threshold: float = 50.0,
    max_depth: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> dict[str, str]:
    """Corporate-group id (ultimate controller's ref, else the enterprise's own) of many
    enterprises at once: one upward walk shared by all of them."""
    seeds = {u: ref("Enterprise", u) for u in usccs}
    index, _ = fetch_subgraph(store, seeds.values(), upward=True, max_depth=max_depth,
                              max_nodes=max_nodes)
    found = ultimate_controllers(index, seeds.values(), threshold=control_threshold)
    return {u: found[r] or r for u, r in seeds.items()}


# -- helpers ----------------------------------------------------------------------------------


def _node(nodes: Mapping[str, GraphNode], node_ref: str) -> GraphNode:
    return nodes.get(node_ref) or GraphNode(node_ref, (split_ref(node_ref)[0],), {})


def _graph_path(chain: ChainPath, nodes: Mapping[str, GraphNode]) -> GraphPath:
    rels = [relationship(e.type, e.holder, e.held, e.props) for e in chain.edges]
    return build_path(chain.nodes, rels, nodes)


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100.0, 6)


def _report(store: GraphStore, index: OwnershipIndex, subject: str,
            direction: Literal["up", "down"], max_depth: int, max_paths: int, truncated: bool,
            keep: Callable[[str], bool], min_percentage: float) -> OwnershipReport:
    found, cut = integrated_paths(index, subject, upward=direction == "up", max_depth=max_depth,
                                  max_paths=max_paths)
    chosen = {}
    for other, paths in found.items():
        pct = _percent(total_fraction(paths)) or 0.0
        if keep(other) and pct >= min_percentage:
            chosen[other] = (pct, paths)
    nodes = fetch_nodes(store, [subject, *(n for _, ps in chosen.values() for p in ps
                                            for n in p.nodes)])
    stakes = []
    for other, (pct, paths) in chosen.items():
        ordered = sorted(paths, key=lambda p: (-(p.fraction or -1.0), len(p.edges), p.nodes))
        owner, held = (other, subject) if direction == "up" else (subject, other)
        stakes.append(OwnershipStake(
            _node(nodes, owner), _node(nodes, held), pct,
            tuple(OwnershipPath(_graph_path(p, nodes), _percent(p.fraction)) for p in ordered),
            all(p.fraction is not None for p in paths), min(len(p.edges) for p in paths),
        ))
    stakes.sort(key=lambda s: (-s.percentage, s.owner.ref if direction == "up" else s.held.ref))
    return OwnershipReport(_node(nodes, subject), direction, tuple(stakes),
                           tuple(cycles(index)), truncated or cut)


def _controls(store: GraphStore, index: OwnershipIndex, controller: str,
              controlled: Mapping[str, Holding | None], targets: Sequence[str], max_depth: int
              ) -> list[Control]:
    found, _ = integrated_paths(index, controller, upward=False, max_depth=max_depth)
    chains = {t: control_chain(controlled, t) for t in targets}
    refs = {controller, *targets, *(e.holder for c in chains.values() for e in c)}
    nodes = fetch_nodes(store, refs)
    out = []
    for target in targets:
        chain = chains[target]
        walk = (controller, *(e.held for e in chain))
        path = build_path(walk, [relationship(e.type, e.holder, e.held, e.props) for e in chain],
                          nodes)
        pct = _percent(total_fraction(found.get(target, []))) or 0.0
        out.append(Control(_node(nodes, controller), _node(nodes, target), path, pct))
    return out
