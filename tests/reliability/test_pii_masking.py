"""Person names are masked for managers in every response that contains a person.

The demo data set (2,000 enterprises: thousands of shareholders, officers and legal
representatives) is loaded into the embedded store; leads are generated from its events; then every
route a manager may call is walked — generated from the app's routes, so a new route without sample
values fails here — with parameters taken from the data: enterprises with persons around them,
their events, the manager's own branch, parks, chains. No response may contain the full name of any
person in the data (names inside company names do not count). The same walk with an analyst key
must show the names, which proves the detector sees them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.api.auth import Role, append_key, new_key
from chainscout.api.deps import api_routes
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.pipeline import LoadOptions, load_directory
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from chainscout.settings import Settings
from tests.api.conftest import auth
from tests.reliability.support import record

pytestmark = [pytest.mark.falkordb, pytest.mark.timeout(900)]


@dataclass
class World:
    app: FastAPI
    manager_key: str
    analyst_key: str
    persons: set[str]
    #: person name -> names of enterprises, parks, branches … that contain it
    containing: dict[str, list[str]]
    values: dict[str, list[str]]
    queries: dict[str, Any] = field(default_factory=dict)


def _column(store: FalkorDBStore, cypher: str, **params: Any) -> list[str]:
    return [str(r["v"]) for r in store.read(cypher, params) if r["v"] is not None]


@pytest.fixture(scope="module")
def world(demo_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("pii")
    server = EmbeddedFalkorDB(work / "falkordb")
    server.start()
    store = FalkorDBStore(server.connect(), "pii", supervisor=server)
    summary = load_directory(store, demo_source, LoadOptions(progress=False,
                                                             rejects=work / "rejects.csv"))
    assert summary.reconciles
    branch = _column(store, "MATCH (e:Enterprise)-[:CUSTOMER_OF]->(b:Branch) "
                            "RETURN b.branch_id AS v, count(e) AS n ORDER BY n DESC, v LIMIT 1")[0]
    held = _column(store, "MATCH (:Person)-[:HOLDS_SHARES]->(e:Enterprise) WITH e, count(*) AS n "
                          "RETURN e.uscc AS v ORDER BY n DESC, v LIMIT 5")
    officered = _column(store, "MATCH (:Person)-[:OFFICER_OF]->(e:Enterprise) "
                               "WITH e, count(*) AS n RETURN e.uscc AS v ORDER BY n DESC, v LIMIT 3")
    grouped = _column(store, "MATCH (p:Enterprise)-[:CONTROLS]->(e:Enterprise) "
                             "RETURN e.uscc AS v ORDER BY v LIMIT 3")
    customers = _column(store, "MATCH (e:Enterprise)-[:CUSTOMER_OF]->(:Branch {branch_id: $b}) "
                               "RETURN e.uscc AS v ORDER BY v LIMIT 3", b=branch)
    usccs = list(dict.fromkeys(held + officered + grouped + customers))
    events = _column(store, "MATCH (ev:Event)-[:CONCERNS]->(e:Enterprise) WHERE e.uscc IN $u "
                            "RETURN ev.event_id AS v ORDER BY v LIMIT 6", u=usccs)
    events += _column(store, "MATCH (ev:Event) RETURN ev.event_id AS v ORDER BY v LIMIT 4")
    parks = _column(store, "MATCH (e:Enterprise)-[:LOCATED_IN]->(p:Park) WITH p, count(e) AS n "
                           "RETURN p.park_id AS v ORDER BY n DESC, v LIMIT 3")
    chains = _column(store, "MATCH (c:IndustryChain) RETURN c.chain_id AS v ORDER BY v LIMIT 4")
    persons = set(_column(store, "MATCH (p:Person) RETURN p.name AS v"))
    persons |= set(_column(store, "MATCH (e:Enterprise) RETURN DISTINCT "
                                  "e.legal_representative AS v"))
    persons = {p for p in persons if len(p) >= 2}
    others = set(_column(store, "MATCH (n) WHERE NOT n:Person AND n.name IS NOT NULL "
                                "RETURN DISTINCT n.name AS v"))
    longest = max(len(p) for p in persons)
    containing: dict[str, list[str]] = {}
    for other in others:
        for size in range(2, longest + 1):
            for i in range(len(other) - size + 1):
                if other[i:i + size] in persons:
                    containing.setdefault(other[i:i + size], []).append(other)
    location = store.read("MATCH (p:Park {park_id: $p}) RETURN p.lat AS lat, p.lng AS lng",
                          {"p": parks[0]})[0]
    keys_file = work / "keys.yaml"
    made = {}
    for name, role, branch_id in [("manager", Role.manager, branch), ("analyst", Role.analyst, None),
                                  ("admin", Role.admin, None)]:
        key_id, key = new_key(name)
        append_key(keys_file, key_id, role, branch_id, key)
        made[name] = key
    app = create_app(Settings(data_dir=work / "data", api_keys_file=keys_file), store=store)
    with TestClient(app, headers=auth(made["admin"]), raise_server_exceptions=False) as admin:
        all_events = _column(store, "MATCH (ev:Event) RETURN ev.event_id AS v ORDER BY v")[:1000]
        generated = admin.post("/leads/generate", json={"event_ids": all_events})
        assert generated.status_code == 200, generated.text
        assert generated.json()["new_leads"] > 0
        surname = sorted(persons)[0][:1]
        yield World(
            app=app, manager_key=made["manager"], analyst_key=made["analyst"], persons=persons,
            containing=containing,
            values={"uscc": usccs, "event_id": list(dict.fromkeys(events)), "branch_id": [branch],
                    "park_id": parks, "kind": ["park", "chain", "association", "group"],
                    "chain_id": chains},
            queries={"q": [sorted(persons)[0], surname, "科技", "集团"],
                     "chain_id": chains[:2], "lat": [location["lat"]], "lng": [location["lng"]]},
        )
    server.stop()


# -- finding names -----------------------------------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def person_names_in(text: str, world: World, longest: int) -> list[str]:
    hits = []
    for size in range(2, longest + 1):
        for i in range(len(text) - size + 1):
            if text[i:i + size] in world.persons:
                hits.append((i, size))
    found = []
    for i, size in hits:
        name = text[i:i + size]
        # a person's name inside a company's (or park's …) name is the company's
        inside = any(m.start() <= i and i + size <= m.end()
                     for other in world.containing.get(name, ())
                     for m in re.finditer(re.escape(other), text))
        if not inside:
            found.append(name)
    return found


def response_strings(response: Any) -> Iterator[str]:
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        yield from strings(response.json())
    elif "csv" in kind:
        for row in csv.reader(io.StringIO(response.text)):
            yield from row
    else:
        yield response.text


# -- the walk ----------------------------------------------------------------------------------------


def manager_requests(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(route, url, query params) for every GET route a manager may call, from the schema."""
    schema = world.app.openapi()
    out = []
    for route in api_routes(world.app):
        if route.guard is None or Role.manager not in route.guard.roles:
            continue
        assert route.methods == {"GET"}, f"add a body for {route.methods} {route.path}"
        operation = schema["paths"][route.path]["get"]
        params = operation.get("parameters", [])
        path_names = [p["name"] for p in params if p["in"] == "path"]
        required = [p["name"] for p in params if p["in"] == "query" and p.get("required")]
        for name in path_names + required:
            pool = world.values if name in path_names else world.queries
            assert pool.get(name), f"no sample value for {name!r} of {route.path}"
        paths = [dict(zip(path_names, combo, strict=True)) for combo in
                 itertools.product(*(world.values[n] for n in path_names))]
        queries = [dict(zip(required, combo, strict=True)) for combo in
                   itertools.product(*(world.queries[n] for n in required))]
        for values, query in itertools.product(paths, queries):
            url = route.path
            for name, value in values.items():
                url = url.replace("{" + name + "}", str(value))
            out.append((route.path, url, {**query, **({"limit": 200} if any(
                p["name"] == "limit" for p in params) else {})}))
    return out


def walk(world: World, key: str) -> tuple[dict[str, int], list[tuple[str, str]], Counter[str]]:
    longest = max(len(p) for p in world.persons)
    statuses: dict[str, int] = {}
    leaks: list[tuple[str, str]] = []
    routes: Counter[str] = Counter()
    with TestClient(world.app, headers=auth(key), raise_server_exceptions=False) as client:
        for route, url, query in manager_requests(world):
            response = client.get(url, params=query)
            statuses[f"{url}?{json.dumps(query, ensure_ascii=False)}"] = response.status_code
            routes[route] += 1
            if response.status_code != 200:
                continue
            for text in response_strings(response):
                for name in person_names_in(text, world, longest):
                    leaks.append((url, name))
    return statuses, leaks, routes


def test_no_person_name_reaches_a_manager_unmasked(world: World) -> None:
    statuses, leaks, routes = walk(world, world.manager_key)
    assert not [s for s in statuses.values() if s >= 500], statuses
    ok = sum(1 for s in statuses.values() if s == 200)
    assert ok >= 0.8 * len(statuses), {u: s for u, s in statuses.items() if s != 200}
    assert not leaks, leaks[:20]
    record("test_no_person_name_reaches_a_manager_unmasked", routes=len(routes),
           requests=len(statuses), answered_200=ok, persons_in_data=len(world.persons),
           leaks=len(leaks))


def test_the_detector_sees_names_an_analyst_may_see(world: World) -> None:
    statuses, seen, _ = walk(world, world.analyst_key)
    assert not [s for s in statuses.values() if s >= 500]
    assert len(seen) > 20, "the walk met no person at all: the masking test would prove nothing"
    shown = {route for route, _ in seen}
    record("test_the_detector_sees_names_an_analyst_may_see", names_seen=len(seen),
           urls_with_names=len(shown))

