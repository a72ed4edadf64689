"""Event-triggered neighbour expansion: "this company just won a bid — whom should we call?".

From each event's subject enterprise (``Event-[:CONCERNS]->Enterprise``) the walk follows relation
*families* — fixed one-hop patterns, ``expansion_step_<family>.cypher`` and the batch forms below —
for up to three hops, and ranks every enterprise it reaches per event:

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
* the walk is level by level and neighbour lookups are shared by all events: each level expands
  the *distinct* frontier enterprises (in batches) once per family, so an enterprise near many
  events is expanded once. Direct families (``expansion_walk_<family>``) return one packed row per
  source (``collect`` of its neighbours). Hub families — through a park, association or person —
  go per *via* node: the sources' via nodes (``expansion_vias_<family>``), then each via node's
  lowest-uscc ``max_fanout`` + 1 members once per batch (``expansion_members_<family>``), joined
  in Python without the source: a park with thousands of tenants is sorted once per batch, not
  once per tenant, and its edges are shared objects. The result equals the per-source
  ``expansion_step_<family>`` query (tests/integration/test_queries_events.py);
* per (event, prospect) only the strongest path is kept, the frontier of each event is cut to the
  ``beam`` strongest nodes per level, and each source keeps at most ``max_fanout`` neighbours per
  family (lowest usccs first — deterministic on both stores; only hubs such as parks reach it);
* walk queries return keys (types and percentages only where a weight needs them: shares and
  control), and project ``type(r)`` even where unused: FalkorDB 4.16 otherwise collapses parallel
  relationships (two officer roles) that the per-source query counts towards ``max_fanout``;
* prospect facts come back only for customers and excluded statuses, and only for candidates
  whose best possible score can still reach an event's top ``per_event_limit`` (bounds from the
  path strength alone; exact);
* hits stay light (numbers and :class:`Step` tuples, built only for the top hits): explanations,
  nodes and relationship properties are drawn only for the prospects a caller pages through
  (:func:`page`, which re-runs the per-source step queries with properties for just those);
* walk and step queries anchor the source first
  (``MATCH (s {uscc: src}) WITH src, s MATCH (s)<-[r]-(x)``): without the ``WITH`` FalkorDB 4.16
  plans inbound patterns with a labelled far end and a ``x <> s`` filter as label scans — 10 000×
  slower at 100k enterprises.

Large batches take a second engine with the same hits (``engine="arrays"``; ``"auto"`` picks it
for a day's feed): each family's relationships are exported once per batch
(``expansion_graph``), and the walk and ranking run over arrays for thousands of events at a
time (``expansion_vector``). At 1M enterprises 102,522 events took 54 s instead of 1,643 s (median
of three runs on FalkorDB); the export is most of it (bench/analysis.md).

Frontier walk, measured (embedded FalkorDB, 2 cores shared with other jobs; the latest day of the bench demo
sets, 2 hops, top 20, old and new walk side by side in one process, identical hits): 10k, 124
events 2.9 → 1.2 s; 100k, 1,311 events 106 → 32 s (12 → 40 events/s; client CPU 42 → 17 s,
server CPU 20 → 4.6 s); 1M, the day's first 300 events 119 → 18 s, the whole day (12,790 events)
326 s, 39 events/s. Neo4j 10k (warm): 4.5 → 2.1 s. Now bound by this process: about 40 % waiting
for and decoding rows, the rest the walk's relaxation (≈ beam × fan-out edges per event at the
second level) and the ranking in Python; ``workers=2`` gains ≤ 10 % on the loaded 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, overload

import numpy as np

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphRelationship, GraphStore
from chainscout.loaders.reference_data import EventType, load_event_types

from . import expansion_graph, expansion_vector
from .array_runs import FloatArray
from .expansion_graph import ExpansionGraph
from .expansion_vector import clamp6
from .paths import build_path, fetch_nodes, ref, relationship
from .ranking import RankingWeights, load_weights, relation_weight, score, signal
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
        """Per source, one row per neighbour, with relationship properties on request."""
        return f"expansion_step_{self.name}"

    @property
    def walk_query(self) -> str:
        """A direct family's walk query: per source one packed row."""
        return f"expansion_walk_{self.name}"

    @property
    def vias_query(self) -> str:
        """A hub family's walk, first half: the sources' via nodes."""
        return f"expansion_vias_{self.name}"

    @property
    def members_query(self) -> str:
        """A hub family's walk, second half: each via node's lowest-uscc members, once."""
        return f"expansion_members_{self.name}"

    @property
    def bare(self) -> bool:
        """Walk queries return bare keys: one relationship type whose weight ignores percentages
        (``ranking.relation_weight`` scales only shareholdings)."""
        return len(self.rel_types) == 1 and self.rel_types[0] != "HOLDS_SHARES"

    @property
    def members_param(self) -> str:
        """The members query's list parameter (``park_ids``, ``person_ids`` …)."""
        return f"{graph_model().node(self.via_label).key}s" if self.via_label else ""


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


class Step(NamedTuple):
    """One hop of a walk: from ``src`` over a relation family to ``dst`` (via a park, person …)."""

    src: str
    family: str
    dst: str
    via: str | None
    rel_type: str  # type of the first relationship (a via-family's second one has the same type)
    raw: float  # product of the hop's relation weights


@dataclass(frozen=True)
class HitContext:
    """What drawing a hit needs besides the hit; one shared object per event of a batch."""

    event: TriggerEvent
    event_type: EventType
    weights: RankingWeights
    max_fanout: int


@dataclass(frozen=True)
class ExpansionHit:
    """One ranked (event, prospect) pair with its strongest path, light enough for batches;
    :func:`prospects` / :func:`page` draw hits as :class:`Prospect` with explained scores and
    paths."""

    event_id: str
    uscc: str
    total: float  # equals the drawn prospect's ``score.total``
    strength: float  # path strength of the best path
    is_customer: bool
    products_held: tuple[str, ...]
    offer: tuple[str, ...]  # the event's product signals the prospect does not hold
    steps: tuple[Step, ...]  # subject first
    context: HitContext = field(repr=False, compare=False)

    @property
    def hops(self) -> int:
        return len(self.steps)

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(s.family for s in self.steps)

    @property
    def node_refs(self) -> tuple[str, ...]:
        refs = [ref("Enterprise", self.steps[0].src)] if self.steps else []
        for step in self.steps:
            via_label = FAMILIES[step.family].via_label
            if step.via is not None and via_label is not None:
                refs.append(ref(via_label, step.via))
            refs.append(ref("Enterprise", step.dst))
        return tuple(refs)


@dataclass(frozen=True)
class BatchExpansion:
    events: tuple[TriggerEvent, ...]
    hits: Sequence[ExpansionHit]  # total desc, uscc, event_id
    skipped: Mapping[str, str] = field(default_factory=dict)  # event_id → reason
    engine: str = "walk"  # how the batch was expanded: "walk" or "arrays"


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
    batch_size: int = 5000,
    workers: int = 1,
    window: int = 2000,
    engine: str = "auto",
) -> BatchExpansion:
    """Expand a batch — a list of event ids or every event dated ``date_from``..``date_to``.

    Returns every event's top ``per_event_limit`` prospects (``None``: all) as light hits, ranked
    together; draw a page of them as :class:`Prospect` with :func:`page`. ``workers`` families are
    queried at once (each on its own connection), so the store works while this process decodes.
    Events are walked and ranked ``window`` at a time, so memory follows the window, not the
    batch: every enterprise an event reaches is held until that event is ranked (≈ 500 per event
    at two hops), which for a day of 100k events would be tens of millions of entries. The result
    does not depend on the window.

    ``engine`` ``"walk"`` fetches neighbours frontier by frontier; ``"arrays"`` exports the
    families' relationships once and walks and ranks with arrays (``expansion_graph``,
    ``expansion_vector``); both give the same hits. ``"auto"`` takes the arrays once a batch
    has at least one event per :data:`ENTERPRISES_PER_EVENT` enterprises (a day's feed), where
    the walk would read most of the graph anyway.
    """
    chosen = check_families(families)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be 1..{MAX_HOPS}")
    if beam < 1 or max_fanout < 1 or batch_size < 1 or workers < 1 or window < 1:
        raise ValueError("beam, max_fanout, batch_size, workers and window must be positive")
    if per_event_limit is not None and per_event_limit < 1:
        raise ValueError("per_event_limit must be positive")
    weights = weights or load_weights()
    catalogue = event_types if event_types is not None else load_event_types()
    as_of = as_of or dt.date.today()

    events, skipped = _events(store, event_ids, date_from, date_to, catalogue, as_of, batch_size)
    if engine == "arrays" or (engine == "auto" and _arrays_pay(store, len(events))):
        ranked = _array_hits(store, events, catalogue, chosen, weights, max_hops,
                             per_event_limit, beam, max_fanout, exclude_statuses, window)
        return BatchExpansion(tuple(events), ranked, skipped, "arrays")
    walk = _Walk(store, chosen, weights, beam, max_fanout, batch_size, workers=workers)
    hits: list[ExpansionHit] = []
    known = _KnownFacts()
    excluded = list(exclude_statuses)
    for start in range(0, len(events), window):
        part = events[start:start + window]
        walk.bound_cache()
        reached = walk.run([e.subject for e in part], max_hops)
        contexts = [HitContext(e, catalogue[e.type], weights, max_fanout) for e in part]
        hits += _rank(store, contexts, reached, weights, per_event_limit, excluded, batch_size,
                      known)
        del reached  # before the next window's walk, not after it
    hits.sort(key=_hit_order)
    return BatchExpansion(tuple(events), tuple(hits), skipped)


#: Expansion engines of :func:`expand_events`.
ENGINES = ("auto", "walk", "arrays")
#: ``engine="auto"`` exports the graph for a batch with at least one event per this many
#: enterprises (and at least :data:`ARRAYS_MIN_EVENTS` events).
ENTERPRISES_PER_EVENT = 200
ARRAYS_MIN_EVENTS = 50


def _arrays_pay(store: GraphStore, events: int) -> bool:
    if events < ARRAYS_MIN_EVENTS:
        return False
    rows = run_named(store, "expansion_enterprise_count", {})
    return events * ENTERPRISES_PER_EVENT >= int(rows[0]["enterprises"])


def _array_hits(
    store: GraphStore,
    events: Sequence[TriggerEvent],
    catalogue: Mapping[str, EventType],
    chosen: tuple[str, ...],
    weights: RankingWeights,
    max_hops: int,
    k: int | None,
    beam: int,
    max_fanout: int,
    exclude_statuses: Sequence[str],
    window: int,
) -> Sequence[ExpansionHit]:
    """The batch over arrays: export once, then walk and rank ``window`` events at a time."""
    graph = expansion_graph.build(
        store, chosen, {n: (FAMILIES[n].rel_types, FAMILIES[n].via_label is not None)
                        for n in chosen},
        weights, max_fanout, exclude_statuses, subjects=[e.subject for e in events])
    w_ev, w_ps, w_pf, w_nc = (weights.weight(p) for p in _PARTS)
    type_codes = sorted({e.type for e in events})
    type_index = {code: i for i, code in enumerate(type_codes)}
    fit_part = _fit_parts(graph.product_sets, [catalogue[c].product_signals for c in type_codes],
                          w_pf)
    customer_part = np.array([1.0 * w_nc, 0.0 * w_nc])
    parts: list[expansion_vector.Ranked] = []
    for start in range(0, len(events), window):
        part = events[start:start + window]
        subjects = graph.subjects[start:start + window]
        scoring = expansion_vector.Scoring(
            np.array([signal(e.value) * w_ev for e in part]),
            np.fromiter((type_index[e.type] for e in part), dtype=np.int64, count=len(part)),
            w_ps, fit_part, customer_part)
        reached = expansion_vector.walk(graph, chosen, subjects, max_hops, beam,
                                        weights.hop_decay, None if k is None else (scoring, k))
        parts.append(expansion_vector.rank(graph, reached, subjects, scoring, k,
                                           first_event=start, max_hops=max_hops))
    ranked = expansion_vector.Ranked.concat(parts, max_hops)
    contexts = [HitContext(e, catalogue[e.type], weights, max_fanout) for e in events]
    return _ArrayHits(graph, chosen, contexts, ranked)


def _fit_parts(product_sets: Sequence[tuple[str, ...]], signals: Sequence[Sequence[str]],
               w_pf: float) -> FloatArray:
    """The weighted product_fit part per (held product set, event type): ``_facts_parts`` for
    all of them at once (signals counted as often as listed, as ``_fit`` does)."""
    products = sorted({p for held in product_sets for p in held})
    column = {p: i for i, p in enumerate(products)}
    held = np.zeros((len(product_sets), len(products)))
    for i, products_held in enumerate(product_sets):
        for p in products_held:
            held[i, column[p]] = 1.0
    wanted = np.zeros((len(products), len(signals)))
    sizes = np.array([float(len(s)) for s in signals])
    for j, listed in enumerate(signals):
        for p in listed:
            if p in column:
                wanted[column[p], j] += 1.0
    held_wanted = held @ wanted  # small integers, exact
    fit = np.where(sizes > 0, (sizes - held_wanted) / np.where(sizes > 0, sizes, 1.0), 0.0)
    parts: FloatArray = clamp6(fit) * w_pf
    return parts


class _ArrayHits(Sequence[ExpansionHit]):
    """A batch's ranked hits kept as arrays, each drawn as an :class:`ExpansionHit` when read:
    a day's feed ranks millions of (event, prospect) pairs, and callers page through a few."""

    def __init__(self, graph: ExpansionGraph, families: tuple[str, ...],
                 contexts: Sequence[HitContext], ranked: expansion_vector.Ranked) -> None:
        self._graph = graph
        self._families = [graph.families[name] for name in families]
        self._contexts = contexts
        self._ranked = ranked

    def __len__(self) -> int:
        return int(self._ranked.totals.size)

    @overload
    def __getitem__(self, index: int) -> ExpansionHit: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ExpansionHit, ...]: ...

    def __getitem__(self, index: int | slice) -> ExpansionHit | tuple[ExpansionHit, ...]:
        if isinstance(index, slice):
            return tuple(self._hit(i) for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._hit(index)

    def _hit(self, i: int) -> ExpansionHit:
        r = self._ranked
        graph = self._graph
        usccs = graph.usccs
        node = int(r.node[i])
        steps = []
        for h in range(int(r.hops[i])):
            fam = self._families[int(r.step_fam[i, h])]
            via = int(r.step_via[i, h])
            steps.append(Step(usccs[int(r.step_src[i, h])], fam.name,
                              usccs[int(r.step_dst[i, h])], fam.vias[via] if via >= 0 else None,
                              fam.rel_types[int(r.step_rtype[i, h])], float(r.step_raw[i, h])))
        products = graph.product_sets[int(graph.held[node])]
        context = self._contexts[int(r.ev[i])]
        return ExpansionHit(
            context.event.event_id, usccs[node], float(r.totals[i]), float(r.strength[i]),
            bool(graph.customer[node]), products,
            tuple(s for s in context.event_type.product_signals if s not in products),
            tuple(steps), context)


def page(store: GraphStore, batch: BatchExpansion, *, limit: int = 20, offset: int = 0
         ) -> Page[Prospect]:
    """One page of a batch's ranked hits, drawn as prospects with scores and paths."""
    window = paginate(batch.hits, limit, offset)
    return Page(prospects(store, window.items), window.total, limit, offset)


def prospects(store: GraphStore, hits: Sequence[ExpansionHit]) -> list[Prospect]:
    """Draw hits as :class:`Prospect`: nodes in one query, relationship properties by re-running
    the hops' step queries for just these sources. Keeps the hits' order."""
    nodes = fetch_nodes(store, (r for h in hits for r in h.node_refs))
    rel_props = _step_properties(store, [(s, h.context.max_fanout) for h in hits
                                         for s in h.steps])
    out = []
    for hit in hits:
        event = hit.context.event
        rels: list[GraphRelationship] = []
        walk = hit.node_refs
        position = 0
        for step in hit.steps:
            family = FAMILIES[step.family]
            props = rel_props.get((step.family, step.src, step.dst, step.via, step.rel_type),
                                  ({}, {}))
            for i, forward in enumerate(family.forward):
                a, b = walk[position + i], walk[position + i + 1]
                start, end = (a, b) if forward else (b, a)
                type_ = step.rel_type if i == 0 else family.rel_types[0]
                rels.append(relationship(type_, start, end, props[i]))
            position += len(family.forward)
        path = build_path(walk, rels, nodes)
        score_ = _explained_score(event, hit, hit.context.event_type, hit.context.weights)
        out.append(Prospect(
            enterprise=path.nodes[-1],
            score=score_,
            paths=(path,),
            facts={
                "event_id": hit.event_id,
                "event_type": event.type,
                "subject": event.subject,
                "hops": hit.hops,
                "families": list(hit.families),
                "is_customer": hit.is_customer,
                "products_held": list(hit.products_held),
                "offer": list(hit.offer),
            },
        ))
    return out


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
    """One hop out of a node over a family. Shared: every event reaching the node walks the same
    objects, and a hub family's edges to a via node's members are shared by its sources."""

    family: str
    dst: str
    via: str | None
    rel_type: str
    raw: float


class _Reach(NamedTuple):
    strength: float
    hops: int
    src: str | None  # the node the hop started from; None at the subject
    edge: _Edge | None  # the hop that reached the node
    #: The source's reach the hop started from: a node improved later in the same level keeps the
    #: path it was expanded with, so every path has exactly ``hops`` hops.
    prev: _Reach | None = None


#: Per node: one (relationships per hop, edges) chunk per family, in the order of the families.
_Chunks = list[tuple[int, list[_Edge]]]


class _Walk:
    """Level-by-level expansion shared by all events of a batch."""

    def __init__(self, store: GraphStore, families: tuple[str, ...], weights: RankingWeights,
                 beam: int, max_fanout: int, batch_size: int, *, workers: int = 1,
                 per_via: bool = True) -> None:
        self.store = store
        self.families = families
        self.weights = weights
        self.beam = beam
        self.max_fanout = max_fanout
        self.batch_size = batch_size
        #: False: hub families run their per-source step query (the reference for tests).
        self.per_via = per_via
        self.workers = workers
        self.adjacency: dict[str, _Chunks] = {}
        # per via family: via key → (limit asked for, member rows as (uscc, link weight))
        self._members: dict[str, dict[str, tuple[int, list[tuple[str, float]]]]] = {}
        self._weight_memo: dict[tuple[str, Any], float] = {}

    #: Sources whose neighbours are kept between windows of a batch (≈ 100 MB at two hops).
    max_cached_sources = 200_000

    def bound_cache(self) -> None:
        """Forget the neighbours loaded so far once they exceed ``max_cached_sources``; later
        windows load what they need again (a day's events share few sources)."""
        if len(self.adjacency) > self.max_cached_sources:
            self.adjacency.clear()
            self._members.clear()

    def run(self, subjects: Sequence[str], max_hops: int) -> list[dict[str, _Reach]]:
        """For each subject (one per event), the best reach of every enterprise found."""
        decay = self.weights.hop_decay
        # decay factors by (relationships in the hop, first hop?)
        factor = {(n, first): decay ** (n - 1 if first else n) for n in (1, 2) for first in
                  (True, False)}
        reached: list[dict[str, _Reach]] = [{s: _Reach(1.0, 0, None, None)} for s in subjects]
        frontiers: list[list[str]] = [[s] for s in subjects]
        adjacency = self.adjacency
        beam = self.beam
        for level in range(max_hops):
            last = level == max_hops - 1
            self._load({u for frontier in frontiers for u in frontier})
            for i, frontier in enumerate(frontiers):
                best = reached[i]
                improved: dict[str, float] = {}
                # the level's sources as they stood when it began
                for node, here in [(u, best[u]) for u in frontier]:
                    first = here.hops == 0
                    hops = here.hops + 1
                    at = here.strength
                    for rels, edges in adjacency.get(node, ()):
                        f = factor[rels, first]
                        for edge in edges:
                            strength = at * edge.raw * f
                            known = best.get(edge.dst)
                            if known is None or strength > known.strength:
                                best[edge.dst] = _Reach(strength, hops, node, edge, here)
                                improved[edge.dst] = strength
                if last:
                    continue
                # strongest first, then uscc: on equal strength the first source wins a node
                ranked = sorted(improved.items(), key=lambda kv: (-kv[1], kv[0]))
                frontiers[i] = [u for u, _ in ranked[:beam]]
        return reached

    def _weight(self, rel_type: str, percentage: Any) -> float:
        key = (rel_type, percentage)
        w = self._weight_memo.get(key)
        if w is None:
            w = self._weight_memo[key] = relation_weight(self.weights, rel_type, percentage)
        return w

    def _load(self, sources: set[str]) -> None:
        todo = sorted(u for u in sources if u not in self.adjacency)
        if not todo:
            return
        if self.workers > 1 and len(self.families) > 1:
            # families on several connections: the store works on one family's queries while
            # this process decodes another's rows
            with ThreadPoolExecutor(min(self.workers, len(self.families))) as pool:
                per_family = list(pool.map(lambda name: self._family(name, todo), self.families))
        else:
            per_family = [self._family(name, todo) for name in self.families]
        found: dict[str, _Chunks] = {u: [] for u in todo}
        for name, edges in zip(self.families, per_family, strict=True):
            rels = len(FAMILIES[name].forward)
            for u, out in edges.items():
                if out:
                    found[u].append((rels, out))
        self.adjacency.update(found)

    def _family(self, name: str, todo: list[str]) -> dict[str, list[_Edge]]:
        family = FAMILIES[name]
        edges: dict[str, list[_Edge]] = {}
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start:start + self.batch_size]
            if family.via_label is None:
                edges.update(self._direct(name, chunk))
            elif self.per_via:
                edges.update(self._via(name, chunk))
            else:
                edges.update(self._per_source(name, chunk))
        return edges

    def _direct(self, name: str, sources: list[str]) -> dict[str, list[_Edge]]:
        """A direct family: one packed row per source, neighbours in key order."""
        family = FAMILIES[name]
        weight = self._weight
        out: dict[str, list[_Edge]] = {}
        rows = run_named(self.store, family.walk_query,
                         {"sources": sources, "max_fanout": self.max_fanout})
        if family.bare:  # one type, weight without percentage: all parallel links weigh the same
            type_ = family.rel_types[0]
            raw = weight(type_, None)
            for row in rows:
                out[str(row["src"])] = [_Edge(name, dst, None, type_, raw)
                                        for dst in dict.fromkeys(row["hits"])]
            return out
        for row in rows:
            best: dict[str, _Edge] = {}
            for dst, type_, pct in row["hits"]:
                raw = weight(type_, pct)
                known = best.get(dst)
                # parallel relationships (shares and control): keep the strongest, the first in
                # the query's stable order on a tie
                if known is None or raw > known.raw:
                    best[dst] = _Edge(name, dst, None, type_, raw)
            out[str(row["src"])] = list(best.values())
        return out

    def _via(self, name: str, sources: list[str]) -> dict[str, list[_Edge]]:
        """A hub family, per via node: the sources' via nodes, then each via node's lowest-uscc
        members once per batch (not sorted again for every source), joined here without the
        source itself. Equal to the per-source step query: a source's first ``max_fanout`` rows
        through a via node are among its first ``max_fanout`` + (the source's own links to it)
        member rows."""
        family = FAMILIES[name]
        type_ = family.rel_types[0]
        weight = self._weight
        max_fanout = self.max_fanout
        # per source: (via key, weight of the source's link) per link
        links_of: dict[str, list[tuple[str, float]]] = {}
        own: dict[str, int] = {}  # via → most links one source has to it
        for row in run_named(self.store, family.vias_query, {"sources": sources}):
            if family.bare:
                w = weight(type_, None)
                links = [(str(v), w) for v in row["vias"]]
            else:
                links = [(str(v), weight(type_, pct)) for v, pct in row["vias"]]
            links_of[str(row["src"])] = links
            counts: dict[str, int] = {}
            for vid, _ in links:
                counts[vid] = counts.get(vid, 0) + 1
            for vid, n in counts.items():
                if n > own.get(vid, 0):
                    own[vid] = n
        members = self._members.setdefault(name, {})
        refetch: dict[int, list[str]] = {}
        for vid, n in own.items():
            limit = max_fanout + n
            if vid not in members or members[vid][0] < limit:
                refetch.setdefault(limit, []).append(vid)
        for limit, vids in sorted(refetch.items()):
            for start in range(0, len(vids), self.batch_size):
                for row in run_named(self.store, family.members_query, {
                        family.members_param: sorted(vids[start:start + self.batch_size]),
                        "limit": limit}):
                    if family.bare:
                        w = weight(type_, None)
                        got = [(str(dst), w) for dst in row["members"]]
                    else:
                        got = [(str(dst), weight(type_, pct)) for dst, pct in row["members"]]
                    members[str(row["via"])] = (limit, got)

        # one source, one link to a via node without parallel links (the usual case): its edges
        # are the via node's shared edges without the source
        shared: dict[tuple[str, float], list[_Edge] | None] = {}
        out: dict[str, list[_Edge]] = {}
        for src, links in links_of.items():
            if len(links) == 1:
                key = links[0]
                if key not in shared:
                    vid, w1 = key
                    rows = members.get(vid, (0, []))[1]
                    edges = [_Edge(name, dst, vid, type_, w1 * w2) for dst, w2 in rows]
                    unique = len({e.dst for e in edges}) == len(edges)
                    shared[key] = edges if unique else None
                edges_ = shared[key]
                if edges_ is not None:
                    out[src] = [e for e in edges_[:max_fanout + 1] if e.dst != src][:max_fanout]
                    continue
            out[src] = self._join(name, src, links, members)
        return out

    def _join(self, name: str, src: str, links: list[tuple[str, float]],
              members: Mapping[str, tuple[int, list[tuple[str, float]]]]) -> list[_Edge]:
        """The general per-via join: rows (link × member link) in the step query's order (uscc,
        via, then the source's link), cut to ``max_fanout`` rows, strongest per (uscc, via)."""
        type_ = FAMILIES[name].rel_types[0]
        rows: list[tuple[str, str, int, float]] = []
        for i, (vid, w1) in enumerate(links):
            for dst, w2 in members.get(vid, (0, []))[1]:
                if dst != src:
                    rows.append((dst, vid, i, w1 * w2))
        rows.sort(key=lambda r: r[:3])
        best: dict[tuple[str, str], _Edge] = {}
        for dst, vid, _, raw in rows[:self.max_fanout]:
            known = best.get((dst, vid))
            if known is None or raw > known.raw:
                best[dst, vid] = _Edge(name, dst, vid, type_, raw)
        return list(best.values())

    def _per_source(self, name: str, sources: list[str]) -> dict[str, list[_Edge]]:
        """A hub family through its per-source step query (one row per neighbour)."""
        family = FAMILIES[name]
        second = family.rel_types[0]
        weight = self._weight
        found: dict[str, dict[tuple[str, str | None], _Edge]] = {}
        for row in run_named(self.store, family.query, {
                "sources": sources, "max_fanout": self.max_fanout, "with_props": False}):
            type_ = str(row["t1"])
            raw = weight(type_, row["pct1"])
            if len(family.forward) == 2:
                raw *= weight(second, row["pct2"])
            src, dst = str(row["src"]), str(row["dst"])
            via = None if row["via"] is None else str(row["via"])
            steps = found.setdefault(src, {})
            known = steps.get((dst, via))
            if known is None or raw > known.raw:
                steps[dst, via] = _Edge(name, dst, via, type_, raw)
        return {u: list(steps.values()) for u, steps in found.items()}


def _step_properties(store: GraphStore, steps: Sequence[tuple[Step, int]]
                     ) -> dict[tuple[str, str, str, str | None, str],
                               tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Relationship properties of the given hops, by re-running their step queries for just their
    sources with ``with_props`` (the same stable order and fan-out, so parallel relationships
    resolve alike)."""
    sources: dict[tuple[str, int], set[str]] = {}
    for step, max_fanout in steps:
        sources.setdefault((step.family, max_fanout), set()).add(step.src)
    out: dict[tuple[str, str, str, str | None, str],
              tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
    for (name, max_fanout), srcs in sorted(sources.items()):
        rows = run_named(store, FAMILIES[name].query, {
            "sources": sorted(srcs), "max_fanout": max_fanout, "with_props": True})
        for row in rows:
            via = None if row["via"] is None else str(row["via"])
            key = (name, str(row["src"]), str(row["dst"]), via, str(row["t1"]))
            if key not in out:
                out[key] = (row["p1"] or {}, row["p2"] or {})
    return out


# -- ranking ----------------------------------------------------------------------------------


class _Facts(NamedTuple):
    status: str | None
    is_customer: bool
    products: tuple[str, ...]


class _KnownFacts:
    """Facts looked up so far in a batch, so later windows ask only for new candidates:
    ``fetched`` holds every uscc asked for, ``facts`` those that are not plain prospects."""

    #: Usccs remembered before the lookups start afresh (≈ 100 MB).
    max_fetched = 1_000_000

    def __init__(self) -> None:
        self.facts: dict[str, _Facts] = {}
        self.fetched: set[str] = set()

    def bound(self) -> None:
        if len(self.fetched) > self.max_fetched:
            self.facts.clear()
            self.fetched.clear()


_PROSPECT = _Facts(None, False, ())
_PARTS = ("event_value", "path_strength", "product_fit", "not_customer")


def _fetch_facts(store: GraphStore, usccs: Sequence[str], excluded: list[str], batch_size: int
                 ) -> dict[str, _Facts]:
    """Facts of customers and excluded enterprises; every other uscc is a plain prospect."""
    facts: dict[str, _Facts] = {}
    step = batch_size * 4
    for start in range(0, len(usccs), step):
        for row in run_named(store, "expansion_prospect_facts",
                             {"usccs": list(usccs[start:start + step]), "excluded": excluded}):
            held = sorted({str(p) for products in row["products"] or [] for p in products or []})
            status = row.get("status")
            facts[str(row["uscc"])] = _Facts(None if status is None else str(status),
                                             int(row["customer_links"]) > 0, tuple(held))
    return facts


def _rank(
    store: GraphStore,
    contexts: Sequence[HitContext],
    reached: Sequence[Mapping[str, _Reach]],
    weights: RankingWeights,
    k: int | None,
    excluded: list[str],
    batch_size: int,
    known: _KnownFacts,
) -> list[ExpansionHit]:
    """Top k per event, exactly (unsorted: the caller ranks all windows together): candidates
    whose best possible score (product_fit and not_customer at their most) cannot reach the k-th
    best worst case skip the facts lookup; ``known`` holds the facts looked up in earlier
    windows."""
    w_ev, w_ps, w_pf, w_nc = (weights.weight(p) for p in _PARTS)
    hi = max(0.0, w_pf) + max(0.0, w_nc) + 1e-6
    lo = min(0.0, w_pf) + min(0.0, w_nc) - 1e-6
    excluded_set = set(excluded)
    events = [c.event for c in contexts]
    catalogue = {c.event.type: c.event_type for c in contexts}

    # (base score without facts, uscc) per event; base = event_value and path_strength parts.
    # Strengths repeat (products of a few relation weights): clamp each distinct one once.
    clamp = functools.cache(signal)
    bases: list[list[tuple[float, str]]] = []
    wanted: list[set[str]] = []
    for event, best in zip(events, reached, strict=True):
        ev = clamp(event.value) * w_ev
        subject = event.subject
        rows = [(ev + clamp(reach.strength) * w_ps, uscc) for uscc, reach in best.items()
                if uscc != subject]
        bases.append(rows)
        if k is None or len(rows) <= k:
            wanted.append({u for _, u in rows})
        else:
            threshold = heapq.nlargest(k, (b for b, _ in rows))[-1] + lo
            wanted.append({u for b, u in rows if b + hi >= threshold})

    known.bound()
    facts, fetched = known.facts, known.fetched
    hits: list[ExpansionHit] = []
    for rounds in range(2):
        need = sorted(set().union(*wanted) - fetched) if wanted else []
        facts.update(_fetch_facts(store, need, excluded, batch_size))
        fetched.update(need)
        if rounds == 1:
            break
        # an exclusion can leave fewer than k certain winners: take every candidate of such events
        again = False
        for i, rows in enumerate(bases):
            if k is None or len(wanted[i]) == len(rows):
                continue
            valid = sorted((_total(b, facts.get(u, _PROSPECT), events[i], catalogue, w_pf, w_nc)
                            for b, u in rows if u in wanted[i]
                            and facts.get(u, _PROSPECT).status not in excluded_set),
                           reverse=True)
            pruned_best = max(b + hi for b, u in rows if u not in wanted[i])
            if len(valid) < k or valid[k - 1] < pruned_best:
                wanted[i] = {u for _, u in rows}
                again = True
        if not again:
            break

    for i, event in enumerate(events):
        signals = catalogue[event.type].product_signals
        best = reached[i]
        # A plain prospect's facts part is the same for every candidate of the event: the same
        # terms as _total, added in the same order, so the totals are equal to the last bit.
        fit_part, customer_part = _facts_parts(_PROSPECT, event, catalogue, w_pf, w_nc)
        keep = wanted[i]
        scored = []
        for base, uscc in bases[i]:
            if uscc not in keep:
                continue
            fact = facts.get(uscc)
            if fact is None:
                scored.append((-round(base + fit_part + customer_part, 6), uscc))
            elif fact.status not in excluded_set:
                scored.append((-_total(base, fact, event, catalogue, w_pf, w_nc), uscc))
        top = heapq.nsmallest(k, scored) if k is not None else sorted(scored)
        for neg_total, uscc in top:
            fact = facts.get(uscc, _PROSPECT)
            reach = best[uscc]
            hits.append(ExpansionHit(
                event.event_id, uscc, -neg_total, reach.strength, fact.is_customer,
                fact.products, tuple(s for s in signals if s not in fact.products),
                _steps(uscc, best), contexts[i],
            ))
    return hits


def _hit_order(hit: ExpansionHit) -> tuple[float, str, str]:
    return (-hit.total, hit.uscc, hit.event_id)


def _fit(signals: Sequence[str], held: Sequence[str]) -> float:
    if not signals:
        return 0.0
    return sum(1 for s in signals if s not in held) / len(signals)


def _facts_parts(fact: _Facts, event: TriggerEvent, catalogue: Mapping[str, EventType],
                 w_pf: float, w_nc: float) -> tuple[float, float]:
    """The weighted product_fit and not_customer parts of a candidate's score."""
    fit = _fit(catalogue[event.type].product_signals, fact.products) if fact.products else (
        1.0 if catalogue[event.type].product_signals else 0.0)
    return signal(fit) * w_pf, (0.0 if fact.is_customer else 1.0) * w_nc


def _total(base: float, fact: _Facts, event: TriggerEvent, catalogue: Mapping[str, EventType],
           w_pf: float, w_nc: float) -> float:
    """Exactly ``Score.total`` of :func:`_explained_score` (same rounding, same order)."""
    fit_part, customer_part = _facts_parts(fact, event, catalogue, w_pf, w_nc)
    return round(base + fit_part + customer_part, 6)


def _steps(node: str, best: Mapping[str, _Reach]) -> tuple[Step, ...]:
    steps: list[Step] = []
    reach: _Reach | None = best[node]
    while reach is not None and reach.edge is not None and reach.src is not None:
        edge = reach.edge
        steps.append(Step(reach.src, edge.family, edge.dst, edge.via, edge.rel_type, edge.raw))
        reach = reach.prev
    return tuple(steps[::-1])


def _explained_score(event: TriggerEvent, hit: ExpansionHit, event_type: EventType,
                     weights: RankingWeights) -> Score:
    signals = event_type.product_signals
    route = " → ".join(FAMILIES[f].label for f in hit.families)
    return score(
        weights,
        event_value=(event.value, f"{event_type.name} ({event.type}) on {event.date}: base "
                     f"{event_type.base_value:g}, {event.age_days} d old, half-life "
                     f"{event_type.half_life_days:g} d"),
        path_strength=(hit.strength, f"{hit.hops} hop(s) from the event's subject: {route}"),
        product_fit=(_fit(signals, hit.products_held),
                     "offer " + (", ".join(hit.offer) or "nothing new")
                     + (f" (holds {', '.join(hit.products_held)})" if hit.products_held else "")),
        not_customer=(0.0 if hit.is_customer else 1.0,
                      "existing customer" if hit.is_customer else "not a customer yet"),
    )
