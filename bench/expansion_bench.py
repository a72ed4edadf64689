"""Batch event expansion at scale: a synthetic graph in the embedded FalkorDB, then a day's feed.

    python bench/expansion_bench.py --enterprises 1000000 --events 100000

Graph (per 1M enterprises, seeded, generated for the benchmark only — not through the loaders):
1M HOLDS_SHARES between enterprises, 200k CONTROLS, 2M SUPPLIES, 200k INVESTS_IN, 400k persons
with 2–3 OFFICER_OF each, 300k LOCATED_IN over 1,000 parks, 100k MEMBER_OF over 500 associations,
100k customers; then ``--events`` events spread over 30 days. Prints the graph load time and the
expansion time per setting. With ``--data-dir`` the data stays for reruns (``--reuse``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.reference_data import load_event_types
from chainscout.queries.expansion import expand_events
from chainscout.servers.falkordb_server import EmbeddedFalkorDB

BATCH = 20_000


def _pairs(rng: random.Random, n: int, count: int) -> Iterator[list[list[int]]]:
    batch: list[list[int]] = []
    for _ in range(count):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            batch.append([a, b])
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def build(store: FalkorDBStore, n: int, n_events: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    store.apply_schema()
    t0 = time.perf_counter()
    for start in range(0, n, 100_000):
        store.write(
            "UNWIND range($a, $b - 1) AS i CREATE (:Enterprise {uscc: 'E' + toString(i), "
            "name: 'E' + toString(i), status: 'active', lat: 30.0 + (i % 1000) / 500.0, "
            "lng: 120.0 + (i / 1000 % 1000) / 500.0})",
            {"a": start, "b": min(n, start + 100_000)})
    persons = int(n * 0.4)
    for start in range(0, persons, 100_000):
        store.write("UNWIND range($a, $b - 1) AS i CREATE (:Person {person_id: 'P' + toString(i),"
                    " name: 'P' + toString(i)})", {"a": start, "b": min(persons, start + 100_000)})
    store.write("UNWIND range(0, 999) AS i CREATE (:Park {park_id: 'K' + toString(i), name: 'K'})")
    store.write("UNWIND range(0, 499) AS i CREATE (:Association {association_id: 'A' + "
                "toString(i), name: 'A'})")
    store.write("UNWIND range(0, 199) AS i CREATE (:Branch {branch_id: 'B' + toString(i), "
                "name: 'B', level: 'sub_branch'})")
    print(f"nodes {time.perf_counter() - t0:.1f} s", flush=True)

    def rels(type_: str, count: int, props: str = "") -> None:
        for batch in _pairs(rng, n, count):
            store.write(
                "UNWIND $rows AS row MATCH (a:Enterprise {uscc: 'E' + toString(row[0])}) "
                "MATCH (b:Enterprise {uscc: 'E' + toString(row[1])}) "
                f"CREATE (a)-[:{type_} {props}]->(b)", {"rows": batch})

    rels("HOLDS_SHARES", n, "{percentage: 30.0}")
    rels("CONTROLS", n // 5)
    rels("SUPPLIES", 2 * n)
    rels("INVESTS_IN", n // 5)
    officer_rows = [[rng.randrange(persons), rng.randrange(n)] for _ in range(int(persons * 2.5))]
    for i in range(0, len(officer_rows), BATCH):
        store.write("UNWIND $rows AS row MATCH (p:Person {person_id: 'P' + toString(row[0])}) "
                    "MATCH (e:Enterprise {uscc: 'E' + toString(row[1])}) "
                    "CREATE (p)-[:OFFICER_OF {role: 'director'}]->(e)",
                    {"rows": officer_rows[i:i + BATCH]})
    for label, key, prefix, rel, groups, count, props in (
        ("Park", "park_id", "K", "LOCATED_IN", 1000, int(n * 0.3), ""),
        ("Association", "association_id", "A", "MEMBER_OF", 500, n // 10, ""),
        ("Branch", "branch_id", "B", "CUSTOMER_OF", 200, n // 10,
         "{products: ['credit', 'settlement']}"),
    ):
        rows = [[rng.randrange(n), rng.randrange(groups)] for _ in range(count)]
        for i in range(0, len(rows), BATCH):
            store.write("UNWIND $rows AS row MATCH (e:Enterprise {uscc: 'E' + toString(row[0])}) "
                        f"MATCH (g:{label} {{{key}: '{prefix}' + toString(row[1])}}) "
                        f"CREATE (e)-[:{rel} {props}]->(g)", {"rows": rows[i:i + BATCH]})
    codes = sorted(load_event_types())
    day0 = dt.date(2024, 6, 1)
    events = [[i, rng.choice(codes), (day0 + dt.timedelta(days=i % 30)).isoformat(),
               rng.randrange(n)] for i in range(n_events)]
    for i in range(0, len(events), BATCH):
        store.write("UNWIND $rows AS row CREATE (ev:Event {event_id: 'V' + toString(row[0]), "
                    "type: row[1], date: row[2]}) WITH ev, row "
                    "MATCH (e:Enterprise {uscc: 'E' + toString(row[3])}) "
                    "CREATE (ev)-[:CONCERNS]->(e)", {"rows": events[i:i + BATCH]})
    print(f"graph built in {time.perf_counter() - t0:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="graph already built in data-dir")
    parser.add_argument("--hops", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--workers", type=int, default=1,
                        help="families queried at once, each on its own connection")
    args = parser.parse_args()
    scratch = None if args.data_dir else tempfile.TemporaryDirectory(prefix="expansion-bench-")
    data_dir = args.data_dir or Path(scratch.name)  # type: ignore[union-attr]
    server = EmbeddedFalkorDB(data_dir)
    server.start()
    try:
        store = FalkorDBStore(server.connect(), "bench")
        if not args.reuse:
            store.clear()
            build(store, args.enterprises, args.events)
        families_sets = {
            "ownership+supply": ["shareholders", "subsidiaries", "investees", "suppliers",
                                 "buyers"],
            "all": None,
        }
        for hops in args.hops:
            for label, families in families_sets.items():
                kwargs: dict[str, object] = {"workers": args.workers}
                if families is not None:
                    kwargs["families"] = families
                t0 = time.perf_counter()
                batch = expand_events(store, date_from="2024-06-01", date_to="2024-06-30",
                                      max_hops=hops, per_event_limit=20,
                                      as_of=dt.date(2024, 7, 1), **kwargs)  # type: ignore[arg-type]
                elapsed = time.perf_counter() - t0
                print(f"hops={hops} families={label}: {len(batch.events)} events, "
                      f"{len(batch.hits)} hits in {elapsed:.1f} s", flush=True)
    finally:
        server.stop()
        if scratch is not None:
            scratch.cleanup()


if __name__ == "__main__":
    main()
