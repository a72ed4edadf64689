"""Read input files in chunks: CSV, Parquet and JSON Lines, all to the same raw shape.

A reader first checks the whole file (encoding, header, delimiter, required columns) and stops with a
:class:`~chainscout.loaders.errors.LoadError` naming the file and the problem; only then does it
yield :class:`RawChunk` s: every field as a string column (list fields as list-of-string columns, or
as strings still to be split when they come from CSV), with each record's 1-based number in its
file. Records that cannot even be split into fields (a CSV line with the wrong number of fields, a
JSON line that does not parse) come back as rejects of the chunk, so they are counted as read.

CSV is parsed by pyarrow single-threaded, which is what lets it report the record number of a
malformed line; it is still well over a million rows a second.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .errors import LoadError
from .formats import EXTENSIONS, KIND_ORDER, RecordKind
from .mapping import STANDARDS, FileOptions, MappingFile
from .rejects import Reject

CSV_BLOCK_BYTES = 4 << 20
PARQUET_BATCH_ROWS = 50_000
JSONL_BATCH_ROWS = 50_000
_CHECK_BLOCK = 8 << 20
_LIST_TYPE = pa.list_(pa.string())


@dataclass
class RawChunk:
    """Raw field columns of consecutive records, their record numbers and malformed records."""

    columns: dict[str, pa.Array]
    rows: np.ndarray[Any, np.dtype[np.int64]]
    rejects: list[Reject] = field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.rows)

    @property
    def read(self) -> int:
        return len(self.rows) + len({r.row_number for r in self.rejects})


class ChunkSource(Protocol):
    """Anything the pipeline loads records of one kind from."""

    display: str
    kind: str
    options: FileOptions
    estimated_rows: int | None
    ignored_columns: list[str]

    def check(self) -> None: ...

    def chunks(self) -> Iterator[RawChunk]: ...


@dataclass(frozen=True)
class InputFile:
    """A file found in the load directory and what it holds."""

    path: Path
    display: str  # path relative to the load directory, for messages and the rejects file
    kind: str  # a record kind, or a standard (bods, gleif, ftm)
    fmt: str  # csv, parquet, jsonl or json
    options: FileOptions = field(default_factory=FileOptions)


def discover(directory: Path, mapping: MappingFile | None = None
             ) -> tuple[list[InputFile], list[str]]:
    """Input files in ``directory`` (and its subdirectories) with their kinds; and ignored files.

    A file holds a kind when the mapping says so, when it is named ``<kind>.<csv|parquet|jsonl>``,
    or when it sits in a ``bods/``, ``gleif/`` or ``ftm/`` subdirectory (open standards).
    """
    if not directory.exists():
        raise LoadError(directory, "the load directory does not exist")
    if not directory.is_dir():
        raise LoadError(directory, "not a directory; give the directory that holds the files")
    found: list[InputFile] = []
    ignored: list[str] = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        rel = PurePosixPath(path.relative_to(directory).as_posix())
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        suffix = path.suffix.lower()
        fmt = EXTENSIONS.get(suffix) or ("json" if suffix in (".json", ".ftm") else None)
        entry = mapping.for_file(rel) if mapping is not None else None
        if entry is not None:
            if fmt is None:
                raise LoadError(str(rel), f"the mapping matches it as {entry.kind} but files ending "
                                f"{suffix or '(none)'} cannot be read; use .csv, .parquet or .jsonl")
            found.append(InputFile(path, str(rel), entry.kind, fmt, entry.options))
        elif len(rel.parts) > 1 and rel.parts[0] in STANDARDS and fmt is not None:
            found.append(InputFile(path, str(rel), rel.parts[0], fmt))
        elif len(rel.parts) == 1 and path.stem in KIND_ORDER and fmt in ("csv", "parquet", "jsonl"):
            found.append(InputFile(path, str(rel), path.stem, fmt))
        else:
            ignored.append(str(rel))
    return found, ignored


# -- header handling -----------------------------------------------------------------------------


def _resolve_columns(display: str, header: Sequence[str], spec: RecordKind,
                     options: FileOptions, *, check_required: bool = True
                     ) -> tuple[dict[str, str], list[str]]:
    """Source column -> field for the columns used, and the ignored ones; checks the header."""
    renames = dict(options.columns)
    fields = set(spec.field_names)
    lower = {f.lower(): f for f in spec.field_names}
    used: dict[str, str] = {}
    ignored: list[str] = []
    seen: set[str] = set()
    for col in header:
        name = col.strip()
        if name in seen:
            raise LoadError(display, f"column {name!r} appears twice in the header")
        seen.add(name)
        target = renames.get(name)
        if target is None and name in fields and name not in renames.values():
            target = name
        if target is None and not renames and name.lower() in lower:
            target = lower[name.lower()]
        if target is None:
            ignored.append(name)
        elif target in used.values():
            raise LoadError(display, f"two columns give field {target!r}")
        else:
            used[col] = target
    if check_required:
        present = set(used.values()) | set(options.defaults)
        missing = [f for f in spec.required if f not in present]
        if missing:
            hint = ""
            if len(header) == 1:
                for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
                    if sep in header[0]:
                        hint = (f"; the header looks {name}-separated but the file is read as "
                                f"{_delimiter_name(options.delimiter)}-separated (set "
                                f"'delimiter' for it in a mapping file, or save it comma-separated)")
                        break
            elif options.columns:
                hint = "; check the 'columns' of the mapping file"
            raise LoadError(display, f"missing required column(s) {', '.join(missing)} for "
                            f"{spec.name}; found: {', '.join(header) or '(none)'}{hint}")
    return used, ignored


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, repr(delimiter))


def _check_text(path: Path, display: str, encoding: str) -> tuple[int, str]:
    """Decode the whole file once: a clear error for the wrong encoding; lines and the first text.

    Returns the number of line breaks and the first block of text (for the header).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    offset = 0
    first = ""
    try:
        with path.open("rb") as fh:
            while True:
                block = fh.read(_CHECK_BLOCK)
                final = not block
                try:
                    text = decoder.decode(block, final=final)
                except UnicodeDecodeError as exc:
                    bad = offset + max(exc.start, 0)
                    line = _line_of(path, bad)
                    hint = (" If it is a GBK/GB18030 export (common for Excel and vendor files), "
                            "set 'encoding: gb18030' for it in a mapping file."
                            if encoding.replace("-", "").lower() in ("utf8", "utf8sig") else "")
                    raise LoadError(display, f"not valid {encoding} text: undecodable bytes at "
                                    f"line {line} (byte {bad}).{hint}") from None
                if not first:
                    first = text
                lines += block.count(b"\n")
                offset += len(block)
                if final:
                    break
    except OSError as exc:
        raise LoadError(display, f"cannot read: {exc.strerror or exc}") from exc
    return lines, first


def _line_of(path: Path, byte_offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(byte_offset).count(b"\n") + 1


class _FileSource:
    """What the three file formats share: the file, its record kind and the ChunkSource fields
    that ``check`` fills in."""

    def __init__(self, file: InputFile, spec: RecordKind) -> None:
        self.file = file
        self.display = file.display
        self.kind = spec.name
        self.spec = spec
        self.options = file.options
        self.estimated_rows: int | None = None
        self.ignored_columns: list[str] = []


# -- CSV -------------------------------------------------------------------------------------------


class CsvSource(_FileSource):
    def __init__(self, file: InputFile, spec: RecordKind) -> None:
        super().__init__(file, spec)
        self._used: dict[str, str] = {}
        self._header: list[str] = []

    def check(self) -> None:
        lines, first = _check_text(self.file.path, self.display, self.options.encoding)
        text = first.lstrip("\ufeff")
        if not text.strip():
            raise LoadError(self.display, "the file is empty (no header row)")
        header = next(csv.reader(io.StringIO(text), delimiter=self.options.delimiter), [])
        header = [h.strip() for h in header]
        if not any(header):
            raise LoadError(self.display, "the first line is empty; it must be the header row")
        self._header = header
        self._used, self.ignored_columns = _resolve_columns(self.display, header, self.spec,
                                                            self.options)
        self.estimated_rows = max(lines - 1 + (0 if text.endswith("\n") else 1), 0)

    def chunks(self) -> Iterator[RawChunk]:
        bad: dict[int, tuple[str, int, int]] = {}

        def on_invalid(row: Any) -> str:
            if row.number is not None:
                bad[int(row.number) - 1] = (str(row.text), int(row.expected_columns),
                                            int(row.actual_columns))
            return "skip"

        read_options = pcsv.ReadOptions(
            use_threads=False, block_size=CSV_BLOCK_BYTES,
            encoding="utf8" if self.options.encoding.replace("-", "").lower() in (
                "utf8", "utf8sig") else self.options.encoding)
        parse_options = pcsv.ParseOptions(delimiter=self.options.delimiter,
                                          newlines_in_values=True, invalid_row_handler=on_invalid)
        convert_options = pcsv.ConvertOptions(
            column_types={c: pa.string() for c in self._header},
            include_columns=list(self._used), strings_can_be_null=False,
            quoted_strings_can_be_null=False, null_values=[],
        )
        next_no = 1
        try:
            reader = pcsv.open_csv(self.file.path, read_options=read_options,
                                   parse_options=parse_options, convert_options=convert_options)
            for batch in reader:
                n = batch.num_rows
                numbers = np.arange(next_no, next_no + n, dtype=np.int64)
                rejects: list[Reject] = []
                for b in sorted(k for k in bad if k >= next_no):
                    if n and b > numbers[-1]:
                        break
                    if n:
                        numbers[numbers >= b] += 1
                    rejects.append(self._malformed(b, *bad.pop(b)))
                    if not n:
                        continue
                next_no = int(numbers[-1]) + 1 if n else next_no
                columns = {self._used[name]: batch.column(i)
                           for i, name in enumerate(batch.schema.names)}
                yield RawChunk(columns, numbers, rejects)
        except pa.ArrowInvalid as exc:
            raise LoadError(self.display, f"cannot parse as CSV: {_arrow_message(exc)}") from exc
        except UnicodeDecodeError as exc:
            raise LoadError(self.display, f"not valid {self.options.encoding} text") from exc
        if bad:
            rejects = [self._malformed(b, *bad[b]) for b in sorted(bad)]
            yield RawChunk({}, np.zeros(0, dtype=np.int64), rejects)

    def _malformed(self, number: int, text: str, expected: int, actual: int) -> Reject:
        return Reject(self.display, number, self.kind, "(row)", text,
                      f"the row has {actual} fields but the header has {expected}")


def _arrow_message(exc: Exception) -> str:
    return str(exc).split("\n")[0]


# -- Parquet ---------------------------------------------------------------------------------------


class ParquetSource(_FileSource):
    def __init__(self, file: InputFile, spec: RecordKind) -> None:
        super().__init__(file, spec)
        self._used: dict[str, str] = {}
        self._pf: pq.ParquetFile | None = None

    def check(self) -> None:
        try:
            self._pf = pq.ParquetFile(self.file.path)
        except Exception as exc:
            raise LoadError(self.display, f"not a readable Parquet file: {_arrow_message(exc)}"
                            ) from exc
        schema = self._pf.schema_arrow
        self._used, self.ignored_columns = _resolve_columns(self.display, schema.names,
                                                            self.spec, self.options)
        for col, target in self._used.items():
            type_ = schema.field(col).type
            is_list = pa.types.is_list(type_) or pa.types.is_large_list(type_)
            if is_list and not self.spec.field(target).is_list:
                raise LoadError(self.display, f"column {col!r} holds lists but {target} is a "
                                "single value")
            if pa.types.is_struct(type_) or pa.types.is_map(type_):
                raise LoadError(self.display, f"column {col!r} has type {type_}; expected "
                                "strings, numbers, dates or lists of strings")
        self.estimated_rows = self._pf.metadata.num_rows

    def chunks(self) -> Iterator[RawChunk]:
        assert self._pf is not None, "check() first"
        start = 1
        try:
            for batch in self._pf.iter_batches(batch_size=PARQUET_BATCH_ROWS,
                                               columns=list(self._used)):
                columns = {self._used[name]: _to_text(batch.column(i))
                           for i, name in enumerate(batch.schema.names)}
                n = batch.num_rows
                yield RawChunk(columns, np.arange(start, start + n, dtype=np.int64))
                start += n
        except (pa.ArrowInvalid, OSError) as exc:
            raise LoadError(self.display, f"cannot read Parquet data: {_arrow_message(exc)}"
                            ) from exc


def _to_text(arr: pa.Array) -> pa.Array:
    """Any scalar column as strings, any list column as lists of strings."""
    type_ = arr.type
    if pa.types.is_dictionary(type_):
        arr = arr.dictionary_decode()
        type_ = arr.type
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return arr.cast(_LIST_TYPE)
    if pa.types.is_string(type_):
        return arr
    if pa.types.is_boolean(type_):
        return pa.array([None if v is None else ("true" if v else "false")
                         for v in arr.to_pylist()], pa.string())
    if pa.types.is_floating(type_):
        arr = pc.if_else(pc.is_nan(arr), None, arr)
    return arr.cast(pa.string())


# -- JSON Lines ------------------------------------------------------------------------------------


class JsonlSource(_FileSource):
    def __init__(self, file: InputFile, spec: RecordKind) -> None:
        super().__init__(file, spec)
        self._renames: dict[str, str] = {}

    def check(self) -> None:
        lines, first = _check_text(self.file.path, self.display, self.options.encoding)
        head = first.lstrip("\ufeff").lstrip()
        if not head:
            raise LoadError(self.display, "the file is empty")
        if not head.startswith("{"):
            raise LoadError(self.display, "not JSON Lines: each line must be one JSON object "
                            "({...}); a JSON array file is not accepted for record kinds")
        self.estimated_rows = lines + (0 if first.endswith("\n") else 1)
        renames = dict(self.options.columns)
        for f in self.spec.field_names:
            if f not in renames.values():
                renames.setdefault(f, f)
        self._renames = renames

    def chunks(self) -> Iterator[RawChunk]:
        keys = self._renames
        wanted = set(keys.values())
        list_fields = {f.name for f in self.spec.fields if f.is_list}
        ignored: set[str] = set()
        records: list[dict[str, Any]] = []
        numbers: list[int] = []
        rejects: list[Reject] = []
        try:
            with self.file.path.open(encoding=self.options.encoding, newline="") as fh:
                for no, line in enumerate(fh, start=1):
                    if no == 1:
                        line = line.lstrip("\ufeff")
                    if not line.strip():
                        continue
                    record = self._parse(no, line, keys, wanted, list_fields, ignored, rejects)
                    if record is not None:
                        records.append(record)
                        numbers.append(no)
                    if len(numbers) + len(rejects) >= JSONL_BATCH_ROWS:
                        yield self._chunk(records, numbers, rejects, list_fields)
                        records, numbers, rejects = [], [], []
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(self.display, f"cannot read: {exc}") from exc
        if records or rejects:
            yield self._chunk(records, numbers, rejects, list_fields)
        self.ignored_columns = sorted(ignored)

    def _parse(self, no: int, line: str, keys: Mapping[str, str], wanted: set[str],
               list_fields: set[str], ignored: set[str], rejects: list[Reject]
               ) -> dict[str, Any] | None:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append(Reject(self.display, no, self.kind, "(record)", line.strip(),
                                  f"not valid JSON: {exc.msg} at column {exc.colno}"))
            return None
        if not isinstance(raw, dict):
            rejects.append(Reject(self.display, no, self.kind, "(record)", line.strip(),
                                  "a line must be a JSON object"))
            return None
        record: dict[str, Any] = {}
        problems: list[Reject] = []
        for key, value in raw.items():
            target = keys.get(key)
            if target is None or target not in wanted:
                ignored.add(key)
                continue
            if isinstance(value, dict) or (isinstance(value, list) and target not in list_fields):
                problems.append(Reject(self.display, no, self.kind, target,
                                       json.dumps(value, ensure_ascii=False),
                                       "expected a single value, got a "
                                       f"{'list' if isinstance(value, list) else 'JSON object'}"))
                continue
            record[target] = value
        if problems:
            rejects.extend(problems)
            return None
        return record

    def _chunk(self, records: list[dict[str, Any]], numbers: list[int], rejects: list[Reject],
               list_fields: set[str]) -> RawChunk:
        columns: dict[str, pa.Array] = {}
        present = set().union(*records) if records else set()
        for name in present:
            values = [r.get(name) for r in records]
            if name in list_fields:
                columns[name] = pa.array([list_text(v, self.options.list_separator)
                                          for v in values], _LIST_TYPE)
            else:
                columns[name] = pa.array([scalar_text(v) for v in values], pa.string())
        return RawChunk(columns, np.asarray(numbers, dtype=np.int64), rejects)


def scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    return str(value)


def list_text(value: Any, separator: str | None = None) -> list[str] | None:
    """A JSON value for a list field: an array, or a string split like a CSV cell."""
    if value is None:
        return None
    if isinstance(value, list):
        return [s for s in (scalar_text(v) for v in value) if s is not None]
    text = scalar_text(value)
    if text is None:
        return None
    return re.split(re.escape(separator) if separator else "[;；]", text)


def open_source(file: InputFile, spec: RecordKind) -> ChunkSource:
    """The reader for one input file of a record kind."""
    if file.fmt == "csv":
        return CsvSource(file, spec)
    if file.fmt == "parquet":
        return ParquetSource(file, spec)
    if file.fmt == "jsonl":
        return JsonlSource(file, spec)
    raise LoadError(file.display, f"{file.fmt} files cannot hold {spec.name}; "
                    "use .csv, .parquet or .jsonl")


def file_digest_update(digest: Any, path: Path) -> None:
    """Feed a file's bytes into a hash (the default snapshot id is a hash of the inputs)."""
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    digest.update(str(os.path.getsize(path)).encode())
