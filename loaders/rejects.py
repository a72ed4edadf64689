"""The rejects file: one line per problem of a row that was not loaded.

Columns: ``source_file,row_number,kind,field,value,reason``. ``row_number`` is the 1-based number of
the record in its file (the header does not count; in a CSV file without line breaks inside values,
record *n* is on line *n + 1*). A row with several problems has several lines with the same
``row_number``; the load summary counts rejected rows, so it reconciles as read = loaded + rejected.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

REJECT_COLUMNS = ("source_file", "row_number", "kind", "field", "value", "reason")

#: Values longer than this are cut in the rejects file (a whole malformed line can be long).
MAX_VALUE_CHARS = 200


@dataclass(frozen=True, slots=True)
class Reject:
    source_file: str
    row_number: int
    kind: str
    field: str
    value: str
    reason: str

    def as_row(self) -> list[str]:
        value = self.value if len(self.value) <= MAX_VALUE_CHARS else (
            self.value[:MAX_VALUE_CHARS] + "…")
        return [self.source_file, str(self.row_number), self.kind, self.field, value, self.reason]


class RejectsWriter:
    """Appends rejects to a CSV file (UTF-8 with BOM, so spreadsheet programs read Chinese)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lines = 0
        self._fh: IO[str] | None = None
        self._csv: _CsvWriter | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("w", encoding="utf-8-sig", newline="")
            self._csv = _CsvWriter(self._fh)
            self._csv.write(list(REJECT_COLUMNS))

    def write(self, rejects: Iterable[Reject]) -> None:
        for reject in rejects:
            self.lines += 1
            if self._csv is not None:
                self._csv.write(reject.as_row())

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class _CsvWriter:
    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def write(self, row: list[str]) -> None:
        self._writer.writerow(row)


def read_rejects(path: Path) -> list[dict[str, str]]:
    """The rejects file as dicts (tests, notebooks)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
