"""The Neo4j Browser guide and the deep-link document, without a store (see also
tests/integration/test_browser_guide.py, which runs every query of the guide on Neo4j)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from chainscout.graph.model import graph_model
from chainscout.queries import browser_guide
from chainscout.queries.browser_guide import (
    GUIDE_PATH,
    browser_links_markdown,
    deep_link,
    guide_html,
    guide_queries,
    parse_param_line,
    query_modules,
)
from chainscout.queries.catalog import load_query, query_names

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def page() -> str:
    return guide_html()


def test_guide_is_a_browser_guide(page: str) -> None:
    assert page.count('<article class="guide"') == 1
    assert page.count("<carousel") == 1
    assert len(re.findall(r"<slide\b", page)) == 4 + len(query_modules())
    assert page.index("chainscout graph model") < page.index("data-module=")


def test_every_catalog_query_is_in_the_guide_once_per_module(page: str) -> None:
    modules = query_modules()
    listed = [q for m in modules for q in m.queries]
    assert set(listed) == set(query_names())
    for module in modules:
        assert len(set(module.queries)) == len(module.queries)
    blocks = guide_queries(page)
    for name in query_names():
        lines, cypher = blocks[name]
        query = load_query(name, "neo4j")
        assert cypher == query.cypher  # escaped in HTML, read back exactly
        assert [parse_param_line(line)[0] for line in lines] == [p.name for p in query.params]


def test_param_lines_are_what_browser_accepts(page: str) -> None:
    for lines, _ in guide_queries(page).values():
        for line in lines:
            # Browser: one command per line, `;`-separated (multi-statement), and its `=>` form
            # takes no `$` in the value (its regex is `=>\s*([^$]*)$`)
            assert re.fullmatch(r":param [a-z_]+ => [^$\n]+;", line), line


def test_modules_are_named_after_real_modules() -> None:
    for module in query_modules():
        if module.name not in {"api", "other"}:
            assert (Path(browser_guide.__file__).parent / f"{module.name}.py").exists()
            assert module.summary


def test_model_slides_hold_every_label_and_relationship(page: str) -> None:
    model_part = page[: page.index("data-module=")]
    for node in graph_model().nodes:
        assert f":{node.label}" in model_part
        for prop in node.properties:
            assert f"<code>{prop.name}</code>" in model_part
    for rel in graph_model().relationships:
        assert f"(:{rel.source})-[:{rel.type}]-&gt;(:{rel.target})" in model_part


def test_deep_links_round_trip() -> None:
    text = "MATCH (e:Enterprise {uscc: $uscc})<-[r]-() RETURN e // 企业 & more"
    link = deep_link(text)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:7474/browser"
    query = parse_qs(parts.query)
    assert query["cmd"] == ["edit"] and query["arg"] == [text]


def test_browser_links_doc_is_current_and_covers_the_cookbook() -> None:
    committed = (DOCS / "browser-links.md").read_text(encoding="utf-8")
    assert committed == browser_links_markdown(), (
        "docs/browser-links.md is out of date: python -m chainscout.queries.browser_guide --write")
    cookbook = (DOCS / "cypher-cookbook.md").read_text(encoding="utf-8")
    in_cookbook = set(re.findall(r"^## ([a-z][a-z0-9_]*)$", cookbook, flags=re.M))
    linked = set(re.findall(r"^\| \[`([a-z0-9_]+)`\]", committed, flags=re.M))
    assert in_cookbook <= linked
    assert GUIDE_PATH in committed
