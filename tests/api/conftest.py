"""API test fixtures: keys for every role, an app on a built graph, a client per role."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig

from chainscout.api.app import create_app
from chainscout.api.auth import Role, append_key, new_key
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from chainscout.settings import Settings
from tests.api.graph import BRANCH, OTHER_BRANCH, api_graph
from tests.graph_builder import build


@dataclass(frozen=True)
class Keys:
    admin: str
    analyst: str
    manager: str  # branch B001
    other_manager: str  # branch B002
    file: Path

    def for_role(self, role: str) -> str:
        return {"admin": self.admin, "analyst": self.analyst, "manager": self.manager}[role]


def make_keys(folder: Path) -> Keys:
    file = folder / "keys.yaml"
    made = {}
    for name, role, branch in [("admin", Role.admin, None), ("analyst", Role.analyst, None),
                               ("manager", Role.manager, BRANCH),
                               ("other_manager", Role.manager, OTHER_BRANCH)]:
        key_id, key = new_key(name.replace("_", ""))
        append_key(file, key_id, role, branch, key)
        made[name] = key
    return Keys(file=file, **made)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


def make_settings(keys: Keys, data_dir: Path, **extra: object) -> Settings:
    return Settings(data_dir=data_dir, api_keys_file=keys.file, **extra)  # type: ignore[arg-type]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Clients:
    """A TestClient per role on one app."""

    def __init__(self, app: FastAPI, keys: Keys) -> None:
        self.app = app
        self.keys = keys
        self.anon = TestClient(app, raise_server_exceptions=False)
        self.admin = TestClient(app, headers=auth(keys.admin), raise_server_exceptions=False)
        self.analyst = TestClient(app, headers=auth(keys.analyst),
                                  raise_server_exceptions=False)
        self.manager = TestClient(app, headers=auth(keys.manager),
                                  raise_server_exceptions=False)
        self.other_manager = TestClient(app, headers=auth(keys.other_manager),
                                        raise_server_exceptions=False)

    def role(self, name: str) -> TestClient:
        client: TestClient = getattr(self, name)
        return client


@pytest.fixture(scope="session")
def api_store(falkordb_server: EmbeddedFalkorDB) -> Iterator[GraphStore]:
    """The API test graph, built once; tests that write use ``fresh_clients`` instead."""
    store = FalkorDBStore(falkordb_server.connect(), "api_tests", supervisor=falkordb_server)
    store.clear()
    build(store, api_graph())
    yield store
    store.clear()


def graph_fingerprint(store: GraphStore) -> tuple[int, int, str]:
    """Node count, relationship count and a digest of every key: "unchanged" checks."""
    nodes = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    rels = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    props = store.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    digest = hashlib.sha256(json.dumps(sorted(json.dumps(r, sort_keys=True, default=str)
                                              for r in props)).encode()).hexdigest()
    return int(nodes), int(rels), digest


@pytest.fixture(scope="session")
def clients(api_store: GraphStore, keys: Keys, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Clients]:
    """Clients on the shared read-mostly graph."""
    app = create_app(make_settings(keys, tmp_path_factory.mktemp("data")), store=api_store)
    with TestClient(app, raise_server_exceptions=False):  # runs the lifespan
        yield Clients(app, keys)


@pytest.fixture
def fresh_clients(falkordb_store: GraphStore, keys: Keys, tmp_path: Path) -> Iterator[Clients]:
    """Clients on a graph of their own, for tests that write."""
    build(falkordb_store, api_graph())
    app = create_app(make_settings(keys, tmp_path), store=falkordb_store)
    with TestClient(app, raise_server_exceptions=False):
        yield Clients(app, keys)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """API tests run on the embedded store unless marked for Neo4j (like tests/integration)."""
    for item in items:
        if Path(str(item.fspath)).parent.name == "api" and not any(
            m.name in {"falkordb", "neo4j"} for m in item.iter_markers()
        ):
            item.add_marker(pytest.mark.falkordb)


def schemathesis_config(admin_key: str) -> SchemathesisConfig:
    """The schemathesis runs' configuration (stateless and stateful)."""
    return SchemathesisConfig.from_dict({
        # The API refuses NUL characters anywhere (422, documented in the OpenAPI description):
        # the embedded store cannot take them. test_injection.py sends them on purpose.
        "generation": {"allow-x00": False},
        # The admin key may call every route; schemathesis knows it as the schema's security
        # scheme, so its negative cases can still drop or spoil it.
        "auth": {"openapi": {"HTTPBearer": {"bearer": admin_key}}},
        "checks": {
            # Schema-valid requests may still be refused with 400 `invalid_parameter` where
            # parameters conflict (chain_id xor segment_ids, event_ids xor a date range) or with
            # 400 `query_error` for Cypher that does not parse; 422 (schema rejected a
            # schema-valid request) stays a failure.
            "positive_data_acceptance": {"expected-statuses": [
                "2xx", "400", "401", "403", "404", "409", "429"]},
        },
    })
