"""Peers ("who else?"): enterprises that share a park, a chain segment, an association or a
corporate group with an anchor enterprise, filtered, ranked, paged, each with the path that links it.

Ranking (score parts, weights from ranking.yaml):

* ``chain_fit`` 1 when the peer shares one of the anchor's chain segments, 0.5 when it sits in a
  segment directly up- or downstream of one (``UPSTREAM_OF`` either way), else 0;
* ``scale`` ``log10(1 + registered capital in 万元) / 5``, capped at 1;
* ``not_customer`` 1 when the peer is not yet a bank customer;
* group peers only: ``path_strength`` of the control path from the anchor (relation weights,
  shareholdings scaled by their percentage, decayed per hop).

Ties go to the lower USCC. Park, segment and association peers are ranked and paged by the store (a
park or segment may hold tens of thousands), or, given a member index (queries/peer_index.py, as the
API does), ranked in process, with only the page's rows read (only those the index does not
hold). The corporate group is found by a bounded breadth-first search
over control edges (``CONTROLS``, majority ``HOLDS_SHARES``, optionally through persons who hold
majorities), one query per level, then ranked here; with a member index the same search walks
its copy of the control graph (queries/group_index.py) and only the page is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship, GraphStore, Row

from .group_index import CONTROL_FLOOR, GroupBounds, held_group, rank_group, read_page, search_group
from .market import (
    NO_FILTER,
    EnterpriseFilter,
    NotFound,
    RankedRows,
    as_float,
    check_page,
    customer_why,
    peer_fit_why,
    ranked_page,
    scale_why,
    str_list,
    weight_map,
    weights_or_default,
)
from .paths import hop, via_hub
from .peer_index import MemberIndex, rank_members
from .ranking import RankingWeights, path_strength, score
from .results import Page, Prospect, paginate, rank
from .runner import run_named


class PeerKind(StrEnum):
    PARK = "park"
    SEGMENT = "segment"
    ASSOCIATION = "association"
    GROUP = "group"


_PAGED_QUERIES = {
    PeerKind.PARK: "peers_park",
    PeerKind.SEGMENT: "peers_segment",
    PeerKind.ASSOCIATION: "peers_association",
}
_PARTS = ("chain_fit", "scale", "not_customer")
_TYPE_ORDER = {"CONTROLS": 0, "HOLDS_SHARES": 1}


@dataclass(frozen=True)
class PeerAnchor:
    """The anchor's chain segments (``own``) and the segments next to them (``adjacent``: pairs
    of an own segment and a segment up- or downstream of it)."""

    uscc: str
    own: tuple[str, ...]
    adjacent: tuple[tuple[str, str], ...]
    parks: tuple[str, ...] = ()
    associations: tuple[str, ...] = ()

    @property
    def near(self) -> tuple[str, ...]:
        """Neighbour segments that are not the anchor's own, sorted."""
        return tuple(sorted({n for _, n in self.adjacent} - set(self.own)))

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Target segments of a segment-peer search: (own, own) and (own, neighbour) pairs."""
        same = [(s, s) for s in self.own]
        return tuple(same + [(s, n) for s, n in self.adjacent if n not in self.own])

    def hubs(self, kind: PeerKind) -> tuple[str, ...]:
        """The parks, target segments or associations whose members a peer search ranks."""
        if kind is PeerKind.PARK:
            return self.parks
        if kind is PeerKind.ASSOCIATION:
            return self.associations
        return tuple(sorted({target for _, target in self.pairs}))

    def chain_fit(self, kind: PeerKind) -> Callable[[frozenset[str]], float]:
        """A member's chain fit from its chain segments, as the peers queries score it: every
        segment peer sits in a target segment, so it is 1 in an own segment and 0.5 otherwise."""
        own, near = frozenset(self.own), frozenset(self.near)
        if kind is PeerKind.SEGMENT:
            return lambda segs: 1.0 if segs & own else 0.5
        return lambda segs: 1.0 if segs & own else 0.5 if segs & near else 0.0


def peer_anchor(store: GraphStore, uscc: str) -> PeerAnchor:
    """The anchor's segments; raises :class:`NotFound` when the enterprise is not in the graph."""
    rows = run_named(store, "peer_anchor", {"uscc": uscc})
    if not rows:
        raise NotFound("Enterprise", uscc)
    own = str_list(rows[0]["own"])
    adjacent = sorted({(str(p[0]), str(p[1])) for p in rows[0]["adjacent"] or ()})
    return PeerAnchor(uscc, own, tuple(adjacent), str_list(rows[0].get("parks")),
                      str_list(rows[0].get("associations")))


@dataclass(frozen=True)
class CorporateGroup:
    """The anchor's corporate group as far as the bounded search reached.

    ``paths`` holds, for every member reached (enterprises and, when persons are followed, the
    persons that hold majorities), the shortest control path from the anchor, ties broken by node
    ref and by CONTROLS before HOLDS_SHARES. ``truncated`` is true when the search stopped at
    ``max_depth`` or ``max_members`` with more of the group left.
    """

    anchor: str
    nodes: dict[str, GraphNode]
    paths: dict[str, GraphPath]
    truncated: bool

    @property
    def enterprises(self) -> list[str]:
        """USCCs of the member enterprises other than the anchor, sorted."""
        return sorted(ref.split(":", 1)[1] for ref in self.paths
                      if ref.startswith("Enterprise:") and ref != self.anchor)


def peers(
    store: GraphStore,
    uscc: str,
    kind: PeerKind | str = PeerKind.PARK,
    *,
    filters: EnterpriseFilter = NO_FILTER,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights | None = None,
    max_depth: int = 4,
    max_members: int = 500,
    majority: float = 50.0,
    via_persons: bool = True,
    index: MemberIndex | None = None,
) -> Page[Prospect]:
    """One page of the anchor's peers of one kind, best first, with the total.

    Each :class:`Prospect` carries its path from the anchor and the facts ``kind``, ``via`` (the
    park, segment or association on the path), ``shared`` (all shared parks / associations),
    ``segments``, ``branches`` (serving branches when a customer) and ``is_customer``; group peers
    add ``hops`` and ``group_truncated``. ``max_depth``, ``max_members``, ``majority`` and
    ``via_persons`` bound and shape the group search (kind ``group`` only). With an ``index``
    (queries/peer_index.py), park, segment and association peers are ranked in process from the
    anchor's facts and the hubs' member lists it holds, and group peers searched in its control
    graph (queries/group_index.py, for ``majority`` ≥ 50), and only the page's rows are read:
    the same page, faster.
    Raises :class:`NotFound` when the anchor is not in the graph.
    """
    kind = PeerKind(kind)
    check_page(limit, offset)
    w = weights_or_default(weights)
    if index is not None:
        anchor = index.anchor(uscc, lambda: peer_anchor(store, uscc))
    else:
        anchor = peer_anchor(store, uscc)
    if kind is PeerKind.GROUP:
        if index is not None and index.control_max_age_s > 0 and majority >= CONTROL_FLOOR:
            _check_group_bounds(max_depth, max_members)
            bounds = GroupBounds(max_depth, max_members, majority, via_persons)
            return _indexed_group_peers(store, index, anchor, filters, limit, offset, w, bounds)
        group = corporate_group(store, uscc, max_depth=max_depth, max_members=max_members,
                                majority=majority, via_persons=via_persons)
        return _group_peers(store, anchor, group, filters, limit, offset, w)
    params: dict[str, Any] = {"uscc": uscc}
    if kind is PeerKind.SEGMENT:
        params["pairs"] = [list(pair) for pair in anchor.pairs]
    if index is not None:
        ranked = rank_members(index.members(kind.value, anchor.hubs(kind)), uscc, filters,
                              anchor.chain_fit(kind), weight_map(w, *_PARTS), offset, limit)
        parts, page = _held_page(store, index, kind, anchor, ranked.rows, ranked.total)
    else:
        params.update(filters.params(), w=weight_map(w, *_PARTS), skip=offset, limit=limit)
        if kind is not PeerKind.SEGMENT:
            params.update(own=list(anchor.own), near=list(anchor.near))
        rows = run_named(store, _PAGED_QUERIES[kind], params)
        parts, page = AnchorParts.of(rows), ranked_page(rows)
    items = [_paged_prospect(kind, row, parts, w) for row in page.rows]
    return Page(items, page.total, limit, offset)


@dataclass(frozen=True)
class AnchorParts:
    """The anchor and its links to all its hubs, which a page query returns once, in its first
    row: repeated on every row they were most of a page's reply (a page of 50 park peers carried
    the anchor's and the park's nodes 50 times), and decoding the reply was most of its cost."""

    node: GraphNode | None = None
    hops: tuple[tuple[GraphRelationship, GraphNode], ...] = ()

    @classmethod
    def of(cls, rows: Sequence[Row]) -> AnchorParts:
        if not rows or rows[0].get("anchor") is None:
            return cls()
        return cls(rows[0]["anchor"], tuple((rel, hub) for rel, hub in rows[0].get("anchor_hops") or ()))

    def to(self, hub: Any) -> list[tuple[GraphRelationship, GraphNode]]:
        """The anchor's links to the hub with this key (park, association or segment id)."""
        return [(rel, node) for rel, node in self.hops if node.key == hub]


#: ``[segment id, UPSTREAM_OF relationship, other segment id]`` links of a row's segments.
SegmentLinks = tuple[tuple[str, GraphRelationship, str], ...]


@dataclass(frozen=True)
class PeerRow:
    """One enterprise as a page of peers of one kind shows it, whichever anchor asks
    (``peer_rows_<kind>``): its node, its links to all its hubs, segments and branches; for
    segment peers also its segments' links down- and upstream."""

    node: GraphNode
    hops: tuple[tuple[GraphRelationship, GraphNode], ...]
    segments: tuple[str, ...]
    branches: tuple[str, ...]
    down: SegmentLinks = ()
    up: SegmentLinks = ()


def _links(value: Any) -> SegmentLinks:
    return tuple((str(mine), rel, str(theirs)) for mine, rel, theirs in value or ())


def _read_peer_rows(store: GraphStore, kind: PeerKind, usccs: list[str]) -> dict[str, PeerRow]:
    return {str(r["uscc"]): PeerRow(r["enterprise"], tuple((rel, hub) for rel, hub in r["hops"] or ()),
                                    str_list(r["segments"]), str_list(r["branches"]),
                                    _links(r.get("down")), _links(r.get("up")))
            for r in run_named(store, f"peer_rows_{kind.value}", {"usccs": usccs})}


def _segment_pair(pairs: Sequence[tuple[str, str]], segments: Sequence[str]
                  ) -> tuple[str, str] | None:
    """The (anchor segment, peer segment) pair a segment peer's path takes: the same segment
    before a neighbouring one, then by the peer's segment and the anchor's, compared as the
    text ``peers_segment`` orders them by."""
    return min(((mine, target) for mine, target in pairs if target in segments),
               key=lambda p: ("0" if p[0] == p[1] else "1") + p[1] + "|" + p[0], default=None)


def _held_page(store: GraphStore, index: MemberIndex, kind: PeerKind, facts: PeerAnchor,
               page: Sequence[Sequence[Any]], total: int) -> tuple[AnchorParts, RankedRows]:
    """A page ranked by the index (``[uscc, chain_fit, scale, not_customer]`` rows) as
    ``peers_<kind>`` would return it, built from the anchor's and the peers' page rows the index
    holds: a page whose rows are all held reads nothing. A park or association peer's ``via`` is
    the least hub it shares with the anchor, a segment peer's the segment its path takes
    (:func:`_segment_pair`); a peer no longer in the graph is left out, an anchor no longer in it
    leaves the page empty (total 0), as the query would."""
    held = index.rows(kind.value, [facts.uscc, *(str(r[0]) for r in page)],
                      lambda keys: _read_peer_rows(store, kind, keys))
    anchor = held.get(facts.uscc)
    if anchor is None:
        return AnchorParts(), RankedRows(0)
    mine = {hub.key for _, hub in anchor.hops}  # the anchor's parks or associations
    rows: list[Row] = []
    for peer, chain_fit, scale, not_customer in page:
        row = held.get(str(peer))
        if row is None:
            continue
        out: Row = {"enterprise": row.node, "segments": row.segments, "branches": row.branches,
                    "chain_fit": chain_fit, "scale": scale, "not_customer": not_customer}
        if kind is PeerKind.SEGMENT:
            mine_via, via = _segment_pair(facts.pairs, row.segments) or (None, None)
            out.update(
                via=via, anchor_via=mine_via,
                peer_hops=[(rel, hub) for rel, hub in row.hops if hub.key == via],
                down_links=[d for x, d, y in anchor.down if x == mine_via and y == via],
                up_links=[u for x, u, y in anchor.up if x == mine_via and y == via])
        else:
            links = [(rel, hub.key) for rel, hub in row.hops if hub.key in mine]
            shared = [key for _, key in links]
            via = min(shared) if shared else None
            out.update(via=via, peer_hops=[rel for rel, key in links if key == via],
                       shared=shared)
        rows.append(out)
    return AnchorParts(anchor.node, anchor.hops), RankedRows(total, rows)


def _paged_prospect(kind: PeerKind, row: Row, parts: AnchorParts, w: RankingWeights) -> Prospect:
    node: GraphNode = row["enterprise"]
    segments = str_list(row.get("segments"))
    branches = str_list(row.get("branches"))
    found: list[GraphPath] = []
    if parts.node is not None:
        found = _segment_paths(row, parts) if kind is PeerKind.SEGMENT else via_hub(
            parts.node, parts.to(row.get("via")), node, row.get("peer_hops"))
    path = min(found, key=_path_order) if found else None
    via = row.get("via")
    if via is None and path is not None and len(path.nodes) > 1:
        via = path.nodes[1].key
    facts: dict[str, Any] = {
        "kind": kind.value,
        "via": via,
        "shared": str_list(row.get("shared")) if "shared" in row else (via,),
        "segments": segments,
        "branches": branches,
        "is_customer": bool(branches),
    }
    fit = as_float(row["chain_fit"])
    return Prospect(
        enterprise=node,
        score=score(
            w,
            chain_fit=(fit, peer_fit_why(fit, segments)),
            scale=(as_float(row["scale"]), scale_why(node)),
            not_customer=(as_float(row["not_customer"]), customer_why(branches)),
        ),
        paths=(path,) if path is not None else (),
        facts=facts,
    )


def _segment_paths(row: Row, parts: AnchorParts) -> list[GraphPath]:
    """anchor -> its segment (-> or <- the peer's segment) <- peer, from the row's one-hop parts."""
    anchor = parts.node
    peer: GraphNode | None = row["enterprise"]
    if peer is None or anchor is None:
        return []
    found: list[GraphPath] = []
    for anchor_rel, mine in parts.to(row.get("anchor_via")):
        for peer_rel, theirs in row.get("peer_hops") or ():
            first, last = hop(anchor_rel, anchor, mine), hop(peer_rel, peer, theirs)
            if mine.ref == theirs.ref:
                found.append(GraphPath((anchor, mine, peer), (first, last)))
                continue
            links = [hop(r, mine, theirs) for r in row.get("down_links") or ()]
            links += [hop(r, theirs, mine) for r in row.get("up_links") or ()]
            found += [GraphPath((anchor, mine, theirs, peer), (first, link, last)) for link in links]
    return found


def _path_order(path: GraphPath) -> tuple[int, list[str], list[str]]:
    """Deterministic choice among equally valid paths (stores list them in different orders)."""
    return (len(path), [n.ref for n in path.nodes], [r.type for r in path.relationships])


def _require_enterprise(store: GraphStore, uscc: str) -> None:
    if not run_named(store, "enterprise_exists", {"uscc": uscc}):
        raise NotFound("Enterprise", uscc)


# -- corporate group -------------------------------------------------------------------------------


def corporate_group(
    store: GraphStore,
    uscc: str,
    *,
    max_depth: int = 4,
    max_members: int = 500,
    majority: float = 50.0,
    via_persons: bool = True,
) -> CorporateGroup:
    """Breadth-first search over control edges from the anchor, one query per level.

    Control edges: ``CONTROLS``, and ``HOLDS_SHARES`` above ``majority`` percent (from enterprises,
    and from persons when ``via_persons``). The search stops after ``max_depth`` hops or once
    ``max_members`` nodes (anchor included) are reached.
    """
    _check_group_bounds(max_depth, max_members)
    anchor = f"Enterprise:{uscc}"
    nodes: dict[str, GraphNode] = {}
    parent: dict[str, tuple[str, GraphRelationship] | None] = {anchor: None}
    frontier = [anchor]
    truncated = False
    for depth in range(max_depth + 1):
        if not frontier:
            break
        incident = _control_edges(store, frontier, nodes, majority, via_persons)
        if depth == max_depth:
            # one look past the last level only tells whether the group goes on
            truncated = any(other not in parent for f in frontier for other, _ in incident[f])
            break
        frontier_next: list[str] = []
        for ref in sorted(frontier):
            for other, rel in sorted(incident[ref], key=_edge_order):
                if other in parent:
                    continue
                if len(parent) >= max_members:
                    truncated = True
                    break
                parent[other] = (ref, rel)
                frontier_next.append(other)
        frontier = frontier_next
    if anchor not in nodes:
        _require_enterprise(store, uscc)
    paths = {ref: _path_to(ref, parent, nodes) for ref in parent if ref != anchor}
    return CorporateGroup(anchor, nodes, paths, truncated)


def _check_group_bounds(max_depth: int, max_members: int) -> None:
    if not 1 <= max_depth <= 8:
        raise ValueError("max_depth must be between 1 and 8")
    if max_members < 2:
        raise ValueError("max_members must be at least 2")


def _control_edges(
    store: GraphStore,
    frontier: Sequence[str],
    nodes: dict[str, GraphNode],
    majority: float,
    via_persons: bool,
) -> dict[str, list[tuple[str, GraphRelationship]]]:
    keys: dict[str, list[str]] = {"Enterprise": [], "Person": []}
    for ref in frontier:
        label, key = ref.split(":", 1)
        keys[label].append(key)
    rows = run_named(store, "group_control_edges", {
        "usccs": sorted(keys["Enterprise"]), "person_ids": sorted(keys["Person"]),
        "majority": float(majority), "persons": via_persons,
    })
    wanted = set(frontier)
    incident: dict[str, list[tuple[str, GraphRelationship]]] = {ref: [] for ref in frontier}
    seen: set[tuple[str, str, str, tuple[tuple[str, Any], ...]]] = set()
    for row in rows:
        src: GraphNode = row["src"]
        dst: GraphNode = row["dst"]
        raw: GraphRelationship = row["rel"]
        props = dict(raw.properties)
        ident = (raw.type, src.ref, dst.ref, tuple(sorted((k, str(v)) for k, v in props.items())))
        if ident in seen:
            continue
        seen.add(ident)
        nodes.setdefault(src.ref, src)
        nodes.setdefault(dst.ref, dst)
        rel = GraphRelationship(raw.type, src.ref, dst.ref, props)
        if src.ref in wanted:
            incident[src.ref].append((dst.ref, rel))
        if dst.ref in wanted and dst.ref != src.ref:
            incident[dst.ref].append((src.ref, rel))
    return incident


def _edge_order(edge: tuple[str, GraphRelationship]) -> tuple[str, int, float]:
    other, rel = edge
    pct = rel.properties.get("percentage")
    return (other, _TYPE_ORDER.get(rel.type, 9),
            -float(pct) if isinstance(pct, int | float) else 0.0)


def _path_to(
    ref: str,
    parent: dict[str, tuple[str, GraphRelationship] | None],
    nodes: dict[str, GraphNode],
) -> GraphPath:
    refs = [ref]
    rels: list[GraphRelationship] = []
    step = parent[ref]
    while step is not None:
        prev, rel = step
        rels.append(rel)
        refs.append(prev)
        step = parent[prev]
    refs.reverse()
    rels.reverse()
    return GraphPath(tuple(nodes[r] for r in refs), tuple(rels))


def describe_control_path(path: GraphPath) -> str:
    """``controls`` / ``holds 60%`` hops from the anchor, e.g. ``held 60% by → holds 55% of``."""
    hops = []
    here = path.nodes[0].ref
    for rel in path.relationships:
        pct = rel.properties.get("percentage")
        share = f" {float(pct):g}%" if isinstance(pct, int | float) else ""
        forward = rel.start == here
        if rel.type == "CONTROLS":
            hops.append("controls" if forward else "controlled by")
        else:
            hops.append(f"holds{share} of" if forward else f"held{share} by")
        here = rel.end if forward else rel.start
    return "control path: " + " → ".join(hops)


def _group_peers(
    store: GraphStore,
    anchor: PeerAnchor,
    group: CorporateGroup,
    filters: EnterpriseFilter,
    limit: int,
    offset: int,
    w: RankingWeights,
) -> Page[Prospect]:
    members = group.enterprises
    if not members:
        return Page([], 0, limit, offset)
    rows = run_named(store, "peers_group", {
        "uscc": anchor.uscc, "own": list(anchor.own), "near": list(anchor.near),
        "usccs": members, **filters.params(),
    })
    prospects = []
    for row in rows:
        node: GraphNode = row["enterprise"]
        path = group.paths[node.ref]
        prospects.append(_group_prospect(
            node, path, path_strength(path, w), str_list(row.get("segments")),
            str_list(row.get("branches")), (as_float(row["chain_fit"]), as_float(row["scale"]),
                                            as_float(row["not_customer"])),
            group.truncated, w))
    return paginate(rank(prospects), limit, offset)


def _indexed_group_peers(
    store: GraphStore,
    index: MemberIndex,
    anchor: PeerAnchor,
    filters: EnterpriseFilter,
    limit: int,
    offset: int,
    w: RankingWeights,
    bounds: GroupBounds,
) -> Page[Prospect]:
    """The group search and ranking in process (queries/group_index.py); the store reads the
    page."""
    held = held_group(index, anchor.uscc)
    if held is None:
        return Page([], 0, limit, offset)
    graph, node, members = held
    search = search_group(graph, node, bounds)
    ranked = rank_group(graph, search, members, filters, anchor.chain_fit(PeerKind.GROUP), w)
    page = read_page(store, graph, search, ranked[offset: offset + limit])
    items = []
    for m in page.members:
        ref = f"Enterprise:{m.uscc}"
        if ref not in page.nodes:  # gone since the graph was read
            continue
        items.append(_group_prospect(
            page.nodes[ref], page.paths.get(ref), m.path_strength, page.segments[ref],
            page.branches[ref], (m.chain_fit, m.scale, m.not_customer), search.truncated, w))
    return Page(items, len(ranked), limit, offset)


def _group_prospect(
    node: GraphNode,
    path: GraphPath | None,
    strength: float,
    segments: Sequence[str],
    branches: Sequence[str],
    signals: tuple[float, float, float],
    truncated: bool,
    w: RankingWeights,
) -> Prospect:
    """A group peer: its control path's strength, and chain fit, scale and not-customer."""
    fit, scale, not_customer = signals
    return Prospect(
        enterprise=node,
        score=score(
            w,
            path_strength=(strength, describe_control_path(path) if path is not None
                           else "control path: changed since the group was read"),
            chain_fit=(fit, peer_fit_why(fit, segments)),
            scale=(scale, scale_why(node)),
            not_customer=(not_customer, customer_why(branches)),
        ),
        paths=(path,) if path is not None else (),
        facts={
            "kind": PeerKind.GROUP.value,
            "via": path.nodes[-2].key if path is not None and len(path.nodes) > 2 else None,
            "hops": len(path) if path is not None else None,
            "segments": segments,
            "branches": branches,
            "is_customer": bool(branches),
            "group_truncated": truncated,
        },
    )
