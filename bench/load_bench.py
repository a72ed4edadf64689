"""Loader throughput: rows per second from an enterprises file into the embedded FalkorDB.

    python bench/load_bench.py --rows 100000 [--format csv|parquet|jsonl] [--batch-size 5000]

Writes a synthetic ``enterprises`` file (valid unified social credit codes, GB/T classes, coordinates,
tags; every field of the kind filled), then measures, each on the same file:

* ``check``         read + validate + transform, nothing encoded or written (``--dry-run``);
* ``check+encode``  the same plus rendering every upsert batch as the store would receive it — the
  client-side ceiling of a load;
* ``load``          the full load into a fresh embedded FalkorDB (schema, reference data incl.);
* ``reload``        the same file again: every row compared, nothing changes;
* ``update``        a newer snapshot with 1 % of the rows changed.

Into an empty graph the load builds it with ``GRAPH.BULK`` (same rows, hashes and tags as the
upserts); later loads upsert. Each line shows wall time and rows/s, the CPU seconds of this process
(``rows/cpu-s``: the loader's own cost, whatever else runs on the machine) and of the FalkorDB
server process (``store``). The goal for ``load`` is 200k rows/s incl. validation.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from stdnum.cn import uscc as stdnum_uscc

from chainscout.bench.common import cpu_s  # (absolute: this file also runs as a script)
from chainscout.graph.model import graph_model
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.checkpoint import Checkpoint
from chainscout.loaders.pipeline import LoadOptions, TargetStats, load_directory, run_load
from chainscout.loaders.reference_data import load_gbt4754
from chainscout.loaders.rows import RowEncoder, TargetRows
from chainscout.servers.falkordb_server import EmbeddedFalkorDB

ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
TAGS = ["high_tech", "specialized", "green", "listed", "state_owned", "foreign", "top100"]


def usccs(n: int, rng: np.random.Generator) -> list[str]:
    region = rng.choice(["310115", "320594", "440305", "110108", "330106", "510116"], n)
    body = ALPHABET[rng.integers(0, len(ALPHABET), size=(n, 9))]
    out = []
    for r, b in zip(region, body, strict=True):
        base = "91" + r + b.tobytes().decode()
        out.append(base + stdnum_uscc.calc_check_digit(base))
    return out


def enterprises(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    classes = [c for c, e in load_gbt4754().items() if e.level == 4]
    codes = usccs(n, rng)
    tags = [";".join(rng.choice(TAGS, size=rng.integers(0, 3), replace=False)) or None
            for _ in range(n)]
    return pa.table({
        "uscc": codes,
        "name": [f"示例企业{i}科技有限公司" for i in range(n)],
        "status": rng.choice(["active", "active", "active", "revoked", "cancelled"], n),
        "registered_capital": np.round(rng.lognormal(6, 1.5, n), 2),
        "established": [f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(
            rng.integers(1990, 2024, n), rng.integers(1, 13, n), rng.integers(1, 29, n),
            strict=True)],
        "industry_code": rng.choice(classes, n),
        "address": [f"上海市浦东新区张江路{i % 1000}号" for i in range(n)],
        "district_code": rng.choice(["310115", "320594", "440305"], n),
        "lat": np.round(rng.uniform(22, 40, n), 6),
        "lng": np.round(rng.uniform(100, 122, n), 6),
        "tags": tags,
        "size": rng.choice(["micro", "small", "medium", "large"], n),
        "employees": rng.integers(1, 5000, n),
        "legal_representative": rng.choice(["张伟", "王芳", "李娜", "刘洋"], n),
    })


def write(table: pa.Table, directory: Path, fmt: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pcsv.write_csv(table, directory / "enterprises.csv")
    elif fmt == "parquet":
        tags = pa.array([None if t is None else t.split(";")
                         for t in table.column("tags").to_pylist()], pa.list_(pa.string()))
        pq.write_table(table.set_column(table.schema.get_field_index("tags"), "tags", tags),
                       directory / "enterprises.parquet")
    else:
        import json

        with (directory / "enterprises.jsonl").open("w", encoding="utf-8") as fh:
            for row in table.to_pylist():
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


class EncodeSink:
    """Renders every batch like the FalkorDB writer would, and drops it."""

    def __init__(self, targets: dict[str, TargetStats], batch_size: int) -> None:
        self.targets = targets
        self.encoder = RowEncoder(graph_model(), literal=True)
        self.batch_size = batch_size

    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
        encoded = self.encoder.encode(rows, snapshot=snapshot, source=source)
        for _, count in encoded.batches(self.batch_size):
            self.targets.setdefault(rows.name, TargetStats()).sent += count

    def mark(self, key: str, chunks: int) -> None:
        return None

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def reaped_children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall time and the CPU time of this process and of the store's server process.

    The machine may be shared: CPU seconds say what a load costs whatever else runs.
    """

    def __init__(self, server_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.children = reaped_children_cpu()
        self.server = self._server_cpu()

    def client_cpu(self) -> float:
        """This process and the loader processes it forked and waited for since the start (the
        bulk files' second process): the store's server is never reaped during a load."""
        return (time.process_time() - self.cpu) + (reaped_children_cpu() - self.children)

    def _server_cpu(self) -> float:
        return 0.0 if self.server_pid is None else cpu_s([self.server_pid])

    def line(self, name: str, rows: int, extra: str = "") -> None:
        wall = time.perf_counter() - self.wall
        cpu = self.client_cpu()
        server = self._server_cpu() - self.server
        store = f"{server:6.2f}" if self.server_pid else "     -"
        print(f"{name:<14} {rows:>9,} {wall:8.2f} {rows / wall:>10,.0f} {cpu:8.2f} "
              f"{rows / cpu:>10,.0f} {store}  {extra}")


def header() -> None:
    print(f"{'step':<14} {'rows':>9} {'wall s':>8} {'rows/s':>10} {'cpu s':>8} "
          f"{'rows/cpu-s':>10} {'store':>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "parquet", "jsonl"], default="csv")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chainscout-loadbench-"))
    data = work / "data"
    table = enterprises(args.rows)
    write(table, data, args.format)
    print(f"{args.rows:,} enterprises as {args.format} in {data} "
          f"({sum(p.stat().st_size for p in data.iterdir()) / 1e6:.1f} MB)")
    opts: dict[str, Any] = {"progress": False, "rejects": work / "rejects.csv",
                            "batch_size": args.batch_size}
    try:
        header()
        clock = Clock()
        summary = load_directory(None, data, LoadOptions(dry_run=True, **opts))
        clock.line("check", summary.read, f"rejected {summary.rejected}")

        clock = Clock()

        def encode_sink(targets: dict[str, TargetStats], _: Checkpoint) -> EncodeSink:
            return EncodeSink(targets, args.batch_size)

        summary, _ = run_load(data, LoadOptions(**opts), encode_sink, model=graph_model(),
                              checkpoints=False)
        clock.line("check+encode", summary.read)

        server = EmbeddedFalkorDB(work / "falkordb")
        server.start()
        try:
            store = FalkorDBStore(server.connect(), "bench", supervisor=server)
            store.apply_schema()
            runs = (("load (bulk)", LoadOptions(**opts)), ("reload", LoadOptions(**opts)))
            for name, options in runs:
                clock = Clock(server.pid)
                summary = load_directory(store, data, options)
                clock.line(name, summary.read, f"{summary.changes:,} changes")
            changed = table.set_column(
                table.schema.get_field_index("employees"), "employees",
                pa.array([e + 1 if i % 100 == 0 else e
                          for i, e in enumerate(table.column("employees").to_pylist())]))
            shutil.rmtree(data)
            write(changed, data, args.format)
            clock = Clock(server.pid)
            summary = load_directory(store, data, LoadOptions(**opts))
            clock.line("update", summary.read, f"{summary.changes:,} changes")
        finally:
            server.stop()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
