"""The Neo4j Browser guide and deep links, generated from the graph model and the query catalog.

``guide_html()`` renders a Browser guide (``:play http://127.0.0.1:8000/guide/chainscout.html``;
the API serves it, docker-compose plays it after connecting): first the graph model, then one slide
per query module (``queries/<module>.py``) with every named query the module runs, its
``:param`` lines and the Cypher ready to run. Nothing is written by hand, so it never drifts: a
query added to ``queries/cypher/`` shows up on the slide of the module that names it.

Parameter values are *lookups*: ``:param uscc => COLLECT { … }[0]`` is evaluated by the server
(Browser sends ``RETURN <expression> AS uscc``), so every example picks real keys from the graph
the Browser is connected to — the largest integrated-circuit enterprise in a park (the flagship
group's listed root on the demo data), its park, group, officers, the latest day's events — and
the guide itself holds no data (it is served without authentication). Lookups need Neo4j 5.6+
(``COLLECT`` subqueries); fixed values (page sizes, weights, filters) are literals.

``browser_links_markdown()`` writes ``docs/browser-links.md``: a Browser deep link
(``/browser?cmd=edit&arg=…``) per query of the catalog, i.e. every query of
``docs/cypher-cookbook.md``. ``python -m chainscout.queries.browser_guide --write`` regenerates
it; ``--check`` (and the unit test) fail while the committed file is out of date.
"""

from __future__ import annotations

import argparse
import ast
import html
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from chainscout.graph.model import ENTERPRISE_TAGS, GraphModel, NodeType, graph_model

from .catalog import NamedQuery, ParamSpec, load_query, query_names
from .cookbook import cypher_literal, example_value

#: Where the API serves the guide (``api/routers/guide.py``) and docker-compose plays it.
GUIDE_PATH = "/guide/chainscout.html"
DEFAULT_BROWSER_URL = "http://127.0.0.1:7474/browser"
DEFAULT_LINKS_PATH = Path(__file__).resolve().parent.parent / "docs" / "browser-links.md"

#: Store whose query variants the guide shows: the Browser talks to Neo4j.
STORE = "neo4j"
#: The example chain: reference data (loaders/reference/chains.yaml) ships it on every install.
EXAMPLE_CHAIN = "ic"

# -- example parameter values -----------------------------------------------------------------

#: The anchor of most examples: the largest active enterprise of the example chain that sits in
#: a park. Every anchored lookup starts with this clause (variable ``a``).
ANCHOR = (
    f"MATCH (a:Enterprise)-[:IN_SEGMENT]->(:ChainSegment {{chain_id: '{EXAMPLE_CHAIN}'}}) "
    "WHERE a.status = 'active' AND (a)-[:LOCATED_IN]->(:Park) "
    "WITH DISTINCT a ORDER BY a.registered_capital DESC, a.uscc LIMIT 1"
)
_LATEST_EVENT_DAY = "MATCH (ev:Event) RETURN ev.date ORDER BY ev.date DESC LIMIT 1"


def _collect(body: str) -> str:
    return f"COLLECT {{ {body} }}"


def _first(body: str) -> str:
    return f"COLLECT {{ {body} }}[0]"


def _box(coord: str, delta: float) -> str:
    sign = "+" if delta >= 0 else "-"
    return _first(f"{ANCHOR} MATCH (a)-[:LOCATED_IN]->(p:Park) "
                  f"RETURN p.{coord} {sign} {abs(delta)} ORDER BY p.park_id LIMIT 1")


_GROUP = _collect(f"{ANCHOR} MATCH (a)-[:CONTROLS*0..3]->(e:Enterprise) "
                  "RETURN DISTINCT e.uscc AS uscc ORDER BY uscc")
_PERSONS = _collect(f"{ANCHOR} MATCH (p:Person)-[:HOLDS_SHARES|OFFICER_OF]->(a) "
                    "RETURN DISTINCT p.person_id AS id ORDER BY id LIMIT 5")
_PARKS = _collect(f"{ANCHOR} MATCH (a)-[:LOCATED_IN]->(p:Park) "
                  "RETURN p.park_id AS id ORDER BY id LIMIT 1")
_ASSOCIATIONS = _collect(
    "MATCH (x:Association)<-[:MEMBER_OF]-(:Enterprise)-[:IN_SEGMENT]->"
    f"(:ChainSegment {{chain_id: '{EXAMPLE_CHAIN}'}}) "
    "RETURN DISTINCT x.association_id AS id ORDER BY id LIMIT 1")
_BRANCH = _first("MATCH (b:Branch)<-[:CUSTOMER_OF]-(:Enterprise) "
                 "WITH b, count(*) AS customers ORDER BY customers DESC, b.branch_id LIMIT 1 "
                 "RETURN b.branch_id")

#: Browser ``:param`` right-hand sides by parameter name (a Cypher expression each). A name with
#: different meanings in different queries is keyed ``name:type`` (``persons:boolean``).
EXAMPLES: dict[str, str] = {
    # the anchor and what hangs off it
    "uscc": _first(f"{ANCHOR} RETURN a.uscc"),
    "usccs": _GROUP,
    "sources": _GROUP,
    "enterprises": _GROUP,
    "q": f"left({_first(f'{ANCHOR} RETURN a.name')}, 4)",
    "own": _collect(f"{ANCHOR} MATCH (a)-[:IN_SEGMENT]->(s:ChainSegment) "
                    "RETURN s.segment_id AS id ORDER BY id"),
    "near": _collect(f"{ANCHOR} MATCH (a)-[:IN_SEGMENT]->(:ChainSegment)-[:UPSTREAM_OF]-"
                     "(s:ChainSegment) RETURN DISTINCT s.segment_id AS id ORDER BY id"),
    "pairs": _collect(f"{ANCHOR} MATCH (a)-[:IN_SEGMENT]->(s:ChainSegment) "
                      "UNWIND [s.segment_id] + [(s)-[:UPSTREAM_OF]-(n:ChainSegment) | "
                      "n.segment_id] AS t RETURN [s.segment_id, t] AS pair ORDER BY pair"),
    "person_ids": _PERSONS,
    "persons": _PERSONS,
    "park_id": f"{_PARKS}[0]",
    "park_ids": _PARKS,
    "parks": _PARKS,
    "min_lat": _box("lat", -0.5),
    "max_lat": _box("lat", 0.5),
    "min_lng": _box("lng", -0.5),
    "max_lng": _box("lng", 0.5),
    # the example chain
    "chain_id": cypher_literal(EXAMPLE_CHAIN),
    "segment_ids": _collect(f"MATCH (s:ChainSegment {{chain_id: '{EXAMPLE_CHAIN}'}}) "
                            "RETURN s.segment_id AS id ORDER BY id"),
    "association_ids": _ASSOCIATIONS,
    "associations": _ASSOCIATIONS,
    "branch_id": _BRANCH,
    "branches": f"[{_BRANCH}]",
    # events: the latest day in the graph
    "date_from": _first(_LATEST_EVENT_DAY),
    "date_to": _first(_LATEST_EVENT_DAY),
    "event_ids": _collect("MATCH (ev:Event) WITH max(ev.date) AS day "
                          "MATCH (ev:Event {date: day}) RETURN ev.event_id AS id "
                          "ORDER BY id LIMIT 10"),
    "since": f"toString(date({_first(_LATEST_EVENT_DAY)}) - duration('P1Y'))",
    "codes": cypher_literal(["government_bid_won", "planned_project", "patent_granted"]),
    # fixed values
    "levels": cypher_literal(["sub_branch", "branch"]),
    "types": cypher_literal(["HOLDS_SHARES", "CONTROLS", "OFFICER_OF", "SUPPLIES", "INVESTS_IN",
                             "LOCATED_IN", "MEMBER_OF"]),
    "persons:boolean": "true",
    "majority": "50.0",
    "themes": cypher_literal(list(ENTERPRISE_TAGS)),
    "tags": "[]",
    "sizes": "[]",
    "district": "null",
    "customer": "null",
    "include_inactive": "false",
    "max_km": "null",
    "reach_km": "100.0",
    "min_members": "1",
    "max_fanout": "50",
    "with_props": "true",
    "skip": "0",
    "limit": "10",
    # one entry per park / association / segment of the lists above (length 1 each)
    "cluster": "[1.0]",
    "referral": "[1.0]",
    "introducers": "[null]",
    "gap": "[1.0]",
    "adjacency": "[0.5]",
}

#: Per-query values where the shared example does not fit: ``gap`` and ``adjacency`` go with one
#: segment (the demo's flagship park lacks packaging and testing); the anchor's group neither took
#: nor made venture investments, so the investment steps start from enterprises that did; the
#: excluded-status export asks for the statuses expansion excludes by default.
QUERY_EXAMPLES: dict[str, dict[str, str]] = {
    "gap_fillers": {"segment_ids": cypher_literal([f"{EXAMPLE_CHAIN}.packaging_test"])},
    "expansion_step_investors": {"sources": _collect(
        "MATCH (e:Enterprise)<-[:INVESTS_IN]-(:Enterprise) RETURN DISTINCT e.uscc AS id "
        "ORDER BY id LIMIT 5")},
    "expansion_step_investees": {"sources": _collect(
        "MATCH (e:Enterprise)-[:INVESTS_IN]->(:Enterprise) RETURN DISTINCT e.uscc AS id "
        "ORDER BY id LIMIT 5")},
}


for _kind, _hub in [
    ("park", f"{_PARKS}[0]"),
    ("segment", _first(f"{ANCHOR} MATCH (a)-[:IN_SEGMENT]->(s:ChainSegment) "
                       "RETURN s.segment_id ORDER BY s.segment_id LIMIT 1")),
    ("association", _first(f"{ANCHOR} MATCH (a)-[:MEMBER_OF]->(x:Association) "
                           "RETURN x.association_id ORDER BY x.association_id LIMIT 1")),
]:
    QUERY_EXAMPLES[f"peer_members_{_kind}"] = {"hub": _hub}
    QUERY_EXAMPLES[f"peer_member_sets_{_kind}"] = {"hub": _hub}
_CHAIN_SEGMENT = _first(f"MATCH (s:ChainSegment {{chain_id: '{EXAMPLE_CHAIN}'}}) "
                        "RETURN s.segment_id ORDER BY s.segment_id LIMIT 1")
QUERY_EXAMPLES["market_members_segment"] = {"hub": _CHAIN_SEGMENT}
QUERY_EXAMPLES["market_member_sets_segment"] = {"hub": _CHAIN_SEGMENT}
for _query, _place in [
    ("strategy_park_prospects_page", f"(p:Park) WHERE p.park_id IN {_PARKS}"),
    ("strategy_association_prospects_page",
     f"(p:Association) WHERE p.association_id IN {_ASSOCIATIONS}"),
]:
    # a one-row page ([uscc, place position, place signal, chain_fit, scale, theme]): the first
    # chain enterprise of the example place
    _prospect = _first(f"MATCH {_place} MATCH (p)<--(b:Enterprise)-[:IN_SEGMENT]->"
                       f"(:ChainSegment {{chain_id: '{EXAMPLE_CHAIN}'}}) "
                       "RETURN b.uscc ORDER BY b.uscc LIMIT 1")
    QUERY_EXAMPLES[_query] = {"page": f"[[{_prospect}, 0, 1.0, 1.0, 0.5, 0.5]]", "total": "1"}
QUERY_EXAMPLES["expansion_export_excluded"] = {"excluded": cypher_literal(["revoked", "cancelled"])}
QUERY_EXAMPLES["expansion_walk_investors"] = QUERY_EXAMPLES["expansion_step_investors"]
QUERY_EXAMPLES["expansion_walk_investees"] = QUERY_EXAMPLES["expansion_step_investees"]


def example_expression(query: str, param: ParamSpec) -> str:
    """The ``:param`` right-hand side for ``param`` of ``query``: a lookup or a literal."""
    special = QUERY_EXAMPLES.get(query, {})
    for key in (param.name, f"{param.name}:{param.type}"):
        if key in special:
            return special[key]
    for key in (f"{param.name}:{param.type}", param.name):
        if key in EXAMPLES:
            return EXAMPLES[key]
    return cypher_literal(example_value(param.name, param.type))


def param_lines(query: NamedQuery) -> list[str]:
    """Browser commands that set every parameter of ``query`` (multi-statement: ``;`` each)."""
    return [f":param {p.name} => {example_expression(query.name, p)};" for p in query.params]


_PARAM_LINE = re.compile(r"^:param\s+(\w+)\s*=>\s*(.+?);?\s*$")


def parse_param_line(line: str) -> tuple[str, str]:
    """``(name, expression)`` of a ``:param name => expression;`` line, as Browser reads it."""
    match = _PARAM_LINE.match(line.strip())
    if not match:
        raise ValueError(f"not a :param line: {line!r}")
    return match[1], match[2]


# -- which module runs which query ----------------------------------------------------------------

#: Slide order; modules not named here follow alphabetically, then the API, then the rest.
MODULE_ORDER = ("enterprises", "peers", "strategies", "expansion", "ownership", "introductions",
                "geo", "gaps", "coverage", "market", "paths")
#: Catalog machinery, not query modules.
_NOT_QUERY_MODULES = {"__init__", "catalog", "cookbook", "runner", "results", "ranking",
                      "browser_guide"}
_QUOTED = re.compile(r"""["']([a-z][a-z0-9_]*)["']""")
_FSTRING_PREFIX = re.compile(r"""f["']([a-z][a-z0-9_]*)\{""")


@dataclass(frozen=True)
class ModuleInfo:
    name: str  # "peers", or "api" for the HTTP API's own queries
    title: str
    summary: str
    queries: tuple[str, ...]


def _module_sources(package: str) -> dict[str, str]:
    found: dict[str, str] = {}
    root = resources.files(package)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            found[entry.name.removesuffix(".py")] = entry.read_text(encoding="utf-8")
    return found


def _referenced(source: str, names: Sequence[str]) -> list[str]:
    quoted = set(_QUOTED.findall(source))
    prefixes = _FSTRING_PREFIX.findall(source)
    return [n for n in names if n in quoted or any(n.startswith(p) for p in prefixes)]


def _summary(source: str) -> str:
    doc = ast.get_docstring(ast.parse(source)) or ""
    text = " ".join(doc.split("\n\n")[0].split()).replace("``", "")
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + " …"


def query_modules() -> list[ModuleInfo]:
    """Every query module with the catalog queries its source names, in slide order; queries
    only the HTTP API runs go to ``api``, queries nothing names to ``other``."""
    names = query_names()
    sources = {k: v for k, v in _module_sources("chainscout.queries").items()
               if k not in _NOT_QUERY_MODULES}
    order = [m for m in MODULE_ORDER if m in sources] + sorted(set(sources) - set(MODULE_ORDER))
    modules: list[ModuleInfo] = []
    used: set[str] = set()
    for module in order:
        refs = _referenced(sources[module], names)
        if refs:
            used.update(refs)
            modules.append(ModuleInfo(module, f"queries/{module}.py", _summary(sources[module]),
                                      tuple(refs)))
    api_sources: dict[str, str] = {}
    for package in ("chainscout.api", "chainscout.api.routers"):
        api_sources.update({f"{package}.{k}": v for k, v in _module_sources(package).items()})
    api_refs = sorted({n for src in api_sources.values() for n in _referenced(src, names)}
                      - used)
    if api_refs:
        used.update(api_refs)
        modules.append(ModuleInfo("api", "api/", "Lookups the HTTP API runs itself.",
                                  tuple(api_refs)))
    rest = [n for n in names if n not in used]
    if rest:
        modules.append(ModuleInfo("other", "other queries",
                                  "Catalog queries no module names directly.", tuple(rest)))
    return modules


# -- the guide ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideQuery:
    name: str
    description: str
    params: tuple[tuple[ParamSpec, str], ...]  # (spec, :param expression)
    cypher: str

    @property
    def param_lines(self) -> list[str]:
        return [f":param {p.name} => {expr};" for p, expr in self.params]


def guide_query(name: str) -> GuideQuery:
    query = load_query(name, STORE)
    return GuideQuery(name, query.description,
                      tuple((p, example_expression(name, p)) for p in query.params),
                      query.cypher)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _runnable(text: str) -> str:
    return f'<pre class="pre-scrollable code runnable">{_e(text)}</pre>'


def _slide(title: str, lead: str, body: Iterable[str]) -> list[str]:
    return [
        '    <slide class="row-fluid">',
        '      <div class="col-sm-3">',
        f"        <h3>{_e(title)}</h3>",
        f'        <p class="lead">{_e(lead)}</p>',
        "      </div>",
        '      <div class="col-sm-9">',
        *(f"        {line}" for line in body),
        "      </div>",
        "    </slide>",
    ]


def _node_table(node: NodeType) -> list[str]:
    rows = [f"<tr><td><code>{_e(p.name)}</code>{' (key)' if p.name == node.key else ''}"
            f"{' (indexed)' if p.indexed else ''}</td><td>{_e(p.type.value)}</td>"
            f"<td>{_e(p.description)}{f' [{_e(p.unit)}]' if p.unit else ''}</td></tr>"
            for p in node.properties]
    return [f'<h4 id="label-{_e(node.label)}">:{_e(node.label)}</h4>',
            f"<p>{_e(node.description)}</p>",
            '<table class="table table-condensed">',
            "<tr><th>property</th><th>type</th><th>meaning</th></tr>", *rows, "</table>"]


def _model_slides(model: GraphModel) -> list[str]:
    overview = [
        "<p>One declarative model (<code>graph/model.py</code>) drives the schema, the loaders, "
        "the query allow-list and this guide. Labels, keys and relationships:</p>",
        '<table class="table table-condensed">',
        "<tr><th>label</th><th>key</th><th>what it is</th></tr>",
        *(f"<tr><td><code>:{_e(n.label)}</code></td><td><code>{_e(n.key)}</code></td>"
          f"<td>{_e(n.description)}</td></tr>" for n in model.nodes),
        "</table>",
        "<p>See the schema the server holds:</p>",
        _runnable("CALL db.schema.visualization()"),
        "<p>Count what is loaded:</p>",
        _runnable("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS nodes ORDER BY label"),
    ]
    rels = [
        '<table class="table table-condensed">',
        "<tr><th>pattern</th><th>meaning</th><th>properties</th></tr>",
        *(f"<tr><td><code>(:{_e(r.source)})-[:{_e(r.type)}]-&gt;(:{_e(r.target)})</code></td>"
          f"<td>{_e(r.description)}</td><td>"
          + ", ".join(f"<code>{_e(p.name)}</code> {_e(p.type.value)}" for p in r.properties)
          + "</td></tr>" for r in model.relationships),
        "</table>",
        "<p>Every loaded node and relationship also carries "
        + ", ".join(f"<code>{_e(p.name)}</code>" for p in model.bookkeeping)
        + " (load bookkeeping).</p>",
    ]
    nodes = [line for node in model.nodes for line in _node_table(node)]
    return [
        *_slide("chainscout graph model",
                "Industry chains, parks, enterprises, owners, associations, the bank's branches "
                "and customers, and business-opportunity events.", overview),
        *_slide("Relationships", "How the labels connect; dates are ISO strings (YYYY-MM-DD).",
                rels),
        *_slide("Node properties", "Every property of every label, as the loaders write them.",
                nodes),
    ]


def _query_block(q: GuideQuery) -> list[str]:
    out = [f'<div class="chainscout-query" id="query-{_e(q.name)}" data-query="{_e(q.name)}">',
           f"<h4><code>{_e(q.name)}</code></h4>", f"<p>{_e(q.description)}</p>"]
    if q.params:
        out += ["<p>Parameters (run first; each picks an example from your graph):</p>",
                '<ul class="chainscout-params">',
                *(f"<li><code>{_e(p.name)}</code> <em>{_e(p.type)}</em>: {_e(p.description)}</li>"
                  for p, _ in q.params),
                "</ul>",
                _runnable("\n".join(q.param_lines)).replace(
                    'class="pre-scrollable code runnable"',
                    'class="pre-scrollable code runnable chainscout-params"', 1)]
    out += ["<p>Query:</p>",
            _runnable(q.cypher).replace('class="pre-scrollable code runnable"',
                                        'class="pre-scrollable code runnable chainscout-cypher"',
                                        1),
            "</div>"]
    return out


def guide_html(model: GraphModel | None = None) -> str:
    """The whole guide: model slides, then one slide per query module."""
    model = model or graph_model()
    modules = query_modules()
    intro = [
        "<p>This guide is generated from the graph model and the named-query catalog "
        "(<code>queries/cypher/*.cypher</code>). Each slide is one query module: click a "
        "<code>:param</code> block, run it, then click and run the query.</p>",
        "<p>The parameter blocks are lookups (Neo4j 5.6+): they pick examples from the graph you "
        f"are connected to — the largest <code>{EXAMPLE_CHAIN}</code> enterprise in a park, its "
        "park, group and people, the latest day's events. Change any value with "
        "<code>:param name =&gt; value</code>; <code>:params</code> lists them.</p>",
        "<ul>",
        *(f"<li><b>{_e(m.title)}</b>: {len(m.queries)} quer{'y' if len(m.queries) == 1 else 'ies'}"
          "</li>" for m in modules),
        "</ul>",
    ]
    lines = [
        "<style type=\"text/css\" media=\"screen\">",
        ".chainscout-query { margin-bottom: 2em; }",
        "</style>",
        '<article class="guide" id="chainscout-guide">',
        '  <carousel class="deck container-fluid">',
        *_slide("chainscout", "Ranked, explained corporate-banking prospects from the "
                "industry-chain and park graph.", intro),
        *_model_slides(model),
    ]
    for module in modules:
        body = [line for name in module.queries for line in _query_block(guide_query(name))]
        lines += [line.replace('<slide class="row-fluid">',
                               f'<slide class="row-fluid" data-module="{_e(module.name)}">', 1)
                  for line in _slide(module.title, module.summary, body)]
    lines += ["  </carousel>", "</article>", ""]
    return "\n".join(lines)


# -- deep links -----------------------------------------------------------------------------------


def deep_link(text: str, base: str = DEFAULT_BROWSER_URL, cmd: str = "edit") -> str:
    """A Browser URL that opens with ``text`` in the editor (``cmd=edit``)."""
    return f"{base}?cmd={cmd}&arg={quote(text, safe='')}"


def browser_links_markdown(base: str = DEFAULT_BROWSER_URL) -> str:
    out = [
        "# Neo4j Browser links",
        "",
        "Generated from the query catalog by `python -m chainscout.queries.browser_guide --write`; "
        "do not edit.",
        "",
        f"One line per query of [the Cypher cookbook](cypher-cookbook.md). **params** opens "
        f"Neo4j Browser ({base}) with the query's `:param` lines in the editor (run them: "
        "they look examples up in your graph, see the guide), **query** with the query itself. "
        "The same queries, grouped by module, are in the Browser guide: "
        f"`:play http://127.0.0.1:8000{GUIDE_PATH}` (served by `chainscout serve`).",
        "",
        "| query | module | open in Browser |",
        "|---|---|---|",
    ]
    owner: dict[str, str] = {}
    for module in query_modules():
        for name in module.queries:
            owner.setdefault(name, module.title)
    for name in query_names():
        q = guide_query(name)
        links = []
        if q.params:
            links.append(f"[params]({deep_link(chr(10).join(q.param_lines), base)})")
        links.append(f"[query]({deep_link(q.cypher, base)})")
        out.append(f"| [`{name}`](cypher-cookbook.md#{name}) | `{owner.get(name, '')}` | "
                   f"{' · '.join(links)} |")
    out.append("")
    return "\n".join(out)


def guide_queries(page: str) -> dict[str, tuple[list[str], str]]:
    """Parse a guide page back: query name → (``:param`` lines, Cypher), as Browser reads them
    (the text content of the runnable blocks). Used by the tests and handy for tooling."""
    blocks = re.findall(
        r'<div class="chainscout-query" id="query-[^"]*" data-query="([^"]+)">(.*?)</div>',
        page, flags=re.S)
    found: dict[str, tuple[list[str], str]] = {}
    for name, body in blocks:
        params = re.search(r'<pre class="[^"]*chainscout-params">(.*?)</pre>', body, flags=re.S)
        cypher = re.search(r'<pre class="[^"]*chainscout-cypher">(.*?)</pre>', body, flags=re.S)
        if cypher is None:
            raise ValueError(f"guide block {name} has no query")
        lines = html.unescape(params[1]).splitlines() if params else []
        found[html.unescape(name)] = (lines, html.unescape(cypher[1]))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write docs/browser-links.md")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when docs/browser-links.md is out of date")
    parser.add_argument("--html", action="store_true", help="print the guide instead")
    parser.add_argument("--path", type=Path, default=DEFAULT_LINKS_PATH)
    args = parser.parse_args(argv)
    if args.html:
        sys.stdout.write(guide_html())
        return 0
    text = browser_links_markdown()
    if args.write:
        args.path.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date: run python -m chainscout.queries.browser_guide "
                  "--write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


def example_values(lines: Iterable[str]) -> Mapping[str, str]:
    """``{name: expression}`` of ``:param`` lines (see :func:`parse_param_line`)."""
    return dict(parse_param_line(line) for line in lines)


__all__ = [
    "ANCHOR",
    "EXAMPLES",
    "GUIDE_PATH",
    "GuideQuery",
    "ModuleInfo",
    "browser_links_markdown",
    "deep_link",
    "example_expression",
    "example_values",
    "guide_html",
    "guide_queries",
    "guide_query",
    "param_lines",
    "parse_param_line",
    "query_modules",
]

if __name__ == "__main__":
    raise SystemExit(main())
