"""Hostile analyst Cypher, on both stores: writes, schema changes, procedures that write,
administration commands, queries that run long or build huge values, and injection through every
parameter of every route.

The store's own read-only mode (Neo4j READ access, FalkorDB ``GRAPH.RO_QUERY``) refuses writes,
schema changes and writing procedures; the API refuses, before the store sees them, what a read-only
transaction would still run: ``SHOW USERS``/``TRANSACTIONS``/``SETTINGS``, ``TERMINATE
TRANSACTIONS`` (another user's load!), ``USE system``, ``dbms.*``, cache/statistics procedures and
``range()`` calls too big to build. Every refusal leaves data and schema unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from tests.api.conftest import Clients, Keys, auth, graph_fingerprint, make_settings
from tests.api.graph import E, api_graph
from tests.api.test_injection import EVIL, _cases, request_evil
from tests.graph_builder import build
from tests.reliability.support import record, rss_kb

pytestmark = pytest.mark.timeout(600)

#: The analyst time limit in these tests (the default is 10 s).
TIMEOUT_S = 2.0

WRITING_PROCEDURES = {
    "neo4j": [
        "CALL db.createLabel('Evil')",
        "CALL db.createProperty('evil')",
        "CALL db.createRelationshipType('EVIL')",
        "CALL apoc.create.node(['Evil'], {x: 1}) YIELD node RETURN node",
        "MATCH (e:Enterprise) WITH collect(e) AS es "
        "CALL apoc.create.setProperty(es, 'name', 'pwned') YIELD node RETURN count(node)",
        "CALL apoc.refactor.rename.label('Enterprise', 'Evil')",
        "CALL apoc.schema.assert({}, {})",
        "CALL apoc.do.when(true, 'CREATE (:Evil) RETURN 1 AS x', '', {}) YIELD value RETURN value",
        "MATCH (e:Enterprise) CALL apoc.nodes.delete(e, 10) YIELD value RETURN value",
        "CREATE FULLTEXT INDEX evil FOR (n:Enterprise) ON EACH [n.name]",
        "CREATE CONSTRAINT evil FOR (n:Evil) REQUIRE n.x IS UNIQUE",
        "DROP INDEX enterprise_name_idx",
        "CREATE DATABASE evil",
        "CREATE USER evil SET PASSWORD 'evil-evil-evil'",
        "ALTER USER neo4j SET PASSWORD 'evil-evil-evil'",
    ],
    "falkordb": [
        "CALL db.idx.fulltext.createNodeIndex('Enterprise', 'name')",
        "CALL db.idx.fulltext.drop('Enterprise')",
        "CREATE INDEX FOR (n:Park) ON (n.evil)",
        "CREATE FULLTEXT INDEX FOR (n:Enterprise) ON (n.name)",
        "DROP INDEX FOR (n:Enterprise) ON (n.name)",
        "CALL db.idx.vector.createNodeIndex('Enterprise', 'v', 3, 'euclidean')",
        "MATCH (e:Enterprise) SET e:Evil RETURN count(e)",
        "MATCH (e:Enterprise) WITH e LIMIT 1 DELETE e",
    ],
}

#: Refused by the API for every store (a read-only transaction would still run most of them).
ADMINISTRATION = [
    "SHOW USERS",
    "SHOW TRANSACTIONS YIELD transactionId, currentQuery, parameters",
    "SHOW TRANSACTIONS YIELD transactionId TERMINATE TRANSACTIONS transactionId",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "SHOW SETTINGS YIELD name, value",
    "SHOW DATABASES",
    "SHOW PRIVILEGES",
    "USE system SHOW USERS",
    "use system show databases",
    "CALL dbms.listConfig() YIELD name, value RETURN name, value",
    "CALL `dbms`.`listConfig`() YIELD name RETURN name",
    "CALL dbms.security.listUsers()",
    "CALL dbms.procedures() YIELD name RETURN name",
    "// it's a comment with a quote\nCALL dbms.listConfig() YIELD name RETURN 'x' AS y",
    "/* ' */ CALL dbms.listConfig() YIELD name /* ' */ RETURN name",
    "CALL db.clearQueryCaches()",
    "CALL db.stats.collect('QUERIES')",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL apoc.load.json('file:///etc/passwd') YIELD value RETURN value",
    "CALL apoc.cypher.runWrite('CREATE (:Evil)', {}) YIELD value RETURN value",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "RETURN size(range(1, 1000000000)) AS n",
    "UNWIND range(0, 20000000000) AS i RETURN count(i) AS n",
]


def schema_snapshot(store: GraphStore) -> dict[str, Any]:
    """Labels, relationship types, property keys, indexes and constraints."""
    out: dict[str, Any] = {}
    if store.name == "neo4j":
        out["indexes"] = sorted(r["name"] for r in store.read("SHOW INDEXES YIELD name"))
        out["constraints"] = sorted(r["name"] for r in store.read("SHOW CONSTRAINTS YIELD name"))
        out["users"] = None
    else:
        out["indexes"] = sorted(
            (r["label"], tuple(r["properties"]), r["entitytype"]) for r in store.read(
                "CALL db.indexes() YIELD label, properties, entitytype "
                "RETURN label, properties, entitytype"))
        out["constraints"] = sorted((r["label"], tuple(r["properties"])) for r in store.read(
            "CALL db.constraints() YIELD label, properties RETURN label, properties"))
    out["labels"] = sorted(r["label"] for r in store.read("CALL db.labels() YIELD label "
                                                          "RETURN label"))
    out["types"] = sorted(r["relationshipType"] for r in store.read(
        "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType"))
    out["keys"] = sorted(r["propertyKey"] for r in store.read(
        "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey"))
    return out


@pytest.fixture
def analyst(store: GraphStore, reliability_keys: Keys, tmp_path: Path) -> Iterator[TestClient]:
    build(store, api_graph())
    app = create_app(make_settings(reliability_keys, tmp_path, cypher_timeout_s=TIMEOUT_S),
                     store=store)
    with TestClient(app, headers=auth(reliability_keys.analyst),
                    raise_server_exceptions=False) as client:
        yield client


def test_writing_procedures_and_schema_changes_are_refused(
        store: GraphStore, analyst: TestClient) -> None:
    data, schema = graph_fingerprint(store), schema_snapshot(store)
    outcomes = {}
    for query in WRITING_PROCEDURES[store.name]:
        response = analyst.post("/cypher", json={"query": query})
        outcomes[query] = (response.status_code, response.json()["error"]["code"]
                           if response.status_code != 200 else None)
        assert response.status_code in (400, 403), (query, response.text)
    assert graph_fingerprint(store) == data
    assert schema_snapshot(store) == schema
    refused_by_store = sum(1 for status, code in outcomes.values() if code == "read_only")
    assert refused_by_store >= len(outcomes) - 2  # the rest: no such procedure (400)
    record(f"test_writing_procedures_and_schema_changes_are_refused[{store.name}]",
           queries=len(outcomes), read_only_403=refused_by_store,
           other={q[:40]: o for q, o in outcomes.items() if o[1] != "read_only"})


def test_administration_and_outside_access_are_refused(
        store: GraphStore, analyst: TestClient) -> None:
    data, schema = graph_fingerprint(store), schema_snapshot(store)
    for query in ADMINISTRATION:
        response = analyst.post("/cypher", json={"query": query})
        assert response.status_code == 403, (query, response.text)
        assert response.json()["error"]["code"] == "forbidden", query
    # what is refused stays refused for admins too, and harmless neighbours still work
    assert analyst.post("/cypher", json={"query": "RETURN size(range(1, 1000)) AS n"}
                        ).json()["rows"] == [{"n": 1000}]
    assert analyst.post("/cypher", json={"query": "MATCH (n) RETURN n.show AS show LIMIT 1"}
                        ).status_code == 200
    assert graph_fingerprint(store) == data
    assert schema_snapshot(store) == schema
    record(f"test_administration_and_outside_access_are_refused[{store.name}]",
           queries=len(ADMINISTRATION))


def test_long_running_query_is_stopped_at_the_time_limit(
        store: GraphStore, analyst: TestClient) -> None:
    store.write("UNWIND range(1, 3000) AS i CREATE (:Busy {i: i})")
    query = ("MATCH (a:Busy), (b:Busy), (c:Busy) WHERE a.i < b.i AND b.i < c.i "
             "RETURN count(*) AS n")
    started = time.monotonic()
    response = analyst.post("/cypher", json={"query": query})
    seconds = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert response.json()["error"]["code"] == "query_timeout"
    assert seconds < TIMEOUT_S + 8, seconds
    after = analyst.post("/cypher", json={"query": "MATCH (b:Busy) RETURN count(b) AS n"})
    assert after.json()["rows"] == [{"n": 3000}]
    record(f"test_long_running_query_is_stopped_at_the_time_limit[{store.name}]",
           pairs=3000**3, timeout_s=TIMEOUT_S, answered_504_after_s=round(seconds, 2))


# -- values built in one expression -----------------------------------------------------------------


@pytest.fixture
def big_value_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Neo4j: the session store. FalkorDB: a server of its own (the test grows its memory)."""
    if request.param == "neo4j":
        yield request.getfixturevalue("neo4j_store")
        return
    server = EmbeddedFalkorDB(tmp_path / "falkordb")
    server.start()
    store = FalkorDBStore(server.connect(), "big", supervisor=server)
    store.server = server  # type: ignore[attr-defined]
    yield store
    server.stop()


@pytest.mark.parametrize("big_value_store", [
    pytest.param("falkordb", marks=pytest.mark.falkordb),
    pytest.param("neo4j", marks=pytest.mark.neo4j),
], indirect=True)
def test_huge_computed_range_fails_cleanly_and_the_server_survives(
        big_value_store: GraphStore, reliability_keys: Keys, tmp_path: Path) -> None:
    """``range()`` with a computed bound passes the API's literal check. FalkorDB builds the list
    in full before any time check (1e8 integers ≈ 1.6 GB), so its QUERY_MEM_CAPACITY or the
    time limit has to stop it; Neo4j's range is lazy and stops at the time limit."""
    store = big_value_store
    server: EmbeddedFalkorDB | None = getattr(store, "server", None)
    pid = server.pid if server else None
    rss_before = rss_kb(pid) if pid else None
    app = create_app(make_settings(reliability_keys, tmp_path, cypher_timeout_s=TIMEOUT_S),
                     store=store)
    with TestClient(app, headers=auth(reliability_keys.analyst),
                    raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.post("/cypher", json={
            "query": "WITH 100000000 AS n UNWIND range(1, n) AS i RETURN count(i) AS c"})
        seconds = time.monotonic() - started
        assert response.status_code in (400, 504), response.text
        assert response.json()["error"]["code"] in ("query_timeout", "query_error")
        assert seconds < 90, seconds
        ok = client.post("/cypher", json={"query": "RETURN 1 AS one"})
        assert ok.status_code == 200 and ok.json()["rows"] == [{"one": 1}]
    if server is not None:
        assert server.pid == pid, "the server was restarted"
    record(f"test_huge_computed_range_fails_cleanly_and_the_server_survives[{store.name}]",
           status=response.status_code, code=response.json()["error"]["code"],
           answered_after_s=round(seconds, 1), timeout_s=TIMEOUT_S,
           server_rss_mb_before=rss_before and round(rss_before / 1024),
           server_rss_mb_after=pid and round(rss_kb(pid) / 1024))


@pytest.mark.parametrize("big_value_store", [
    pytest.param("falkordb", marks=pytest.mark.falkordb),
    pytest.param("neo4j", marks=pytest.mark.neo4j),
], indirect=True)
def test_one_expensive_expression_overrunning_the_time_limit_is_bounded(
        big_value_store: GraphStore, reliability_keys: Keys, tmp_path: Path) -> None:
    """Known limitation, measured: FalkorDB checks the time limit between rows, not inside one
    expression, so a single quadratic ``reduce`` runs past it (here ~40,000 concatenations;
    a bigger one would hold a query thread far longer). The call still ends in 200 or 504,
    never 500, and the server keeps serving."""
    store = big_value_store
    app = create_app(make_settings(reliability_keys, tmp_path, cypher_timeout_s=1.0),
                     store=store)
    query = ("RETURN size(reduce(s = '', x IN range(1, 40000) | s + 'xxxxxxxxxx')) AS n")
    with TestClient(app, headers=auth(reliability_keys.analyst),
                    raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.post("/cypher", json={"query": query})
        seconds = time.monotonic() - started
        assert response.status_code in (200, 504), response.text
        assert client.post("/cypher", json={"query": "RETURN 1 AS one"}).status_code == 200
    record(f"test_one_expensive_expression_overrunning_the_time_limit_is_bounded[{store.name}]",
           status=response.status_code, timeout_s=1.0, answered_after_s=round(seconds, 2),
           overrun=round(seconds / 1.0, 1))


# -- injection through every parameter, on both stores ---------------------------------------------

MORE_EVIL = [
    *EVIL,
    "\x00",
    "x\x00' OR 1=1 //",
    "\u202e' OR 1=1 //",
    "`",
    "\\",
    "' + toString(1/0) + '",
    "${jndi:ldap://x}",
    "9" * 300,
    "长" * 3000,
]


@pytest.fixture
def store_clients(store: GraphStore, reliability_keys: Keys, tmp_path: Path) -> Iterator[Clients]:
    build(store, api_graph())
    app = create_app(make_settings(reliability_keys, tmp_path), store=store)
    with TestClient(app, raise_server_exceptions=False):
        yield Clients(app, reliability_keys)


def test_injection_through_every_parameter_is_harmless_on_both_stores(
        store: GraphStore, store_clients: Clients) -> None:
    """Path, query and JSON-body parameters of every route (from the OpenAPI schema) get the
    injection strings: 4xx or a harmless 200, never a 5xx, and nothing in the graph changes."""
    before = graph_fingerprint(store), schema_snapshot(store)
    failures = []
    calls = 0
    for method, path, where, name in _cases(store_clients):
        if (path, name) == ("/cypher", "query"):
            continue
        for evil in MORE_EVIL:
            response = request_evil(store_clients, method, path, where, name, evil)
            calls += 1
            if not (400 <= response.status_code < 500 or response.status_code == 200):
                failures.append((method, path, where, name, evil[:30], response.status_code))
    assert not failures, failures
    assert (graph_fingerprint(store), schema_snapshot(store)) == before
    # the events body: every field of a record, including a NUL in the free-text title
    for i, evil in enumerate(MORE_EVIL):
        response = store_clients.admin.post("/events", json={"events": [
            {"event_id": f"EVZ{i}", "type": "large_contract", "date": "2026-11-01",
             "uscc": E[3], "title": evil}], "generate_leads": False})
        assert response.status_code in (200, 422), (evil[:30], response.text)
        calls += 1
    record(f"test_injection_through_every_parameter_is_harmless_on_both_stores[{store.name}]",
           requests=calls, payloads=len(MORE_EVIL))
