"""Record kinds follow the graph model, and docs/input-formats.md documents exactly them."""

from __future__ import annotations

import re
from pathlib import Path

from chainscout.graph.model import graph_model
from chainscout.loaders.formats import KIND_ORDER, fields_markdown, record_kinds

DOC = Path(__file__).resolve().parents[2] / "docs" / "input-formats.md"
MODEL = graph_model()


def test_kinds_take_types_and_required_from_the_model() -> None:
    for kind in record_kinds().values():
        if kind.node is None:
            continue
        node = MODEL.node(kind.node.label)
        for prop in node.properties:
            field = kind.field(prop.name)
            assert (field.type, field.required) == (prop.type, prop.required), (kind.name, prop)
        assert {p for p, _ in kind.node.props} == {p.name for p in node.properties} - {node.key}


def test_vocabularies_agree_with_the_model_descriptions() -> None:
    for kind in record_kinds().values():
        for field in kind.fields:
            if field.choices and field.name not in ("holder_type", "counterparty_role"):
                assert all(c in field.description for c in field.choices), (kind.name, field)


def test_every_model_label_and_relationship_is_written_by_a_load() -> None:
    written = {t for kind in record_kinds().values() for t in kind.targets()}
    reference = {"Industry", "IndustryChain", "ChainSegment", "EventType",
                 "Industry-SUBCLASS_OF->Industry", "ChainSegment-PART_OF->IndustryChain",
                 "ChainSegment-UPSTREAM_OF->ChainSegment", "ChainSegment-MAPS_TO->Industry",
                 "LoadSource"}  # the loader's record of what it loaded
    model = set(MODEL.labels) | {r.name for r in MODEL.relationships}
    assert written | reference == model


def test_doc_overview_table_matches_the_kinds() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| (.+) \|$", text, flags=re.M)
    table = {kind: fields for kind, fields in rows if kind in KIND_ORDER}
    assert sorted(table) == sorted(KIND_ORDER)
    for name, cell in table.items():
        kind = record_kinds()[name]
        documented = [re.sub(r" \(.*\)$", "", f.strip()) for f in cell.split(", ")]
        assert [f.rstrip("*") for f in documented] == list(kind.field_names), name
        assert [f.endswith("*") for f in documented] == [f.required for f in kind.fields], name


def test_doc_field_tables_are_the_generated_ones() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("-->\n", 1)[1] if "<!-- fields:begin" in text else ""
    generated = re.search(r"<!-- fields:begin.*?-->\n(.*)<!-- fields:end -->", text, flags=re.S)
    assert generated is not None and section
    assert generated.group(1) == fields_markdown(), (
        "docs/input-formats.md is out of date: paste chainscout.loaders.formats.fields_markdown()")
