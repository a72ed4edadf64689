"""Transform and encode: the rows are exactly what graph.upsert would build, only faster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from falkordb.helpers import stringify_param_value
from hypothesis import given, settings
from hypothesis import strategies as st

from chainscout.graph.model import PropType, graph_model
from chainscout.graph.upsert import content_hash, node_row, relationship_row
from chainscout.loaders.formats import record_kind
from chainscout.loaders.mapping import FileOptions
from chainscout.loaders.readers import RawChunk
from chainscout.loaders.reference_data import load_chains, segments_for_class
from chainscout.loaders.rows import (
    CypherLiteral,
    RowEncoder,
    SegmentMatcher,
    TargetRows,
    literal_params_supported,
    transform,
)
from chainscout.loaders.validate import ChunkValidator, ReferenceData

MODEL = graph_model()
ENT = MODEL.node("Enterprise")
ARROW = {PropType.STRING: pa.string(), PropType.DATE: pa.string(), PropType.FLOAT: pa.float64(),
         PropType.INTEGER: pa.int64(), PropType.STRING_LIST: pa.list_(pa.string())}

texts = st.one_of(st.none(), st.text(max_size=12))
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
records = st.fixed_dictionaries({
    "uscc": st.text(min_size=1, max_size=18),
    "name": st.text(max_size=20),
    "address": texts,
    "registered_capital": floats,
    "lat": floats,
    "employees": st.one_of(st.none(), st.integers(-2**40, 2**40)),
    "tags": st.one_of(st.none(), st.lists(st.text(min_size=1, max_size=6), min_size=1,
                                          max_size=3)),
})


def node_rows(recs: list[dict[str, Any]]) -> TargetRows:
    props = {p.name: pa.array([r.get(p.name) for r in recs], ARROW[p.type])
             for p in ENT.properties if p.name != "uscc"}
    return TargetRows(ENT, None, key=pa.array([r["uscc"] for r in recs], pa.string()),
                      props=props)


@settings(max_examples=150, deadline=None)
@given(st.lists(records, min_size=1, max_size=5))
def test_encoded_rows_equal_node_row_and_the_clients_literal(recs: list[dict[str, Any]]
                                                             ) -> None:
    expected = [node_row(ENT, r, snapshot="s1", source="t:enterprises") for r in recs]
    dicts = RowEncoder(MODEL, literal=False).encode(node_rows(recs), snapshot="s1",
                                                   source="t:enterprises")
    assert dicts.items == expected
    literal = RowEncoder(MODEL, literal=True).encode(node_rows(recs), snapshot="s1",
                                                    source="t:enterprises")
    assert literal.items == [stringify_param_value(row) for row in expected]


def test_relationship_rows_with_merge_keys() -> None:
    rel = MODEL.relationship("OFFICER_OF", "Person", "Enterprise")
    rows = TargetRows(None, rel, src=pa.array(["P1"]), dst=pa.array(["E1"]),
                      props={"role": pa.array(["director"]),
                             "since": pa.array([None], pa.string())})
    expected = relationship_row(rel, "P1", "E1", {"role": "director"}, snapshot="s",
                                source="x")
    assert RowEncoder(MODEL, literal=False).encode(rows, snapshot="s", source="x").items == [
        expected]
    encoded = RowEncoder(MODEL, literal=True).encode(rows, snapshot="s", source="x")
    assert encoded.items == [stringify_param_value(expected)]
    batch, count = next(encoded.batches(10))
    assert isinstance(batch, CypherLiteral) and count == 1
    assert stringify_param_value(batch) == stringify_param_value([expected])
    assert literal_params_supported()


def _valid(kind: str, columns: dict[str, list[Any]]) -> Any:
    n = len(next(iter(columns.values())))
    raw = RawChunk({k: pa.array(v, pa.string()) for k, v in columns.items()},
                   np.arange(1, n + 1, dtype=np.int64))
    return ChunkValidator(record_kind(kind), ReferenceData.load(), FileOptions(),
                          "f").validate(raw)


def test_transform_splits_holders_explodes_lists_and_defaults_roles() -> None:
    holdings = transform(record_kind("shareholdings"), _valid("shareholdings", {
        "holder_type": ["person", "enterprise"], "holder_id": ["P1", "91310000132200821H"],
        "held_uscc": ["91310115MA1K4B2X1X"] * 2, "percentage": ["10", "20"]}), MODEL)
    assert [(t.name, t.length) for t in holdings] == [
        ("Person-HOLDS_SHARES->Enterprise", 1), ("Enterprise-HOLDS_SHARES->Enterprise", 1)]
    parks = transform(record_kind("parks"), _valid("parks", {
        "park_id": ["P1", "P2"], "name": ["a", "b"], "leading_industries": ["ic;ai", None]}),
        MODEL)
    focus = parks[1]
    assert focus.name == "Park-FOCUSES_ON->IndustryChain"
    assert focus.src is not None and focus.dst is not None
    assert list(zip(focus.src.to_pylist(), focus.dst.to_pylist(), strict=True)) == [
        ("P1", "ic"), ("P1", "ai")]
    events = transform(record_kind("events"), _valid("events", {
        "event_id": ["E1", "E2"], "type": ["government_bid_won"] * 2,
        "date": ["2024-01-02"] * 2, "uscc": ["91310115MA1K4B2X1X"] * 2,
        "counterparty_uscc": ["91310000132200821H", None]}), MODEL)
    names = [t.name for t in events]
    assert names == ["Event", "Event-CONCERNS->Enterprise", "Event-OF_TYPE->EventType",
                     "Event-INVOLVES->Enterprise"]
    assert events[3].props["role"].to_pylist() == ["counterparty"]


@pytest.mark.parametrize(("code", "name", "scope"), [
    ("3841", "动力电池有限公司", ""), ("3973", "集成电路公司", ""), ("6520", "芯片设计", ""),
    ("3562", "设备公司", "光刻机研发"), ("6512", "软件公司", ""), ("6512", "某某EDA软件", ""),
    ("0111", "农业公司", ""),
])
def test_segments_follow_the_reference_rule(code: str, name: str, scope: str) -> None:
    chains = load_chains()
    matcher = SegmentMatcher(chains)
    cols = {"uscc": pa.array(["U"]), "industry_code": pa.array([code]),
            "name": pa.array([name]), "business_scope": pa.array([scope])}
    rows = matcher.derive(cols, set(), MODEL)
    expected = {s.id for s in segments_for_class(code, f"{name} {scope}", chains)}
    assert rows.dst is not None
    assert set(rows.dst.to_pylist()) == expected
    assert set(rows.props["basis"].to_pylist()) <= {"industry_code", "keyword"}
    skipped = matcher.derive(cols, {("U", s) for s in expected}, MODEL)
    assert skipped.length == 0


def test_hash_of_no_properties() -> None:
    rel = MODEL.relationship("CLASSIFIED_AS", "Enterprise", "Industry")
    rows = TargetRows(None, rel, src=pa.array(["E"]), dst=pa.array(["3973"]), props={})
    hashes, _ = RowEncoder(MODEL, literal=True).hashes(rows)
    assert hashes == [content_hash({})]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=20))
def test_floats_are_written_like_python_repr(values: list[float | None]) -> None:
    from chainscout.loaders.rows import float_text

    got = float_text(pa.array(values, pa.float64())).to_pylist()
    assert got == [None if v is None else repr(v) for v in values]
