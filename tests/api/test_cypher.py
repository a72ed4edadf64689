"""The analyst Cypher endpoint: read-only on both stores, row cap, parameters, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.api.routers.cypher import refused_clause
from chainscout.graph.stores.base import GraphStore
from tests.api.conftest import Clients, Keys, auth, graph_fingerprint, make_settings
from tests.api.graph import E, api_graph
from tests.graph_builder import build

WRITES = [
    "CREATE (:Enterprise {uscc: 'X', name: 'evil'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (e:Enterprise) SET e.name = 'pwned'",
    "MERGE (p:Park {park_id: 'evil'}) RETURN p",
    "MATCH (e:Enterprise) REMOVE e.name RETURN count(e)",
    "MATCH (e:Enterprise) WITH e LIMIT 1 CREATE (e)-[:SUPPLIES]->(e)",
    "CREATE INDEX FOR (n:Park) ON (n.area_km2)",
    "UNWIND range(1, 3) AS i CREATE (:Person {person_id: toString(i), name: 'x'})",
]


@pytest.mark.parametrize("query", WRITES)
def test_writes_are_refused_by_the_store_on_both_stores(
    store: GraphStore, keys: Keys, tmp_path: Path, query: str
) -> None:
    build(store, api_graph())
    before = graph_fingerprint(store)
    app = create_app(make_settings(keys, tmp_path), store=store)
    with TestClient(app, headers=auth(keys.analyst), raise_server_exceptions=False) as client:
        response = client.post("/cypher", json={"query": query})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "read_only"
    assert graph_fingerprint(store) == before


def test_reads_return_rows_with_graph_values(clients: Clients) -> None:
    response = clients.analyst.post("/cypher", json={
        "query": "MATCH p = (e:Enterprise {uscc: $u})-[:LOCATED_IN]->(k:Park) "
                 "RETURN e, k.name AS park, p",
        "params": {"u": E[1]},
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["e", "park", "p"]
    row = body["rows"][0]
    assert row["e"]["ref"] == f"Enterprise:{E[1]}"
    assert row["park"] == "张江高科技园区"
    assert [n["ref"] for n in row["p"]["nodes"]] == [f"Enterprise:{E[1]}", "Park:P001"]
    assert row["p"]["relationships"][0]["type"] == "LOCATED_IN"
    assert not any(k.startswith("_") for k in row["e"]["properties"])


def test_row_cap_truncates(clients: Clients) -> None:
    response = clients.analyst.post("/cypher", json={
        "query": "MATCH (e:Enterprise) RETURN e.uscc AS u ORDER BY u", "limit": 3})
    body = response.json()
    assert body["row_count"] == 3 and body["truncated"] is True
    assert [r["u"] for r in body["rows"]] == [E[1], E[2], E[3]]


def test_bad_query_is_400_not_500(clients: Clients) -> None:
    response = clients.analyst.post("/cypher", json={"query": "MATCH (n RETURN n"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "query_error"


def test_clauses_reaching_outside_the_graph_are_refused(clients: Clients) -> None:
    for query in ["LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
                  "load  csv with headers from 'http://x' as r return r",
                  "CALL apoc.load.json('http://x') YIELD value RETURN value",
                  "CALL dbms.listConfig()"]:
        response = clients.analyst.post("/cypher", json={"query": query})
        assert response.status_code == 403, query
    assert refused_clause("RETURN 'LOAD CSV' AS text // LOAD CSV") is None


def test_only_analysts_and_admins(clients: Clients) -> None:
    body = {"query": "RETURN 1 AS one"}
    assert clients.manager.post("/cypher", json=body).status_code == 403
    assert clients.anon.post("/cypher", json=body).status_code == 401
    assert clients.admin.post("/cypher", json=body).json()["rows"] == [{"one": 1}]


def test_parameter_names_are_validated(clients: Clients) -> None:
    response = clients.analyst.post("/cypher", json={"query": "RETURN $a AS a",
                                                      "params": {"a b": 1}})
    assert response.status_code == 400
