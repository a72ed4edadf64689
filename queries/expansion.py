"""Event-triggered neighbour expansion: "this company just won a bid — whom should we call?".

From each event's subject enterprise (``Event-[:CONCERNS]->Enterprise``) the walk follows relation
*families* — fixed one-hop patterns, one ``expansion_step_<family>.cypher`` file each — for up to
three hops, and ranks every enterprise it reaches per event:

* ``event_value``   the event type's ``base_value`` decayed by age,
                    ``base * 0.5 ** (age / half_life_days)``, over 100 (catalogue:
                    ``loaders.reference_data.load_event_types``);
* ``path_strength`` of the strongest path (``ranking.path_strength``: relation weights,
                    shareholdings scaled by percentage, hop decay per relationship after the first);
* ``product_fit``   share of the event's product signals the prospect does not hold as a customer;
* ``not_customer``  1 for enterprises without ``CUSTOMER_OF``.

Design for batch feeds (100k events at 1M enterprises):

* relation types never come from user text: callers name families from :data:`FAMILIES` (or ask
  :func:`families_for_types` with model-checked relationship types), each a fixed query;
* the walk is level by level and neighbour lookups are shared by all events: each level runs one
  ``UNWIND $sources`` query per family over the *distinct* frontier enterprises (in batches), so an
  enterprise near many events is expanded once;
* per (event, prospect) only the strongest path is kept, the frontier of each event is cut to the
  ``beam`` strongest nodes per level, and each source keeps at most ``max_fanout`` neighbours per
  family (lowest usccs first — deterministic on both stores; only hubs such as parks reach it);
* prospect facts (status, products held) are fetched only for candidates whose best possible score
  can still reach an event's top ``per_event_limit`` (score bounds from the path strength alone);
* paths are drawn (nodes fetched) only for the prospects a caller pages through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphRelationship, GraphStore
from chainscout.loaders.reference_data import EventType, load_event_types

from .paths import build_path, fetch_nodes, ref, relationship
from .ranking import RankingWeights, load_weights, relation_weight, score
from .results import Page, Prospect, Score, paginate
from .runner import run_named


@dataclass(frozen=True)
class Family:
    """A fixed one-hop expansion pattern: the relation family a hop belongs to."""

    name: str
    rel_types: tuple[str, ...]
    #: Label of the node between source and target (Park, Person …), None for direct links.
    via_label: str | None
    #: Per relationship in walk order: True if it points from the source side to the target side.
    forward: tuple[bool, ...]
    label: str  # short English label for explanations

    @property
    def query(self) -> str:
        return f"expansion_step_{self.name}"


def _families(*families: Family) -> dict[str, Family]:
    model = graph_model()
    for family in families:
        for type_ in family.rel_types:
            model.check_rel_type(type_)
        if family.via_label is not None:
            model.check_label(family.via_label)
    return {f.name: f for f in families}


#: The allow-list of relation families (name → fixed query); nothing else reaches Cypher.
FAMILIES: Mapping[str, Family] = _families(
    Family("shareholders", ("HOLDS_SHARES", "CONTROLS"), None, (False,), "shareholder"),
    Family("subsidiaries", ("HOLDS_SHARES", "CONTROLS"), None, (True,), "subsidiary"),
    Family("investees", ("INVESTS_IN",), None, (True,), "investee"),
    Family("investors", ("INVESTS_IN",), None, (False,), "investor"),
    Family("suppliers", ("SUPPLIES",), None, (False,), "supplier"),
    Family("buyers", ("SUPPLIES",), None, (True,), "buyer"),
    Family("park_cotenants", ("LOCATED_IN",), "Park", (True, False), "park co-tenant"),
    Family("association_comembers", ("MEMBER_OF",), "Association", (True, False),
           "association co-member"),
    Family("officer_companies", ("OFFICER_OF",), "Person", (False, True), "officer's company"),
    Family("owner_companies", ("HOLDS_SHARES",), "Person", (False, True),
           "shareholder's other company"),
)

DEFAULT_FAMILIES: tuple[str, ...] = tuple(FAMILIES)
#: Registration statuses that are never prospects (they still connect others).
DEFAULT_EXCLUDED_STATUSES: tuple[str, ...] = ("revoked", "cancelled")
MAX_HOPS = 3


class ExpansionError(LookupError):
    """The event cannot be expanded (unknown id, no subject, type not in the catalogue)."""


def families_for_types(rel_types: Iterable[str]) -> tuple[str, ...]:
    """Families that walk any of the given relationship types (each checked against the model)."""
    model = graph_model()
    wanted = {model.check_rel_type(t) for t in rel_types}
    return tuple(name for name, f in FAMILIES.items() if wanted & set(f.rel_types))


def check_families(families: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(families))
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown relation famil(ies) {unknown}; known: {', '.join(FAMILIES)}")
    if not chosen:
        raise ValueError("choose at least one relation family")
    return chosen


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerEvent:
    event_id: str
    type: str
    date: str
    subject: str  # uscc of the enterprise the event concerns
    title: str | None
    amount: float | None
    age_days: int
    value: float  # decayed value 0..1 (base_value / 100 at age 0)


@dataclass(frozen=True)
class ExpansionHit:
    """One ranked (event, prospect) pair with its strongest path, before nodes are drawn."""

    event_id: str
    uscc: str
    score: Score
    hops: int
    families: tuple[str, ...]
    node_refs: tuple[str, ...]  # walk order, subject first
    relationships: tuple[GraphRelationship, ...]
    is_customer: bool
    products_held: tuple[str, ...]
    offer: tuple[str, ...]  # the event's product signals the prospect does not hold


@dataclass(frozen=True)
class BatchExpansion:
    events: tuple[TriggerEvent, ...]
    hits: tuple[ExpansionHit, ...]  # score desc, uscc, event_id
    skipped: Mapping[str, str] = field(default_factory=dict)  # event_id → reason


@dataclass(frozen=True)
class EventExpansion:
    event: TriggerEvent
    page: Page[Prospect]


# -- public API -------------------------------------------------------------------------------


def expand_event(
    store: GraphStore,
    event_id: str,
    *,
    families: Sequence[str] = DEFAULT_FAMILIES,
    max_hops: int = 2,
    limit: int = 20,
    offset: int = 0,
    as_of: dt.date | None = None,
    weights: RankingWeights | None = None,
    event_types: Mapping[str, EventType] | None = None,
    beam: int = 50,
    max_fanout: int = 200,
    exclude_statuses: Sequence[str] = DEFAULT_EXCLUDED_STATUSES,
) -> EventExpansion:
    """Ranked prospects around one event's subject, each with the path that explains it."""
    batch = expand_events(
        store, [event_id], families=families, max_hops=max_hops, per_event_limit=None,
        as_of=as_of, weights=weights, event_types=event_types, beam=beam, max_fanout=max_fanout,
        exclude_statuses=exclude_statuses,
    )
    if not batch.events:
        raise ExpansionError(batch.skipped.get(event_id, f"event {event_id!r} not found"))
    return EventExpansion(batch.events[0], page(store, batch, limit=limit, offset=offset))


def expand_events(
    store: GraphStore,
    event_ids: Sequence[str] | None = None,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    families: Sequence[str] = DEFAULT_FAMILIES,
    max_hops: int = 2,
    per_event_limit: int | None = 20,
    as_of: dt.date | None = None,
    weights: RankingWeights | None = None,
    event_types: Mapping[str, EventType] | None = None,
    beam: int = 50,
    max_fanout: int = 200,
    exclude_statuses: Sequence[str] = DEFAULT_EXCLUDED_STATUSES,
    batch_size: int = 2000,
) -> BatchExpansion:
    """Expand a batch — a list of event ids or every event dated ``date_from``..``date_to``.

    Returns every event's top ``per_event_limit`` prospects (``None``: all) as light hits, ranked
    together; draw a page of them as :class:`Prospect` with :func:`page`.
    """
    chosen = check_families(families)
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be 1..{MAX_HOPS}")
    if beam < 1 or max_fanout < 1 or batch_size < 1:
        raise ValueError("beam, max_fanout and batch_size must be positive")
    if per_event_limit is not None and per_event_limit < 1:
        raise ValueError("per_event_limit must be positive")
    weights = weights or load_weights()
    catalogue = event_types if event_types is not None else load_event_types()
    as_of = as_of or dt.date.today()

    events, skipped = _events(store, event_ids, date_from, date_to, catalogue, as_of, batch_size)
    walk = _Walk(store, chosen, weights, beam, max_fanout, batch_size)
    reached = walk.run([e.subject for e in events], max_hops)
    hits = _rank(store, events, reached, walk, catalogue, weights, per_event_limit,
                 frozenset(exclude_statuses), batch_size)
    return BatchExpansion(tuple(events), tuple(hits), skipped)


def page(store: GraphStore, batch: BatchExpansion, *, limit: int = 20, offset: int = 0
         ) -> Page[Prospect]:
    """One page of a batch's ranked hits, drawn as prospects with their paths."""
    window = paginate(batch.hits, limit, offset)
    return Page(prospects(store, window.items), window.total, limit, offset)


def prospects(store: GraphStore, hits: Sequence[ExpansionHit]) -> list[Prospect]:
    """Draw hits as :class:`Prospect` (nodes fetched in one query), keeping their order."""
    nodes = fetch_nodes(store, (r for h in hits for r in h.node_refs))
    out = []
    for hit in hits:
        path = build_path(hit.node_refs, hit.relationships, nodes)
        out.append(Prospect(
            enterprise=path.nodes[-1],
            score=hit.score,
            paths=(path,),
            facts={
                "event_id": hit.event_id,
                "subject": split_key(hit.node_refs[0]),
                "hops": hit.hops,
                "families": list(hit.families),
                "is_customer": hit.is_customer,
                "products_held": list(hit.products_held),
                "offer": list(hit.offer),
            },
        ))
    return out


def split_key(node_ref: str) -> str:
    return node_ref.partition(":")[2]


# -- events -----------------------------------------------------------------------------------


def _events(
    store: GraphStore,
    event_ids: Sequence[str] | None,
    date_from: str | None,
    date_to: str | None,
    catalogue: Mapping[str, EventType],
    as_of: dt.date,
    batch_size: int,
) -> tuple[list[TriggerEvent], dict[str, str]]:
    rows: list[dict[str, Any]] = []
    wanted: list[str] = []
    if event_ids is not None:
        if date_from is not None or date_to is not None:
            raise ValueError("give event ids or a date range, not both")
        wanted = list(dict.fromkeys(event_ids))
        for start in range(0, len(wanted), batch_size * 5):
            rows += run_named(store, "expansion_events",
                              {"event_ids": wanted[start:start + batch_size * 5]})
    elif date_from is not None:
        for bound in (date_from, date_to):
            if bound is not None:
                dt.date.fromisoformat(bound)  # refuse anything but ISO dates
        rows = run_named(store, "expansion_events_by_date",
                         {"date_from": date_from, "date_to": date_to or date_from})
    else:
        raise ValueError("give event ids or a date range")

    by_id: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (str(r["event_id"]), str(r["subject"]))):
        by_id.setdefault(str(row["event_id"]), row)  # one subject per event: the lowest uscc
    skipped = {eid: "event not found or without a subject enterprise"
               for eid in wanted if eid not in by_id}
    events: list[TriggerEvent] = []
    for eid in sorted(by_id):
        row = by_id[eid]
        event_type = catalogue.get(str(row["type"]))
        if event_type is None:
            skipped[eid] = f"event type {row['type']!r} is not in the event catalogue"
            continue
        try:
            day = dt.date.fromisoformat(str(row["date"]))
        except ValueError:
            skipped[eid] = f"event date {row['date']!r} is not YYYY-MM-DD"
            continue
        age = max(0, (as_of - day).days)
        amount = row.get("amount")
        events.append(TriggerEvent(
            eid, event_type.code, str(row["date"]), str(row["subject"]),
            None if row.get("title") is None else str(row["title"]),
            None if amount is None else float(amount),
            age, event_type.value_at(age) / 100.0,
        ))
    return events, skipped


# -- the walk ---------------------------------------------------------------------------------


class _Edge(NamedTuple):
    family: str
    dst: str
    via: str | None
    rels: tuple[tuple[str, Mapping[str, Any]], ...]  # (type, props) in walk order
    raw: float  # product of the relation weights


class _Reach(NamedTuple):
    strength: float
    hops: int
    parent: str | None  # uscc one hop closer to the subject; None at the subject
    edge: _Edge | None


class _Walk:
    """Level-by-level expansion shared by all events of a batch."""

    def __init__(self, store: GraphStore, families: tuple[str, ...], weights: RankingWeights,
                 beam: int, max_fanout: int, batch_size: int) -> None:
        self.store = store
        self.families = families
        self.weights = weights
        self.beam = beam
        self.max_fanout = max_fanout
        self.batch_size = batch_size
        self.adjacency: dict[str, list[_Edge]] = {}

    def run(self, subjects: Sequence[str], max_hops: int) -> list[dict[str, _Reach]]:
        """For each subject (one per event), the best reach of every enterprise found."""
        decay = self.weights.hop_decay
        reached: list[dict[str, _Reach]] = [{s: _Reach(1.0, 0, None, None)} for s in subjects]
        frontiers: list[list[str]] = [[s] for s in subjects]
        for _level in range(max_hops):
            self._load({u for frontier in frontiers for u in frontier})
            for i, frontier in enumerate(frontiers):
                best = reached[i]
                improved: dict[str, float] = {}
                for node in frontier:
                    here = best[node]
                    for edge in self.adjacency.get(node, ()):
                        n_decays = len(edge.rels) - (1 if here.hops == 0 else 0)
                        strength = here.strength * edge.raw * decay ** n_decays
                        known = best.get(edge.dst)
                        if known is None or strength > known.strength:
                            best[edge.dst] = _Reach(strength, here.hops + 1, node, edge)
                            improved[edge.dst] = strength
                ranked = sorted(improved.items(), key=lambda kv: (-kv[1], kv[0]))
                frontiers[i] = [u for u, _ in ranked[: self.beam]]
        return reached

    def _load(self, sources: set[str]) -> None:
        todo = sorted(u for u in sources if u not in self.adjacency)
        for u in todo:
            self.adjacency[u] = []
        for name in self.families:
            family = FAMILIES[name]
            for start in range(0, len(todo), self.batch_size):
                rows = run_named(self.store, family.query, {
                    "sources": todo[start:start + self.batch_size],
                    "max_fanout": self.max_fanout,
                })
                for row in rows:
                    self.adjacency[str(row["src"])].append(self._edge(family, row))
        for u in todo:
            # Parallel relationships (two officer roles) give several rows: keep the strongest,
            # then the first in a stable order.
            unique: dict[tuple[str, str, str | None], _Edge] = {}
            for edge in sorted(self.adjacency[u], key=_edge_order):
                key = (edge.family, edge.dst, edge.via)
                if key not in unique:
                    unique[key] = edge
            self.adjacency[u] = list(unique.values())

    def _edge(self, family: Family, row: Mapping[str, Any]) -> _Edge:
        rels: list[tuple[str, Mapping[str, Any]]] = [(str(row["t1"]), row["p1"] or {})]
        if row.get("t2") is not None:
            rels.append((str(row["t2"]), row["p2"] or {}))
        raw = 1.0
        for type_, props in rels:
            raw *= relation_weight(self.weights, type_, props.get("percentage"))
        via = None if row.get("via") is None else str(row["via"])
        return _Edge(family.name, str(row["dst"]), via, tuple(rels), raw)


def _edge_order(edge: _Edge) -> tuple[Any, ...]:
    return (edge.family, edge.dst, edge.via or "", -edge.raw,
            tuple((t, sorted((k, str(v)) for k, v in p.items() if not k.startswith("_")))
                  for t, p in edge.rels))


def _trace(subject: str, node: str, best: Mapping[str, _Reach]
           ) -> tuple[tuple[str, ...], tuple[GraphRelationship, ...], tuple[str, ...]]:
    """Node refs, relationships and families of the best path from the subject to ``node``."""
    steps: list[tuple[str, _Edge]] = []
    current = node
    while current != subject:
        reach = best[current]
        assert reach.parent is not None and reach.edge is not None
        steps.append((reach.parent, reach.edge))
        current = reach.parent
    steps.reverse()
    node_refs = [ref("Enterprise", subject)]
    rels: list[GraphRelationship] = []
    for src, edge in steps:
        family = FAMILIES[edge.family]
        walk = [ref("Enterprise", src)]
        if edge.via is not None and family.via_label is not None:
            walk.append(ref(family.via_label, edge.via))
        walk.append(ref("Enterprise", edge.dst))
        for i, (type_, props) in enumerate(edge.rels):
            a, b = walk[i], walk[i + 1]
            start, end = (a, b) if family.forward[i] else (b, a)
            rels.append(relationship(type_, start, end, props))
        node_refs.extend(walk[1:])
    return tuple(node_refs), tuple(rels), tuple(e.family for _, e in steps)


# -- ranking ----------------------------------------------------------------------------------


class _Facts(NamedTuple):
    status: str | None
    is_customer: bool
    products: tuple[str, ...]
    found: bool = True


def _fetch_facts(store: GraphStore, usccs: Sequence[str], batch_size: int
                 ) -> dict[str, _Facts]:
    facts: dict[str, _Facts] = {}
    for start in range(0, len(usccs), batch_size * 5):
        for row in run_named(store, "expansion_prospect_facts",
                             {"usccs": list(usccs[start:start + batch_size * 5])}):
            held = sorted({str(p) for products in row["products"] or [] for p in products or []})
            status = row.get("status")
            facts[str(row["uscc"])] = _Facts(None if status is None else str(status),
                                             int(row["customer_links"]) > 0, tuple(held))
    return facts


def _rank(
    store: GraphStore,
    events: Sequence[TriggerEvent],
    reached: Sequence[Mapping[str, _Reach]],
    walk: _Walk,
    catalogue: Mapping[str, EventType],
    weights: RankingWeights,
    k: int | None,
    excluded: frozenset[str],
    batch_size: int,
) -> list[ExpansionHit]:
    w_ev, w_ps = weights.weight("event_value"), weights.weight("path_strength")
    w_pf, w_nc = weights.weight("product_fit"), weights.weight("not_customer")
    hi = max(0.0, w_pf) + max(0.0, w_nc) + 1e-6
    lo = min(0.0, w_pf) + min(0.0, w_nc) - 1e-6

    # Candidates per event with score bounds that need no facts.
    candidates: list[list[tuple[float, float, str]]] = []  # (upper, lower, uscc), upper desc
    for event, best in zip(events, reached, strict=True):
        rows = []
        for uscc, reach in best.items():
            if uscc == event.subject:
                continue
            base = w_ev * min(1.0, event.value) + w_ps * min(1.0, reach.strength)
            rows.append((base + hi, base + lo, uscc))
        rows.sort(key=lambda r: (-r[0], r[2]))
        candidates.append(rows)

    facts: dict[str, _Facts] = {}
    exact: list[dict[str, Score]] = [{} for _ in events]
    done_upto = [0] * len(events)  # candidates[i][:done_upto[i]] are scored
    while True:
        need: set[str] = set()
        for i, rows in enumerate(candidates):
            threshold = _kth_threshold(exact[i], rows, done_upto[i], k)
            j = done_upto[i]
            while j < len(rows) and rows[j][0] >= threshold:
                if rows[j][2] not in facts:
                    need.add(rows[j][2])
                j += 1
        if not need:
            break
        facts.update(_fetch_facts(store, sorted(need), batch_size))
        for missing in need - facts.keys():
            facts[missing] = _Facts(None, False, (), found=False)
        for i, rows in enumerate(candidates):
            j = done_upto[i]
            while j < len(rows) and rows[j][2] in facts:
                uscc = rows[j][2]
                fact = facts[uscc]
                if fact.found and fact.status not in excluded:
                    exact[i][uscc] = _score(events[i], uscc, reached[i], fact, catalogue, weights)
                j += 1
            done_upto[i] = j

    hits: list[ExpansionHit] = []
    for i, event in enumerate(events):
        ranked = sorted(exact[i].items(), key=lambda kv: (-kv[1].total, kv[0]))
        if k is not None:
            ranked = ranked[:k]
        signals = catalogue[event.type].product_signals
        for uscc, total in ranked:
            node_refs, rels, fams = _trace(event.subject, uscc, reached[i])
            fact = facts[uscc]
            hits.append(ExpansionHit(
                event.event_id, uscc, total, reached[i][uscc].hops, fams, node_refs, rels,
                fact.is_customer, fact.products,
                tuple(s for s in signals if s not in fact.products),
            ))
    hits.sort(key=lambda h: (-h.score.total, h.uscc, h.event_id))
    return hits


def _kth_threshold(exact: Mapping[str, Score], rows: Sequence[tuple[float, float, str]],
                   done: int, k: int | None) -> float:
    """Lowest score still able to enter the top k: the k-th best of exact scores and the lower
    bounds of unscored candidates (−inf while fewer than k are known)."""
    if k is None:
        return float("-inf")
    known = sorted([s.total for s in exact.values()] + [r[1] for r in rows[done:]], reverse=True)
    return known[k - 1] if len(known) >= k else float("-inf")


def _score(event: TriggerEvent, uscc: str, best: Mapping[str, _Reach], fact: _Facts,
           catalogue: Mapping[str, EventType], weights: RankingWeights) -> Score:
    reach = best[uscc]
    event_type = catalogue[event.type]
    signals = event_type.product_signals
    offer = [s for s in signals if s not in fact.products]
    fit = len(offer) / len(signals) if signals else 0.0
    route = " → ".join(FAMILIES[f].label for f in _route(uscc, best))
    return score(
        weights,
        event_value=(event.value, f"{event_type.name} ({event.type}) on {event.date}: base "
                     f"{event_type.base_value:g}, {event.age_days} d old, half-life "
                     f"{event_type.half_life_days:g} d"),
        path_strength=(reach.strength, f"{reach.hops} hop(s) from the event's subject: {route}"),
        product_fit=(fit, "offer " + (", ".join(offer) or "nothing new")
                     + (f" (holds {', '.join(fact.products)})" if fact.products else "")),
        not_customer=(0.0 if fact.is_customer else 1.0,
                      "existing customer" if fact.is_customer else "not a customer yet"),
    )


def _route(node: str, best: Mapping[str, _Reach]) -> list[str]:
    """Families along the best path, subject first."""
    families: list[str] = []
    reach = best[node]
    while reach.parent is not None and reach.edge is not None:
        families.append(reach.edge.family)
        reach = best[reach.parent]
    return families[::-1]
