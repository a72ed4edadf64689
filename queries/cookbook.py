"""Generate docs/cypher-cookbook.md from the query catalog, so the cookbook never drifts.

Every named query (``queries/cypher/<name>.cypher``) gets a section: what it answers (its header
description), its parameters, ready ``:param`` lines for Neo4j Browser with example values, and the
query text as shipped. Run ``python -m chainscout.queries.cookbook --write`` after adding or
changing a query; ``--check`` (and the unit test) fail while the committed file is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chainscout.graph.model import ENTERPRISE_TAGS

from .catalog import NamedQuery, load_query, query_names, variant_files

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "cypher-cookbook.md"

#: Example values by parameter name; anything else gets a neutral value for its declared type.
_EXAMPLES: dict[str, Any] = {
    "uscc": "91310115MA1K4ABC0X",
    "usccs": ["91310115MA1K4ABC0X"],
    "sources": ["91310115MA1K4ABC0X"],
    "person_ids": [],
    "chain_id": "ic",
    "segment_id": "ic.design",
    "segment_ids": ["ic.design", "ic.fab"],
    "park_id": "P310115001",
    "park_ids": ["P310115001"],
    "cluster": [1.0],
    "association_ids": ["A310000001"],
    "referral": [1.0],
    "introducers": [None],
    "gap": [1.0],
    "adjacency": [1.0],
    "themes": list(ENTERPRISE_TAGS),
    "since": "2025-01-01",
    "q": "芯片",
    "majority": 50.0,
    "max_km": 100.0,
    "reach_km": 100.0,
    "min_members": 1,
    "skip": 0,
    "limit": 20,
    "max_fanout": 50,
}

_TYPE_EXAMPLES: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "float": 0.0,
    "boolean": False,
    "date": "2025-01-01",
    "map": {},
}


def _weights_example() -> dict[str, float]:
    """All score weights of the packaged ranking.yaml (extra keys are harmless in ``$w``)."""
    text = (resources.files("chainscout.queries") / "ranking.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    merged: dict[str, float] = {}
    for section in ("weights", "place_weights"):
        merged.update({str(k): float(v) for k, v in (data.get(section) or {}).items()})
    return merged


def example_value(name: str, type_: str) -> Any:
    if name == "w":
        return _weights_example()
    if name in _EXAMPLES:
        return _EXAMPLES[name]
    if type_.endswith("?"):
        return None
    if type_.endswith("[]") or type_ == "list":
        return []
    return _TYPE_EXAMPLES.get(type_)


def cypher_literal(value: Any) -> str:
    """A Cypher literal for Browser's ``:param`` (strings single-quoted, maps with bare keys)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    return json.dumps(value)


def _source_text(query: NamedQuery) -> str:
    file = resources.files("chainscout.queries") / "cypher" / query.source_file
    return file.read_text(encoding="utf-8").strip()


def _summary(description: str) -> str:
    first = description.split(". ")[0].rstrip(".")
    return first if len(first) <= 160 else first[:157] + "..."


def cookbook_markdown() -> str:
    names = query_names()
    variants: dict[str, list[str]] = {}
    for file_name in variant_files():
        name, store, _ = file_name.split(".")
        variants.setdefault(name, []).append(store)
    out = [
        "# Cypher cookbook",
        "",
        "Generated from the query catalog (`queries/cypher/*.cypher`) by "
        "`python -m chainscout.queries.cookbook --write`; do not edit.",
        "",
        "Every query below runs as-is in Neo4j Browser: run its `:param` lines first (they hold "
        "example values; put in your own), then paste the query. The same files run on FalkorDB "
        "through `chainscout.queries.runner.run_named`, which checks that every declared "
        "parameter is supplied. Parameter types: `string`, `integer`, `float`, `boolean`, `map`; "
        "`T[]` or `list` is a list, `T?` may be null. `w` holds score weights from "
        "`queries/ranking.yaml`; each query reads the parts it names.",
        "",
        "## Contents",
        "",
    ]
    queries = [load_query(name) for name in names]
    out += [f"- [`{q.name}`](#{q.name}): {_summary(q.description)}" for q in queries]
    out.append("")
    for q in queries:
        out += [f"## {q.name}", "", q.description, ""]
        if variants.get(q.name):
            files = ", ".join(f"`{q.name}.{s}.cypher`" for s in sorted(variants[q.name]))
            out += [f"Store variants (same parameters): {files}.", ""]
        if q.params:
            out += ["| parameter | type | description |", "|---|---|---|"]
            out += [f"| `{p.name}` | `{p.type}` | {p.description} |" for p in q.params]
            out += ["", "```", *(f":param {p.name} => {cypher_literal(example_value(p.name, p.type))}"
                                 for p in q.params), "```", ""]
        out += ["```cypher", _source_text(q), "```", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the cookbook file")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the cookbook file is out of date")
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    text = cookbook_markdown()
    if args.write:
        args.path.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is out of date: run python -m chainscout.queries.cookbook --write",
                  file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
