"""Check and type raw chunks, column by column, so that no row is lost silently.

:class:`ChunkValidator` turns the raw string columns of a chunk into typed columns (floats, integers,
ISO dates, string lists) and checks every value: USCC check characters (GB 32100-2015, the algorithm
of ``stdnum.cn.uscc``, vectorised and tested against it), GB/T 4754-2017 classes against the full
table, coordinates inside China, percentages, vocabularies, dates. :class:`LoadState` then does the
checks that need more than one row: duplicates, references to unknown entities (looked up in the
store when they are not in the load) and total ownership per company.

The work is done on whole columns with pyarrow compute and numpy; Python runs per row only to word
the reason of a row that failed, and for the set look-ups of duplicates and references.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import filterfalse
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from chainscout.graph.model import PropType

from .formats import CHINA_LAT, CHINA_LNG, LIST_SEPARATOR, Field, RecordKind, Rule, record_kind
from .key_index import KeyIndex
from .mapping import UNIT_FACTORS, FileOptions
from .ownership_totals import OwnershipTotals
from .readers import RawChunk
from .reference_data import IndustryClass, load_chains, load_event_types, load_gbt4754
from .rejects import Reject

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

#: Cell values that mean "no value" in every file.
NULL_TOKENS = ("", "-", "--", "—", "N/A", "n/a", "NULL", "null", "None", "nan", "NaN")
#: Labels whose keys come from reference data; their fields are checked by a rule instead.
REFERENCE_LABELS = frozenset({"Industry", "IndustryChain", "ChainSegment", "EventType"})
#: Longest key (USCC, person_id, park_id, event_id …) a row may carry.
MAX_KEY_CHARS = 256
DEFAULT_OWNERSHIP_TOLERANCE = 0.5

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28],
                         dtype=np.int64)
_USCC_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(_USCC_ALPHABET):
    _USCC_LUT[ord(_c)] = _i
_USCC_CHARS = np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)
_USCC_RE = r"^[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}$"
_NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_INT_RE = r"^[+-]?\d+(?:\.0*)?$"
_DATE_RE = (r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
            r"(?:[ T].*)?$")
_DATE8_RE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_MONEY_RE = re.compile(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<mult>千万|百万|万|亿|千)?\s*"
    r"(?P<cur>元人民币|人民币元|人民币|元|[^\d\s.]+)?$")
_MULTIPLIERS = {None: None, "千": 0.1, "万": 1.0, "百万": 100.0, "千万": 1000.0, "亿": 1e4}
_CNY = {"元", "人民币", "元人民币", "人民币元", "RMB", "CNY", "rmb", "cny"}
_WKT_RE = r"(?i)^\s*(MULTI)?POLYGON\s*(Z\s*|M\s*|ZM\s*)?\("
_DATE_MIN, _DATE_MAX = "1800-01-01", "2100-12-31"


@dataclass(frozen=True)
class ReferenceData:
    """The reference vocabularies values are checked against."""

    gbt: Mapping[str, IndustryClass]
    names: Mapping[str, str]  # GB/T name -> code (classes win over groups and divisions)
    chain_ids: frozenset[str]
    segment_ids: frozenset[str]
    event_types: frozenset[str]

    @classmethod
    def load(cls) -> ReferenceData:
        gbt = load_gbt4754()
        names: dict[str, str] = {}
        for entry in sorted(gbt.values(), key=lambda e: -e.level):
            names.setdefault(entry.name, entry.code)
        chains = load_chains()
        return cls(
            gbt=gbt,
            names=names,
            chain_ids=frozenset(c.id for c in chains),
            segment_ids=frozenset(s.id for c in chains for s in c.segments),
            event_types=frozenset(load_event_types()),
        )

    def keys(self, label: str) -> frozenset[str]:
        if label == "Industry":
            return frozenset(self.gbt)
        if label == "IndustryChain":
            return self.chain_ids
        if label == "ChainSegment":
            return self.segment_ids
        if label == "EventType":
            return self.event_types
        raise KeyError(label)


@dataclass
class ValidChunk:
    """Typed columns of the rows that passed, their record numbers, and the rejects."""

    columns: dict[str, pa.Array]
    rows: IntArray
    rejects: list[Reject]
    rejected: int  # rows (not reject lines)
    #: Keys of rejected rows of a node kind (for clearer reference errors later).
    rejected_keys: dict[str, int] = field(default_factory=dict)

    @property
    def length(self) -> int:
        return len(self.rows)

    def filter(self, keep: BoolArray) -> None:
        mask = pa.array(keep)
        self.columns = {k: v.filter(mask) for k, v in self.columns.items()}
        self.rows = self.rows[keep]


class _Problems:
    """Reasons collected for failing rows of one chunk."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.items: list[tuple[int, str, str, str]] = []  # (index, field, value, reason)

    def add_each(self, idx: list[int], fname: str, values: list[Any], reasons: list[str]
                 ) -> None:
        for i, value, reason in zip(idx, values, reasons, strict=True):
            self.bad[i] = True
            self.items.append((i, fname, _show(value), reason))

    def add(self, mask: BoolArray, fname: str, values: pa.Array | list[Any],
            reason: Callable[[Any], str]) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.bad[idx] = True
        taken = values.take(pa.array(idx)).to_pylist() if isinstance(values, pa.Array) else [
            values[i] for i in idx]
        for i, value in zip(idx.tolist(), taken, strict=True):
            self.items.append((i, fname, _show(value), reason(value)))


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _np(mask: pa.Array | pa.ChunkedArray) -> BoolArray:
    """A boolean arrow array as numpy, null as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def data_bytes(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.uint8]] | None:
    """The UTF-8 bytes of a string array's values, without copying (None: not a plain string
    array). Lets cheap byte scans skip regex passes that would change nothing."""
    if not pa.types.is_string(arr.type) or isinstance(arr, pa.ChunkedArray):
        return None
    if len(arr) == 0 or arr.buffers()[2] is None:
        return np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    return np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]


def has_bytes(arr: pa.Array, values: bytes) -> bool:
    """Whether any value contains one of these bytes (True when it cannot tell)."""
    data = data_bytes(arr)
    if data is None:
        return True
    return bool(np.isin(data, np.frombuffer(values, dtype=np.uint8)).any())


def _replace(arr: pa.Array, pattern: str, replacement: str, trigger: bytes) -> pa.Array:
    """``replace_substring_regex`` unless no value has a byte the pattern could match."""
    if not has_bytes(arr, trigger):
        return arr
    return pc.replace_substring_regex(arr, pattern, replacement)


def _upper(arr: pa.Array) -> pa.Array:
    data = data_bytes(arr)
    if data is not None and not ((data >= 0x61) & (data <= 0x7A)).any() and not (
            data >= 0x80).any():
        return arr
    return pc.utf8_upper(arr)


_SPACE = b" \t\r\n\x0b\x0c"
_NUMBER_NOISE = b", \t\r\n\x0b\x0c\xef"  # thousands separators, spaces, full-width forms
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _iso_date_ok(iso: pa.Array) -> BoolArray:
    """For ``YYYY-MM-DD`` strings: whether each is a real calendar date (null: False)."""
    n = len(iso)
    out = np.zeros(n, dtype=bool)
    valid = _np(pc.is_valid(iso))
    if not valid.any():
        return out
    present = iso.filter(pa.array(valid))
    lengths = pc.utf8_length(present).to_numpy(zero_copy_only=False)
    shaped = lengths == 10
    idx = np.flatnonzero(valid)[shaped]
    fixed = present.filter(pa.array(shaped))
    data = data_bytes(fixed)
    if data is None or not len(idx):
        return out
    chars = data.reshape(-1, 10).astype(np.int64) - 48
    digits = np.delete(chars, [4, 7], axis=1)
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & (chars[:, 4] == -3) & (chars[:, 7] == -3)
    year = chars[:, 0] * 1000 + chars[:, 1] * 100 + chars[:, 2] * 10 + chars[:, 3]
    month = chars[:, 5] * 10 + chars[:, 6]
    day = chars[:, 8] * 10 + chars[:, 9]
    good_month = (month >= 1) & (month <= 12)
    days = _DAYS[np.where(good_month, month, 0)]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = days + ((month == 2) & leap)
    ok &= good_month & (day >= 1) & (day <= days)
    out[idx] = ok
    return out


class ChunkValidator:
    """Checks the fields of one record kind for one source file."""

    def __init__(self, spec: RecordKind, ref: ReferenceData, options: FileOptions,
                 display: str) -> None:
        self.spec = spec
        self.ref = ref
        self.options = options
        self.display = display
        self._nulls = pa.array(sorted({*NULL_TOKENS, *options.null_values}), pa.string())
        sep = options.list_separator
        self._split = re.escape(sep) if sep else "[;；]"
        #: Fields holding a node key: this kind's own and the ones naming other nodes.
        self._keys = {spec.node.key_field} if spec.node is not None else set()
        self._keys.update(f for f, _, _ in spec.references())

    # -- entry point ---------------------------------------------------------------------------
    def validate(self, chunk: RawChunk) -> ValidChunk:
        n = chunk.length
        problems = _Problems(n)
        typed: dict[str, pa.Array] = {}
        for spec_field in self.spec.fields:
            raw = chunk.columns.get(spec_field.name)
            typed[spec_field.name] = self._field(spec_field, raw, n, problems)
        self._pairs(typed, problems)
        rejects = list(chunk.rejects)
        rows = chunk.rows
        rejects.extend(Reject(self.display, int(rows[i]), self.spec.name, f, v, r)
                       for i, f, v, r in sorted(problems.items, key=lambda t: t[0]))
        rejected_keys: dict[str, int] = {}
        if self.spec.node is not None and problems.bad.any():
            keys = typed[self.spec.node.key_field].filter(pa.array(problems.bad)).to_pylist()
            for key, row in zip(keys, rows[problems.bad].tolist(), strict=True):
                if key is not None:
                    rejected_keys.setdefault(key, row)
        out = ValidChunk(typed, rows, rejects,
                         int(problems.bad.sum()) + len({r.row_number for r in chunk.rejects}),
                         rejected_keys)
        if problems.bad.any():
            out.filter(~problems.bad)
        return out

    # -- per field -----------------------------------------------------------------------------
    def _field(self, f: Field, raw: pa.Array | None, n: int, problems: _Problems) -> pa.Array:
        self._unstorable(f, raw, problems)
        if f.is_list:
            return self._list_field(f, raw, n, problems)
        text = self._text(f, raw, n)
        if f.type is PropType.STRING:
            out = self._string(f, text, problems)
        elif f.type is PropType.FLOAT:
            out = self._float(f, text, problems)
        elif f.type is PropType.INTEGER:
            out = self._integer(f, text, problems)
        elif f.type is PropType.DATE:
            out = self._date(f, text, problems)
        else:  # pragma: no cover - the model has no other scalar types in input files
            raise TypeError(f"unsupported field type {f.type}")
        if f.required:
            problems.add(_np(pc.is_null(out)) & _np(pc.is_null(text)), f.name, text,
                         lambda _v: "required field is empty")
        return out

    def _unstorable(self, f: Field, raw: pa.Array | None, problems: _Problems) -> None:
        """Values no store should get: a NUL character (it ends a FalkorDB query text early, so
        one such row failed the whole load), and keys too long to index (FalkorDB 4.16 crashes
        on a unique key of 4 KB or more)."""
        if raw is None or not (pa.types.is_string(raw.type) or pa.types.is_list(raw.type)):
            return
        text = pc.binary_join(raw, "") if pa.types.is_list(raw.type) else raw
        if has_bytes(text, b"\x00"):
            problems.add(_np(pc.match_substring(text, "\x00")), f.name, text,
                         lambda _v: "contains a NUL character (\\x00)")
        if f.name in self._keys:
            problems.add(_np(pc.greater(pc.utf8_length(text), MAX_KEY_CHARS)), f.name,
                         pc.utf8_slice_codeunits(text, 0, 40),
                         lambda _v: f"longer than {MAX_KEY_CHARS} characters: not a usable key")

    def _text(self, f: Field, raw: pa.Array | None, n: int) -> pa.Array:
        """Trimmed strings, null for empty cells, with the mapping's defaults and value maps."""
        if raw is None:
            arr = pa.nulls(n, pa.string())
        else:
            arr = raw if raw.type == pa.string() else raw.cast(pa.string())
            arr = pc.utf8_trim_whitespace(arr)
            arr = pc.if_else(pc.is_in(arr, value_set=self._nulls), None, arr)
        default = self.options.defaults.get(f.name)
        if default is not None:
            arr = pc.coalesce(arr, pa.scalar(default, pa.string()))
        table = self.options.values.get(f.name)
        if table:
            arr = _map_values(arr, table)
        return arr

    def _string(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        out = text
        if f.choices:
            out = pc.utf8_lower(text) if all(c.islower() or "_" in c for c in f.choices) else text
            ok = pc.is_in(out, value_set=pa.array(f.choices))
            problems.add(_np(pc.and_not(pc.is_valid(out), ok)), f.name, text,
                         lambda v: f"{v!r} is not one of {', '.join(f.choices)}"
                         + _map_hint(v))
            out = pc.if_else(ok, out, None)
        for rule in f.rules:
            out = self._string_rule(f, rule, out, problems)
        return out

    def _string_rule(self, f: Field, rule: Rule, text: pa.Array, problems: _Problems
                     ) -> pa.Array:
        if rule is Rule.USCC:
            return _check_uscc(f.name, text, problems)
        if rule is Rule.GBT_CLASS:
            return self._gbt_class(f, text, problems)
        if rule is Rule.DISTRICT:
            ok = pc.match_substring_regex(text, r"^\d{6}$")
            problems.add(_np(pc.invert(ok)), f.name, text,
                         lambda v: f"{v!r} is not a 6-digit administrative division code")
            return text
        if rule is Rule.COUNTRY:
            up = pc.utf8_upper(text)
            ok = pc.match_substring_regex(up, r"^[A-Z]{2}$")
            problems.add(_np(pc.invert(ok)), f.name, text,
                         lambda v: f"{v!r} is not an ISO 3166-1 alpha-2 country code (e.g. CN)")
            return up
        if rule is Rule.WKT_POLYGON:
            ok = pc.match_substring_regex(text, _WKT_RE)
            problems.add(_np(pc.invert(ok)), f.name, text,
                         lambda _v: "not a WKT POLYGON or MULTIPOLYGON")
            return text
        if rule is Rule.EVENT_TYPE:
            return _vocabulary(f.name, text, self.ref.event_types, "event type", problems,
                               "event_types.yaml")
        if rule is Rule.SEGMENT:
            return _vocabulary(f.name, text, self.ref.segment_ids, "chain segment", problems,
                               "chains.yaml")
        raise ValueError(f"rule {rule} does not apply to text field {f.name}")

    def _gbt_class(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        squeezed = _upper(_replace(text, r"\s+", "", _SPACE))
        data = data_bytes(squeezed)
        if data is not None and not ((data < 0x30) | (data > 0x39)).any():
            code = squeezed  # digits only: nothing to strip
        else:
            code = pc.replace_substring_regex(squeezed, r"^[A-T](\d{2,4})$", r"\1")
            code = pc.replace_substring_regex(code, r"^([A-T]?)(\d{2,4})(\D.*)$", r"\2")
        if self.options.lookups.get(f.name) == "gbt4754_name":
            looked = _map_values(text, self.ref.names)
            code = pc.if_else(pc.match_substring_regex(code, r"^\d{2,4}$"), code, looked)
        known = pc.is_in(code, value_set=pa.array(sorted(self.ref.gbt)))
        gbt = self.ref.gbt

        def reason(value: Any) -> str:
            return _gbt_reason(value, gbt, self.ref.names)

        is_class = pc.equal(pc.utf8_length(code), 4)
        ok = pc.and_(known, is_class)
        problems.add(_np(pc.and_not(pc.is_valid(text), ok)), f.name, text, reason)
        return pc.if_else(ok, code, None)

    def _float(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        if Rule.MONEY in f.rules:
            values = self._money(f, text, problems)
        else:
            cleaned = _replace(text, r"[,，\s]", "", _NUMBER_NOISE)
            if Rule.PERCENT in f.rules:
                cleaned = _replace(cleaned, r"[%％]$", "", b"%\xef")
            values = _parse_float(f.name, text, cleaned, problems)
        lo, hi, what = _range(f)
        if lo is not None or hi is not None:
            outside = pc.is_valid(values)
            if lo is not None:
                low = pc.less(values, lo)
                outside = pc.and_(outside, pc.or_(low, pc.greater(values, hi)) if hi is not None
                                  else low)
            elif hi is not None:
                outside = pc.and_(outside, pc.greater(values, hi))
            problems.add(_np(outside), f.name, values,
                         lambda v: _range_reason(f, v, what))
        return values

    def _money(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        """万元 amounts; cells like "500万元人民币", "1.2亿", "120万美元" (with a rate) convert."""
        factor = UNIT_FACTORS[self.options.units.get(f.name, "万元")]
        cleaned = _replace(text, r"[,，\s]", "", _NUMBER_NOISE)
        plain = pc.match_substring_regex(cleaned, _NUMBER_RE)
        values = pc.multiply(pc.cast(pc.if_else(plain, cleaned, None), pa.float64()), factor)
        other = _np(pc.and_not(pc.is_valid(cleaned), plain))
        if not other.any():
            return _finite(f.name, text, values, problems)
        idx = np.flatnonzero(other)
        cells = cleaned.take(pa.array(idx)).to_pylist()
        parsed: list[float] = []
        failed: list[int] = []
        failed_values: list[Any] = []
        reasons: list[str] = []
        for i, cell in zip(idx.tolist(), cells, strict=True):
            value, problem = _parse_money(str(cell), factor, self.options.currencies)
            parsed.append(np.nan if value is None else value)
            if problem:
                failed.append(i)
                failed_values.append(cell)
                reasons.append(problem)
        problems.add_each(failed, f.name, failed_values, reasons)
        full = values.to_numpy(zero_copy_only=False).astype(np.float64)
        full[idx] = parsed
        values = pa.array(full, pa.float64(), mask=np.isnan(full))
        return _finite(f.name, text, values, problems)

    def _integer(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        cleaned = _replace(text, r"[,，\s]", "", _NUMBER_NOISE)
        ok = pc.match_substring_regex(cleaned, _INT_RE)
        problems.add(_np(pc.invert(ok)), f.name, text,
                     lambda v: f"{v!r} is not a whole number")
        digits = _replace(pc.if_else(ok, cleaned, None), r"\.0*$", "", b".")
        values = pc.cast(digits, pa.int64())
        if Rule.NONNEG in f.rules:
            problems.add(_np(pc.less(values, 0)), f.name, values,
                         lambda v: f"{v} is negative")
        return values

    def _date(self, f: Field, text: pa.Array, problems: _Problems) -> pa.Array:
        iso = _normalise_dates(text)
        problems.add(_np(pc.and_not(pc.is_valid(text), pc.is_valid(iso))), f.name, text,
                     lambda v: f"{v!r} is not a date (expected YYYY-MM-DD)")
        outside = pc.or_(pc.less(iso, _DATE_MIN), pc.greater(iso, _DATE_MAX))
        problems.add(_np(outside), f.name, iso,
                     lambda v: f"{v} is outside {_DATE_MIN[:4]}–{_DATE_MAX[:4]}")
        return iso

    def _list_field(self, f: Field, raw: pa.Array | None, n: int, problems: _Problems
                    ) -> pa.Array:
        list_type = pa.list_(pa.string())
        if raw is None:
            lists = pa.nulls(n, list_type)
        elif pa.types.is_string(raw.type):
            lists = pc.split_pattern_regex(raw, self._split)
        else:
            lists = raw.cast(list_type)
        default = self.options.defaults.get(f.name)
        flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        keep = pc.and_(pc.is_valid(flat), pc.invert(pc.is_in(flat, value_set=self._nulls)))
        flat = flat.filter(keep)
        parents = parents[_np(keep)]
        table = self.options.values.get(f.name)
        if table:
            flat = _map_values(flat, table)
        if f.choices:
            flat = pc.utf8_lower(flat)
        bad = np.zeros(len(flat), dtype=bool)
        checks: list[tuple[pa.Array, Callable[[Any], str]]] = []
        if f.choices:
            checks.append((pc.is_in(flat, value_set=pa.array(f.choices)),
                           lambda v: f"{v!r} is not one of {', '.join(f.choices)}"
                           + _map_hint(v)))
        if Rule.CHAIN in f.rules:
            checks.append((pc.is_in(flat, value_set=pa.array(sorted(self.ref.chain_ids))),
                           lambda v: f"unknown chain id {v!r} (see chains.yaml)"))
        checks.append((pc.invert(pc.match_substring(flat, LIST_SEPARATOR)),
                       lambda v: f"list values may not contain {LIST_SEPARATOR!r}: {v!r}"))
        for ok, reason in checks:
            failing = ~_np(ok)
            bad |= failing
            if failing.any():
                row_mask = np.zeros(n, dtype=bool)
                values_by_row: dict[int, Any] = {}
                for i, value in zip(parents[failing].tolist(),
                                    flat.filter(pa.array(failing)).to_pylist(), strict=True):
                    row_mask[i] = True
                    values_by_row.setdefault(i, value)
                problems.add(row_mask, f.name, [values_by_row.get(i) for i in range(n)], reason)
        counts = np.bincount(parents, minlength=n)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        out = pa.ListArray.from_arrays(pa.array(offsets), flat, mask=pa.array(counts == 0))
        if default is not None:
            defaults = pa.array([[p.strip() for p in re.split(self._split, default)
                                  if p.strip()]] * n, list_type)
            out = pc.if_else(pc.is_null(out), defaults, out)
        if f.required:
            problems.add(_np(pc.is_null(out)), f.name, [None] * n,
                         lambda _v: "required field is empty")
        return out

    # -- checks across fields of a row ---------------------------------------------------------
    def _pairs(self, typed: dict[str, pa.Array], problems: _Problems) -> None:
        if "lat" in typed and "lng" in typed:
            lat, lng = typed["lat"], typed["lng"]
            lone_lat = _np(pc.and_(pc.is_valid(lat), pc.is_null(lng))) & ~problems.bad
            lone_lng = _np(pc.and_(pc.is_null(lat), pc.is_valid(lng))) & ~problems.bad
            problems.add(lone_lat, "lng", lng, lambda _v: "lat is given without lng")
            problems.add(lone_lng, "lat", lat, lambda _v: "lng is given without lat")


# -- helpers ---------------------------------------------------------------------------------------


def _map_values(arr: pa.Array, table: Mapping[str, str]) -> pa.Array:
    keys = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.string())
    mapped = pc.take(values, pc.index_in(arr, value_set=keys))
    return pc.coalesce(mapped, arr)


def _map_hint(value: Any) -> str:
    if isinstance(value, str) and any(ord(c) > 127 for c in value):
        return "; map it under 'values' in a mapping file"
    return ""


def _vocabulary(name: str, text: pa.Array, allowed: Iterable[str], what: str,
                problems: _Problems, source: str) -> pa.Array:
    ok = pc.is_in(text, value_set=pa.array(sorted(allowed), pa.string()))
    problems.add(_np(pc.and_not(pc.is_valid(text), ok)), name, text,
                 lambda v: f"unknown {what} {v!r} (see {source})")
    return pc.if_else(ok, text, None)


def _parse_float(name: str, text: pa.Array, cleaned: pa.Array, problems: _Problems
                 ) -> pa.Array:
    ok = pc.match_substring_regex(cleaned, _NUMBER_RE)
    problems.add(_np(pc.and_not(pc.is_valid(cleaned), ok)), name, text,
                 lambda v: f"{v!r} is not a number")
    values = pc.cast(pc.if_else(ok, cleaned, None), pa.float64())
    return _finite(name, text, values, problems)


def _finite(name: str, text: pa.Array, values: pa.Array, problems: _Problems) -> pa.Array:
    infinite = _np(pc.is_inf(values)) | _np(pc.is_nan(values))
    if infinite.any():
        problems.add(infinite, name, text, lambda v: f"{v!r} is not a finite number")
        values = pc.if_else(pa.array(infinite), None, values)
    return values


def _parse_money(cell: str, factor: float, currencies: Mapping[str, float]
                 ) -> tuple[float | None, str | None]:
    m = _MONEY_RE.match(cell)
    if not m:
        return None, f"{cell!r} is not an amount (e.g. 500, 500万元, 1.2亿元)"
    value = float(m.group("num"))
    mult = _MULTIPLIERS[m.group("mult")]
    cur = m.group("cur")
    if cur is None or cur in _CNY:
        if mult is None:
            mult = 1e-4 if cur is not None else factor  # "5000000元" is in yuan
        return value * mult, None
    name = cur.removesuffix("元") if cur not in currencies else cur
    rate = currencies.get(cur, currencies.get(name))
    if rate is None:
        return None, (f"unknown currency {cur!r} in {cell!r}: add its CNY rate under "
                      "'currencies' in a mapping file")
    if mult is None:
        mult = 1e-4  # "120000美元": whole units
    return value * mult * rate, None


def _range(f: Field) -> tuple[float | None, float | None, str]:
    if Rule.LAT in f.rules:
        return CHINA_LAT[0], CHINA_LAT[1], "China's latitudes"
    if Rule.LNG in f.rules:
        return CHINA_LNG[0], CHINA_LNG[1], "China's longitudes"
    if Rule.PERCENT in f.rules:
        return 0.0, 100.0, "0–100"
    if Rule.UNIT_INTERVAL in f.rules:
        return 0.0, 1.0, "0–1"
    if Rule.NONNEG in f.rules or Rule.MONEY in f.rules:
        return 0.0, None, "≥ 0"
    return None, None, ""


def _range_reason(f: Field, value: Any, what: str) -> str:
    if Rule.LAT in f.rules or Rule.LNG in f.rules:
        lo, hi = CHINA_LAT if Rule.LAT in f.rules else CHINA_LNG
        other_lo, other_hi = CHINA_LNG if Rule.LAT in f.rules else CHINA_LAT
        swapped = " (lat and lng look swapped)" if other_lo <= value <= other_hi else ""
        return f"{value} is outside {what} ({lo}–{hi}){swapped}"
    if Rule.MONEY in f.rules or Rule.NONNEG in f.rules:
        return f"{value} is negative"
    return f"{value} is outside {what}"


def _normalise_dates(text: pa.Array) -> pa.Array:
    """``YYYY-MM-DD`` for the date spellings registries use; null where it is not a real date."""
    ok = _iso_date_ok(text)
    valid = _np(pc.is_valid(text))
    if (ok == valid).all():
        return text  # the documented format throughout: checked without regex
    parts = pc.extract_regex(text, _DATE_RE)
    parts8 = pc.extract_regex(text, _DATE8_RE)

    def assemble(p: pa.Array) -> pa.Array:
        y = pc.struct_field(p, "y")
        m = pc.utf8_lpad(pc.struct_field(p, "m"), width=2, padding="0")
        d = pc.utf8_lpad(pc.struct_field(p, "d"), width=2, padding="0")
        joined = pc.binary_join_element_wise(y, m, d, "-")
        return pc.if_else(pc.is_valid(p), joined, None)

    iso = pc.coalesce(assemble(parts), assemble(parts8))
    return pc.if_else(pa.array(_iso_date_ok(iso)), iso, None)


def uscc_valid(codes: pa.Array) -> BoolArray:
    """Vectorised ``stdnum.cn.uscc.is_valid`` for already compacted (upper-case) codes."""
    n = len(codes)
    fmt = _np(pc.match_substring_regex(codes, _USCC_RE))
    out = np.zeros(n, dtype=bool)
    if not fmt.any():
        return out
    idx = np.flatnonzero(fmt)
    good = codes.take(pa.array(idx))
    if good.offset or good.null_count:
        good = pa.concat_arrays([good])
    offsets = np.frombuffer(good.buffers()[1], dtype=np.int32)[good.offset:good.offset + len(idx)
                                                               + 1]
    data = np.frombuffer(good.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    chars = data.reshape(-1, 18)
    values = _USCC_LUT[chars[:, :17]]
    check = (31 - (values @ _USCC_WEIGHTS) % 31) % 31
    out[idx] = _USCC_CHARS[check] == chars[:, 17]
    return out


def _check_uscc(name: str, text: pa.Array, problems: _Problems) -> pa.Array:
    codes = _upper(_replace(text, r"[\s-]", "", _SPACE + b"-"))
    ok = uscc_valid(codes)
    problems.add(_np(pc.is_valid(codes)) & ~ok, name, text, _uscc_reason)
    return pc.if_else(pa.array(ok), codes, None)


def _uscc_reason(value: Any) -> str:
    code = stdnum_uscc.compact(str(value))
    try:
        stdnum_uscc.validate(code)
    except InvalidLength:
        return f"a unified social credit code has 18 characters, this has {len(code)}"
    except InvalidFormat:
        return ("not a unified social credit code: the first 8 characters are digits and "
                "I, O, S, V, Z never occur")
    except InvalidChecksum:
        return (f"check character is {code[-1]!r} but should be "
                f"{stdnum_uscc.calc_check_digit(code[:17])!r}")
    except ValidationError as exc:  # pragma: no cover - stdnum's other errors
        return f"not a valid unified social credit code: {exc}"
    return "not a valid unified social credit code"  # pragma: no cover


def _gbt_reason(value: Any, gbt: Mapping[str, IndustryClass], names: Mapping[str, str]) -> str:
    raw = str(value)
    squeezed = re.sub(r"\s+", "", raw).upper()
    m = re.match(r"^[A-T]?(\d{2,4})(?:\D.*)?$", squeezed)
    code = m.group(1) if m else names.get(raw)
    entry = gbt.get(code) if code else None
    if entry is not None and entry.level < 4:
        level = {1: "section", 2: "division", 3: "group"}[entry.level]
        return (f"{raw!r} is the GB/T 4754-2017 {level} {entry.code} {entry.name}, "
                "not a 4-digit class")
    if not m and raw in names:
        return f"{raw!r} is not a GB/T 4754-2017 class"  # pragma: no cover - found above
    if not m:
        return (f"{raw!r} is not a GB/T 4754-2017 class code; for class names set "
                "'lookups: {industry_code: gbt4754_name}' in a mapping file")
    return f"unknown GB/T 4754-2017 class {code!r}"


# -- checks across rows ----------------------------------------------------------------------------

_ROW_BITS = 40


@dataclass
class KeyRegistry:
    """Keys of one label: loaded in this run, rejected, known to be in the store.

    Locations (file and row) are packed into one int to keep national-scale registries small;
    the loaded keys are a :class:`KeyIndex`, so a chunk's references are checked a column at a
    time instead of one dict probe per distinct key.
    """

    loaded: KeyIndex = field(default_factory=KeyIndex)
    rejected: dict[str, int] = field(default_factory=dict)
    in_store: set[str] = field(default_factory=set)
    #: Keys of a self-referencing kind seen in its first pass (branches' parents).
    pending: set[str] = field(default_factory=set)
    fixed: frozenset[str] = frozenset()

    def known(self, key: str) -> bool:
        return self.loaded.value_of(key) >= 0 or key in self.in_store or key in self.pending or (
            key in self.fixed)


StoreLookup = Callable[[str, list[str]], set[str]]


class _Identities:
    """Identities of a relationship kind met so far, and where each was first met.

    Inputs rarely repeat a row, so the locations stay as compact per-chunk arrays until a
    duplicate needs one (a set of strings is far cheaper to grow than a dict of them to ints);
    from the first duplicate on they are a dict.
    """

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self._chunks: list[tuple[list[str], int, IntArray]] = []
        self._first: dict[str, int] | None = None

    def add(self, idents: list[str], file_base: int, rows: IntArray) -> None:
        """Identities new to this kind and unique in their chunk, at these record numbers."""
        self.keys.update(idents)
        if self._first is not None:
            self._first.update(zip(idents, (file_base | rows).tolist(), strict=True))
        else:
            self._chunks.append((idents, file_base, rows))

    def first(self) -> dict[str, int]:
        """Identity -> packed location of its first row (built once, then kept up to date)."""
        if self._first is None:
            self._first = {}
            for idents, file_base, rows in self._chunks:
                self._first.update(zip(idents, (file_base | rows).tolist(), strict=True))
            self._chunks.clear()
        return self._first

    def update(self, located: dict[str, int]) -> None:
        self.keys.update(located)
        self.first().update(located)


def _unknown(reg: KeyRegistry, values: pa.Array, candidates: BoolArray) -> dict[str, list[int]]:
    """Rows (by value, in order of first appearance) whose value the registry does not know.

    Set differences of the distinct values instead of one ``known()`` call per row: a chunk's
    references mostly name a few keys many times, and C-level set operations do the rest.
    """
    if not pa.types.is_string(values.type):  # pragma: no cover - references are text keys
        rows: dict[str, list[int]] = {}
        for i, value in enumerate(values.to_pylist()):
            if value is not None and candidates[i] and not reg.known(value):
                rows.setdefault(value, []).append(i)
        return rows
    if not candidates.all():
        values = pc.if_else(pa.array(candidates), values, None)
    distinct = pc.unique(values).drop_null()
    if len(distinct) and len(reg.loaded):
        distinct = distinct.filter(pa.array(reg.loaded.get(distinct) < 0))
    order: list[str] = distinct.to_pylist()
    for known in (reg.in_store, reg.pending, reg.fixed):
        if order and known:  # filter in C, over this chunk's values only (not the registry)
            order = list(filterfalse(known.__contains__, order))
    if not order:
        return {}
    index = pc.index_in(values, value_set=pa.array(order, pa.string()))
    idx = np.flatnonzero(_np(pc.is_valid(index)))
    positions = pc.take(index, pa.array(idx)).to_pylist()
    out: dict[str, list[int]] = {v: [] for v in order}
    for i, pos in zip(idx.tolist(), positions, strict=True):
        out[order[pos]].append(i)
    return out


class LoadState:
    """What the checks across rows and files remember during one load."""

    def __init__(self, ref: ReferenceData, *, store_lookup: StoreLookup | None = None,
                 ownership_tolerance: float = DEFAULT_OWNERSHIP_TOLERANCE) -> None:
        self.ref = ref
        self.store_lookup = store_lookup
        self.registries: dict[str, KeyRegistry] = {}
        self.identities: dict[str, _Identities] = {}
        self.files: list[str] = []
        #: Companies more than 100 % owned, from a first pass over the shareholdings.
        self.ownership = OwnershipTotals(100.0 + ownership_tolerance)
        #: (uscc, segment_id) pairs given explicitly; derived IN_SEGMENT skips them.
        self.explicit_segments: set[tuple[str, str]] = set()

    def registry(self, label: str) -> KeyRegistry:
        reg = self.registries.get(label)
        if reg is None:
            fixed = self.ref.keys(label) if label in REFERENCE_LABELS else frozenset()
            reg = self.registries[label] = KeyRegistry(fixed=fixed)
        return reg

    def _file_no(self, display: str) -> int:
        if not self.files or self.files[-1] != display:
            if display in self.files:
                return self.files.index(display)
            self.files.append(display)
        return len(self.files) - 1

    def where(self, packed: int, display: str) -> str:
        file = self.files[packed >> _ROW_BITS]
        row = packed & ((1 << _ROW_BITS) - 1)
        return f"row {row}" if file == display else f"{file} row {row}"

    def check(self, spec: RecordKind, chunk: ValidChunk, display: str) -> None:
        """Duplicates, references and ownership totals; failing rows move to the rejects."""
        file_base = self._file_no(display) << _ROW_BITS
        if chunk.length:
            rows = chunk.rows.tolist()
            bad = np.zeros(chunk.length, dtype=bool)
            problems: list[tuple[int, str, str, str]] = []
            self._duplicates(spec, chunk, display, file_base, rows, bad, problems)
            self._references(spec, chunk, display, bad, problems)
            if spec.ownership_total:
                self._ownership(chunk, bad, problems)
            self._register(spec, chunk, file_base, rows, bad)
            if problems:
                chunk.rejects.extend(Reject(display, rows[i], spec.name, f, v, r)
                                     for i, f, v, r in sorted(problems, key=lambda t: t[0]))
                chunk.rejected += int(bad.sum())
                chunk.filter(~bad)
        if spec.node is not None and chunk.rejected_keys:
            reg = self.registry(spec.node.label)
            keys = list(chunk.rejected_keys)
            found = reg.loaded.get(pa.array(keys, pa.string())).tolist()
            for key, loaded in zip(keys, found, strict=True):
                if loaded < 0:
                    reg.rejected.setdefault(key, file_base | chunk.rejected_keys[key])

    def _duplicates(self, spec: RecordKind, chunk: ValidChunk, display: str, file_base: int,
                    rows: list[int], bad: BoolArray, problems: list[tuple[int, str, str, str]]
                    ) -> None:
        joined = identity_column(spec, chunk.columns)
        unique = pc.count_distinct(joined).as_py() == len(joined)  # (nulls: not counted)
        seen: _Identities | None = None
        found = None
        if spec.node is not None:
            found = self.registry(spec.node.label).loaded.get(joined)
            if unique and not (found >= 0).any():
                return  # node keys are registered once the row passed every check
        idents = [str(v) for v in joined.to_pylist()]
        if found is not None:
            earlier = {k: f for k, f in zip(idents, found.tolist(), strict=True) if f >= 0}
        else:
            seen = self.identities.setdefault(spec.name, _Identities())
            if unique and seen.keys.isdisjoint(idents):
                seen.add(idents, file_base, chunk.rows)
                return
            earlier = seen.first()
        local: dict[str, int] = {}
        shown = ",".join(spec.identity)
        for i, ident in enumerate(idents):
            first = earlier.get(ident)
            if first is None:
                first = local.get(ident)
            if first is None:
                local[ident] = file_base | rows[i]
                continue
            bad[i] = True
            problems.append((i, shown, ident.replace("\x1f", ","),
                             f"duplicate of {self.where(first, display)}: the first one is loaded"))
        if seen is not None:
            seen.update(local)

    def _references(self, spec: RecordKind, chunk: ValidChunk, display: str, bad: BoolArray,
                    problems: list[tuple[int, str, str, str]]) -> None:
        by_field: dict[tuple[str, str], BoolArray] = {}
        for fname, label, when in spec.references():
            if label in REFERENCE_LABELS:
                continue  # checked by the field's rule against the same reference data
            applies = np.ones(chunk.length, dtype=bool)
            if when is not None:
                applies = _np(pc.equal(chunk.columns[when[0]], when[1]))
            key = (fname, label)
            by_field[key] = by_field[key] | applies if key in by_field else applies
        for (fname, label), applies in by_field.items():
            reg = self.registry(label)
            missing = _unknown(reg, chunk.columns[fname], applies & ~bad)
            if not missing:
                continue
            if self.store_lookup is not None:
                unknown = [k for k in missing if k not in reg.rejected]
                if unknown:
                    found = self.store_lookup(label, unknown)
                    reg.in_store.update(found)
                    for k in found:
                        missing.pop(k, None)
            for value, idx in missing.items():
                rejected = reg.rejected.get(value)
                if rejected is not None:
                    reason = (f"{label} {value} was rejected ({self.where(rejected, display)}), "
                              "so this row cannot be loaded")
                else:
                    where = "in this load or in the store" if self.store_lookup else (
                        "in this load")
                    reason = f"unknown {label} {value!r}: not {where}"
                for i in idx:
                    bad[i] = True
                    problems.append((i, fname, value, reason))
        if spec.node is not None:
            own = [(f, applies) for (f, label), applies in by_field.items()
                   if label == spec.node.label]
            if own:
                self._self_references(spec, chunk, own, bad, problems)

    def _self_references(self, spec: RecordKind, chunk: ValidChunk,
                         fields: list[tuple[str, BoolArray]], bad: BoolArray,
                         problems: list[tuple[int, str, str, str]]) -> None:
        """Rows naming a row of the same chunk that was rejected (a branch whose parent branch
        was) go too, level by level: the first pass registered every parent key as pending."""
        assert spec.node is not None
        label = spec.node.label
        reg = self.registry(label)
        keys = chunk.columns[spec.node.key_field].to_pylist()
        values = {f: chunk.columns[f].to_pylist() for f, _ in fields}
        changed = True
        while changed:
            changed = False
            good = {k for i, k in enumerate(keys) if not bad[i]}
            dropped = {k: i for i, k in enumerate(keys) if bad[i] and k not in good}
            for fname, applies in fields:
                for i, value in enumerate(values[fname]):
                    if (bad[i] or value is None or not applies[i] or value not in dropped
                            or reg.loaded.value_of(value) >= 0 or value in reg.in_store):
                        continue
                    bad[i] = True
                    changed = True
                    problems.append((i, fname, value,
                                     f"{label} {value} was rejected (row "
                                     f"{int(chunk.rows[dropped[value]])}), so this row cannot "
                                     "be loaded"))

    def _ownership(self, chunk: ValidChunk, bad: BoolArray,
                   problems: list[tuple[int, str, str, str]]) -> None:
        held = chunk.columns["held_uscc"]
        for i in self.ownership.over(held).tolist():
            if bad[i]:
                continue
            bad[i] = True
            company = held[i].as_py()
            total, count = self.ownership.above[company]
            problems.append((i, "percentage", company,
                             f"holdings of {company} add up to {total:.2f}% in "
                             f"{count} rows (more than 100%); all of them are rejected"))

    def _register(self, spec: RecordKind, chunk: ValidChunk, file_base: int, rows: list[int],
                  bad: BoolArray) -> None:
        if spec.node is None:
            return
        reg = self.registry(spec.node.label)
        column = chunk.columns[spec.node.key_field]
        locations = file_base | chunk.rows
        if not bad.any():
            reg.loaded.add(column, locations)
            if reg.pending:
                reg.pending.difference_update(column.to_pylist())
            return
        good = ~bad
        passed = column.filter(pa.array(good))
        reg.loaded.add(passed, locations[good])
        if reg.pending:
            reg.pending.difference_update(passed.to_pylist())
        # A key loaded by an earlier row (of this chunk or before) stays loaded: at most one row
        # per key passes (the first; later ones are duplicates), so the order does not matter.
        failed = column.filter(pa.array(bad))
        known = reg.loaded.get(failed).tolist()
        for i, key, loaded in zip(np.flatnonzero(bad).tolist(), failed.to_pylist(), known,
                                  strict=True):
            if loaded < 0:
                reg.rejected.setdefault(key, file_base | rows[i])
                reg.pending.discard(key)  # later rows naming it are rejected, not loaded

    # -- first passes --------------------------------------------------------------------------
    def add_ownership(self, chunk: ValidChunk) -> None:
        """Sum percentages per held company (first pass over the shareholdings); a holding met
        again counts once, as only its first row will load."""
        self.ownership.add(chunk.columns["held_uscc"], chunk.columns["percentage"],
                           identity_column(record_kind("shareholdings"), chunk.columns))

    def add_pending(self, label: str, chunk: ValidChunk, key_field: str) -> None:
        """Keys of a kind that refers to itself, registered before its rows are checked."""
        self.registry(label).pending.update(
            k for k in chunk.columns[key_field].to_pylist() if k is not None)


def identity_column(spec: RecordKind, columns: Mapping[str, pa.Array]) -> pa.Array:
    """One text per row that identifies it among the rows of its kind."""
    if len(spec.identity) == 1:
        return columns[spec.identity[0]]
    parts = [pc.coalesce(columns[f].cast(pa.string()), "") for f in spec.identity]
    return pc.binary_join_element_wise(*parts, "\x1f")
