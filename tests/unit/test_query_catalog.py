"""Named queries: header parsing, parameter checks, store variants."""

from __future__ import annotations

import pytest

from chainscout.queries.catalog import (
    QueryNotFound,
    QueryParameterError,
    load_query,
    parse_query,
    query_names,
    variant_files,
)

TEXT = """// Enterprises in a park.
// @param park_id string  the park
// @param limit integer  page size
MATCH (p:Park {park_id: $park_id})<-[:LOCATED_IN]-(e:Enterprise)
WHERE e.name <> '$not_a_param'
RETURN e LIMIT $limit
"""


def test_header_declares_parameters() -> None:
    q = parse_query("x", TEXT, "x.cypher")
    assert q.description == "Enterprises in a park."
    assert [p.name for p in q.params] == ["park_id", "limit"]
    assert q.cypher.startswith("MATCH")


def test_missing_and_unknown_parameters_are_refused() -> None:
    q = parse_query("x", TEXT, "x.cypher")
    with pytest.raises(QueryParameterError, match="limit"):
        q.bind({"park_id": "p"})
    with pytest.raises(QueryParameterError, match="extra"):
        q.bind({"park_id": "p", "limit": 1, "extra": 2})
    assert q.bind({"park_id": "p", "limit": 1}) == {"park_id": "p", "limit": 1}


def test_undeclared_parameter_in_body_is_an_error() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        parse_query("x", "// nothing\nRETURN $a", "x.cypher")
    with pytest.raises(ValueError, match="unused"):
        parse_query("x", "// @param a string\nRETURN 1", "x.cypher")


def test_query_names_are_not_paths() -> None:
    with pytest.raises(QueryNotFound):
        load_query("../secrets")
    with pytest.raises(QueryNotFound):
        load_query("no_such_query")


def test_every_shipped_query_parses_and_variants_match_their_shared_query() -> None:
    for name in query_names():
        shared = load_query(name)
        assert shared.description, f"{name} has no description"
    for file_name in variant_files():
        name, store, _ = file_name.split(".")
        variant = load_query(name, store)
        assert variant.param_names == load_query(name).param_names, file_name


def test_exports_declare_their_columns() -> None:
    q = parse_query("x", "// Links.\n// @column a string  one end\n// @column pct float  share\n"
                         "MATCH (a)-[r]->(b) RETURN a.k AS a, r.p AS pct", "x.cypher")
    assert q.column_kinds == {"a": "string", "pct": "float"}
    assert q.description == "Links."
    with pytest.raises(ValueError, match="unknown kind"):
        parse_query("x", "// @column a text\nRETURN 1 AS a", "x.cypher")
    for name in query_names():
        if name.startswith("expansion_export_"):
            assert load_query(name).columns, name


def test_a_query_without_columns_is_not_an_export() -> None:
    from types import SimpleNamespace

    from chainscout.queries.runner import export_named

    store = SimpleNamespace(name="falkordb")
    with pytest.raises(ValueError, match="not an export"):
        export_named(store, "expansion_events", {"event_ids": []})  # type: ignore[arg-type]
