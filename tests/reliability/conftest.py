"""Fixtures of the reliability tests: a Neo4j of their own (they stop and kill it), API keys.

The Neo4j here is never the session-wide test server: these tests stop and SIGKILL it, so they
start the project's own local Neo4j (``chainscout neo4j``) in a temporary home on spare ports. With
``CHAINSCOUT_TEST_NEO4J_URI`` set (an external server the tests must not kill) they are skipped.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chainscout.graph.stores.neo4j_store import Neo4jStore
from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig, Neo4jLocalError
from tests.api.conftest import Keys, make_keys
from tests.neo4j_fixture import free_port
from tests.reliability.support import IN_CI


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"store unavailable in CI: {reason}")
    pytest.skip(reason)


@dataclass
class OwnNeo4j:
    """The reliability tests' own local Neo4j: stop, kill and start it at will."""

    server: Neo4jLocal
    config: Neo4jLocalConfig

    def store(self, **kwargs: Any) -> Neo4jStore:
        return Neo4jStore(self.config.bolt_uri, *self.config.auth, **kwargs)

    def ensure_up(self) -> float:
        """Start the server unless it runs (idempotent); the seconds it took."""
        started = time.monotonic()
        self.server.start(timeout=600)
        return time.monotonic() - started


@pytest.fixture(scope="session")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnNeo4j]:
    if os.environ.get("CHAINSCOUT_TEST_NEO4J_URI"):
        pytest.skip("the reliability tests stop and kill Neo4j: they need the project's own "
                    "local server, not CHAINSCOUT_TEST_NEO4J_URI")
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        unavailable(f"local Neo4j needs {', '.join(missing)} on PATH")
    config = Neo4jLocalConfig(
        home=tmp_path_factory.mktemp("reliability-neo4j"),
        bolt_port=free_port(),
        http_port=free_port(),
        heap_initial="512m",
        heap_max="1g",
        pagecache="512m",
        jvm_options=("-XX:TieredStopAtLevel=1",),
        stop_with_parent=True,
    )
    server = Neo4jLocal(config)
    try:
        server.start(timeout=300)
    except (Neo4jLocalError, OSError) as exc:
        unavailable(f"the local Neo4j could not start: {exc}")
    try:
        yield OwnNeo4j(server, config)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def reliability_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("reliability-keys"))


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo data set (shared by the hostile-request and load tests)."""
    from chainscout.loaders.demo import generate

    out = tmp_path_factory.mktemp("demo-small")
    generate(out, 2000, seed=31)
    return out
