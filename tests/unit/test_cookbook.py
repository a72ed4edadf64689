"""docs/cypher-cookbook.md is generated from the query catalog and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from chainscout.queries.catalog import load_query, query_names
from chainscout.queries.cookbook import cookbook_markdown, cypher_literal, example_value, main

DOC = Path(__file__).resolve().parents[2] / "docs" / "cypher-cookbook.md"


def test_committed_cookbook_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == cookbook_markdown(), (
        "docs/cypher-cookbook.md is out of date: run python -m chainscout.queries.cookbook --write")


def test_every_query_has_a_section_with_param_lines() -> None:
    text = cookbook_markdown()
    for name in query_names():
        assert f"\n## {name}\n" in text
        for param in load_query(name).params:
            assert f":param {param.name} => " in text


def test_examples_and_literals() -> None:
    assert cypher_literal("it's") == "'it\\'s'"
    assert cypher_literal({"a": [1, None, True], "b": 2.5}) == "{a: [1, null, true], b: 2.5}"
    assert example_value("district", "string?") is None
    assert example_value("anything", "string[]") == []
    assert example_value("limit", "integer") == 20
    assert example_value("w", "map")["chain_fit"] > 0


def test_check_mode(tmp_path: Path) -> None:
    target = tmp_path / "cookbook.md"
    assert main(["--check", "--path", str(target)]) == 1
    assert main(["--write", "--path", str(target)]) == 0
    assert main(["--check", "--path", str(target)]) == 0
