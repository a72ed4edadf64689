"""``python -m bench``: the benchmark harness (also ``chainscout bench``).

    python -m bench run --sizes 10000 100000 --store both      # everything, writes BENCHMARKS.md
    python -m bench run --sizes 1000000 --store neo4j --only loads,queries
    python -m bench data --sizes 1000000                         # generate and cache the data
    python -m bench report                                       # rebuild BENCHMARKS.md

Each (size, store) runs in its own child process (so its Python peak memory is its own) and rewrites
``bench/results/<store>-<size>.json`` after every step; ``report`` renders whatever is there.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .common import CACHE_DIR, ROOT, Results, cpu_s, dir_bytes, python_peak_mb, rss_mb

SECTIONS = ("loads", "queries", "expansion", "api", "baselines")
#: Stand-alone benchmarks kept as subcommands: one enterprise file in three formats (loader
#: throughput per step, CPU time), and synthetic graphs with skewed park and segment sizes.
LEGACY = {"load-formats": "load_bench", "synthetic-queries": "market_queries",
          "synthetic-expansion": "expansion_bench"}
STORES = ("falkordb", "neo4j")


def _sizes(values: list[str]) -> list[int]:
    out = []
    for v in values:
        v = v.lower().replace("_", "")
        mult = 1_000_000 if v.endswith("m") else 1000 if v.endswith("k") else 1
        out.append(int(float(v.rstrip("mk")) * mult))
    return out


#: run-one's options that take seconds.
FLOAT_OPTIONS = frozenset({"--api-duration", "--api-warmup"})


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="generate (cached), load, query, expand, load-test; report")
    run.add_argument("--sizes", nargs="+", default=["10k", "100k"],
                     help="enterprises per data set (10k, 100k, 1m …)")
    run.add_argument("--store", choices=["falkordb", "neo4j", "both", "networkx"], default="both",
                     help="networkx: only the in-process baseline (section baselines)")
    run.add_argument("--only", default=",".join(SECTIONS),
                     help=f"comma-separated sections: {', '.join(SECTIONS)}")
    run.add_argument("--runs", type=int, default=100, help="anchors per query case")
    run.add_argument("--naive-rows", type=int, default=10_000,
                     help="rows of the naive per-row MERGE baseline (Neo4j)")
    run.add_argument("--api-duration", type=float, default=20.0)
    run.add_argument("--api-warmup", type=float, default=5.0,
                     help="seconds of untimed API load before each timed case")
    run.add_argument("--api-concurrency", type=int, default=16)
    run.add_argument("--api-workers", type=int, default=2)
    run.add_argument("--bulk-events", type=int, default=0,
                     help="also expand this many events (latest dates) in one batch")
    run.add_argument("--main-paths-only", action="store_true",
                     help="loads: only GRAPH.BULK (embedded) and batched UNWIND + bulk import "
                     "(Neo4j); skip the client ceiling, upsert/reload and naive baseline (1M runs)")
    run.add_argument("--neo4j-load", choices=["batched", "bulk"], default="batched",
                     help="how the Neo4j graph is built: batched UNWIND upserts (then the bulk path "
                     "is measured too), or only neo4j-admin bulk import (1M runs)")
    run.add_argument("--reuse", action="store_true",
                     help="keep the store a previous run of this size built (with --only "
                     "queries/expansion/api: measure again without reloading)")
    run.add_argument("--cases", default="",
                     help="comma-separated query-name prefixes to run (default: all)")
    run.add_argument("--no-report", action="store_true")
    one = sub.add_parser("run-one", help=argparse.SUPPRESS)
    one.add_argument("--size", type=int, required=True)
    one.add_argument("--store", choices=[*STORES, "networkx"], required=True)
    for a in ("--only", "--runs", "--naive-rows", "--api-duration", "--api-warmup",
              "--api-concurrency", "--api-workers", "--bulk-events"):
        one.add_argument(a, type=str if a == "--only" else float if a in FLOAT_OPTIONS else int)
    one.add_argument("--main-paths-only", action="store_true")
    one.add_argument("--neo4j-load", default="batched")
    one.add_argument("--reuse", action="store_true")
    one.add_argument("--cases", default="")
    one.add_argument("--no-report", action="store_true")
    data = sub.add_parser("data", help="generate and cache the demo data sets")
    data.add_argument("--sizes", nargs="+", default=["10k", "100k"])
    sub.add_parser("report", help="rewrite BENCHMARKS.md from bench/results/*.json")
    plans = sub.add_parser("plans", help="PROFILE every query module's Cypher on the local Neo4j "
                           "loaded by a run of --size; write bench/results/plans/<size>.json")
    plans.add_argument("--size", type=int, required=True)
    for name, module in LEGACY.items():
        legacy = sub.add_parser(name, add_help=False,
                                help=f"the older stand-alone bench/{module}.py (its own options)")
        legacy.add_argument("rest", nargs=argparse.REMAINDER)
    client = sub.add_parser("api-client", help=argparse.SUPPRESS)
    client.add_argument("--url", required=True)
    client.add_argument("--key", required=True)
    client.add_argument("--paths", type=Path, required=True)
    client.add_argument("--concurrency", type=int, default=16)
    client.add_argument("--duration", type=float, default=20.0)
    client.add_argument("--warm-all", action="store_true",
                        help="request every distinct path once before timing")
    client.add_argument("--warmup", type=float, default=0.0,
                        help="seconds of untimed load before the timed run")
    client.add_argument("--cpu-of", action="append", default=[], metavar="NAME=PID,PID",
                        help="report these processes' CPU per request in the timed run")
    return p


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LEGACY:  # their own argparse takes the rest, --help included
        import importlib

        module = importlib.import_module(f".{LEGACY[argv[0]]}", __package__)
        sys.argv = [f"python -m bench {argv[0]}", *argv[1:]]
        module.main()
        return
    args = parser().parse_args(argv)
    if args.cmd == "api-client":
        from .api_load import client_main

        client_main(args.url, args.key, args.paths, args.concurrency, args.duration,
                    warm_all=args.warm_all, warmup=args.warmup, cpu_of=args.cpu_of)
    elif args.cmd == "data":
        from .loads import data_dir

        for size in _sizes(args.sizes):
            print(data_dir(size))
    elif args.cmd == "report":
        from .report import write_report

        print(write_report())
    elif args.cmd == "plans":
        run_plans(int(args.size))
    elif args.cmd == "run-one":
        run_one(args)
    else:
        run_all(args)


def run_all(args: argparse.Namespace) -> None:
    stores = (list(STORES) if args.store == "both" else [] if args.store == "networkx"
              else [args.store])
    sections = {s for s in args.only.split(",") if s}
    from .loads import data_dir

    for size in _sizes(args.sizes):
        data_dir(size)
        plan = [*stores]
        if "baselines" in sections:
            plan.append("networkx")
        for store in plan:
            only = ",".join(sorted(sections))
            cmd = [sys.executable, "-m", "bench", "run-one", "--size", str(size), "--store", store,
                   "--only", only, "--runs", str(args.runs), "--naive-rows", str(args.naive_rows),
                   "--api-duration", str(args.api_duration), "--api-warmup", str(args.api_warmup),
                   "--api-concurrency", str(args.api_concurrency),
                   "--api-workers", str(args.api_workers), "--bulk-events", str(args.bulk_events),
                   *(["--main-paths-only"] if args.main_paths_only else []),
                   *(["--no-report"] if args.no_report else []),
                   "--neo4j-load", args.neo4j_load, *(["--cases", args.cases] if args.cases else []),
                   *(["--reuse"] if args.reuse else [])]
            print(f"== {shlex.join(cmd[1:])}", flush=True)
            code = subprocess.call(cmd, cwd=ROOT)
            if code:
                print(f"!! {store} {size:,} exited with {code}", flush=True)
            if not args.no_report:
                from .report import write_report

                write_report()


@contextlib.contextmanager
def step(res: Results, section: str, name: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # a failed step is recorded, the run goes on
        traceback.print_exc()
        res.put(section, name, {"error": f"{type(exc).__name__}: {exc}"[:500]})


def repro(size: int, store: str, section: str, args: argparse.Namespace | None = None) -> str:
    extra = ""
    if args is not None and section == "loads" and getattr(args, "main_paths_only", False):
        extra += " --main-paths-only"
    if args is not None and store == "neo4j" and getattr(args, "neo4j_load", "") == "bulk":
        extra += " --neo4j-load bulk"
    return f"python -m bench run --sizes {size} --store {store} --only {section}{extra}"


def run_one(args: argparse.Namespace) -> None:
    from .latency import Anchors
    from .loads import data_dir

    watchdog = os.environ.get("CHAINSCOUT_BENCH_WATCHDOG_S")
    if watchdog:  # a run that hangs prints every thread's stack (then goes on waiting)
        faulthandler.dump_traceback_later(float(watchdog), repeat=True)

    size, store_name = int(args.size), str(args.store)
    sections = set(str(args.only).split(","))
    from .report import write_report

    res = Results(size, store_name, shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
                  None if args.no_report else write_report)  # BENCHMARKS.md after every figure
    if args.reuse and "loads" not in sections:
        res.memory_suffix = f" (rerun: {', '.join(sorted(sections))})"
    data = data_dir(size)
    work = CACHE_DIR / "work" / f"{store_name}-{size}"
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    runs = int(args.runs)
    anchors = Anchors(data, runs)
    res.set("data", {"dir": str(data), "bytes": dir_bytes(data), "rows": _count_rows(data)})

    def put(section: str) -> Callable[[str, dict[str, Any]], None]:
        return lambda name, value: res.put(section, name, {
            **value, "command": repro(size, store_name, section, args)})

    try:
        if store_name == "networkx":
            from .latency import networkx_baseline

            with step(res, "baselines", "networkx"):
                networkx_baseline(data, anchors, put("baselines"))
        elif store_name == "falkordb":
            _falkordb(res, data, work, sections, anchors, args, put)
        else:
            _neo4j(res, data, work, sections, anchors, args, put)
    finally:
        res.put("memory", "python", {"python_peak_mb": python_peak_mb()})
        res.finish()


def run_plans(size: int) -> None:
    from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig

    from .api_load import free_port
    from .common import RESULTS_DIR
    from .loads import data_dir
    from .plans import profile_modules

    cfg = Neo4jLocalConfig(home=CACHE_DIR / "work" / f"neo4j-{size}" / "neo4j",
                           bolt_port=free_port(), http_port=free_port(), heap_max="1g",
                           pagecache="1g", stop_with_parent=True)
    server = Neo4jLocal(cfg)
    server.start()
    try:
        (RESULTS_DIR / "plans").mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / "plans" / f"neo4j-{size}.json"
        for item in profile_modules(cfg.bolt_uri, cfg.auth, data_dir(size), out):
            starts = ", ".join(f"{s['op']} {s['details']}" for s in item.get("starts", []))
            print(f"{item['case']:<34} {item.get('db_hits', ''):>9} {item.get('query', '')[:50]:<50}"
                  f" {starts[:160]}")
        print(out)
    finally:
        server.stop()


def _count_rows(data: Path) -> dict[str, int]:
    out = {}
    for p in sorted(data.glob("*.csv")):
        with p.open("rb") as fh:
            out[p.stem] = sum(1 for _ in fh) - 1
    return out


def _falkordb(res: Results, data: Path, work: Path, sections: set[str], anchors: Any,
              args: argparse.Namespace, put: Callable[[str], Callable[[str, dict[str, Any]], None]]
              ) -> None:
    from chainscout.servers.falkordb_server import EmbeddedFalkorDB

    from .loads import client_ceiling, falkordb_graph, options, timed_load

    # Queries may run 600 s here; the hang watchdog must outlast one in flight when a fork starts.
    server = EmbeddedFalkorDB(work / "falkordb", query_timeout_ms=600_000,
                              query_mem_capacity_mb=0, hang_timeout=900.0)
    server.start()
    try:
        res.set("server_versions", server.versions())
        loads = put("loads")
        if "loads" in sections and not args.main_paths_only:
            with step(res, "loads", "client ceiling"):
                for name, fig in client_ceiling(data, work).items():
                    loads(name, fig)
            with step(res, "loads", "embedded upsert load"):
                upsert = falkordb_graph(server, "upsert")
                fig = timed_load(upsert, data, options(work, "upsert", bulk_when_empty=False),
                                 server.pid)
                loads("embedded upsert load", {**fig, **rss_mb(server.pid)})
                fig = timed_load(upsert, data, options(work, "reload", bulk_when_empty=False),
                                 server.pid)
                loads("embedded reload (no changes)", fig)
                upsert.write("MATCH (n) RETURN count(n)")
                _graph_delete(server, "upsert")
        store = falkordb_graph(server, "bench")
        with step(res, "loads", "embedded GRAPH.BULK load"):
            if "loads" in sections or not store.read("MATCH (e:Enterprise) RETURN e LIMIT 1"):
                with contextlib.suppress(Exception):
                    _graph_delete(server, "bench")
                store = falkordb_graph(server, "bench")
                fig = timed_load(store, data, options(work, "bulk"), server.pid)
                # The load ends by starting the AOF rewrite it held back: a fork writing the whole
                # graph, which would share the cores with the queries timed next.
                started = time.perf_counter()
                server.await_aof_rewrite(1800)
                fig["aof_rewrite_after_s"] = round(time.perf_counter() - started, 2)
                loads("embedded GRAPH.BULK load", fig)
        info = server.redis_client().info("memory")
        res.put("memory", "store", {**rss_mb(server.pid),
                                    "used_memory_mb": round(int(info["used_memory"]) / 2**20, 1)})
        _common_sections(res, store, anchors, sections, args, put, work,
                         {"CHAINSCOUT_STORE": "falkordb", "CHAINSCOUT_DATA_DIR": str(work),
                          "CHAINSCOUT_FALKORDB_GRAPH": "bench"}, server.pid)
        res.put("memory", "store (end)", rss_mb(server.pid))
    finally:
        server.stop()


def _graph_delete(server: Any, graph: str) -> None:
    """Delete a graph and wait until the server has freed it: ``GRAPH.DELETE`` answers at once
    and the server frees the graph on a thread of its own (≈ 11–17 CPU-s for the 1M graph),
    which would otherwise be counted in the next step's time and server CPU."""
    client = server.redis_client()
    try:
        client.execute_command("GRAPH.DELETE", graph)
    finally:
        client.close()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        used = cpu_s([server.pid])
        time.sleep(1.0)
        if cpu_s([server.pid]) - used < 0.05:
            return


def _neo4j(res: Results, data: Path, work: Path, sections: set[str], anchors: Any,
           args: argparse.Namespace, put: Callable[[str], Callable[[str, dict[str, Any]], None]]
           ) -> None:
    from chainscout.graph.stores.neo4j_store import Neo4jStore
    from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig

    from .api_load import free_port
    from .loads import naive_vs_batched, options, sample_rows, timed_load

    cfg = Neo4jLocalConfig(home=work / "neo4j", bolt_port=free_port(), http_port=free_port(),
                           heap_initial="1g", heap_max="3g", pagecache="3g",
                           transaction_timeout="30m", stop_with_parent=True)
    server = Neo4jLocal(cfg)
    loads = put("loads")
    bulk_first = "loads" in sections and args.neo4j_load == "bulk"
    if bulk_first:  # the initial build the way a national deployment does it; no Cypher load
        with step(res, "loads", "bulk import files (neo4j-admin CSV)"):
            _bulk_build(server, cfg, data, work, loads)
        if not server.is_running():
            server.start()
    else:
        server.start()
    store = Neo4jStore(cfg.bolt_uri, cfg.user, cfg.password)
    try:
        res.set("server_versions", {"neo4j": cfg.neo4j_version, **{
            str(r["name"]): str(r["versions"][0]) for r in store.read(
                "CALL dbms.components() YIELD name, versions RETURN name, versions")}})
        store.apply_schema()
        if "loads" in sections and not bulk_first:
            if not args.main_paths_only:
                with step(res, "loads", "naive per-row MERGE (sample)"):
                    rows = sample_rows(data, work, int(args.naive_rows))
                    for name, fig in naive_vs_batched(store, rows).items():
                        loads(name, fig)
            with step(res, "loads", "Neo4j batched UNWIND load"):
                fig = timed_load(store, data, options(work, "neo4j-load"), server.status().pid)
                loads("Neo4j batched UNWIND load", {**fig, **rss_mb(server.status().pid)})
        elif not store.read("MATCH (e:Enterprise) RETURN e LIMIT 1"):
            timed_load(store, data, options(work, "neo4j-load"))
        res.put("memory", "store", {**rss_mb(server.status().pid), **_neo4j_sizes(server)})
        _common_sections(res, store, anchors, sections, args, put, work,
                         {"CHAINSCOUT_STORE": "neo4j", "CHAINSCOUT_NEO4J_URI": cfg.bolt_uri,
                          "CHAINSCOUT_NEO4J_PASSWORD": cfg.password,
                          "CHAINSCOUT_DATA_DIR": str(work)}, server.status().pid)
        res.put("memory", "store (end)", rss_mb(server.status().pid))
        store.close()
        server.stop()
        if bulk_first:
            res.put("memory", "store files (bulk import)", _neo4j_sizes(server))
        elif "loads" in sections:
            res.put("memory", "store files (batched load)", _neo4j_sizes(server))
            with step(res, "loads", "bulk import files (neo4j-admin CSV)"):
                _bulk_build(server, cfg, data, work, loads)
                server.stop()
                res.put("memory", "store files (bulk import)", _neo4j_sizes(server))
    finally:
        with contextlib.suppress(Exception):
            store.close()
        server.stop()


def _bulk_build(server: Any, cfg: Any, data: Path, work: Path,
                loads: Callable[[str, dict[str, Any]], None]) -> None:
    """neo4j-admin import files from the inputs, the offline import (server stopped), then start
    and create the indexes; leaves the server running."""
    from chainscout.graph.stores.neo4j_store import Neo4jStore
    from chainscout.loaders.bulk_import import write_bulk_import
    from chainscout.loaders.derive import derive

    from .load_bench import Clock
    from .loads import cpu_figure, options

    server.stop()
    clock = Clock(None)
    files = write_bulk_import(data, work / "import", options(work, "bulk-files"))
    secs = time.perf_counter() - clock.wall
    assert files.summary is not None
    graph_rows = sum(t.sent for t in files.summary.targets.values())
    loads("bulk import files (neo4j-admin CSV)", {
        "rows": files.summary.read, "graph_rows": graph_rows, "seconds": round(secs, 2),
        "rows_per_s": round(files.summary.read / secs),
        "graph_rows_per_s": round(graph_rows / secs),
        "csv_bytes": dir_bytes(work / "import"), **cpu_figure(clock, files.summary.read)})
    started = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server.bulk_import(files.nodes, files.relationships, extra_args=files.admin_args)
    imp = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    admin_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    loads("neo4j-admin database import", {
        "rows": files.summary.read, "graph_rows": graph_rows, "seconds": round(imp, 2),
        "rows_per_s": round(files.summary.read / imp),
        "graph_rows_per_s": round(graph_rows / imp), "server_cpu_s": round(admin_cpu, 2),
        "rows_per_cpu_s": round(files.summary.read / admin_cpu) if admin_cpu else 0})
    server.start()
    store = Neo4jStore(cfg.bolt_uri, cfg.user, cfg.password)
    try:
        started = time.perf_counter()
        store.apply_schema()
        idx = time.perf_counter() - started
        started = time.perf_counter()
        derive(store)  # an offline import cannot write the derived ranking properties
        derived = time.perf_counter() - started
    finally:
        store.close()
    total = imp + secs + idx + derived
    loads("bulk path end to end (files + import + indexes + derive)", {
        "rows": files.summary.read, "graph_rows": graph_rows,
        "seconds": round(total, 2), "index_seconds": round(idx, 2),
        "derive_seconds": round(derived, 2), "rows_per_s": round(files.summary.read / total)})


def _neo4j_sizes(server: Any) -> dict[str, Any]:
    db = Path(server.data_dir) / "databases" / "neo4j"
    files = {p.name: p.stat().st_size for p in db.glob("*") if p.is_file()}
    groups: dict[str, int] = {}
    for name, size in files.items():
        key = ("index" if "index" in name or "schema" in name or "label" in name
               else name.replace("neostore.", "").replace(".db", "").split(".")[0])
        groups[key] = groups.get(key, 0) + size
    idx = db / "schema"
    return {"store_mb": round(sum(files.values()) / 2**20, 1),
            "schema_index_mb": round(dir_bytes(idx) / 2**20, 1) if idx.exists() else 0.0,
            "files_mb": {k: round(v / 2**20, 2) for k, v in sorted(groups.items())},
            "files_bytes": files}


def _common_sections(res: Results, store: Any, anchors: Any, sections: set[str],
                     args: argparse.Namespace,
                     put: Callable[[str], Callable[[str, dict[str, Any]], None]], work: Path,
                     env: dict[str, str], server_pid: int | None) -> None:
    from .latency import run_expansion, run_queries

    if args.reuse:  # a store built before the derived properties existed gets them now
        from chainscout.loaders.derive import derive

        derive(store)
    if not (args.reuse and (res.data.get("graph") or {}).get("relationship_properties")):
        _count_graph(res, store)  # (a reused store was counted by the run that built it)
    if "queries" in sections:
        with step(res, "queries", "all"):
            only = {c for c in str(args.cases or "").split(",") if c}
            run_queries(store, anchors, put("queries"), only or None)
        res.put("memory", "store (after queries)", rss_mb(server_pid))
    if "expansion" in sections:
        with step(res, "expansion", "batch"):
            run_expansion(store, anchors, put("expansion"), int(args.bulk_events))
    if "api" in sections:
        with step(res, "api", "load test"):
            _api(res, anchors, args, put("api"), work, env, server_pid)


def _count_graph(res: Results, store: Any) -> None:
    counts = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    rels = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    node_props = store.read("MATCH (n) RETURN sum(size(keys(n))) AS n")[0]["n"]
    rel_props = store.read("MATCH ()-[r]->() RETURN sum(size(keys(r))) AS n")[0]["n"]
    res.set("graph", {"nodes": int(counts), "relationships": int(rels),
                      "node_properties": int(node_props or 0),
                      "relationship_properties": int(rel_props or 0)})


def _api(res: Results, anchors: Any, args: argparse.Namespace,
         put: Callable[[str, dict[str, Any]], None], work: Path, env: dict[str, str],
         store_pid: int | None) -> None:
    from .api_load import ApiServer, drive, make_key
    from .report import PEERS_PAGE_CASE, WEB_PAGE_PEERS

    keys = work / "api-keys.yaml"
    key = make_key(keys)
    env = {**env, "CHAINSCOUT_API_KEYS_FILE": str(keys)}
    workers = int(args.api_workers)
    park_firms = anchors.sample(anchors.park_firms)
    cases = {
        # The web page's page of peers, and the default page other tools take.
        PEERS_PAGE_CASE: [f"/enterprises/{u}/peers/park?limit={WEB_PAGE_PEERS}" for u in park_firms],
        "GET /enterprises/{uscc}/peers/park": [f"/enterprises/{u}/peers/park" for u in park_firms],
        "GET /events/{event_id}/prospects": [
            f"/events/{e}/prospects" for e in anchors.sample(anchors.events)],
    }

    def serve_cases(settings: dict[str, str], chosen: dict[str, list[str]], suffix: str) -> None:
        server = ApiServer({**env, **settings}, work, workers=workers)
        try:
            cpu_of = {"api": server.pids(), **({"store": [store_pid]} if store_pid else {})}
            for name, paths in chosen.items():
                # Peers come from the API's member index: time it warm (every anchor's page
                # requested once).
                out = drive(server.url, key, paths, int(args.api_concurrency),
                            float(args.api_duration), warm_all="/peers/" in name,
                            warmup=float(args.api_warmup), cpu_of=cpu_of)
                put(name + suffix, {**out, "workers": workers, **server.memory()})
        finally:
            server.stop()

    serve_cases({}, cases, "")
    # The web page's pages with no page rows kept: each reads its 20 rows from the store (hubs
    # warm), as a page of enterprises nobody was shown lately does.
    serve_cases({"CHAINSCOUT_PEER_INDEX_ROWS": "0"}, {PEERS_PAGE_CASE: cases[PEERS_PAGE_CASE]},
                " (page rows not kept)")
