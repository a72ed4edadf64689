"""``python -m bench plans``: EXPLAIN/PROFILE the named queries the query modules run, on a loaded
local Neo4j, and list which index each one starts from (or that it scans a label).

Runs each query module once on one seeded anchor, records every (Cypher, parameters) the module
sends, then PROFILEs them through the driver and prints the operators that find the starting
nodes with their db hits — the cross-check of graph/model.py's indexes in docs/scale.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

START_OPS = ("NodeIndexSeek", "NodeUniqueIndexSeek", "NodeIndexScan", "NodeByLabelScan",
             "AllNodesScan", "NodeIndexSeekByRange", "NodeIndexContainsScan",
             "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
             "MultiNodeIndexSeek", "NodeIndexEndsWithScan", "DirectedRelationshipIndexSeek",
             "PartitionedNodeIndexSeek", "PartitionedNodeByLabelScan",
             "PartitionedNodeIndexScan", "PartitionedAllNodesScan")


class Recorder:
    """A store wrapper that remembers every read it forwards."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.name = store.name
        self.model = store.model
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout_s: float | None = None) -> list[dict[str, Any]]:
        self.seen.append((cypher, dict(params or {})))
        rows: list[dict[str, Any]] = self.store.read(cypher, params, timeout_s=timeout_s)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def _walk(plan: Any, out: list[dict[str, Any]]) -> int:
    total = int(plan.get("dbHits", 0) or 0)
    op = str(plan.get("operatorType", "")).split("@")[0]
    if op in START_OPS:
        args = plan.get("args") or plan.get("arguments") or {}
        out.append({"op": op, "details": str(args.get("Details", ""))[:120],
                    "rows": plan.get("rows"), "db_hits": plan.get("dbHits")})
    for child in plan.get("children", []):
        total += _walk(child, out)
    return total


def profile_modules(uri: str, auth: tuple[str, str], data: Path, out: Path | None = None
                    ) -> list[dict[str, Any]]:
    import neo4j

    from chainscout.graph.stores.neo4j_store import Neo4jStore

    from .latency import Anchors, query_cases

    store = Neo4jStore(uri, *auth)
    rec = Recorder(store)
    anchors = Anchors(data, 1)
    report: list[dict[str, Any]] = []
    driver = neo4j.GraphDatabase.driver(uri, auth=auth)
    try:
        for case, (fn, args) in query_cases(rec, anchors).items():
            rec.seen.clear()
            try:
                fn(args[0])
            except Exception as exc:  # the plan is still worth seeing for what ran
                report.append({"case": case, "error": str(exc)[:200]})
            for cypher, params in rec.seen:
                first = next((ln for ln in cypher.splitlines() if ln.strip()
                              and not ln.startswith("//")), "")
                with driver.session() as session:
                    summary = session.run("PROFILE " + cypher, params).consume()
                starts: list[dict[str, Any]] = []
                hits = _walk(summary.profile or {}, starts)
                report.append({"case": case, "query": first[:100], "db_hits": hits,
                               "starts": starts})
    finally:
        driver.close()
        store.close()
    if out is not None:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return report
