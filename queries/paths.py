"""Paths found step by step (one hop per query), turned into store-neutral :class:`GraphPath`.

The multi-hop modules (expansion, ownership, introductions) walk the graph level by level with fixed
one-hop queries and keep only keys and relationship properties while they search. Only the paths
they finally return are drawn: their nodes are fetched in one ``path_nodes`` query and the path is
assembled here, so the result equals what a store would return for the same path. The paged
market queries (peers, the association strategy) return the one-hop parts of each row's path for
the same reason and have it assembled here too (:func:`via_hub`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship, GraphStore

from .runner import run_named

#: Labels a drawn path may hold, and the ``path_nodes`` parameter listing their keys.
_NODE_PARAMS = {
    "Enterprise": "enterprises",
    "Person": "persons",
    "Park": "parks",
    "Association": "associations",
    "Branch": "branches",
}

_BATCH = 5000


def ref(label: str, key: str) -> str:
    return f"{label}:{key}"


def split_ref(node_ref: str) -> tuple[str, str]:
    label, _, key = node_ref.partition(":")
    return label, key


def relationship(type_: str, start: str, end: str, props: Mapping[str, Any] | None
                 ) -> GraphRelationship:
    """A relationship between two node refs; loader bookkeeping (``_hash`` …) is dropped."""
    clean = {k: v for k, v in (props or {}).items() if not k.startswith("_")}
    return GraphRelationship(type_, start, end, clean)


def fetch_nodes(store: GraphStore, refs: Iterable[str]) -> dict[str, GraphNode]:
    """Nodes by ``Label:key``; refs of other labels or missing nodes are simply absent."""
    wanted: dict[str, list[str]] = {param: [] for param in _NODE_PARAMS.values()}
    for node_ref in sorted(set(refs)):
        label, key = split_ref(node_ref)
        param = _NODE_PARAMS.get(label)
        if param is not None:
            wanted[param].append(key)
    found: dict[str, GraphNode] = {}
    longest = max((len(v) for v in wanted.values()), default=0)
    for start in range(0, longest, _BATCH):
        params = {name: keys[start:start + _BATCH] for name, keys in wanted.items()}
        for row in run_named(store, "path_nodes", params):
            node: GraphNode = row["n"]
            found[node.ref] = node
    return found


def build_path(node_refs: Sequence[str], rels: Sequence[GraphRelationship],
               nodes: Mapping[str, GraphNode]) -> GraphPath:
    """A path from its node refs in walk order and its relationships (each in its own direction)."""
    if len(node_refs) != len(rels) + 1:
        raise ValueError("a path has one node more than relationships")
    return GraphPath(
        tuple(nodes.get(r) or GraphNode(r, (split_ref(r)[0],), {}) for r in node_refs),
        tuple(rels),
    )


def hop(rel: GraphRelationship, start: GraphNode, end: GraphNode) -> GraphRelationship:
    """``rel`` between two nodes a query returned apart from it: a relationship returned on its
    own carries no node keys (FalkorDB names its ends by internal id), so they are set here."""
    return GraphRelationship(rel.type, start.ref, end.ref, rel.properties)


def via_hub(anchor: GraphNode, anchor_hops: Sequence[Sequence[Any]] | None, peer: GraphNode | None,
            peer_hops: Sequence[GraphRelationship] | None) -> list[GraphPath]:
    """Paths anchor -[r]-> hub <-[s]- peer from one-hop parts: ``anchor_hops`` holds the anchor's
    ``[relationship, hub]`` pairs to the chosen hub, ``peer_hops`` the peer's relationships to it.

    Why not a path pattern: with both ends bound, FalkorDB expands the hub's every member to find
    the peer (≈ 16 ms for a page of 20 in a park of 8,800 enterprises); two one-hop lookups
    cost well under 1 ms and give the same path."""
    if peer is None:
        return []
    return [GraphPath((anchor, hub, peer), (hop(rel, anchor, hub), hop(peer_rel, peer, hub)))
            for rel, hub in anchor_hops or () for peer_rel in peer_hops or ()]
