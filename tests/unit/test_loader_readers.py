"""Readers: CSV, Parquet and JSON Lines give the same raw chunks; malformed files stop clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chainscout.loaders.errors import LoadError
from chainscout.loaders.formats import record_kind
from chainscout.loaders.mapping import FileOptions
from chainscout.loaders.readers import InputFile, RawChunk, discover, open_source

GOOD = "91310115MA1K4B2X1X"


def read(path: Path, kind: str = "enterprises", options: FileOptions | None = None
         ) -> list[RawChunk]:
    fmt = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}[path.suffix]
    source = open_source(InputFile(path, path.name, kind, fmt, options or FileOptions()),
                         record_kind(kind))
    source.check()
    return list(source.chunks())


def test_csv_rows_are_numbered_past_malformed_lines_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.csv"
    path.write_text("\ufeffuscc,name\n"
                    f'{GOOD},"多行\n名称"\n'
                    f"{GOOD},b,extra\n"
                    "\n"
                    f"{GOOD},c\n", encoding="utf-8")
    chunks = read(path)
    rows = [int(n) for c in chunks for n in c.rows]
    rejects = [r for c in chunks for r in c.rejects]
    assert rows == [1, 3]
    assert [(r.row_number, r.field, r.reason) for r in rejects] == [
        (2, "(row)", "the row has 3 fields but the header has 2")]
    names = [v for c in chunks for v in c.columns.get("name", pa.array([])).to_pylist()]
    assert names == ["多行\n名称", "c"]
    assert sum(c.read for c in chunks) == 3


def test_wrong_encoding_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.csv"
    path.write_bytes(f"uscc,name\n{GOOD},企业\n".encode("gb18030"))
    with pytest.raises(LoadError, match=r"enterprises.csv: not valid utf-8 text: undecodable "
                                        r"bytes at line 2.*encoding: gb18030"):
        read(path)
    chunks = read(path, options=FileOptions(encoding="gb18030"))
    assert chunks[0].columns["name"].to_pylist() == ["企业"]


def test_wrong_delimiter_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.csv"
    path.write_text(f"uscc;name\n{GOOD};a\n", encoding="utf-8")
    with pytest.raises(LoadError, match="semicolon-separated"):
        read(path)
    assert read(path, options=FileOptions(delimiter=";"))[0].columns["name"].to_pylist() == ["a"]
    path.write_text(f"uscc,title\n{GOOD},a\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"missing required column\(s\) name for enterprises; "
                                        r"found: uscc, title"):
        read(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(LoadError, match="empty"):
        read(path)


def test_unknown_columns_are_ignored_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.csv"
    path.write_text(f"USCC,name,phone\n{GOOD},a,123\n", encoding="utf-8")
    source = open_source(InputFile(path, "enterprises.csv", "enterprises", "csv"),
                         record_kind("enterprises"))
    source.check()
    assert source.ignored_columns == ["phone"]
    assert next(iter(source.chunks())).columns["uscc"].to_pylist() == [GOOD]


def test_parquet_native_types_become_text(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.parquet"
    table = pa.table({
        "uscc": [GOOD, GOOD],
        "name": ["a", "b"],
        "registered_capital": pa.array([100.0, None]),
        "employees": pa.array([12, None], pa.int64()),
        "tags": pa.array([["high_tech"], None], pa.list_(pa.string())),
    })
    pq.write_table(table, path)
    chunk = read(path)[0]
    assert chunk.columns["registered_capital"].to_pylist() == ["100", None]
    assert chunk.columns["employees"].to_pylist() == ["12", None]
    assert chunk.columns["tags"].to_pylist() == [["high_tech"], None]
    assert chunk.rows.tolist() == [1, 2]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(LoadError, match="not a readable Parquet file"):
        read(tmp_path / "bad.parquet")


def test_jsonl_bad_lines_are_rejects_not_errors(tmp_path: Path) -> None:
    path = tmp_path / "enterprises.jsonl"
    lines = [json.dumps({"uscc": GOOD, "name": "a", "tags": ["green"], "employees": 3}),
             "{broken",
             "",
             json.dumps({"uscc": GOOD, "name": ["x"]}),
             json.dumps({"uscc": GOOD, "name": "c", "tags": "green;listed", "lat": 31.5})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = read(path)
    rejects = [(r.row_number, r.field, r.reason) for c in chunks for r in c.rejects]
    assert rejects[0][0:2] == (2, "(record)") and "not valid JSON" in rejects[0][2]
    assert rejects[1] == (4, "name", "expected a single value, got a list")
    assert chunks[0].rows.tolist() == [1, 5]
    assert chunks[0].columns["tags"].to_pylist() == [["green"], ["green", "listed"]]
    assert chunks[0].columns["employees"].to_pylist() == ["3", None]
    assert chunks[0].columns["lat"].to_pylist() == [None, "31.5"]
    (tmp_path / "persons.jsonl").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(LoadError, match="not JSON Lines"):
        read(tmp_path / "persons.jsonl", "persons")


def test_discover_finds_kinds_standards_and_ignores_the_rest(tmp_path: Path) -> None:
    for name in ("enterprises.csv", "persons.parquet", "notes.txt", "bods/a.json",
                 "_load/rejects.csv", "other.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, ignored = discover(tmp_path)
    assert [(f.display, f.kind, f.fmt) for f in found] == [
        ("bods/a.json", "bods", "json"), ("enterprises.csv", "enterprises", "csv"),
        ("persons.parquet", "persons", "parquet")]
    assert ignored == ["notes.txt", "other.csv"]
    with pytest.raises(LoadError, match="does not exist"):
        discover(tmp_path / "nope")
