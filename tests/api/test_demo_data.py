"""Every read endpoint on the loaders' demo data set (2,000 enterprises, loaded by the pipeline):
realistic ids, non-empty answers, no 5xx, and the time each call takes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.demo import generate
from chainscout.loaders.pipeline import LoadOptions, load_directory
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from tests.api.conftest import Keys, auth, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(falkordb_server: EmbeddedFalkorDB, keys: Keys,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    folder = tmp_path_factory.mktemp("demo")
    generate(folder / "data", 2000, seed=7)
    store = FalkorDBStore(falkordb_server.connect(), "api_demo", supervisor=falkordb_server)
    store.clear()
    summary = load_directory(store, folder / "data",
                             LoadOptions(progress=False, rejects=folder / "rejects.csv"))
    assert summary.loaded > 0
    app = create_app(make_settings(keys, Path(tmp_path_factory.mktemp("demo-api"))), store=store)
    with TestClient(app, headers=auth(keys.admin), raise_server_exceptions=False) as admin:
        yield admin, TestClient(app, raise_server_exceptions=False)
    store.clear()


def _one(client: TestClient, query: str) -> dict[str, Any]:
    rows = client.post("/cypher", json={"query": query, "limit": 1}).json()["rows"]
    assert rows, query
    row: dict[str, Any] = rows[0]
    return row


def test_every_read_endpoint_answers_on_demo_data(demo: tuple[TestClient, TestClient],
                                                  keys: Keys) -> None:
    admin, anon = demo
    ids = {
        **_one(admin, "MATCH (e:Enterprise)-[:LOCATED_IN]->(p:Park)-[:FOCUSES_ON]->(c:IndustryChain)"
                      " MATCH (e)-[:MEMBER_OF]->(:Association) "
                      "RETURN e.uscc AS uscc, e.name AS name, p.park_id AS park, "
                      "c.chain_id AS chain ORDER BY uscc"),
        **_one(admin, "MATCH (:Enterprise)-[:CUSTOMER_OF]->(b:Branch) WHERE b.lat IS NOT NULL "
                      "RETURN b.branch_id AS branch, b.lat AS lat, b.lng AS lng, count(*) AS n "
                      "ORDER BY n DESC, branch"),
        **_one(admin, "MATCH (ev:Event)-[:CONCERNS]->(:Enterprise) "
                      "RETURN ev.event_id AS event ORDER BY ev.date DESC, event"),
        **_one(admin, "MATCH (:Person)-[:HOLDS_SHARES]->(e:Enterprise)<-[:HOLDS_SHARES]-"
                      "(:Enterprise) RETURN e.uscc AS held ORDER BY held"),
    }
    u = ids["uscc"]
    calls: list[tuple[str, dict[str, Any], str | None]] = [
        ("/enterprises/search", {"q": str(ids["name"])[:4]}, "items"),
        (f"/enterprises/{u}", {}, None),
        (f"/enterprises/{u}/peers/park", {}, "items"),
        (f"/enterprises/{u}/peers/chain", {}, "items"),
        (f"/enterprises/{u}/peers/association", {}, "items"),
        (f"/enterprises/{u}/peers/group", {}, None),
        ("/strategies/industry-park", {"chain_id": ids["chain"]}, None),
        ("/strategies/industry-association", {"chain_id": ids["chain"]}, None),
        (f"/enterprises/{ids['held']}/ownership", {}, None),
        (f"/enterprises/{ids['held']}/beneficial-owners", {"threshold": 0}, None),
        (f"/enterprises/{ids['held']}/controller", {}, None),
        (f"/enterprises/{ids['held']}/group", {}, None),
        (f"/enterprises/{u}/introductions", {}, None),
        (f"/events/{ids['event']}/prospects", {}, None),
        (f"/branches/{ids['branch']}/prospects", {"radius_km": 30}, None),
        ("/prospects/near", {"lat": ids["lat"], "lng": ids["lng"], "radius_km": 20}, None),
        (f"/parks/{ids['park']}/gaps", {"chain_id": ids["chain"], "anywhere": True}, None),
        ("/coverage", {"chain_id": ids["chain"]}, None),
    ]
    timings = []
    for path, params, listed in calls:
        started = time.perf_counter()
        response = admin.get(path, params=params)
        timings.append((time.perf_counter() - started, path))
        assert response.status_code == 200, (path, response.text[:300])
        if listed:
            assert response.json()[listed], path
    body = admin.get(f"/events/{ids['event']}/prospects").json()
    assert body["prospects"]["total"] > 0
    assert all(p["paths"] and p["score"]["parts"] for p in body["prospects"]["items"])
    near = admin.get(f"/branches/{ids['branch']}/prospects", params={"radius_km": 30}).json()
    assert near["prospects"]["total"] > 0
    generated = admin.post("/leads/generate", json={"event_ids": [ids["event"]]})
    assert generated.status_code == 200 and generated.json()["new_leads"] > 0
    assert anon.get(f"/enterprises/{u}").status_code == 401
    for seconds, path in sorted(timings, reverse=True)[:5]:
        print(f"{seconds * 1000:8.1f} ms  {path}")
