"""Mapping files: a Chinese vendor export and a CRM extract load without code."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from chainscout.loaders.errors import LoadError
from chainscout.loaders.mapping import load_mapping
from chainscout.loaders.pipeline import LoadOptions, load_directory
from chainscout.loaders.rejects import read_rejects

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "docs" / "examples" / "vendor-mapping.yaml"
VENDOR = REPO / "tests" / "data" / "vendor"


def test_sample_mapping_is_valid() -> None:
    mapping = load_mapping(MAPPING)
    entry = mapping.for_file(PurePosixPath("企业基本信息_20240630.csv"))
    assert entry is not None and entry.kind == "enterprises"
    assert entry.options.encoding == "gb18030"
    assert entry.options.columns["统一社会信用代码"] == "uscc"
    assert entry.options.currencies["美元"] == 7.10
    assert mapping.for_file(PurePosixPath("客户清单_2024Q2.csv")) is not None
    assert mapping.for_file(PurePosixPath("enterprises.csv")) is None


@pytest.mark.parametrize(("text", "message"), [
    ("files: 3", "expected a mapping with a 'files' list"),
    ("files: [{match: a.csv, kind: firms}]", "unknown kind 'firms'"),
    ("files: [{match: a.csv, kind: enterprises, columns: {代码: code}}]",
     "'代码' maps to unknown field 'code' of enterprises"),
    ("files: [{match: a.csv, kind: enterprises, encoding: klingon}]", "unknown encoding"),
    ("files: [{match: a.csv, kind: enterprises, units: {registered_capital: 斤}}]",
     "unknown unit '斤'"),
    ("files: [{match: a.csv, kind: enterprises, units: {name: 元}}]", "not a money field"),
    ("files: [{match: a.csv, kind: enterprises, colums: {}}]", "unknown key(s) colums"),
    ("currencies: {美元: -1}\nfiles: []", "rate must be a positive number"),
    ("files: [{match: a.csv, kind: enterprises, columns: {a: uscc, b: uscc}}]",
     "several columns map to uscc"),
    (": : :", "not valid YAML"),
])
def test_broken_mapping_files_say_what_and_where(tmp_path: Path, text: str, message: str
                                                 ) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as err:
        load_mapping(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_vendor_export_and_crm_extract_load_through_the_mapping(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    summary = load_directory(None, VENDOR, LoadOptions(
        mapping=MAPPING, dry_run=True, progress=False, rejects=rejects, reference=False))
    by_file = {f.file: f for f in summary.files}
    export = by_file["企业基本信息_20240630.csv"]
    assert (export.read, export.loaded, export.rejected) == (8, 5, 3)
    assert export.ignored_columns == ["实缴资本", "联系电话"]
    crm = by_file["客户清单_2024Q2.csv"]
    assert (crm.read, crm.loaded, crm.rejected) == (3, 2, 1)
    assert summary.reconciles
    got = [(r["source_file"], r["row_number"], r["field"], r["reason"])
           for r in read_rejects(rejects)]
    assert got == [
        ("企业基本信息_20240630.csv", "4", "industry_code",
         "'电池制造' is the GB/T 4754-2017 group 384 电池制造, not a 4-digit class"),
        ("企业基本信息_20240630.csv", "5", "industry_code",
         "'软件和信息技术服务业' is the GB/T 4754-2017 division 65 软件和信息技术服务业, "
         "not a 4-digit class"),
        ("企业基本信息_20240630.csv", "8", "uscc", "check character is '2' but should be '1'"),
        ("企业基本信息_20240630.csv", "8", "established",
         "'2019-02-29' is not a date (expected YYYY-MM-DD)"),
        ("客户清单_2024Q2.csv", "3", "uscc",
         "Enterprise 91440300NLNHD7EJ8P was rejected (企业基本信息_20240630.csv row 4), "
         "so this row cannot be loaded"),
    ]
