"""Derived properties: facts the market queries would otherwise expand per member, stored on the
node after every load (``Enterprise._is_customer``, ``Enterprise._segment_ids``; declared as
``derived`` in graph/model.py).

Ranking a park or a chain segment scores every member; reading one property per member instead of
an ``OPTIONAL MATCH`` plus an aggregate per member is what keeps those queries flat at 1M
enterprises. :func:`derive` runs at the end of every load (``loaders/pipeline.py``) except the
embedded store's bulk build of an empty graph, which writes the values with the nodes and derives
late links by node id (``customer_set_ids``, ``segments_set_ids``; loaders/falkordb_bulk.py).
So it must be cheap when nothing changed and exact after an incremental load or a prune: each
step writes only nodes whose value is missing, stale or gone, in batches (one Neo4j transaction
stays small), and a second run changes nothing. A full pass still scans every customer and
segment member (≈ 30 s at 1M enterprises on a busy machine), so a load passes its per-target
counts and the pass is skipped when it changed nothing the derived properties depend on.
Anything that writes ``CUSTOMER_OF`` or ``IN_SEGMENT`` outside a load (or a store built by an
offline bulk import) must call :func:`derive` afterwards, without ``targets``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from chainscout.graph.stores.base import GraphStore
from chainscout.queries.catalog import NamedQuery, parse_query

#: The steps in order: set before unset, so a node is never briefly without its value.
STEPS = ("customer_set", "customer_unset", "segments_set", "segments_unset")
#: The steps that can change anything on a graph built from empty (nothing there is stale).
SET_STEPS = tuple(step for step in STEPS if step.endswith("_set"))

#: Nodes written per statement (and per transaction) on Neo4j, whose transaction state lives on
#: the server's heap.
BATCH = 50_000

#: Batch sizes per store. Every run of a step scans all the links it derives from, so small
#: batches make a from-scratch pass quadratic: at 1M enterprises about ten full scans per step.
#: FalkorDB keeps no transaction state worth bounding and applies a query's writes together at
#: its end, so it derives in one run per step.
STORE_BATCH = {"falkordb": 1_000_000_000}

#: A step that still changes a full batch after this many runs is not converging: stop it.
_MAX_RUNS = 10_000

#: Load targets (model spec names) whose changes can change a derived property: the relationships
#: read and the nodes whose deletion takes such relationships with them.
CUSTOMER_LINKS = "Enterprise-CUSTOMER_OF->Branch"
SEGMENT_LINKS = "Enterprise-IN_SEGMENT->ChainSegment"
DEPENDS_ON = (CUSTOMER_LINKS, SEGMENT_LINKS, "Branch", "ChainSegment")


@dataclass
class DeriveSummary:
    """Nodes changed per step and the time taken; ``changes`` is 0 on an unchanged graph."""

    changed: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False

    @property
    def changes(self) -> int:
        return sum(self.changed.values())


@cache
def step_query(step: str) -> NamedQuery:
    """A derive step's query (``derive_cypher/<step>.cypher``)."""
    text = (resources.files("chainscout.loaders") / "derive_cypher" / f"{step}.cypher").read_text(
        encoding="utf-8")
    return parse_query(step, text, f"derive_cypher/{step}.cypher")


def _touched(targets: Mapping[str, Any]) -> bool:
    return any(name in DEPENDS_ON and (t.created or t.updated or t.deleted)
               for name, t in targets.items())


def _missing(store: GraphStore) -> bool:
    """Whether some derived property is missing although its links exist (a store built by an
    offline bulk import, or written outside a load): then even an unchanged load derives."""
    query = step_query("missing")
    rows = store.read(query.cypher, query.bind({}))
    return bool(rows and rows[0]["missing"])


def derive(store: GraphStore | None, *, dry_run: bool = False, batch: int | None = None,
           targets: Mapping[str, Any] | None = None, fresh: bool = False) -> DeriveSummary | None:
    """Bring every derived property up to date; ``None`` when there is no store or a dry run.

    ``batch`` defaults to the store's entry in :data:`STORE_BATCH`, else :data:`BATCH`.
    ``targets`` (a load's per-target stats with ``created``/``updated``/``deleted``) skips the pass
    when none of :data:`DEPENDS_ON` changed and no derived property is missing; without it the pass
    always runs. ``fresh``: the load started from an empty graph, so no value can be stale and
    the unset steps (a scan of every enterprise each) are left out.
    """
    if store is None or dry_run:
        return None
    if batch is None:
        batch = STORE_BATCH.get(store.name, BATCH)
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if targets is not None and not _touched(targets) and not _missing(store):
        return DeriveSummary(dict.fromkeys(STEPS, 0), skipped=True)
    started = time.perf_counter()
    summary = DeriveSummary(dict.fromkeys(STEPS, 0))
    for step in SET_STEPS if fresh else STEPS:
        query = step_query(step)
        total = 0
        for _ in range(_MAX_RUNS):
            rows = store.write(query.cypher, query.bind({"batch": batch}))
            changed = int(rows[0]["changed"]) if rows else 0
            total += changed
            if changed < batch:
                break
        summary.changed[step] = total
    summary.seconds = time.perf_counter() - started
    return summary
