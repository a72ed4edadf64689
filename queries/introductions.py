"""Warm introductions: the shortest explainable paths from existing bank customers to a prospect.

FalkorDB has no undirected ``shortestPath``, and an unbounded search is what we do not want anyway.
So the search is a breadth-first walk from the prospect over the chosen *channels* (ownership,
shared officers, supply chain, park, association — each a fixed set of relationship types from the
model's allow-list), one ``intro_neighbours`` query per level, at most ``max_hops`` relationships
deep (a park or shared person counts two: enterprise → park → enterprise). Newly reached enterprises
are checked for ``CUSTOMER_OF`` after each level and the walk stops at the first level where ``k``
customers are known, so every returned path is a shortest one for its customer.

All shortest paths to a customer are recovered from the BFS parents; the best
``paths_per_customer`` of them (``ranking.path_strength``) are kept, and the introductions are ranked
by hops, then strength, then customer uscc. Hubs are bounded: each node contributes at most
``max_fanout`` neighbours (lowest keys first) and each level at most ``max_frontier`` nodes; when a
bound bites the result says ``truncated``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship, GraphStore

from .paths import build_path, fetch_nodes, ref, relationship, split_ref
from .ranking import RankingWeights, load_weights, relationships_strength
from .runner import run_named


def _channels(channels: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    model = graph_model()
    return {name: tuple(model.check_rel_type(t) for t in types) for name, types in channels.items()}


#: Allow-list of introduction channels and the relationship types each follows.
CHANNELS: Mapping[str, tuple[str, ...]] = _channels({
    "ownership": ("HOLDS_SHARES", "CONTROLS", "INVESTS_IN"),
    "officer": ("OFFICER_OF",),
    "supply_chain": ("SUPPLIES",),
    "park": ("LOCATED_IN",),
    "association": ("MEMBER_OF",),
})
DEFAULT_CHANNELS: tuple[str, ...] = tuple(CHANNELS)
MAX_HOPS = 4

_PARAMS = {"Enterprise": "usccs", "Person": "person_ids", "Park": "park_ids",
           "Association": "association_ids"}
_BATCH = 2000


@dataclass(frozen=True)
class CustomerLink:
    """How the bank serves an introducing customer."""

    branch_id: str
    branch_name: str | None
    manager_id: str | None
    since: str | None


@dataclass(frozen=True)
class Introduction:
    customer: GraphNode
    links: tuple[CustomerLink, ...]  # by branch_id
    path: GraphPath  # customer first, prospect last
    hops: int
    strength: float
    channels: tuple[str, ...]  # channel of each relationship, customer side first


@dataclass(frozen=True)
class IntroductionResult:
    prospect: GraphNode
    introductions: tuple[Introduction, ...]  # hops asc, strength desc, customer uscc
    prospect_is_customer: bool
    truncated: bool


def channel_types(channels: Sequence[str]) -> tuple[str, ...]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown channel(s) {unknown}; known: {', '.join(CHANNELS)}")
    if not channels:
        raise ValueError("choose at least one channel")
    return tuple(dict.fromkeys(t for c in channels for t in CHANNELS[c]))


def warm_introductions(
    store: GraphStore,
    uscc: str,
    *,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    max_hops: int = 4,
    k: int = 5,
    paths_per_customer: int = 1,
    max_fanout: int = 500,
    max_frontier: int = 5000,
    weights: RankingWeights | None = None,
) -> IntroductionResult:
    """Top ``k`` introductions to the prospect ``uscc`` from existing customers."""
    types = list(channel_types(channels))
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be 1..{MAX_HOPS}")
    if k < 1 or paths_per_customer < 1 or max_fanout < 1 or max_frontier < 1:
        raise ValueError("k, paths_per_customer, max_fanout and max_frontier must be positive")
    weights = weights or load_weights()
    source = ref("Enterprise", uscc)

    dist: dict[str, int] = {source: 0}
    parents: dict[str, dict[tuple[str, str, str, str], GraphRelationship]] = {}
    customers: dict[str, list[CustomerLink]] = {}
    truncated = False
    frontier = [source]
    own_links = _customer_links(store, [uscc]).get(uscc, [])
    for depth in range(1, max_hops + 1):
        if not frontier:
            break
        reached: set[str] = set()
        for row in _neighbours(store, frontier, types, max_fanout):
            here = ref(str(row["label"]), str(row["key"]))
            there = ref(str(row["m_label"]), str(row["m_key"]))
            if there not in dist:
                dist[there] = depth
                reached.add(there)
            if dist[there] != depth:
                continue
            start, end = (here, there) if row["outgoing"] else (there, here)
            rel = relationship(str(row["type"]), start, end, row["props"])
            edge_key = (here, rel.type, rel.start, rel.end)
            edges = parents.setdefault(there, {})
            # parallel relationships (two officer roles): keep one, the same on every store
            if edge_key not in edges or _props_key(rel) < _props_key(edges[edge_key]):
                edges[edge_key] = rel
        enterprises = sorted(split_ref(r)[1] for r in reached if split_ref(r)[0] == "Enterprise")
        for found, links in _customer_links(store, enterprises).items():
            customers[ref("Enterprise", found)] = links
        if len(customers) >= k:
            break
        frontier = sorted(reached)
        if len(frontier) > max_frontier:
            frontier, truncated = frontier[:max_frontier], True

    candidates: list[tuple[int, float, str, tuple[str, ...], tuple[GraphRelationship, ...]]] = []
    for customer in sorted(customers):
        paths = _shortest_paths(customer, source, parents)
        scored = sorted(((relationships_strength(rels, weights), walk, rels) for walk, rels in paths),
                        key=lambda t: (-t[0], t[1]))
        for strength, walk, rels in scored[:paths_per_customer]:
            candidates.append((len(rels), strength, customer, walk, rels))
    candidates.sort(key=lambda c: (c[0], -c[1], c[2], c[3]))
    chosen = candidates[:k]

    nodes = fetch_nodes(store, [source, *(n for c in chosen for n in c[3])])
    by_type = {t: name for name in reversed(channels) for t in CHANNELS[name]}
    intros = tuple(
        Introduction(
            customer=_node(nodes, customer),
            links=tuple(customers[customer]),
            path=build_path(walk, rels, nodes),
            hops=hops,
            strength=round(strength, 6),
            channels=tuple(by_type[r.type] for r in rels),
        )
        for hops, strength, customer, walk, rels in chosen
    )
    return IntroductionResult(_node(nodes, source), intros, bool(own_links), truncated)


def _node(nodes: Mapping[str, GraphNode], node_ref: str) -> GraphNode:
    return nodes.get(node_ref) or GraphNode(node_ref, (split_ref(node_ref)[0],), {})


def _props_key(rel: GraphRelationship) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in rel.properties.items()))


def _shortest_paths(
    customer: str,
    source: str,
    parents: Mapping[str, Mapping[tuple[str, str, str, str], GraphRelationship]],
    limit: int = 200,
) -> list[tuple[tuple[str, ...], tuple[GraphRelationship, ...]]]:
    """Shortest paths from the customer back to the source along BFS parents (at most ``limit``,
    in a stable order)."""
    out: list[tuple[tuple[str, ...], tuple[GraphRelationship, ...]]] = []
    stack: list[tuple[tuple[str, ...], tuple[GraphRelationship, ...]]] = [((customer,), ())]
    while stack and len(out) < limit:
        walk, rels = stack.pop()
        node = walk[-1]
        if node == source:
            out.append((walk, rels))
            continue
        for key in sorted(parents.get(node, {}), reverse=True):
            parent = key[0]
            stack.append(((*walk, parent), (*rels, parents[node][key])))
    return out


def _neighbours(store: GraphStore, frontier: Sequence[str], types: list[str], max_fanout: int
                ) -> list[dict[str, Any]]:
    by_label: dict[str, list[str]] = {param: [] for param in _PARAMS.values()}
    for node_ref in frontier:
        label, key = split_ref(node_ref)
        if label in _PARAMS:
            by_label[_PARAMS[label]].append(key)
    rows: list[dict[str, Any]] = []
    longest = max(len(v) for v in by_label.values())
    for start in range(0, longest, _BATCH):
        params: dict[str, Any] = {p: keys[start:start + _BATCH] for p, keys in by_label.items()}
        params.update(types=types, max_fanout=max_fanout)
        rows += run_named(store, "intro_neighbours", params)
    return rows


def _customer_links(store: GraphStore, usccs: Sequence[str]) -> dict[str, list[CustomerLink]]:
    links: dict[str, list[CustomerLink]] = {}
    for start in range(0, len(usccs), _BATCH * 5):
        chunk = list(usccs[start:start + _BATCH * 5])
        for row in run_named(store, "intro_customers", {"usccs": chunk}):
            links.setdefault(str(row["uscc"]), []).append(CustomerLink(
                str(row["branch_id"]), _opt(row["branch_name"]), _opt(row["manager_id"]),
                _opt(row["since"])))
    return {k: sorted(v, key=lambda c: c.branch_id) for k, v in links.items()}


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
