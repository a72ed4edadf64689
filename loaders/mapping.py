"""Declarative mapping files: load vendor exports and CRM extracts without code.

A mapping file (YAML) says, for files matched by a glob in the load directory, which record kind they
hold and how their columns and values translate::

    version: 1
    currencies: {美元: 7.1}           # CNY per unit, for every file below
    files:
      - match: "企业基本信息*.csv"     # glob relative to the load directory
        kind: enterprises
        encoding: gb18030             # default utf-8
        delimiter: ","                # default ","
        list_separator: "、"          # default ";"
        null_values: ["-", "暂无"]     # cell values that mean "empty", besides the defaults
        columns: {统一社会信用代码: uscc, 企业名称: name, 注册资本: registered_capital}
        values:
          status: {存续: active, 在业: active, 吊销: revoked, 注销: cancelled}
        units: {registered_capital: 元}   # unit of bare numbers: 元, 万元 (default) or 亿元
        lookups: {industry_code: gbt4754_name}   # 所属行业 holds class names, not codes
        defaults: {size: small}

Unmapped source columns are ignored (the summary lists them); unmapped values go through unchanged
and are then checked like any other value. ``docs/input-formats.md`` documents every key.
"""

from __future__ import annotations

import codecs
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from chainscout.graph.model import PropType

from .errors import LoadError
from .formats import KIND_ORDER, Rule, record_kind

#: Multipliers of bare numbers into 万元.
UNIT_FACTORS: Mapping[str, float] = {"元": 1e-4, "千元": 0.1, "万元": 1.0, "百万元": 100.0,
                                     "亿元": 1e4}
LOOKUPS = ("gbt4754_name",)
STANDARDS = ("bods", "gleif", "ftm")
_FILE_KEYS = {"match", "kind", "encoding", "delimiter", "list_separator", "null_values", "columns",
              "values", "units", "currencies", "lookups", "defaults"}


@dataclass(frozen=True)
class FileOptions:
    """How to read and translate one file; the defaults describe the documented formats."""

    encoding: str = "utf-8"
    delimiter: str = ","
    list_separator: str | None = None  # None: ";" (and "；") in CSV cells
    null_values: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    currencies: Mapping[str, float] = field(default_factory=dict)
    lookups: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FileMapping:
    match: str
    kind: str
    options: FileOptions

    def matches(self, relative: PurePosixPath) -> bool:
        pattern = self.match
        return fnmatch.fnmatchcase(str(relative), pattern) or (
            "/" not in pattern and fnmatch.fnmatchcase(relative.name, pattern))


@dataclass(frozen=True)
class MappingFile:
    path: Path
    files: tuple[FileMapping, ...]
    currencies: Mapping[str, float] = field(default_factory=dict)

    def for_file(self, relative: PurePosixPath) -> FileMapping | None:
        """The first entry whose glob matches the file (path relative to the load directory)."""
        for entry in self.files:
            if entry.matches(relative):
                return entry
        return None


def load_mapping(path: Path) -> MappingFile:
    """Read and check a mapping file; every problem is a :class:`LoadError` naming the entry."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoadError(path, f"cannot read the mapping file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LoadError(path, "the mapping file must be UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise LoadError(path, f"not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise LoadError(path, "expected a mapping with a 'files' list (see docs/input-formats.md)")
    unknown = set(doc) - {"version", "files", "currencies"}
    if unknown:
        raise LoadError(path, f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    currencies = _currencies(path, "currencies", doc.get("currencies", {}))
    files = tuple(_file_entry(path, i, raw, currencies) for i, raw in enumerate(doc["files"]))
    return MappingFile(path, files, currencies)


def _fail(path: Path, where: str, problem: str) -> LoadError:
    return LoadError(path, f"{where}: {problem}")


def _str_map(path: Path, where: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping")
    return {str(k).strip(): str(v).strip() for k, v in raw.items()}


def _currencies(path: Path, where: str, raw: Any) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping of currency name to CNY per unit")
    out: dict[str, float] = {}
    for name, rate in raw.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise _fail(path, f"{where}.{name}", f"rate must be a positive number, got {rate!r}")
        out[str(name)] = float(rate)
    return out


def _file_entry(path: Path, index: int, raw: Any, currencies: Mapping[str, float]
                ) -> FileMapping:
    where = f"files[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping")
    unknown = set(raw) - _FILE_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                    f"allowed: {', '.join(sorted(_FILE_KEYS))}")
    match = raw.get("match")
    if not isinstance(match, str) or not match.strip():
        raise _fail(path, where, "needs 'match', a file name or glob")
    kind = raw.get("kind")
    if kind in STANDARDS:
        return FileMapping(match.strip(), str(kind), FileOptions())
    if kind not in KIND_ORDER:
        raise _fail(path, where, f"unknown kind {kind!r}; one of {', '.join(KIND_ORDER)} "
                    f"or a standard ({', '.join(STANDARDS)})")
    spec = record_kind(str(kind))
    fields = set(spec.field_names)
    where = f"{where} ({match})"

    encoding = str(raw.get("encoding", "utf-8"))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _fail(path, where, f"unknown encoding {encoding!r}") from None
    delimiter = str(raw.get("delimiter", ","))
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise _fail(path, where, f"delimiter must be one character, got {delimiter!r}")
    separator = raw.get("list_separator")
    nulls = raw.get("null_values") or []
    if not isinstance(nulls, list):
        raise _fail(path, where, "null_values must be a list")

    columns = _str_map(path, f"{where}.columns", raw.get("columns"))
    for source, target in columns.items():
        if target not in fields:
            raise _fail(path, f"{where}.columns", f"{source!r} maps to unknown field {target!r} "
                        f"of {kind}; fields: {', '.join(spec.field_names)}")
    targets = list(columns.values())
    doubled = sorted({t for t in targets if targets.count(t) > 1})
    if doubled:
        raise _fail(path, f"{where}.columns", f"several columns map to {', '.join(doubled)}")

    values_raw = raw.get("values") or {}
    if not isinstance(values_raw, dict):
        raise _fail(path, f"{where}.values", "expected field: {source value: value}")
    values: dict[str, dict[str, str]] = {}
    for fname, table in values_raw.items():
        if fname not in fields:
            raise _fail(path, f"{where}.values", f"unknown field {fname!r} of {kind}")
        values[str(fname)] = _str_map(path, f"{where}.values.{fname}", table)

    units = _str_map(path, f"{where}.units", raw.get("units"))
    for fname, unit in units.items():
        if fname not in fields or Rule.MONEY not in spec.field(fname).rules:
            raise _fail(path, f"{where}.units", f"{fname!r} is not a money field of {kind}")
        if unit not in UNIT_FACTORS:
            raise _fail(path, f"{where}.units.{fname}",
                        f"unknown unit {unit!r}; one of {', '.join(UNIT_FACTORS)}")

    lookups = _str_map(path, f"{where}.lookups", raw.get("lookups"))
    for fname, lookup in lookups.items():
        if lookup not in LOOKUPS:
            raise _fail(path, f"{where}.lookups.{fname}",
                        f"unknown lookup {lookup!r}; one of {', '.join(LOOKUPS)}")
        if fname not in fields or Rule.GBT_CLASS not in spec.field(fname).rules:
            raise _fail(path, f"{where}.lookups", f"{fname!r} is not an industry-code field")

    defaults = _str_map(path, f"{where}.defaults", raw.get("defaults"))
    for fname in defaults:
        if fname not in fields:
            raise _fail(path, f"{where}.defaults", f"unknown field {fname!r} of {kind}")
        if spec.field(fname).type is PropType.STRING_LIST and not defaults[fname]:
            raise _fail(path, f"{where}.defaults", f"empty default for {fname!r}")

    return FileMapping(match.strip(), str(kind), FileOptions(
        encoding=encoding,
        delimiter=delimiter,
        list_separator=str(separator) if separator is not None else None,
        null_values=tuple(str(v) for v in nulls),
        columns=columns,
        values=values,
        units=units,
        currencies={**currencies,
                    **_currencies(path, f"{where}.currencies", raw.get("currencies"))},
        lookups=lookups,
        defaults=defaults,
    ))
