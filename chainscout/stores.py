"""Open the configured graph store: the one place settings turn into a live store."""

from __future__ import annotations

from chainscout.graph.stores.base import GraphStore, StoreUnavailable
from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.graph.stores.neo4j_store import Neo4jStore
from chainscout.servers.falkordb_server import EmbeddedFalkorDB, FalkorDBError
from chainscout.settings import Settings, get_settings


class EmbeddedStore(FalkorDBStore):
    """FalkorDB store that owns (or attaches to) the supervised server and stops it on close."""

    def __init__(self, server: EmbeddedFalkorDB, graph: str) -> None:
        super().__init__(server.connect(), graph, supervisor=server)
        self.server = server

    def close(self) -> None:
        super().close()
        self.server.stop()


def embedded_server(settings: Settings) -> EmbeddedFalkorDB:
    """The supervised embedded server as the settings describe it (not started)."""
    return EmbeddedFalkorDB(
        settings.falkordb_dir,
        threads=settings.falkordb_threads,
        hang_timeout=settings.falkordb_hang_timeout_s,
    )


def open_store(settings: Settings | None = None) -> GraphStore:
    settings = settings or get_settings()
    if settings.store == "neo4j":
        if settings.neo4j_password is None:
            raise StoreUnavailable(
                "CHAINSCOUT_NEO4J_PASSWORD is not set: the Neo4j store needs credentials"
            )
        return Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
        )
    server = embedded_server(settings)
    try:
        server.start()
    except FalkorDBError as exc:
        raise StoreUnavailable(f"the embedded FalkorDB store could not start: {exc}") from exc
    return EmbeddedStore(server, settings.falkordb_graph)
