"""Leads: expansion prospects of new events, routed to a branch and relationship manager.

Routing, first rule that applies:

1. the prospect is a bank customer → its own branch and manager (a cross-sell lead);
2. an enterprise on the explaining path (the event's subject first) is a customer → that
   customer's branch and manager (the warm channel that makes the call);
3. the prospect has a location → its branch by ``queries.geo.assign_branches`` (nearest
   sub-branch within :data:`NEAREST_BRANCH_KM`, corporate groups kept together), no manager;
4. otherwise the lead is unassigned (``branch_id`` null): analysts see it, managers do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chainscout.graph.stores.base import GraphStore
from chainscout.queries import expansion, geo
from chainscout.queries.results import Prospect
from chainscout.queries.runner import run_named

from . import views
from .outbox import NewLead

NEAREST_BRANCH_KM = 30.0


def _customer_links(store: GraphStore, usccs: Sequence[str]
                    ) -> dict[str, tuple[str, str | None]]:
    """uscc → (branch_id, manager_id) of its first customer relationship (in key order)."""
    links: dict[str, tuple[str, str | None]] = {}
    if not usccs:
        return links
    for row in run_named(store, "api_customer_links", {"usccs": sorted(set(usccs))}):
        manager = row.get("manager_id")
        links.setdefault(str(row["uscc"]), (str(row["branch_id"]),
                                            None if manager is None else str(manager)))
    return links


def route(store: GraphStore, prospects: Sequence[Prospect]
          ) -> list[tuple[str | None, str | None]]:
    """(branch_id, manager_id) per prospect, by the rules in the module docstring."""
    on_paths = {n.key for p in prospects for path in p.paths for n in path.nodes
                if n.label == "Enterprise"}
    links = _customer_links(store, sorted(on_paths | {p.uscc for p in prospects}))
    routed: dict[int, tuple[str | None, str | None]] = {}
    unrouted: list[int] = []
    for i, prospect in enumerate(prospects):
        if prospect.uscc in links:
            routed[i] = links[prospect.uscc]
            continue
        channel = next((links[n.key] for path in prospect.paths for n in path.nodes
                        if n.label == "Enterprise" and n.key in links), None)
        if channel is not None:
            routed[i] = channel
        else:
            unrouted.append(i)
    if unrouted:
        nearest = {a.uscc: a.branch_id for a in geo.assign_branches(
            store, sorted({prospects[i].uscc for i in unrouted}), radius_km=NEAREST_BRANCH_KM)}
        for i in unrouted:
            routed[i] = (nearest.get(prospects[i].uscc), None)
    return [routed[i] for i in range(len(prospects))]


def leads_for_events(store: GraphStore, event_ids: Sequence[str], *,
                     per_event_limit: int = 20, max_hops: int = 2) -> list[NewLead]:
    """Expand the events and turn every ranked prospect into a routed lead."""
    if not event_ids:
        return []
    batch = expansion.expand_events(store, list(event_ids), per_event_limit=per_event_limit,
                                    max_hops=max_hops)
    drawn = expansion.prospects(store, batch.hits)
    leads = []
    for prospect, (branch_id, manager_id) in zip(drawn, route(store, drawn), strict=True):
        view = views.prospect(prospect, mask=False).model_dump()
        name = prospect.enterprise.properties.get("name")
        leads.append(NewLead(
            uscc=prospect.uscc, name=None if name is None else str(name), branch_id=branch_id,
            manager_id=manager_id, source="event", source_id=str(prospect.facts["event_id"]),
            score=prospect.score.total, prospect=view))
    return leads


def mask_stored_prospect(view: Mapping[str, Any]) -> dict[str, Any]:
    """Mask person names in a stored (unmasked) prospect view for roles without PII rights."""

    def mask_node(node: Mapping[str, Any]) -> dict[str, Any]:
        props = dict(node.get("properties") or {})
        for label in node.get("labels") or ():
            for prop in views.PII_PROPERTIES.get(str(label), ()):
                if isinstance(props.get(prop), str):
                    props[prop] = views.mask_name(props[prop])
        return {**node, "properties": props}

    out = dict(view)
    if isinstance(out.get("enterprise"), Mapping):
        out["enterprise"] = mask_node(out["enterprise"])
    out["paths"] = [
        {**path, "nodes": [mask_node(n) for n in path.get("nodes") or ()]}
        for path in out.get("paths") or ()
    ]
    if isinstance(out.get("facts"), Mapping):
        out["facts"] = {k: views.mask_name(v) if k in views.PII_KEYS and isinstance(v, str)
                        else v for k, v in out["facts"].items()}
    return out
