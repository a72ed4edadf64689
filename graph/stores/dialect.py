"""Every difference between Neo4j 5 and FalkorDB that chainscout depends on, in one place.

Query files are written once, in the Cypher both stores accept. The rules that keep them portable:

* **Relationship reuse.** Neo4j never binds one relationship twice in a MATCH pattern; FalkorDB does.
  Peer patterns such as ``(a)-[:LOCATED_IN]->(p)<-[:LOCATED_IN]-(b)`` therefore say ``WHERE b <> a``.
* **Shortest paths.** FalkorDB has only directed ``shortestPath`` and only in WITH/RETURN. Queries
  that need undirected shortest paths expand bounded variable-length patterns and order by length.
* **Distances.** Neo4j has ``point.distance``, FalkorDB ``distance``. Queries use a bounding box on
  plain ``lat``/``lng`` floats and exact geodesic distance is computed in Python with geopy.
* **Counting parallel relationships.** FalkorDB undercounts unnamed parallel relationships: always
  name the relationship variable you count. A named relationship that no later clause uses is
  no better: FalkorDB 4.16 collapses parallel relationships into one row (two officer roles of
  one person in one company came back as one), so use it, e.g. return ``type(r)``.
* **Numbers.** FalkorDB returns ``sum`` of integers as a float and formats ``toString(1.5)`` as
  ``1.500000``: cast in Python, never compare formatted numbers.
* **Existential subqueries.** FalkorDB lacks ``COUNT {…}`` and ``EXISTS {…}``; use pattern
  predicates ``WHERE (n)-->()`` or pattern comprehensions ``size([(n)-->(m) | m])``.
* **Comprehensions in WHERE.** FalkorDB (4.16) misplaces a ``WHERE`` that holds a list comprehension
  or a quantifier (``all``/``any``/``none``) after a traversal from a bound node: the filter runs
  after the final projection and drops every row; a pattern comprehension in ``WHERE`` fails with
  "Unable to resolve filtered alias". Project such a predicate in ``WITH`` under a name and filter
  on the name: ``WITH b, size([t IN $tags WHERE t IN b.tags]) = size($tags) AS tagged WHERE tagged``.
  Pattern predicates (``WHERE NOT (b)-[:R]->()``) are fine, except inside a pattern
  comprehension's own ``WHERE``, where FalkorDB fails with a type mismatch.
* **Multi-hop OPTIONAL MATCH.** FalkorDB makes each hop of an ``OPTIONAL MATCH`` optional on its own
  and returns partial matches (``OPTIONAL MATCH (a)<--(c)-->(:B)`` keeps every ``c``, with nulls
  after it). Keep optional patterns to one hop (filter with pattern predicates) or use a pattern
  comprehension, ``[p = (a)<--(c)-->(:B) | p]``, which both stores evaluate whole.
* **Comprehension variables.** FalkorDB lets pattern comprehensions of one clause share variables:
  two comprehensions in one ``RETURN`` that both name ``(a:Association)`` can silently match
  nothing. Give every comprehension's variables names unique within the clause.
* **Filters next to an anchored MATCH.** FalkorDB's planner starts a pattern at the end node a
  ``WHERE`` filters, even when the other end is an index lookup: ``MATCH (s:S {id: $id})<--(b:E)
  WHERE b.status = 'x'`` scans every ``E``. Put such filters in a ``WITH ... WHERE`` after the
  MATCH. Per-row pattern comprehensions and pattern predicates are also slow on FalkorDB (tens of
  µs a row): over many rows prefer a one-hop ``OPTIONAL MATCH`` and an aggregate (``count(c)``),
  and keep comprehensions for the rows of one page.
* **Schema.** Neo4j creates constraints and indexes with ``IF NOT EXISTS``; FalkorDB has no such
  clause (creating an existing index is an error) and unique constraints are the
  ``GRAPH.CONSTRAINT CREATE`` command, which needs an exact-match index first.
* **Read-only mode.** Neo4j refuses writes in a READ-mode transaction; FalkorDB refuses them in
  ``GRAPH.RO_QUERY``. ``EXPLAIN`` of a write on FalkorDB executes it, so it is never used as a check.
* **Anchor, then expand.** FalkorDB 4.16 plans ``MATCH (s:Enterprise {uscc: $k})<-[r]-(x:Enterprise)
  WHERE x <> s`` as a label scan. Anchor first and expand in a second clause:
  ``MATCH (s:Enterprise {uscc: $k}) WITH s MATCH (s)<-[r]-(x:Enterprise)``.
* **Missing parameters** make FalkorDB match nothing silently: the query loader checks that every
  parameter a query names is supplied.

When a query cannot be written portably, a store-specific variant sits beside it as
``<name>.<store>.cypher`` (``QUERY_VARIANT_SUFFIX``) with the same header and parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import GraphModel


def query_variant_suffix(store_name: str) -> str:
    return f".{store_name}.cypher"


@dataclass(frozen=True)
class IndexSpec:
    label: str
    prop: str
    unique: bool

    @property
    def name(self) -> str:
        kind = "unique" if self.unique else "idx"
        return f"{self.label.lower()}_{self.prop}_{kind}"


def index_specs(model: GraphModel) -> list[IndexSpec]:
    """The model's key constraints and property indexes, store-neutral."""
    specs: list[IndexSpec] = []
    for node in model.nodes:
        specs.append(IndexSpec(node.label, node.key, unique=True))
        specs.extend(IndexSpec(node.label, prop, unique=False) for prop in node.indexed_properties)
    return specs


def neo4j_schema_statements(model: GraphModel) -> list[str]:
    statements = []
    for spec in index_specs(model):
        if spec.unique:
            statements.append(
                f"CREATE CONSTRAINT {spec.name} IF NOT EXISTS "
                f"FOR (n:{spec.label}) REQUIRE n.{spec.prop} IS UNIQUE"
            )
        else:
            statements.append(
                f"CREATE INDEX {spec.name} IF NOT EXISTS FOR (n:{spec.label}) ON (n.{spec.prop})"
            )
    return statements


def falkordb_index_statement(spec: IndexSpec) -> str:
    return f"CREATE INDEX FOR (n:{spec.label}) ON (n.{spec.prop})"


def falkordb_constraint_command(graph: str, spec: IndexSpec) -> tuple[str, ...]:
    return ("GRAPH.CONSTRAINT", "CREATE", graph, "UNIQUE", "NODE", spec.label, "PROPERTIES", "1",
            spec.prop)
