"""Neo4j through the official driver: a single server, a cluster or Aura, by URI."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import neo4j
from neo4j import exceptions as neo4j_errors
from neo4j import graph as neo4j_graph

from ..model import GraphModel, graph_model
from .base import (
    GraphNode,
    GraphPath,
    GraphRelationship,
    QueryTimeout,
    ReadOnlyViolation,
    Row,
    StoreError,
    StoreUnavailable,
    node_ref,
)
from .dialect import neo4j_schema_statements

_T = TypeVar("_T")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_READ_ONLY_CODES = (
    "Neo.ClientError.Statement.AccessMode",
    "Neo.ClientError.Security.Forbidden",
)
_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
)


class Neo4jStore:
    name = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        *,
        database: str | None = None,
        model: GraphModel | None = None,
        max_pool_size: int = 50,
        connection_timeout_s: float = 5.0,
        read_retry_s: float = 2.0,
        write_retry_s: float = 15.0,
    ) -> None:
        """``read_retry_s`` bounds how long a read keeps retrying an unreachable server, so an API
        call during an outage answers 503 in seconds; loads' writes retry longer (``write_retry_s``)."""
        self.model = model or graph_model()
        self.database = database
        self.read_retry_s = read_retry_s
        self.write_retry_s = write_retry_s
        self._driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=max_pool_size,
            connection_timeout=connection_timeout_s,
            connection_acquisition_timeout=connection_timeout_s * 2,
            max_transaction_retry_time=write_retry_s,
        )

    # -- queries -------------------------------------------------------------------------------
    def read(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None
    ) -> list[Row]:
        query = neo4j.Query(cypher, timeout=timeout_s)

        def work(session: neo4j.Session) -> list[Row]:
            seen: dict[str, GraphNode] = {}
            return [self._row(record, seen) for record in session.run(query, dict(params or {}))]

        return self._read(work)

    def read_columns(self, cypher: str, params: Mapping[str, Any] | None = None, *,
                     kinds: Mapping[str, str]) -> dict[str, list[Any]]:
        """The rows come back as one list (``collect`` over the query in a subquery): the driver
        spends ≈ 25 µs of client CPU on every record, a third of that on a list element. The
        server holds the list in the transaction's memory (≈ 100–200 bytes a row)."""
        names = list(kinds)
        for name in names:
            if not _IDENTIFIER.fullmatch(name):
                raise StoreError(f"export column {name!r} is not a plain identifier")
        wrapped = f"CALL () {{\n{cypher}\n}}\nRETURN collect([{', '.join(names)}]) AS rows"

        def work(session: neo4j.Session) -> list[list[Any]]:
            record = session.run(wrapped, dict(params or {})).single()
            return list(record["rows"]) if record is not None else []

        # The exports name enterprises by id(), deprecated in Cypher 5 but far cheaper than
        # elementId() or a property (queries/cypher/expansion_export_enterprises.cypher); the
        # server's deprecation notice would be logged on every export.
        rows = self._read(work, quiet=(neo4j.NotificationDisabledClassification.DEPRECATION,))
        return {name: [row[i] for row in rows] for i, name in enumerate(names)}

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        def work(tx: neo4j.ManagedTransaction) -> list[Row]:
            result = tx.run(cypher, dict(params or {}))
            seen: dict[str, GraphNode] = {}
            return [self._row(record, seen) for record in result]

        with self._errors(), self._session(neo4j.WRITE_ACCESS, self.write_retry_s) as session:
            return session.execute_write(work)

    def apply_schema(self) -> list[str]:
        before = self._schema_names()
        for statement in neo4j_schema_statements(self.model):
            self.write(statement)
        self.write("CALL db.awaitIndexes(300)")
        return sorted(self._schema_names() - before)

    def ping(self) -> None:
        with self._errors():
            self._driver.verify_connectivity()

    def clear(self) -> None:
        while True:
            rows = self.write("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n")
            if not rows or int(rows[0]["n"]) == 0:
                return

    def background_saves_paused(self) -> AbstractContextManager[None]:
        """Neo4j checkpoints in the background without forking; a load needs nothing held."""
        return contextlib.nullcontext()

    def close(self) -> None:
        self._driver.close()

    # -- helpers -------------------------------------------------------------------------------
    def _read(self, work: Callable[[neo4j.Session], _T], *,
              quiet: Sequence[neo4j.NotificationDisabledClassification] = ()) -> _T:
        """One auto-commit read in a read-access session — the server refuses writes in it as in
        a read transaction — retried on retryable errors for up to ``read_retry_s``, as a
        managed transaction would be. Auto-commit sends RUN and PULL in one round trip, where a
        managed transaction adds BEGIN and COMMIT: ``RETURN 1`` takes 3.3 against 6.2 ms p50 on
        a local server."""
        deadline = time.monotonic() + self.read_retry_s
        delay = 0.05
        with self._errors():
            while True:
                try:
                    with self._session(neo4j.READ_ACCESS, self.read_retry_s,
                                       quiet) as session:
                        return work(session)
                except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
                    if not exc.is_retryable() or time.monotonic() + delay > deadline:
                        raise
                time.sleep(delay)
                delay = min(2 * delay, 1.0)

    def _session(self, mode: str, retry_s: float,
                 quiet: Sequence[neo4j.NotificationDisabledClassification] = ()
                 ) -> neo4j.Session:
        """``quiet``: notification classes the server leaves out (None: the server's default)."""
        return self._driver.session(database=self.database, default_access_mode=mode,
                                    max_transaction_retry_time=retry_s,
                                    notifications_disabled_classifications=list(quiet) or None)

    def _schema_names(self) -> set[str]:
        # Unique constraints are backed by an index of the same name, so indexes list both.
        rows = self.read("SHOW INDEXES YIELD name RETURN name")
        return {str(r["name"]) for r in rows}

    def _errors(self) -> _ErrorMapper:
        return _ErrorMapper()

    def _row(self, record: neo4j.Record, seen: dict[str, GraphNode]) -> Row:
        """``seen``: the nodes of this result converted so far, by element id (the anchor of
        every path on a page is converted once)."""
        return {key: self._value(record[key], seen) for key in record.keys()}  # noqa: SIM118

    def _value(self, value: Any, seen: dict[str, GraphNode]) -> Any:
        if isinstance(value, neo4j_graph.Path):
            nodes = tuple(self._node(n, seen) for n in value.nodes)
            by_id = {n.element_id: ref.ref for n, ref in zip(value.nodes, nodes, strict=True)}
            rels = tuple(self._relationship(r, by_id, seen) for r in value.relationships)
            return GraphPath(nodes, rels)
        if isinstance(value, neo4j_graph.Node):
            return self._node(value, seen)
        if isinstance(value, neo4j_graph.Relationship):
            return self._relationship(value, {}, seen)
        if isinstance(value, list):
            return [self._value(v, seen) for v in value]
        if isinstance(value, dict):
            return {k: self._value(v, seen) for k, v in value.items()}
        return value

    def _node(self, node: neo4j_graph.Node, seen: dict[str, GraphNode]) -> GraphNode:
        known = seen.get(node.element_id)
        if known is None:
            labels = tuple(sorted(node.labels))
            props = dict(node)
            known = seen[node.element_id] = GraphNode(node_ref(self.model, labels, props),
                                                      labels, props)
        return known

    def _relationship(
        self, rel: neo4j_graph.Relationship, refs: Mapping[str, str], seen: dict[str, GraphNode]
    ) -> GraphRelationship:
        start, end = rel.start_node, rel.end_node
        start_ref = refs.get(start.element_id) if start is not None else None
        end_ref = refs.get(end.element_id) if end is not None else None
        if start_ref is None and start is not None and start.labels:
            start_ref = self._node(start, seen).ref
        if end_ref is None and end is not None and end.labels:
            end_ref = self._node(end, seen).ref
        return GraphRelationship(
            str(rel.type), start_ref or "?", end_ref or "?", dict(rel)
        )


class _ErrorMapper:
    """Turns driver exceptions into the store-neutral ones the API understands."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        if exc is None:
            return
        if isinstance(exc, neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired):
            raise StoreUnavailable(f"Neo4j is not reachable: {exc}") from exc
        if isinstance(exc, neo4j_errors.AuthError):
            raise StoreUnavailable(f"Neo4j refused the credentials: {exc.message}") from exc
        if isinstance(exc, neo4j_errors.Neo4jError):
            code = exc.code or ""
            if code in _READ_ONLY_CODES or "read access mode" in (exc.message or ""):
                raise ReadOnlyViolation(f"write refused in read-only mode: {exc.message}") from exc
            if code in _TIMEOUT_CODES or "timed out" in (exc.message or "").lower():
                raise QueryTimeout(f"query stopped at its time limit: {exc.message}") from exc
            raise StoreError(f"{code}: {exc.message}") from exc
        if isinstance(exc, neo4j_errors.DriverError):
            raise StoreUnavailable(f"Neo4j driver error: {exc}") from exc
