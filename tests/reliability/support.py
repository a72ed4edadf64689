"""Shared helpers of the reliability tests: sizes, graph digests, a killable Neo4j, result records.

Sizes come in two variants: the CI size (default, minutes at most on a busy 2-core machine) and the
full size (``CHAINSCOUT_RELIABILITY_FULL=1``). ``CHAINSCOUT_RELIABILITY_RESULTS=<file>`` makes every
test append its measurements as one JSON line, from which docs/reliability.md is filled.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from chainscout.graph.model import GraphModel
from chainscout.graph.stores.base import GraphStore

T = TypeVar("T")

FULL = os.environ.get("CHAINSCOUT_RELIABILITY_FULL", "").lower() in {"1", "true", "yes"}
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def sized(ci: T, full: T) -> T:
    """The CI-sized value, or the full one under ``CHAINSCOUT_RELIABILITY_FULL=1``."""
    return full if FULL else ci


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# -- graph digests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphDigest:
    """Counts per label and relationship spec, totals, and one SHA-256 over the whole content:
    every node's label, key, content hash, snapshot and source, every relationship's type, end
    keys, content hash, snapshot and source. Two graphs with equal digests hold the same data."""

    nodes: Mapping[str, int]
    relationships: Mapping[str, int]
    total_nodes: int
    total_relationships: int
    sha256: str
    duplicate_keys: Mapping[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"nodes": self.total_nodes, "relationships": self.total_relationships,
                "sha256": self.sha256[:16]}


_PAGE = 50_000


def _paged(store: GraphStore, cypher: str) -> list[dict[str, Any]]:
    """All rows of ``cypher`` (which must ORDER BY a unique key), a page at a time."""
    rows: list[dict[str, Any]] = []
    skip = 0
    while True:
        page = store.read(f"{cypher} SKIP $skip LIMIT $limit", {"skip": skip, "limit": _PAGE})
        rows.extend(page)
        if len(page) < _PAGE:
            return rows
        skip += _PAGE


def graph_digest(store: GraphStore, model: GraphModel | None = None) -> GraphDigest:
    model = model or store.model
    lines: list[str] = []
    nodes: dict[str, int] = {}
    duplicates: dict[str, int] = {}
    for node in model.nodes:
        rows = _paged(store, f"MATCH (n:{node.label}) RETURN n.{node.key} AS k, n._hash AS h, "
                             f"n._snapshot AS s, n._source AS src ORDER BY k, h")
        nodes[node.label] = len(rows)
        keys = [r["k"] for r in rows]
        if len(set(keys)) != len(keys):
            duplicates[node.label] = len(keys) - len(set(keys))
        lines.extend(f"N|{node.label}|{r['k']}|{r['h']}|{r['s']}|{r['src']}" for r in rows)
    rels: dict[str, int] = {}
    for rel in model.relationships:
        src_key, dst_key = model.key_of(rel.source), model.key_of(rel.target)
        rows = _paged(store, f"MATCH (a:{rel.source})-[r:{rel.type}]->(b:{rel.target}) "
                             f"RETURN a.{src_key} AS a, b.{dst_key} AS b, r._hash AS h, "
                             f"r._snapshot AS s, r._source AS src ORDER BY a, b, h, s, src")
        rels[rel.name] = len(rows)
        lines.extend(f"R|{rel.name}|{r['a']}|{r['b']}|{r['h']}|{r['s']}|{r['src']}" for r in rows)
    total_nodes = int(store.read("MATCH (n) RETURN count(n) AS n")[0]["n"])
    total_rels = int(store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"])
    digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    return GraphDigest(nodes, rels, total_nodes, total_rels, digest, duplicates)


# -- processes -------------------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    """Resident set size of a process in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[rank]


# -- results ---------------------------------------------------------------------------------------


def record(test: str, **metrics: Any) -> None:
    """Append one test's measurements to ``$CHAINSCOUT_RELIABILITY_RESULTS`` (JSON lines)."""
    target = os.environ.get("CHAINSCOUT_RELIABILITY_RESULTS")
    if not target:
        return
    entry = {"test": test, "at": datetime.now(UTC).isoformat(timespec="seconds"),
             "full": FULL, **metrics}
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
