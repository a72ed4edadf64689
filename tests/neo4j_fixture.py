"""A real Neo4j for the test session: the one at CHAINSCOUT_TEST_NEO4J_URI, or the project's own."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from chainscout.graph.stores.neo4j_store import Neo4jStore
from chainscout.servers.neo4j_local import Neo4jLocal, Neo4jLocalConfig, Neo4jLocalError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def session_neo4j(
    tmp_path_factory: pytest.TempPathFactory, unavailable: Callable[[str], None]
) -> Iterator[Neo4jStore]:
    uri = os.environ.get("CHAINSCOUT_TEST_NEO4J_URI")
    if uri:
        store = Neo4jStore(uri, os.environ.get("CHAINSCOUT_TEST_NEO4J_USER", "neo4j"),
                           os.environ.get("CHAINSCOUT_TEST_NEO4J_PASSWORD", ""))
        try:
            store.ping()
        except Exception as exc:
            unavailable(f"Neo4j at {uri} does not answer: {exc}")
        yield store
        store.close()
        return
    config = Neo4jLocalConfig(
        home=tmp_path_factory.mktemp("neo4j-home"),
        bolt_port=free_port(),
        http_port=free_port(),
        heap_max="1g",
        pagecache="512m",
        jvm_options=("-XX:TieredStopAtLevel=1",),
        stop_with_parent=True,
    )
    server = Neo4jLocal(config)
    try:
        server.start()
    except (Neo4jLocalError, OSError) as exc:
        unavailable(f"the local Neo4j could not start: {exc}")
    store = Neo4jStore(config.bolt_uri, *config.auth)
    try:
        yield store
    finally:
        store.close()
        server.stop()
