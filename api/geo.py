"""Map prospects: ``queries.geo`` results ranked and explained for the API.

``queries.geo`` finds enterprises around a point (nearest first) and assigns enterprises to their
nearest branch (keeping corporate groups together). Here they become :class:`Prospect` values:

* score parts ``proximity`` (1 at the centre, 0 at the radius edge), ``scale`` (log10(1 + registered
  capital in 万元) / 5, capped at 1), ``theme`` (theme tags held / 2, capped at 1) and
  ``not_customer``;
* the explaining path is the branch assignment, ``Branch -[NEAREST_BRANCH]-> Enterprise`` with the
  distance and the assignment note. ``NEAREST_BRANCH`` is derived here, not stored in the graph
  (its properties say ``derived: true``); an enterprise no branch covers has a one-node path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship, GraphStore
from chainscout.queries import geo
from chainscout.queries.market import scale_why, theme_why
from chainscout.queries.paths import fetch_nodes
from chainscout.queries.ranking import load_weights, score
from chainscout.queries.results import Page, Prospect, paginate, rank

#: Most enterprises one map request ranks (nearest first); the response says when it was cut.
MAX_CANDIDATES = 3000


@dataclass(frozen=True)
class MapResult:
    page: Page[Prospect]
    truncated: bool


def _scale(capital: Any) -> float:
    if not isinstance(capital, int | float) or capital <= 0:
        return 0.0
    return min(1.0, math.log10(1 + float(capital)) / 5)


def _theme(node: GraphNode) -> float:
    tags = [t for t in node.properties.get("tags") or () if t in ENTERPRISE_TAGS]
    return min(1.0, len(set(tags)) / 2)


def _path(node: GraphNode, assignment: geo.BranchAssignment | None,
          branches: Mapping[str, GraphNode]) -> GraphPath:
    if assignment is None or assignment.branch_id is None:
        return GraphPath((node,), ())
    branch = branches.get(f"Branch:{assignment.branch_id}") or GraphNode(
        f"Branch:{assignment.branch_id}", ("Branch",), {"branch_id": assignment.branch_id,
                                                         "name": assignment.branch_name})
    rel = GraphRelationship("NEAREST_BRANCH", branch.ref, node.ref, {
        "distance_km": round(assignment.distance_km or 0.0, 3), "note": assignment.note,
        "by_group": assignment.by_group, "derived": True})
    return GraphPath((branch, node), (rel,))


def _prospect(near: geo.NearbyEnterprise, radius_km: float, centre: str,
              assignment: geo.BranchAssignment | None, branches: Mapping[str, GraphNode]
              ) -> Prospect:
    node = near.enterprise
    proximity = max(0.0, 1.0 - near.distance_km / radius_km)
    return Prospect(
        enterprise=node,
        score=score(
            load_weights(),
            proximity=(proximity, f"{near.distance_km:.2f} km from {centre} "
                                  f"(radius {radius_km:g} km)"),
            scale=(_scale(node.properties.get("registered_capital")), scale_why(node)),
            theme=(_theme(node), theme_why(node, ENTERPRISE_TAGS)),
            not_customer=(0.0 if near.is_customer else 1.0,
                          "existing customer" if near.is_customer else "not a customer yet"),
        ),
        paths=(_path(node, assignment, branches),),
        facts={
            "distance_km": round(near.distance_km, 3),
            "is_customer": near.is_customer,
            "branch_id": assignment.branch_id if assignment else None,
            "branch_distance_km": assignment.distance_km if assignment else None,
            "group_id": assignment.group_id if assignment else None,
            "assignment": assignment.note if assignment else "",
        },
    )


def _nearby(store: GraphStore, lat: float, lng: float, radius_km: float, customers: bool
            ) -> tuple[list[geo.NearbyEnterprise], bool]:
    page = geo.enterprises_near(store, lat, lng, radius_km, limit=MAX_CANDIDATES, offset=0,
                                prospects_only=not customers)
    return list(page.items), page.total > len(page.items)


def _branch_nodes(store: GraphStore, assignments: Sequence[geo.BranchAssignment]
                  ) -> dict[str, GraphNode]:
    return fetch_nodes(store, {f"Branch:{a.branch_id}" for a in assignments if a.branch_id})


def near_point(store: GraphStore, lat: float, lng: float, radius_km: float, *,
               branch_radius_km: float, customers: bool, limit: int, offset: int) -> MapResult:
    """Enterprises around a point, ranked, each with the branch it is assigned to."""
    found, truncated = _nearby(store, lat, lng, radius_km, customers)
    assignments = {a.uscc: a for a in geo.assign_branches(
        store, [n.enterprise.key for n in found], radius_km=branch_radius_km)}
    branches = _branch_nodes(store, list(assignments.values()))
    ranked = rank([_prospect(n, radius_km, "the point", assignments.get(n.enterprise.key),
                             branches) for n in found])
    return MapResult(paginate(ranked, limit, offset), truncated)


def branch_prospects(store: GraphStore, branch: GraphNode, radius_km: float, *,
                     customers: bool, limit: int, offset: int) -> MapResult:
    """Enterprises within the radius of the branch that are assigned to it (nearest branch,
    corporate groups kept together), ranked."""
    lat, lng = float(branch.properties["lat"]), float(branch.properties["lng"])
    found, truncated = _nearby(store, lat, lng, radius_km, customers)
    assignments = {a.uscc: a for a in geo.assign_branches(
        store, [n.enterprise.key for n in found], radius_km=radius_km,
        levels=(str(branch.properties.get("level") or "sub_branch"),))}
    branches = {branch.ref: branch}
    name = str(branch.properties.get("name") or branch.key)
    mine = [n for n in found if (a := assignments.get(n.enterprise.key)) is not None
            and a.branch_id == branch.key]
    ranked = rank([_prospect(n, radius_km, name, assignments[n.enterprise.key], branches)
                   for n in mine])
    return MapResult(paginate(ranked, limit, offset), truncated)
