"""Open standards in: the same record kinds, the same checks, the same graph.

Each converter reads its files whole and turns what the graph model can hold into records of the
documented kinds (``enterprises``, ``persons``, ``shareholdings``, ``officers``, ``controls``,
``associations``, ``association_members``), each traced to its file and statement/row number. The
pipeline then checks and loads them like any CSV. What has no place in the model (a foreign company
without a unified social credit code, an interest type the model lacks, a superseded statement) is
rejected at conversion with the reason, under the standard's name as kind, so nothing is dropped
silently.

* :mod:`.bods` — Open Ownership Beneficial Ownership Data Standard 0.4 (and 0.2/0.3 statements);
* :mod:`.gleif` — GLEIF golden-copy CSV: Level 1 LEI records and Level 2 relationship records;
* :mod:`.ftm` — FollowTheMoney entities (Company, Organization, LegalEntity, Person, Ownership,
  Directorship, Membership).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import LoadError
from ..formats import record_kind
from ..mapping import FileOptions
from ..readers import InputFile, RawChunk, list_text, scalar_text
from ..rejects import Reject

CHUNK_ROWS = 50_000
#: Identifier schemes (org-id.guide) that carry a unified social credit code.
USCC_SCHEMES = frozenset({"CN-USCI", "CN-USCC", "CN-SAIC", "CN-SAMR"})


class MemorySource:
    """Records of one kind converted from a standard's file, served as raw chunks."""

    def __init__(self, display: str, kind: str, records: list[tuple[int, dict[str, Any]]]
                 ) -> None:
        self.display = display
        self.kind = kind
        self.options = FileOptions()
        self.estimated_rows: int | None = len(records)
        self.ignored_columns: list[str] = []
        self.records = records

    def check(self) -> None:
        return None

    def chunks(self) -> Iterator[RawChunk]:
        spec = record_kind(self.kind)
        for start in range(0, len(self.records), CHUNK_ROWS):
            part = self.records[start:start + CHUNK_ROWS]
            columns: dict[str, pa.Array] = {}
            for f in spec.fields:
                values = [r.get(f.name) for _, r in part]
                if all(v is None for v in values):
                    continue
                if f.is_list:
                    columns[f.name] = pa.array([list_text(v) for v in values],
                                               pa.list_(pa.string()))
                else:
                    columns[f.name] = pa.array([scalar_text(v) for v in values], pa.string())
            rows = np.asarray([n for n, _ in part], dtype=np.int64)
            yield RawChunk(columns, rows)


@dataclass
class Collector:
    """Gathers converted records per (file, kind) and the conversion rejects."""

    standard: str
    records: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = field(
        default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)

    def add(self, display: str, kind: str, row: int, record: dict[str, Any]) -> None:
        self.records.setdefault((display, kind), []).append((row, record))

    def reject(self, display: str, row: int, field_: str, value: Any, reason: str) -> None:
        self.rejects.append(Reject(display, row, self.standard, field_,
                                   "" if value is None else str(value), reason))
        self.unmapped[display] = self.unmapped.get(display, 0) + 1

    def result(self) -> Converted:
        order = ("enterprises", "persons", "associations", "shareholdings", "controls",
                 "officers", "association_members")
        sources = [MemorySource(display, kind, recs)
                   for (display, kind), recs in sorted(
                       self.records.items(), key=lambda item: (order.index(item[0][1]),
                                                               item[0][0]))]
        for display in {d for d, _ in self.records}:
            self.unmapped.setdefault(display, 0)
        return Converted(sources, self.rejects, self.unmapped)


@dataclass
class Converted:
    sources: list[MemorySource]
    rejects: list[Reject]
    #: Conversion rejects per file (each counts as one read, rejected record).
    unmapped: dict[str, int]


def convert(standard: str, files: Sequence[InputFile]) -> Converted:
    """Convert all files of one standard found in the load directory."""
    if standard == "bods":
        from .bods import convert_bods

        return convert_bods(files)
    if standard == "gleif":
        from .gleif import convert_gleif

        return convert_gleif(files)
    if standard == "ftm":
        from .ftm import convert_ftm

        return convert_ftm(files)
    raise LoadError(None, f"unknown standard {standard!r}")


def read_json_records(path: Path, display: str) -> list[tuple[int, Any]]:
    """A JSON array (index + 1 as row number) or JSON Lines (line number) file, parsed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(display, "not UTF-8 text (JSON files must be UTF-8)") from exc
    except OSError as exc:
        raise LoadError(display, f"cannot read: {exc.strerror or exc}") from exc
    head = text.lstrip()[:1]
    if head == "[":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(display, f"not valid JSON: {exc.msg} at line {exc.lineno} "
                            f"column {exc.colno}") from exc
        return [(i, item) for i, item in enumerate(data, start=1)]
    out: list[tuple[int, Any]] = []
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((no, json.loads(line)))
        except json.JSONDecodeError as exc:
            out.append((no, _Malformed(f"not valid JSON: {exc.msg} at column {exc.colno}",
                                       line.strip())))
    if not out:
        raise LoadError(display, "the file is empty")
    return out


@dataclass(frozen=True)
class _Malformed:
    reason: str
    text: str


def is_malformed(item: Any) -> bool:
    return isinstance(item, _Malformed)


def malformed_reason(item: Any) -> tuple[str, str]:
    assert isinstance(item, _Malformed)
    return item.reason, item.text


def number(value: Any) -> float | None:
    """A number from a JSON value or text such as "25", "25.5%"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().rstrip("%％").strip()
    try:
        return float(text)
    except ValueError:
        return None
