"""The declarative model and what is derived from it, without a store."""

from __future__ import annotations

import re

import pytest

from chainscout.graph.docs import model_markdown
from chainscout.graph.model import GraphModel, NodeType, Property, PropType, graph_model
from chainscout.graph.stores.dialect import (
    falkordb_constraint_command,
    index_specs,
    neo4j_schema_statements,
)
from chainscout.graph.upsert import (
    content_hash,
    node_row,
    node_upsert,
    relationship_row,
    relationship_upsert,
    tag,
)

REQUIRED_LABELS = {
    "Enterprise", "Person", "IndustryChain", "ChainSegment", "Industry", "Park", "Association",
    "Branch", "Event",
}


def test_model_has_the_labels_the_product_needs() -> None:
    assert set(graph_model().labels) >= REQUIRED_LABELS


def test_every_relationship_connects_known_labels_and_keys_are_required() -> None:
    model = graph_model()
    for rel in model.relationships:
        assert rel.source in model.labels and rel.target in model.labels
    for node in model.nodes:
        assert node.key_property.required


def test_shareholding_carries_percentage_and_amount() -> None:
    rel = graph_model().relationship("HOLDS_SHARES", "Person", "Enterprise")
    assert rel.prop("percentage").type is PropType.FLOAT
    assert rel.prop("amount").unit


def test_allow_list_refuses_unknown_labels_and_types() -> None:
    model = graph_model()
    assert model.check_label("Park") == "Park"
    with pytest.raises(ValueError):
        model.check_label("Park) DETACH DELETE (n")
    with pytest.raises(ValueError):
        model.check_rel_type("KNOWS")


def test_inconsistent_model_is_refused() -> None:
    from chainscout.graph.model import _check

    bad = NodeType("X", key="id", description="", properties=(Property("id", PropType.STRING, ""),))
    with pytest.raises(ValueError, match="must be required"):
        _check(GraphModel(nodes=(bad,), relationships=()))


def test_schema_statements_cover_every_key_and_index_idempotently() -> None:
    model = graph_model()
    statements = neo4j_schema_statements(model)
    assert all("IF NOT EXISTS" in s for s in statements)
    for node in model.nodes:
        assert any(f"FOR (n:{node.label}) REQUIRE n.{node.key} IS UNIQUE" in s for s in statements)
    assert any("ON (n.district_code)" in s for s in statements)
    assert len(statements) == len(index_specs(model))


def test_falkordb_constraint_is_a_command_not_cypher() -> None:
    spec = next(s for s in index_specs(graph_model()) if s.label == "Enterprise" and s.unique)
    assert falkordb_constraint_command("g", spec) == (
        "GRAPH.CONSTRAINT", "CREATE", "g", "UNIQUE", "NODE", "Enterprise", "PROPERTIES", "1", "uscc"
    )


def test_upserts_are_derived_from_the_model_with_parameters_only() -> None:
    model = graph_model()
    for node in model.nodes:
        q = node_upsert(node).cypher
        assert q.startswith("UNWIND $rows AS row")
        assert f"MERGE (n:{node.label} {{{node.key}: row.key}})" in q
    officer = relationship_upsert(model, model.relationship("OFFICER_OF", "Person", "Enterprise"))
    assert "MERGE (a)-[r:OFFICER_OF {role: row.merge.role}]->(b)" in officer.cypher
    assert "merge" in officer.row_fields
    held = relationship_upsert(model, model.relationship("HOLDS_SHARES", "Enterprise",
                                                         "Enterprise"))
    assert "MATCH (a:Enterprise {uscc: row.src})" in held.cypher
    # No literal values ever end up in generated text.
    assert not re.search(r"'[^']+'", held.cypher.replace("''", ""))


def test_content_hash_ignores_key_order_and_changes_with_values() -> None:
    assert content_hash({"a": 1, "b": "x"}) == content_hash({"b": "x", "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_bookkeeping_values_are_64_bit_integers_and_rows_carry_the_tags_of_their_names() -> None:
    """Both stores hold a 64-bit integer inline; text on every item cost a heap string each."""
    model = graph_model()
    assert {p.name: p.type for p in model.bookkeeping} == {
        "_hash": PropType.INTEGER, "_snapshot": PropType.INTEGER, "_source": PropType.INTEGER}
    values = [content_hash({"a": i}) for i in range(200)] + [tag(f"s{i}") for i in range(200)]
    assert all(isinstance(v, int) and -2**63 <= v < 2**63 for v in values)
    assert len(set(values)) == len(values) and any(v < 0 for v in values)
    assert tag("crm:enterprises") == tag("crm:enterprises") != tag("crm:parks")
    row = node_row(model.node("Park"), {"park_id": "P1", "name": "张江"}, snapshot="s1",
                   source="crm:parks")
    assert (row["snapshot"], row["source"]) == (tag("s1"), tag("crm:parks"))


def test_rows_send_missing_properties_as_null_so_snapshots_can_remove_them() -> None:
    node = graph_model().node("Park")
    row = node_row(node, {"park_id": "p1", "name": "园区"}, snapshot="s1", source="t")
    assert row["key"] == "p1" and row["props"]["name"] == "园区"
    assert row["props"]["lat"] is None and "park_id" not in row["props"]
    rel = graph_model().relationship("OFFICER_OF", "Person", "Enterprise")
    r = relationship_row(rel, "p", "e", {"role": "director"}, snapshot="s", source="t")
    assert r["merge"] == {"role": "director"}


def test_model_markdown_lists_every_label_and_type() -> None:
    model = graph_model()
    text = model_markdown(model)
    for label in model.labels:
        assert f"### {label}" in text
    for rel_type in model.rel_types:
        assert f"| {rel_type} |" in text
