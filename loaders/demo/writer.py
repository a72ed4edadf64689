"""Write record kinds in the input-file contract (docs/input-formats.md): CSV, Parquet or JSONL.

Columns are typed here once per kind so all three formats agree: strings, floats, integers and
string lists (``;``-joined in CSV, list columns in Parquet, JSON arrays in JSON Lines). Writes go
through pyarrow, whose output is byte-for-byte stable for the same input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

Format = Literal["csv", "parquet", "jsonl"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "parquet", "jsonl")

_S, _F, _I, _L = pa.string(), pa.float64(), pa.int64(), pa.list_(pa.string())

#: Field order and types of every kind the generator writes (the input-format contract).
KINDS: Final[dict[str, tuple[tuple[str, pa.DataType], ...]]] = {
    "enterprises": (("uscc", _S), ("name", _S), ("status", _S), ("registered_capital", _F),
                    ("established", _S), ("industry_code", _S), ("address", _S),
                    ("district_code", _S), ("lat", _F), ("lng", _F), ("tags", _L),
                    ("size", _S), ("employees", _I), ("legal_representative", _S),
                    ("business_scope", _S)),
    "persons": (("person_id", _S), ("name", _S), ("nationality", _S)),
    "shareholdings": (("holder_type", _S), ("holder_id", _S), ("held_uscc", _S),
                      ("percentage", _F), ("amount", _F), ("since", _S)),
    "investments": (("investor_uscc", _S), ("investee_uscc", _S), ("amount", _F),
                    ("date", _S), ("round", _S)),
    "controls": (("parent_uscc", _S), ("subsidiary_uscc", _S), ("basis", _S)),
    "officers": (("person_id", _S), ("uscc", _S), ("role", _S), ("since", _S)),
    "supplies": (("supplier_uscc", _S), ("customer_uscc", _S), ("amount", _F), ("since", _S)),
    "parks": (("park_id", _S), ("name", _S), ("level", _S), ("district_code", _S), ("lat", _F),
              ("lng", _F), ("boundary", _S), ("leading_industries", _L), ("area_km2", _F)),
    "park_members": (("uscc", _S), ("park_id", _S), ("since", _S)),
    "associations": (("association_id", _S), ("name", _S), ("district_code", _S),
                     ("chain_ids", _L)),
    "association_members": (("uscc", _S), ("association_id", _S), ("role", _S), ("since", _S)),
    "branches": (("branch_id", _S), ("name", _S), ("level", _S), ("district_code", _S),
                 ("lat", _F), ("lng", _F), ("parent_id", _S)),
    "customers": (("uscc", _S), ("branch_id", _S), ("manager_id", _S), ("since", _S),
                  ("products", _L), ("loan_maturity", _S), ("signals", _L)),
    "events": (("event_id", _S), ("type", _S), ("date", _S), ("uscc", _S), ("title", _S),
               ("amount", _F), ("source", _S), ("counterparty_uscc", _S),
               ("counterparty_role", _S)),
}


def to_arrow(kind: str, columns: Mapping[str, Any]) -> pa.Table:
    """A typed table of one kind; missing optional columns become nulls."""
    fields = KINDS[kind]
    length = next(len(v) for v in columns.values())
    arrays: list[pa.Array] = []
    for name, type_ in fields:
        value = columns.get(name)
        if value is None:
            arrays.append(pa.nulls(length, type=type_))
        elif isinstance(value, pa.Array):
            arrays.append(value.cast(type_))
        elif isinstance(value, np.ndarray) and value.dtype.kind == "S":
            arrays.append(pa.array(value, type=pa.binary()).cast(type_))  # ASCII ids and dates
        elif isinstance(value, np.ndarray) and value.dtype.kind == "U":
            arrays.append(pa.array(value.astype(object), type=type_))
        else:
            arrays.append(pa.array(value, type=type_, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=pa.schema(list(fields)))


JSONL_BATCH_ROWS = 200_000
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _json_strings(values: pa.Array) -> pa.Array:
    """JSON string literals of a string array (nulls stay null)."""
    for old, new in _JSON_ESCAPES:
        values = pc.replace_substring(values, old, new)
    return pc.binary_join_element_wise('"', values, '"', "")


def _json_column(column: pa.Array) -> pa.Array:
    """Each value of a column as JSON text: strings quoted and escaped, lists as arrays."""
    if pa.types.is_list(column.type):
        column = pa.concat_arrays([column])  # a batch is a slice: rebase its offsets to 0
        items = _json_strings(column.values)
        lists = pa.ListArray.from_arrays(column.offsets, items, mask=column.is_null())
        text = pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")
    elif pa.types.is_string(column.type):
        text = _json_strings(column)
    else:
        text = column.cast(pa.string())
    return pc.fill_null(text, "null")


def _jsonl_safe(table: pa.Table) -> bool:
    """Whether the vectorised encoder covers every value (no rare control characters)."""
    for column in table.columns:
        values = column.combine_chunks()
        if pa.types.is_list(values.type):
            values = values.flatten()
        if pa.types.is_string(values.type) and pc.any(
                pc.match_substring_regex(values, _OTHER_CONTROL)).as_py():
            return False
    return True


def _write_jsonl(table: pa.Table, path: Path) -> None:
    """JSON Lines with lists as arrays and non-ASCII kept readable.

    Lines are assembled column-wise with pyarrow compute and written straight from the Arrow
    buffer, batch by batch; a table holding rare control characters goes through ``json``.
    """
    if not _jsonl_safe(table):
        _write_jsonl_slow(table, path)
        return
    names = table.schema.names
    with path.open("wb") as fh:
        for batch in table.to_batches(max_chunksize=JSONL_BATCH_ROWS):
            parts: list[pa.Array | str] = []
            for i, name in enumerate(names):
                parts.append(("{" if i == 0 else ",") + json.dumps(name) + ":")
                parts.append(_json_column(batch.column(i)))
            lines = pc.binary_join_element_wise(*parts, "}\n", "")
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32,
                                    count=len(lines) + 1, offset=lines.offset * 4)
            data = lines.buffers()[2]
            fh.write(memoryview(data)[offsets[0]:offsets[-1]])


def _write_jsonl_slow(table: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for batch in table.to_batches(max_chunksize=50_000):
            cols = batch.schema.names
            data = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for row in zip(*data, strict=True):
                fh.write(json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False,
                                    separators=(",", ":")))
                fh.write("\n")


def write_kind(out_dir: Path, kind: str, columns: Mapping[str, Any], fmt: Format) -> Path:
    """Write one kind as ``<kind>.<fmt>``; returns the file path."""
    table = to_arrow(kind, columns)
    path = out_dir / f"{kind}.{fmt}"
    if fmt == "csv":
        for i, (name, type_) in enumerate(KINDS[kind]):
            if type_ == _L:
                table = table.set_column(i, name, pc.binary_join(table.column(name), ";"))
        pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="needed"))
    elif fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    elif fmt == "jsonl":
        _write_jsonl(table, path)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return path
