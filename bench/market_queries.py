"""Latency of the market queries (peers, strategies, gaps, coverage) on a synthetic graph.

    python bench/market_queries.py --enterprises 1000000            # embedded FalkorDB, temp dir
    python bench/market_queries.py --enterprises 200000 --runs 200

The graph is loaded through the model's own upserts: 12 chains of 8 segments in a line, skewed
segment and park sizes (Zipf-like: the biggest segment holds ~5% of chain members, the biggest park
~2% of park members), 30% of enterprises in a segment, 40% in one of 800 parks, 10% in an
association, 5% customers of 100 branches, majority holdings forming small groups, and 0.3 events
per enterprise. Prints p50/p95/max per query over random anchors (and the largest park/segment).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chainscout.graph.model import ENTERPRISE_TAGS, graph_model
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.upsert import node_row, node_upsert, relationship_row, relationship_upsert
from chainscout.loaders.derive import derive

CHAINS = 12
SEGMENTS_PER_CHAIN = 8
PARKS = 800
ASSOCIATIONS = 2000
BRANCHES = 100
BATCH = 10_000


def _zipf_choice(rng: random.Random, n: int, s: float = 1.0) -> Callable[[], int]:
    weights = [1.0 / (i + 1) ** s for i in range(n)]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    import bisect

    def pick() -> int:
        return bisect.bisect_left(cum, rng.random() * acc)

    return pick


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i:i + BATCH]


def load(store: GraphStore, n: int, seed: int = 7) -> None:
    model = graph_model()
    rng = random.Random(seed)
    store.apply_schema()

    def nodes(label: str, records: list[dict[str, Any]]) -> None:
        node = model.node(label)
        for batch in _batches([node_row(node, r, snapshot="b", source="bench") for r in records]):
            store.write(node_upsert(node).cypher, {"rows": batch})

    def rels(type_: str, src: str, dst: str, triples: list[tuple[str, str, dict[str, Any]]]) -> None:
        rel = model.relationship(type_, src, dst)
        rows = [relationship_row(rel, a, b, p, snapshot="b", source="bench") for a, b, p in triples]
        for batch in _batches(rows):
            store.write(relationship_upsert(model, rel).cypher, {"rows": batch})

    t0 = time.perf_counter()
    chains = [f"c{i}" for i in range(CHAINS)]
    nodes("IndustryChain", [{"chain_id": c, "name": c} for c in chains])
    segments = [f"{c}.s{j}" for c in chains for j in range(SEGMENTS_PER_CHAIN)]
    nodes("ChainSegment", [{"segment_id": s, "name": s, "chain_id": s.split(".")[0]}
                           for s in segments])
    rels("PART_OF", "ChainSegment", "IndustryChain", [(s, s.split(".")[0], {}) for s in segments])
    rels("UPSTREAM_OF", "ChainSegment", "ChainSegment",
         [(f"{c}.s{j}", f"{c}.s{j + 1}", {}) for c in chains for j in range(SEGMENTS_PER_CHAIN - 1)])
    parks = [f"P{i:04d}" for i in range(PARKS)]
    nodes("Park", [{"park_id": p, "name": p, "district_code": f"31{i % 16:02d}00",
                    "lat": 31.0 + (i % 40) * 0.01, "lng": 121.0 + (i // 40) * 0.01}
                   for i, p in enumerate(parks)])
    nodes("Association", [{"association_id": f"A{i:04d}", "name": f"A{i}"}
                          for i in range(ASSOCIATIONS)])
    nodes("Branch", [{"branch_id": f"B{i:03d}", "name": f"B{i}"} for i in range(BRANCHES)])
    sizes = ("micro", "small", "medium", "large")
    usccs = [f"9131{i:014d}" for i in range(n)]
    nodes("Enterprise", [{
        "uscc": u, "name": f"企业{i}", "status": "active" if rng.random() > 0.05 else "revoked",
        "registered_capital": round(10 ** rng.uniform(1, 5.5), 2), "size": rng.choice(sizes),
        "district_code": f"31{rng.randrange(16):02d}{rng.randrange(20):02d}",
        "lat": 30.7 + rng.random() * 0.8, "lng": 120.9 + rng.random() * 0.9,
        "tags": rng.sample(ENTERPRISE_TAGS, rng.choice((0, 0, 0, 1, 1, 2))),
    } for i, u in enumerate(usccs)])
    seg_pick = _zipf_choice(rng, len(segments), 0.6)
    park_pick = _zipf_choice(rng, PARKS, 0.6)
    assoc_pick = _zipf_choice(rng, ASSOCIATIONS, 0.8)
    Triple = tuple[str, str, dict[str, Any]]
    in_seg: list[Triple] = []
    in_park: list[Triple] = []
    member: list[Triple] = []
    customer: list[Triple] = []
    for u in usccs:
        if rng.random() < 0.3:
            in_seg.append((u, segments[seg_pick()], {"confidence": round(rng.uniform(0.5, 1), 2)}))
        if rng.random() < 0.4:
            in_park.append((u, parks[park_pick()], {}))
        if rng.random() < 0.1:
            member.append((u, f"A{assoc_pick():04d}", {"role": "member"}))
        if rng.random() < 0.05:
            customer.append((u, f"B{rng.randrange(BRANCHES):03d}", {}))
    rels("IN_SEGMENT", "Enterprise", "ChainSegment", in_seg)
    rels("LOCATED_IN", "Enterprise", "Park", in_park)
    rels("MEMBER_OF", "Enterprise", "Association", member)
    rels("CUSTOMER_OF", "Enterprise", "Branch", customer)
    holds = []
    for _ in range(n // 10):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            holds.append((usccs[a], usccs[b], {"percentage": rng.choice((30.0, 51.0, 60.0, 100.0))}))
    rels("HOLDS_SHARES", "Enterprise", "Enterprise", holds)
    events = [{"event_id": f"V{i}", "type": "capital_increase",
               "date": f"202{rng.randrange(3, 6)}-{rng.randrange(1, 13):02d}-01"}
              for i in range(int(n * 0.3))]
    nodes("Event", events)
    rels("CONCERNS", "Event", "Enterprise",
         [(e["event_id"], usccs[rng.randrange(n)], {}) for e in events])
    derive(store)  # the derived properties the market queries read, as a load leaves them
    print(f"loaded {n:,} enterprises in {time.perf_counter() - t0:.0f} s")


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]


def run(store: GraphStore, runs: int, seed: int = 11) -> None:
    from chainscout.queries.coverage import park_coverage
    from chainscout.queries.gaps import chain_gaps
    from chainscout.queries.peers import peers
    from chainscout.queries.strategies import association_strategy, park_strategy

    rng = random.Random(seed)
    anchors = [r["u"] for r in store.read(
        "MATCH (e:Enterprise)-[l:LOCATED_IN]->(:Park) WITH e LIMIT 20000 "
        "MATCH (e)-[m:IN_SEGMENT]->(:ChainSegment) RETURN e.uscc AS u LIMIT 2000")]
    big_park = store.read("MATCH (p:Park)<-[l:LOCATED_IN]-(e) RETURN p.park_id AS p, count(l) AS n "
                          "ORDER BY n DESC LIMIT 1")[0]
    big_anchor = store.read("MATCH (:Park {park_id: $p})<-[l:LOCATED_IN]-(e)-[m:IN_SEGMENT]->() "
                            "RETURN e.uscc AS u LIMIT 1", {"p": big_park["p"]})[0]["u"]
    print(f"largest park {big_park['p']}: {int(big_park['n']):,} enterprises")

    def case(name: str, fn: Callable[[], Any]) -> None:
        p50, p95, worst = _time(fn, runs)
        print(f"{name:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {worst:7.1f} ms")

    for kind in ("park", "segment", "association", "group"):
        case(f"peers {kind} (random anchors)",
             lambda kind=kind: peers(store, rng.choice(anchors), kind))  # type: ignore[misc]
        case(f"peers {kind} (anchor in the largest park)",
             lambda kind=kind: peers(store, big_anchor, kind))  # type: ignore[misc]
    chains = [f"c{i}" for i in range(CHAINS)]
    case("park strategy (chain, top 5 parks)",
         lambda: park_strategy(store, chain_id=rng.choice(chains), since="2025-01-01"))
    case("association strategy (chain, top 5)",
         lambda: association_strategy(store, chain_id=rng.choice(chains)))
    case("chain gaps (park x chain, 50 km)",
         lambda: chain_gaps(store, f"P{rng.randrange(PARKS):04d}", rng.choice(chains), max_km=50))
    case("park coverage", lambda: park_coverage(store, f"P{rng.randrange(PARKS):04d}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="FalkorDB data directory (default: a temporary one)")
    args = parser.parse_args()
    from chainscout.graph.stores.falkordb_store import FalkorDBStore
    from chainscout.servers.falkordb_server import EmbeddedFalkorDB

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chainscout-bench-"))
    server = EmbeddedFalkorDB(data_dir)
    server.start()
    try:
        store = FalkorDBStore(server.connect(), "bench", supervisor=server)
        if not store.read("MATCH (e:Enterprise) RETURN e LIMIT 1"):
            load(store, args.enterprises)
        run(store, args.runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
