"""Every load path, timed on the cached demo data set of one size.

Figures are input rows per second (rows read from the files, incl. validation and rejects) unless a
line says "graph rows" (node and relationship rows sent to the store, reference data included).
"""

from __future__ import annotations

import shutil
import time
from functools import cache
from pathlib import Path
from typing import Any

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.graph.stores.neo4j_store import Neo4jStore
from chainscout.loaders.checkpoint import Checkpoint
from chainscout.loaders.demo import generate
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, TargetStats, load_directory, run_load
from chainscout.loaders.rows import RowEncoder, TargetRows

from .common import CACHE_DIR, SEED
from .load_bench import Clock, EncodeSink


def data_dir(size: int, fmt: str = "csv") -> Path:
    """The demo data set of ``size`` enterprises, generated once and cached."""
    out = CACHE_DIR / "data" / f"demo-{size}-s{SEED}-{fmt}-{generator_digest()}"
    if not (out / ".complete").exists():
        if out.exists():
            shutil.rmtree(out)
        started = time.perf_counter()
        summary = generate(out, size, seed=SEED, fmt=fmt)  # type: ignore[arg-type]
        (out / ".complete").write_text(f"{time.perf_counter() - started:.1f}\n")
        print(summary.describe().splitlines()[0], flush=True)
    return out


@cache
def generator_digest() -> str:
    """Digest of the demo generator's source: a changed generator gets a fresh cached data set."""
    import hashlib

    import chainscout.loaders.demo as demo

    digest = hashlib.blake2b(digest_size=4)
    for path in sorted(Path(demo.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def options(work: Path, name: str, **kwargs: Any) -> LoadOptions:
    return LoadOptions(progress=False, resume=False, rejects=work / f"{name}.rejects.csv", **kwargs)


def graph_rows(summary: LoadSummary) -> int:
    return sum(t.sent for t in summary.targets.values())


def figure(summary: LoadSummary, seconds: float | None = None) -> dict[str, Any]:
    secs = seconds if seconds is not None else summary.seconds
    return {"rows": summary.read, "rejected": summary.rejected, "graph_rows": graph_rows(summary),
            "seconds": round(secs, 2), "rows_per_s": round(summary.read / secs) if secs else 0,
            "graph_rows_per_s": round(graph_rows(summary) / secs) if secs else 0,
            "changes": summary.changes}


def client_ceiling(data: Path, work: Path) -> dict[str, dict[str, Any]]:
    """Read + validate + transform with no store (dry run), and the same plus encoding batches."""
    out: dict[str, dict[str, Any]] = {}
    summary = load_directory(None, data, options(work, "check", dry_run=True))
    out["check (dry run)"] = figure(summary)

    def sink(targets: dict[str, TargetStats], _: Checkpoint) -> EncodeSink:
        return EncodeSink(targets, 5000)

    summary, _ = run_load(data, options(work, "encode"), sink, model=graph_model(), checkpoints=False)
    out["check+encode"] = figure(summary)
    return out


def timed_load(store: GraphStore, data: Path, opts: LoadOptions, server_pid: int | None = None
               ) -> dict[str, Any]:
    clock = Clock(server_pid)
    summary = load_directory(store, data, opts)
    return {**figure(summary, time.perf_counter() - clock.wall), **cpu_figure(clock, summary.read)}


def cpu_figure(clock: Clock, rows: int) -> dict[str, Any]:
    """CPU seconds of this process (all threads, and loader processes it forked) and of the
    store's server: robust on a shared machine, where wall time also counts the other work's
    share of the cores."""
    client = clock.client_cpu()
    server = clock._server_cpu() - clock.server
    return {"client_cpu_s": round(client, 2), "server_cpu_s": round(server, 2),
            "rows_per_cpu_s": round(rows / (client + server)) if client + server else 0}


# -- the naive baseline: one MERGE per row, one transaction per row ------------------------------

NAIVE_NODE = ("MERGE (n:Enterprise {uscc: $key}) SET n += $props, n._hash = $hash, "
              "n._snapshot = $snapshot, n._source = $source")


def sample_rows(data: Path, work: Path, rows: int) -> list[dict[str, Any]]:
    """The first ``rows`` enterprises of the data set as validated upsert rows (dicts)."""
    sample = work / "naive-sample"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir(parents=True)
    with (data / "enterprises.csv").open(encoding="utf-8") as src, \
            (sample / "enterprises.csv").open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i > rows:
                break
            dst.write(line)
    captured: list[dict[str, Any]] = []
    encoder = RowEncoder(graph_model(), literal=False)

    class Capture(EncodeSink):
        def put(self, rows_: TargetRows, *, snapshot: str, source: str) -> None:
            if rows_.name == "Enterprise":
                encoded = encoder.encode(rows_, snapshot=snapshot, source=source)
                for params, _ in encoded.batches(1_000_000):
                    captured.extend(params)

    def sink(targets: dict[str, TargetStats], _: Checkpoint) -> Capture:
        return Capture(targets, 5000)

    run_load(sample, options(work, "sample", reference=False), sink, model=graph_model(),
             checkpoints=False)
    return captured


def _delete_enterprises(store: GraphStore) -> None:
    while True:
        rows = store.write("MATCH (n:Enterprise) WITH n LIMIT 10000 DETACH DELETE n "
                           "RETURN count(*) AS n")
        if not rows or int(rows[0]["n"]) == 0:
            return


def naive_vs_batched(store: Neo4jStore, rows: list[dict[str, Any]], batch: int = 5000
                     ) -> dict[str, dict[str, Any]]:
    """Per-row MERGE in its own transaction vs the model's UNWIND upsert, same rows, same store."""
    from chainscout.graph.upsert import node_upsert

    cypher = node_upsert(graph_model().node("Enterprise")).cypher
    _delete_enterprises(store)
    for row in rows[:50]:  # warm-up: both queries planned and compiled before timing
        store.write(NAIVE_NODE, row)
    store.write(cypher, {"rows": rows[:500]})
    _delete_enterprises(store)
    started = time.perf_counter()
    for row in rows:
        store.write(NAIVE_NODE, row)
    naive = time.perf_counter() - started
    _delete_enterprises(store)
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        store.write(cypher, {"rows": rows[i:i + batch]})
    batched = time.perf_counter() - started
    _delete_enterprises(store)
    n = len(rows)
    return {
        "naive per-row MERGE (sample)": {"rows": n, "seconds": round(naive, 2),
                                         "rows_per_s": round(n / naive)},
        "batched UNWIND (same sample)": {"rows": n, "seconds": round(batched, 2),
                                         "rows_per_s": round(n / batched),
                                         "x_naive": round(naive / batched, 1)},
    }


def falkordb_graph(server: Any, name: str) -> FalkorDBStore:
    return FalkorDBStore(server.connect(), name, supervisor=server)
