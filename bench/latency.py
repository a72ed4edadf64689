"""Query latency per query module over seeded random anchors, the batch expansion of a day's (and of
100k) events, and the networkx in-process baseline for the same neighbour queries."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv

from chainscout.graph.stores.base import GraphStore
from chainscout.loaders.demo.catalog import AS_OF
from chainscout.queries.peer_index import KINDS, MemberIndex

from .common import ANCHOR_SEED, percentiles, python_peak_mb, time_calls

#: Cases timed on a fresh member index per call, and ranked by the store instead.
FIRST_READ, IN_STORE = "first read", "ranked in the store"
#: Strategies and group peers timed on a fresh member index per call (each reads a whole chain or
#: the whole control graph: a few samples).
FIRST_READ_SAMPLES = 10
#: The market strategies, each with its case name.
STRATEGIES = ("park_strategy", "association_strategy")
#: The cases answered from a member index that already holds their hubs (as the API answers).
INDEXED_CASES = frozenset([*(f"peers {kind}" for kind in (*KINDS, "group")),
                           *(f"strategies {name}" for name in STRATEGIES)])

TODAY = dt.date.fromisoformat(AS_OF)
AS_OF_DATE = TODAY + dt.timedelta(days=1)


def _column(data: Path, kind: str, *names: str) -> list[list[Any]]:
    table = pcsv.read_csv(data / f"{kind}.csv", convert_options=pcsv.ConvertOptions(
        include_columns=list(names), column_types=dict.fromkeys(names, "string")))
    return [table.column(n).to_pylist() for n in names]


class Anchors:
    """Seeded random anchors drawn from the input files, so both stores get the same ones."""

    def __init__(self, data: Path, n: int, seed: int = ANCHOR_SEED) -> None:
        self.rng = random.Random(seed)
        self.n = n
        (self.park_firms,) = _column(data, "park_members", "uscc")
        (self.assoc_firms,) = _column(data, "association_members", "uscc")
        self.group_firms = sorted(set(_column(data, "controls", "subsidiary_uscc")[0]))
        self.held = sorted(set(_column(data, "shareholdings", "held_uscc")[0]))
        usccs, lats, lngs = _column(data, "enterprises", "uscc", "lat", "lng")
        self.firms = usccs
        self.points = [(float(a), float(b)) for a, b in zip(lats, lngs, strict=True)
                       if a is not None and b is not None]
        pids, chains = _column(data, "parks", "park_id", "leading_industries")
        self.parks = pids
        self.park_chains = [(p, c.split(";")[0]) for p, c in zip(pids, chains, strict=True) if c]
        ev_ids, ev_dates = _column(data, "events", "event_id", "date")
        self.events = ev_ids
        self.event_dates = ev_dates

    def sample(self, items: list[Any]) -> list[Any]:
        items = sorted(set(items), key=str) if len(items) < 200_000 else items
        return [items[self.rng.randrange(len(items))] for _ in range(self.n)]

    def dates_for(self, target: int) -> tuple[str, str, int]:
        """The latest date range holding at least ``target`` events (all if fewer)."""
        per_day: dict[str, int] = defaultdict(int)
        for d in self.event_dates:
            per_day[d] += 1
        days = sorted(per_day, reverse=True)
        total = 0
        first = days[0]
        for d in days:
            total += per_day[d]
            first = d
            if total >= target:
                break
        return first, days[0], total


def query_cases(store: GraphStore, a: Anchors) -> dict[str, tuple[Callable[[Any], Any], list[Any]]]:
    from chainscout.loaders.reference_data import load_chains
    from chainscout.queries import coverage, expansion, gaps, geo, introductions, ownership, peers, strategies

    chains = [c.id for c in load_chains()]
    since = (TODAY - dt.timedelta(days=90)).isoformat()

    def seg_anchors() -> list[str]:
        rows = store.read("MATCH (e:Enterprise)-[:IN_SEGMENT]->(:ChainSegment) "
                          "WITH DISTINCT e.uscc AS u RETURN u ORDER BY u LIMIT 50000")
        return [str(r["u"]) for r in rows]

    index = MemberIndex(store, max_age_s=24 * 3600.0, control_max_age_s=24 * 3600.0)
    peer_anchors = {"park": a.sample(a.park_firms), "segment": a.sample(seg_anchors()),
                    "association": a.sample(a.assoc_firms)}
    cases: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {}
    strategy_cases: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {}
    # Three ways to answer what the member index serves: as the API does (the index already holds
    # the hubs: an untimed first pass reads them), a request whose hubs the index has not read yet
    # (the first after they expired), and ranked by the store (the whole query in Cypher,
    # CHAINSCOUT_PEER_INDEX_S=0).
    ways: dict[str, Callable[[], MemberIndex | None]] = {
        "": lambda: index, FIRST_READ: lambda: MemberIndex(store), IN_STORE: lambda: None}

    def named(case: str, way: str, read: str) -> str:
        """``peers park``, ``peers park, first read of its hubs``, ``…, ranked in the store``."""
        return case if not way else f"{case}, {way} of its {read}" if way == FIRST_READ \
            else f"{case}, {way}"

    def peer_case(kind: str, make: Callable[[], MemberIndex | None]) -> Callable[[str], Any]:
        return lambda u: peers.peers(store, u, kind, index=make())

    def strategy_case(name: str, make: Callable[[], MemberIndex | None]) -> Callable[[str], Any]:
        run = getattr(strategies, name)
        kw = {"since": since} if name == "park_strategy" else {}
        return lambda c: run(store, chain_id=c, index=make(), **kw)

    for kind, anchors in peer_anchors.items():
        for way, make in ways.items():
            cases[named(f"peers {kind}", way, "hubs")] = (peer_case(kind, make), anchors)
    for name in STRATEGIES:
        chain_sample = a.sample(chains)
        for way, make in ways.items():
            # a first read reads a whole chain per call: a few samples
            strategy_cases[named(f"strategies {name}", way, "chain")] = (
                strategy_case(name, make),
                chain_sample[:FIRST_READ_SAMPLES] if way == FIRST_READ else chain_sample)
    group_anchors = a.sample(a.group_firms)
    for way, make in ways.items():
        # a first read reads the whole control graph per call: a few samples
        cases[named("peers group", way, "control graph")] = (
            peer_case("group", make),
            group_anchors[:FIRST_READ_SAMPLES] if way == FIRST_READ else group_anchors)
    return {
        **cases,
        **strategy_cases,
        "gaps chain_gaps": (lambda pc: gaps.chain_gaps(store, pc[0], pc[1], max_km=50),
                            a.sample(a.park_chains)),
        "coverage park_coverage": (lambda p: coverage.park_coverage(store, p), a.sample(a.parks)),
        "coverage chain_coverage": (lambda c: coverage.chain_coverage(store, c), a.sample(chains)),
        "expansion expand_event": (
            lambda e: expansion.expand_event(store, e, max_hops=2, as_of=AS_OF_DATE),
            a.sample(a.events)),
        "ownership shareholders": (lambda u: ownership.shareholders(store, u), a.sample(a.held)),
        "ownership ultimate_controller": (lambda u: ownership.ultimate_controller(store, u),
                                          a.sample(a.group_firms)),
        "introductions warm_introductions": (
            lambda u: introductions.warm_introductions(store, u), a.sample(a.firms)),
        "geo enterprises_near 5km": (lambda p: geo.enterprises_near(store, p[0], p[1], 5.0),
                                     a.sample(a.points)),
    }


def run_queries(store: GraphStore, a: Anchors, put: Callable[[str, dict[str, Any]], None],
                only: set[str] | None = None) -> None:
    for name, (fn, args) in query_cases(store, a).items():
        if only and not any(name.startswith(o) for o in only):
            continue
        # the member-index cases are timed once every hub of their anchors was read
        warm = name in INDEXED_CASES
        stats, errors = time_calls(fn, args, warmup=len(args) if warm else 3)
        put(name, {**stats, "errors": errors})


def run_expansion(store: GraphStore, a: Anchors, put: Callable[[str, dict[str, Any]], None],
                  bulk_events: int = 0) -> None:
    from chainscout.queries.expansion import expand_events

    # the engine expand_events picks for a day, and up to 100k enterprises the frontier walk
    # side by side on the same day (at 1M it takes minutes: bench/analysis.md has that ratio)
    targets = [("a day's events", 1, "auto")]
    if len(a.firms) <= 100_000:
        targets.append(("a day's events, frontier walk", 1, "walk"))
    if bulk_events:
        targets.append((f"{bulk_events:,} events", bulk_events, "auto"))
    for label, target, engine in targets:
        first, last, _ = a.dates_for(target)
        started = time.perf_counter()
        batch = expand_events(store, date_from=first, date_to=last, max_hops=2, per_event_limit=20,
                              as_of=AS_OF_DATE, engine=engine)
        secs = time.perf_counter() - started
        put(label, {"events": len(batch.events), "hits": len(batch.hits), "dates": f"{first}..{last}",
                    "engine": batch.engine, "seconds": round(secs, 2),
                    "events_per_s": round(len(batch.events) / secs) if secs else 0})
        del batch  # each batch measured on its own: the last one's exported graph is gone


# -- networkx baseline ------------------------------------------------------------------------------


def networkx_baseline(data: Path, a: Anchors, put: Callable[[str, dict[str, Any]], None]) -> None:
    """The same neighbour questions answered by networkx in process: park peers (members of the
    anchor's parks, ranked by registered capital) and 2-hop expansion over ownership, control,
    investment and supply links (ranked by hops, then capital)."""
    import networkx as nx

    started = time.perf_counter()
    usccs, caps = _column(data, "enterprises", "uscc", "registered_capital")
    capital = {u: float(c or 0) for u, c in zip(usccs, caps, strict=True)}
    g: Any = nx.MultiDiGraph()
    g.add_nodes_from(usccs)
    firm, park = _column(data, "park_members", "uscc", "park_id")
    g.add_edges_from((f, "park:" + p) for f, p in zip(firm, park, strict=True))
    for kind, src, dst in (("shareholdings", "holder_id", "held_uscc"),
                           ("controls", "parent_uscc", "subsidiary_uscc"),
                           ("investments", "investor_uscc", "investee_uscc"),
                           ("supplies", "supplier_uscc", "customer_uscc")):
        s, d = _column(data, kind, src, dst)
        g.add_edges_from(zip(s, d, strict=True))
    subject = dict(zip(*_column(data, "events", "event_id", "uscc"), strict=True))
    build = time.perf_counter() - started
    put("build graph", {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
                        "seconds": round(build, 2), "python_peak_mb": python_peak_mb()})
    undirected = g.to_undirected(as_view=True)

    def park_peers(u: str) -> list[str]:
        out: set[str] = set()
        for p in g.successors(u):
            if str(p).startswith("park:"):
                out.update(g.predecessors(p))
        out.discard(u)
        return sorted(out, key=lambda x: (-capital.get(x, 0.0), x))[:20]

    def two_hop(event_id: str) -> list[str]:
        s = subject[event_id]
        dist = nx.single_source_shortest_path_length(undirected, s, cutoff=2)
        found = [n for n, d in dist.items() if d > 0 and not str(n).startswith("park:")]
        return sorted(found, key=lambda x: (dist[x], -capital.get(x, 0.0), x))[:20]

    stats, errors = time_calls(park_peers, a.sample(a.park_firms))
    put("peers park", {**stats, "errors": errors})
    stats, errors = time_calls(two_hop, a.sample(a.events))
    put("expansion 2-hop", {**stats, "errors": errors})
    put("memory", {"python_peak_mb": python_peak_mb()})


__all__ = ["Anchors", "networkx_baseline", "percentiles", "run_expansion", "run_queries"]
