"""Field checks and checks across rows: every rejection kind, with its reason, and nothing lost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from chainscout.loaders.formats import record_kind
from chainscout.loaders.mapping import FileOptions
from chainscout.loaders.readers import RawChunk
from chainscout.loaders.validate import (
    ChunkValidator,
    LoadState,
    ReferenceData,
    ValidChunk,
    uscc_valid,
)

GOOD = "91310115MA1K4B2X1X"
GOOD2 = "91310000132200821H"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData.load()


def chunk(columns: dict[str, list[Any]]) -> RawChunk:
    n = len(next(iter(columns.values())))
    arrays = {k: pa.array(v, pa.string()) for k, v in columns.items()}
    return RawChunk(arrays, np.arange(1, n + 1, dtype=np.int64))


def run(kind: str, columns: dict[str, list[Any]], ref: ReferenceData,
        options: FileOptions | None = None) -> ValidChunk:
    validator = ChunkValidator(record_kind(kind), ref, options or FileOptions(), "f.csv")
    return validator.validate(chunk(columns))


def reasons(valid: ValidChunk) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for r in valid.rejects:
        out.setdefault(r.row_number, []).append((r.field, r.reason))
    return out


# -- USCC ------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_vectorised_uscc_check_agrees_with_stdnum(body: str, check: str) -> None:
    code = "91" + body[2:8].translate(str.maketrans(ALPHABET[10:], "0" * 21)) + body[8:] + check
    assert uscc_valid(pa.array([code]))[0] == stdnum_uscc.is_valid(code)


def test_uscc_check_on_many_codes_at_once() -> None:
    good = [c[:17] + stdnum_uscc.calc_check_digit(c[:17]) for c in
            ("91310115MA1K4B2X1", "91110000600037341", "92440300MA5FXX1234"[:17])]
    codes = [*good, GOOD[:-1] + "Y", "12345", None, "9131011SMA1K4B2X1X"]
    assert uscc_valid(pa.array(codes, pa.string())).tolist() == [
        True, True, True, False, False, False, False]


def test_uscc_reasons_come_from_stdnum(ref: ReferenceData) -> None:
    valid = run("enterprises", {
        "uscc": [GOOD, GOOD[:-1] + "Y", "9131011", "91310115MA1K4B2XIX", " 9131-0115 MA1K4B2X1X "],
        "name": ["a", "b", "c", "d", "e"]}, ref)
    got = reasons(valid)
    assert got[2] == [("uscc", "check character is 'Y' but should be 'X'")]
    assert "18 characters" in got[3][0][1]
    assert "I, O, S, V, Z" in got[4][0][1]
    assert valid.columns["uscc"].to_pylist() == [GOOD, GOOD]  # spaces and dashes removed
    assert valid.rejected == 3


# -- fields ----------------------------------------------------------------------------------------


def test_every_field_problem_has_a_clear_reason(ref: ReferenceData) -> None:
    valid = run("enterprises", {
        "uscc": [GOOD] * 9,
        "name": ["ok", "", "c", "d", "e", "f", "g", "h", "i"],
        "status": ["active", "active", "open", None, None, None, None, None, None],
        "registered_capital": ["500", None, None, "abc", "-5", None, None, None, None],
        "established": ["2015-06-18", None, None, None, None, "2021-02-30", None, None, None],
        "industry_code": ["3973", None, None, None, None, None, "9999", "35", None],
        "lat": [None, None, None, None, None, None, None, None, "121.5"],
        "lng": [None, None, None, None, None, None, None, None, "31.2"],
    }, ref)
    got = reasons(valid)
    assert got[2] == [("name", "required field is empty")]
    assert got[3] == [("status", "'open' is not one of active, revoked, cancelled, moved, "
                                 "liquidating")]
    assert got[4] == [("registered_capital", "'abc' is not an amount (e.g. 500, 500万元, 1.2亿元)")]
    assert got[5] == [("registered_capital", "-5.0 is negative")]
    assert got[6] == [("established", "'2021-02-30' is not a date (expected YYYY-MM-DD)")]
    assert got[7] == [("industry_code", "unknown GB/T 4754-2017 class '9999'")]
    assert got[8][0][0] == "industry_code" and "division 35 专用设备制造业" in got[8][0][1]
    assert {f for f, _ in got[9]} == {"lat", "lng"}
    assert "lat and lng look swapped" in got[9][0][1]
    assert valid.length == 1 and valid.rejected == 8


def test_values_are_typed_and_normalised(ref: ReferenceData) -> None:
    valid = run("enterprises", {
        "uscc": [GOOD, GOOD2],
        "name": [" 上海芯微 ", "b"],
        "status": ["Active", "-"],
        "registered_capital": ["1,200.5", "500万元"],
        "established": ["2015/6/8", "20150618"],
        "industry_code": ["C3973", "6520 集成电路设计"],
        "tags": ["high_tech; specialized", ""],
        "employees": ["120", "12.0"],
        "lat": ["31.2", None],
        "lng": ["121.5", None],
    }, ref)
    assert valid.rejects == []
    cols = {k: v.to_pylist() for k, v in valid.columns.items()}
    assert cols["name"] == ["上海芯微", "b"]
    assert cols["status"] == ["active", None]
    assert cols["registered_capital"] == [1200.5, 500.0]
    assert cols["established"] == ["2015-06-08", "2015-06-18"]
    assert cols["industry_code"] == ["3973", "6520"]
    assert cols["tags"] == [["high_tech", "specialized"], None]
    assert cols["employees"] == [120, 12]
    assert valid.columns["registered_capital"].type == pa.float64()


def test_money_with_units_and_currencies(ref: ReferenceData) -> None:
    options = FileOptions(units={"registered_capital": "元"}, currencies={"美元": 7.0})
    valid = run("enterprises", {
        "uscc": [GOOD] * 6,
        "name": list("abcdef"),
        "registered_capital": ["5000000", "500万元人民币", "1.2亿", "100万美元", "3万欧元",
                               "1000元"],
    }, ref, options)
    got = reasons(valid)
    assert got == {5: [("registered_capital", "unknown currency '欧元' in '3万欧元': add its CNY "
                                              "rate under 'currencies' in a mapping file")]}
    assert valid.columns["registered_capital"].to_pylist() == [500.0, 500.0, 12000.0, 700.0,
                                                               0.1]


def test_percentages_lists_and_vocabularies(ref: ReferenceData) -> None:
    valid = run("parks", {
        "park_id": ["P1", "P2", "P3"],
        "name": ["a", "b", "c"],
        "leading_industries": ["ic;ai", "ic;moon", None],
        "level": ["national", "national", "galactic"],
        "district_code": ["310115", "31011", None],
        "boundary": [None, None, "LINESTRING(1 2,3 4)"],
    }, ref)
    got = reasons(valid)
    assert got[2] == [("district_code", "'31011' is not a 6-digit administrative division code"),
                      ("leading_industries", "unknown chain id 'moon' (see chains.yaml)")]
    assert ("boundary", "not a WKT POLYGON or MULTIPOLYGON") in got[3]
    assert valid.columns["leading_industries"].to_pylist() == [["ic", "ai"]]
    holdings = run("shareholdings", {
        "holder_type": ["person", "person", "robot"],
        "holder_id": ["P1", "P2", "P3"],
        "held_uscc": [GOOD] * 3,
        "percentage": ["35.5%", "120", "1"],
    }, ref)
    got = reasons(holdings)
    assert got[2] == [("percentage", "120.0 is outside 0–100")]
    assert got[3] == [("holder_type", "'robot' is not one of person, enterprise")]
    assert holdings.columns["percentage"].to_pylist() == [35.5]


def test_mapping_values_defaults_and_class_names(ref: ReferenceData) -> None:
    options = FileOptions(values={"status": {"存续": "active", "吊销": "revoked"}},
                          defaults={"size": "small"},
                          lookups={"industry_code": "gbt4754_name"})
    valid = run("enterprises", {
        "uscc": [GOOD, GOOD2, GOOD],
        "name": ["a", "b", "c"],
        "status": ["存续", "吊销", "在业"],
        "industry_code": ["集成电路设计", "3562", "软件和信息技术服务业"],
    }, ref, options)
    got = reasons(valid)
    assert got[3][0][1].startswith("'在业' is not one of") and "mapping file" in got[3][0][1]
    assert "division 65" in got[3][1][1]
    assert valid.columns["status"].to_pylist() == ["active", "revoked"]
    assert valid.columns["industry_code"].to_pylist() == ["6520", "3562"]
    assert valid.columns["size"].to_pylist() == ["small", "small"]


# -- across rows -----------------------------------------------------------------------------------


def test_duplicates_and_references(ref: ReferenceData) -> None:
    state = LoadState(ref)
    ents = run("enterprises", {"uscc": [GOOD, GOOD, "bad"], "name": ["a", "b", "c"]}, ref)
    state.check(record_kind("enterprises"), ents, "enterprises.csv")
    assert reasons(ents)[2] == [("uscc", "duplicate of row 1: the first one is loaded")]
    holdings = run("shareholdings", {
        "holder_type": ["enterprise", "enterprise", "person"],
        "holder_id": [GOOD, GOOD2, "P404"],
        "held_uscc": [GOOD, GOOD, GOOD],
        "percentage": ["10", "10", "10"],
    }, ref)
    state.check(record_kind("shareholdings"), holdings, "shareholdings.csv")
    got = reasons(holdings)
    assert got[2] == [("holder_id", f"unknown Enterprise '{GOOD2}': not in this load")]
    assert got[3] == [("holder_id", "unknown Person 'P404': not in this load")]
    assert holdings.length == 1


def test_references_to_rejected_rows_and_store(ref: ReferenceData) -> None:
    asked: list[tuple[str, list[str]]] = []

    def lookup(label: str, keys: list[str]) -> set[str]:
        asked.append((label, keys))
        return {GOOD2}

    state = LoadState(ref, store_lookup=lookup)
    ents = run("enterprises", {"uscc": [GOOD], "name": [""]}, ref)
    state.check(record_kind("enterprises"), ents, "enterprises.csv")
    officers = run("officers", {
        "person_id": ["P1", "P1"], "uscc": [GOOD, GOOD2], "role": ["director", "director"]}, ref)
    _loaded(state, "Person", {"P1": 1})
    state.check(record_kind("officers"), officers, "officers.csv")
    got = reasons(officers)
    assert got[1] == [("uscc", f"Enterprise {GOOD} was rejected (enterprises.csv row 1), so this "
                               "row cannot be loaded")]
    assert asked == [("Enterprise", [GOOD2])]
    assert officers.columns["uscc"].to_pylist() == [GOOD2]


def _loaded(state: LoadState, label: str, located: dict[str, int]) -> None:
    """Keys as if loaded earlier, at these (packed) locations."""
    state.registry(label).loaded.add(pa.array(list(located)), np.array(list(located.values())))


def test_total_ownership_above_100_rejects_all_holdings_of_the_company(ref: ReferenceData
                                                                       ) -> None:
    state = LoadState(ref, ownership_tolerance=0.5)
    _loaded(state, "Person", {"P1": 1, "P2": 2, "P3": 3})
    _loaded(state, "Enterprise", {GOOD: 1, GOOD2: 2})
    columns = {
        "holder_type": ["person"] * 5,
        "holder_id": ["P1", "P2", "P1", "P2", "P3"],
        "held_uscc": [GOOD, GOOD, GOOD2, GOOD2, GOOD2],
        "percentage": ["60", "50", "33.4", "33.3", "33.4"],
    }
    state.add_ownership(run("shareholdings", columns, ref))
    holdings = run("shareholdings", columns, ref)
    state.check(record_kind("shareholdings"), holdings, "s.csv")
    got = reasons(holdings)
    assert set(got) == {1, 2}
    assert got[1][0][1] == (f"holdings of {GOOD} add up to 110.00% in 2 rows (more than 100%); "
                            "all of them are rejected")
    assert holdings.length == 3  # 100.1 % is within the tolerance


def test_calendar_dates(ref: ReferenceData) -> None:
    dates = ["2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2024-13-01", "2024-00-10",
             "2024-04-31", "2024-12-31", "1799-12-31"]
    valid = run("persons", {"person_id": [f"P{i}" for i in range(len(dates))],
                            "name": ["x"] * len(dates)}, ref)
    del valid
    holdings = run("shareholdings", {
        "holder_type": ["person"] * len(dates), "holder_id": [f"P{i}" for i in range(len(dates))],
        "held_uscc": [GOOD] * len(dates), "since": dates}, ref)
    assert holdings.columns["since"].to_pylist() == ["2024-02-29", "2000-02-29", "2024-12-31"]
    got = reasons(holdings)
    assert got[9] == [("since", "1799-12-31 is outside 1800–2100")]
    assert set(got) == {2, 4, 5, 6, 7, 9}
