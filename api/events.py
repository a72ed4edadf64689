"""Event ingestion through the loaders: posted records are loaded exactly like an ``events`` file.

The posted events are written as ``events.jsonl`` into a private temporary directory and handed to
``loaders.pipeline.load_directory``, so they get the loaders' own validation (USCC check
characters, dates, the event catalogue, subject and counterparty enterprises known to the graph,
duplicates) and the model's idempotent upserts (Event, ``CONCERNS``, ``OF_TYPE``, ``INVOLVES``).
Rows the loaders reject come back to the caller with the loaders' reasons; a repeated post changes
nothing. Items are tagged with the source ``api:events``.

The reference data (GB/T 4754, chains, the event catalogue) is loaded along only when an event type
a post uses has no ``EventType`` node yet (a graph that was never fully loaded).
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainscout.graph.stores.base import GraphStore
from chainscout.loaders.errors import LoadError
from chainscout.loaders.pipeline import LoadOptions, load_directory
from chainscout.loaders.reference_data import load_event_types
from chainscout.queries.runner import run_named

from .errors import BadRequest

SOURCE = "api"


@dataclass(frozen=True)
class EventRecord:
    event_id: str
    type: str
    date: str
    uscc: str
    title: str | None = None
    amount: float | None = None
    source: str | None = None
    counterparty_uscc: str | None = None
    counterparty_role: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class IngestReport:
    received: int = 0
    accepted: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _needs_reference(store: GraphStore, types: Sequence[str]) -> bool:
    """True when a catalogue event type the post uses has no EventType node in the graph yet
    (types outside the catalogue are rejected anyway)."""
    wanted = sorted({t for t in types if t in load_event_types()})
    if not wanted:
        return False
    rows = run_named(store, "api_event_types_present", {"codes": wanted})
    return not rows or int(rows[0]["n"]) < len(wanted)


def _rejects(path: Path) -> dict[int, list[str]]:
    """Row number (1-based record) → the loaders' reasons."""
    found: dict[int, list[str]] = {}
    if not path.exists():
        return found
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                number = int(row.get("row_number") or 0)
            except ValueError:
                continue
            reason = str(row.get("reason") or "rejected")
            where = str(row.get("field") or "")
            found.setdefault(number, []).append(f"{where}: {reason}" if where else reason)
    return found


def ingest(store: GraphStore, records: Sequence[EventRecord]) -> IngestReport:
    report = IngestReport(received=len(records))
    if not records:
        return report
    with tempfile.TemporaryDirectory(prefix="chainscout-events-") as tmp:
        folder = Path(tmp) / "api"
        folder.mkdir()
        (folder / "events.jsonl").write_text(
            "".join(json.dumps(r.as_json(), ensure_ascii=False) + "\n" for r in records),
            encoding="utf-8")
        rejects_path = Path(tmp) / "rejects.csv"
        options = LoadOptions(source=SOURCE, rejects=rejects_path, progress=False, resume=False,
                              apply_schema=False, prune=False,
                              reference=_needs_reference(store, [r.type for r in records]))
        try:
            summary = load_directory(store, folder, options)
        except LoadError as exc:
            raise BadRequest(f"events not loadable: {exc}", code="invalid_events") from exc
        rejected = _rejects(rejects_path)
    for number, reasons in sorted(rejected.items()):
        index = number - 1
        event_id = records[index].event_id if 0 <= index < len(records) else ""
        report.rejected.append({"index": index, "event_id": event_id,
                                "reason": "; ".join(reasons)})
    rejected_ids = {r["event_id"] for r in report.rejected}
    report.accepted = list(dict.fromkeys(r.event_id for r in records
                                         if r.event_id not in rejected_ids))
    events = summary.targets.get("Event")
    if events is None:
        events = next((t for name, t in summary.targets.items() if name.startswith("Event")),
                      None)
    if events is not None:
        report.created, report.updated = events.created, events.updated
    return report
