"""Named Cypher queries shipped as package data, loaded by name.

Each ``cypher/<name>.cypher`` file holds one query with a header of ``//`` comments::

    // Enterprises in the same park as the given one.
    // @param uscc string  the enterprise's unified social credit code
    // @param limit integer  page size

Every ``$parameter`` in the body must be declared in the header and every declared parameter must be
supplied when the query runs: FalkorDB silently matches nothing on a missing parameter, so the check
lives here rather than in each caller. A store-specific variant ``<name>.<store>.cypher`` replaces
the shared file on that store (see ``graph.stores.dialect``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_PARAM_DECL = re.compile(r"^//\s*@param\s+(\w+)\s+(\S+)\s*(.*)$")
_COLUMN_DECL = re.compile(r"^//\s*@column\s+(\w+)\s+(\S+)\s*(.*)$")
#: Kinds a bulk export's ``@column`` may declare (``GraphStore.read_columns``).
COLUMN_KINDS = frozenset({"string", "integer", "float", "list"})
_PARAM_USE = re.compile(r"\$(\w+)")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class QueryNotFound(KeyError):
    pass


class QueryParameterError(ValueError):
    pass


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[ParamSpec, ...]
    cypher: str
    source_file: str
    #: Declared result columns (``// @column name kind description``), for bulk exports.
    columns: tuple[ParamSpec, ...] = ()

    @property
    def column_kinds(self) -> dict[str, str]:
        return {c.name: c.type for c in self.columns}

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check the supplied parameters against the header and return only declared ones."""
        missing = self.param_names - params.keys()
        if missing:
            raise QueryParameterError(
                f"query {self.name!r} needs parameter(s) {', '.join(sorted(missing))}"
            )
        unknown = params.keys() - self.param_names
        if unknown:
            raise QueryParameterError(
                f"query {self.name!r} has no parameter(s) {', '.join(sorted(unknown))}"
            )
        return {k: params[k] for k in self.param_names}


def _files() -> Any:
    return resources.files("chainscout.queries") / "cypher"


def parse_query(name: str, text: str, source_file: str) -> NamedQuery:
    description: list[str] = []
    params: list[ParamSpec] = []
    columns: list[ParamSpec] = []
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            match = _PARAM_DECL.match(stripped)
            column = _COLUMN_DECL.match(stripped)
            if match:
                params.append(ParamSpec(match[1], match[2], match[3].strip()))
            elif column:
                if column[2] not in COLUMN_KINDS:
                    raise ValueError(f"{source_file}: column {column[1]} has unknown kind "
                                     f"{column[2]!r}; known: {', '.join(sorted(COLUMN_KINDS))}")
                columns.append(ParamSpec(column[1], column[2], column[3].strip()))
            else:
                description.append(stripped.lstrip("/").strip())
            continue
        in_header = False
        body.append(line)
    cypher = "\n".join(body).strip()
    if not cypher:
        raise ValueError(f"{source_file}: no query after the header")
    used = set(_PARAM_USE.findall(_STRING_LITERAL.sub("''", cypher)))
    declared = {p.name for p in params}
    if used - declared:
        raise ValueError(f"{source_file}: undeclared parameter(s) {sorted(used - declared)}")
    if declared - used:
        raise ValueError(f"{source_file}: declared but unused parameter(s) "
                         f"{sorted(declared - used)}")
    return NamedQuery(name, " ".join(d for d in description if d), tuple(params), cypher,
                      source_file, tuple(columns))


@cache
def load_query(name: str, store: str | None = None) -> NamedQuery:
    """The query ``name``, or its variant for ``store`` if one exists."""
    if not _NAME.match(name):
        raise QueryNotFound(name)
    folder = _files()
    candidates = [f"{name}.{store}.cypher"] if store else []
    candidates.append(f"{name}.cypher")
    for file_name in candidates:
        file = folder / file_name
        if file.is_file():
            return parse_query(name, file.read_text(encoding="utf-8"), file_name)
    raise QueryNotFound(name)


def query_names() -> list[str]:
    """Names of all shared queries (variants are not separate queries)."""
    names = []
    for entry in _files().iterdir():
        file_name = entry.name
        if file_name.endswith(".cypher") and file_name.count(".") == 1:
            names.append(file_name.removesuffix(".cypher"))
    return sorted(names)


def variant_files() -> list[str]:
    return sorted(e.name for e in _files().iterdir()
                  if e.name.endswith(".cypher") and e.name.count(".") == 2)
