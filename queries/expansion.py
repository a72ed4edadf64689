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
* step queries return scalars only (keys, types, percentages); prospect facts come back only for
  customers and excluded statuses, and only for candidates whose best possible score can still
  reach an event's top ``per_event_limit`` (bounds from the path strength alone; exact);
* hits stay light (numbers and shared :class:`Step` tuples): explanations, nodes and relationship
  properties are drawn only for the prospects a caller pages through (:func:`page`);
* step queries anchor the source first (``MATCH (s {uscc: src}) WITH src, s MATCH (s)<-[r]-(x)``):
  without the ``WITH`` FalkorDB 4.16 plans inbound patterns with a labelled far end and a
  ``x <> s`` filter as label scans — 10 000× slower at 100k enterprises.

Measured (embedded FalkorDB, 2 cores shared with other jobs, see ``bench/expansion_bench.py``):
the cost is dominated by rows crossing the client, ~25 µs server and ~50 µs Python per
neighbour row, so one hop over the five ownership and supply families costs about 3 ms per event.
"""

from __future__ import annotations

import datetime as dt
import heapq
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
    hits: tuple[ExpansionHit, ...]  # total desc, uscc, event_id
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
    batch_size: int = 5000,
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
    contexts = [HitContext(e, catalogue[e.type], weights, max_fanout) for e in events]
    hits = _rank(store, contexts, reached, weights, per_event_limit, list(exclude_statuses),
                 batch_size)
    return BatchExpansion(tuple(events), tuple(hits), skipped)


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


class _Reach(NamedTuple):
    strength: float
    hops: int
    step: Step | None  # the hop that reached the node; None at the subject


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
        self.adjacency: dict[str, list[Step]] = {}

    def run(self, subjects: Sequence[str], max_hops: int) -> list[dict[str, _Reach]]:
        """For each subject (one per event), the best reach of every enterprise found."""
        decay = self.weights.hop_decay
        # decay factors by (relationships in the hop, first hop?)
        factor = {(n, first): decay ** (n - 1 if first else n) for n in (1, 2) for first in
                  (True, False)}
        hop_rels = {name: len(FAMILIES[name].forward) for name in self.families}
        reached: list[dict[str, _Reach]] = [{s: _Reach(1.0, 0, None)} for s in subjects]
        frontiers: list[list[str]] = [[s] for s in subjects]
        adjacency = self.adjacency
        beam = self.beam
        for _level in range(max_hops):
            self._load({u for frontier in frontiers for u in frontier})
            for i, frontier in enumerate(frontiers):
                best = reached[i]
                improved: dict[str, float] = {}
                for node in frontier:
                    here = best[node]
                    first = here.hops == 0
                    hops = here.hops + 1
                    for step in adjacency.get(node, ()):
                        strength = (here.strength * step.raw
                                    * factor[hop_rels[step.family], first])
                        known = best.get(step.dst)
                        if known is None or strength > known.strength:
                            best[step.dst] = _Reach(strength, hops, step)
                            improved[step.dst] = strength
                if len(improved) > beam:
                    ranked = sorted(improved.items(), key=lambda kv: (-kv[1], kv[0]))
                    frontiers[i] = [u for u, _ in ranked[:beam]]
                else:
                    frontiers[i] = list(improved)
        return reached

    def _load(self, sources: set[str]) -> None:
        todo = sorted(u for u in sources if u not in self.adjacency)
        found: dict[str, dict[tuple[str, str, str | None], Step]] = {u: {} for u in todo}
        weights = self.weights
        for name in self.families:
            family = FAMILIES[name]
            second = family.rel_types[0]
            for start in range(0, len(todo), self.batch_size):
                rows = run_named(self.store, family.query, {
                    "sources": todo[start:start + self.batch_size],
                    "max_fanout": self.max_fanout, "with_props": False,
                })
                for row in rows:
                    type_ = str(row["t1"])
                    raw = relation_weight(weights, type_, row["pct1"])
                    if len(family.forward) == 2:
                        raw *= relation_weight(weights, second, row["pct2"])
                    src, dst, via = str(row["src"]), str(row["dst"]), row["via"]
                    via = None if via is None else str(via)
                    key = (name, dst, via)
                    steps = found[src]
                    # parallel relationships (two officer roles, shares and control): keep the
                    # strongest, the first in the query's stable order on a tie
                    if key not in steps or raw > steps[key].raw:
                        steps[key] = Step(src, name, dst, via, type_, raw)
        for u in todo:
            self.adjacency[u] = list(found[u].values())


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


def _clamp(value: float) -> float:
    return round(max(0.0, min(1.0, value)), 6)


def _rank(
    store: GraphStore,
    contexts: Sequence[HitContext],
    reached: Sequence[Mapping[str, _Reach]],
    weights: RankingWeights,
    k: int | None,
    excluded: list[str],
    batch_size: int,
) -> list[ExpansionHit]:
    """Top k per event, exactly: candidates whose best possible score (product_fit and
    not_customer at their most) cannot reach the k-th best worst case skip the facts lookup."""
    w_ev, w_ps, w_pf, w_nc = (weights.weight(p) for p in _PARTS)
    hi = max(0.0, w_pf) + max(0.0, w_nc) + 1e-6
    lo = min(0.0, w_pf) + min(0.0, w_nc) - 1e-6
    excluded_set = set(excluded)
    events = [c.event for c in contexts]
    catalogue = {c.event.type: c.event_type for c in contexts}

    # (base score without facts, uscc) per event; base = event_value and path_strength parts
    bases: list[list[tuple[float, str]]] = []
    wanted: list[set[str]] = []
    for event, best in zip(events, reached, strict=True):
        ev = _clamp(event.value) * w_ev
        rows = [(ev + _clamp(reach.strength) * w_ps, uscc) for uscc, reach in best.items()
                if uscc != event.subject]
        bases.append(rows)
        if k is None or len(rows) <= k:
            wanted.append({u for _, u in rows})
        else:
            threshold = heapq.nlargest(k, (b for b, _ in rows))[-1] + lo
            wanted.append({u for b, u in rows if b + hi >= threshold})

    facts: dict[str, _Facts] = {}
    fetched: set[str] = set()
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
        scored = []
        for base, uscc in bases[i]:
            if uscc not in wanted[i]:
                continue
            fact = facts.get(uscc, _PROSPECT)
            if fact.status in excluded_set:
                continue
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
    hits.sort(key=lambda h: (-h.total, h.uscc, h.event_id))
    return hits


def _fit(signals: Sequence[str], held: Sequence[str]) -> float:
    if not signals:
        return 0.0
    return sum(1 for s in signals if s not in held) / len(signals)


def _total(base: float, fact: _Facts, event: TriggerEvent, catalogue: Mapping[str, EventType],
           w_pf: float, w_nc: float) -> float:
    """Exactly ``Score.total`` of :func:`_explained_score` (same rounding, same order)."""
    fit = _fit(catalogue[event.type].product_signals, fact.products) if fact.products else (
        1.0 if catalogue[event.type].product_signals else 0.0)
    return round(base + _clamp(fit) * w_pf + (0.0 if fact.is_customer else 1.0) * w_nc, 6)


def _steps(node: str, best: Mapping[str, _Reach]) -> tuple[Step, ...]:
    steps: list[Step] = []
    reach = best[node]
    while reach.step is not None:
        steps.append(reach.step)
        reach = best[reach.step.src]
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
