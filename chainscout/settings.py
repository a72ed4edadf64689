"""Settings from the environment (``CHAINSCOUT_*``), each documented in docs/settings.md."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAINSCOUT_", env_file=".env", extra="ignore")

    store: Literal["falkordb", "neo4j"] = Field(
        "falkordb", description="Which graph store to use: the embedded FalkorDB or a Neo4j server."
    )
    data_dir: Path = Field(
        Path(".chainscout"),
        description="Where the embedded store keeps its data, and local Neo4j its home.",
    )
    falkordb_graph: str = Field("chainscout", description="Graph name inside the embedded store.")
    falkordb_threads: int | None = Field(
        None, description="Query threads of the embedded store (default: number of cores)."
    )
    neo4j_uri: str = Field(
        "bolt://127.0.0.1:7687",
        description="Any bolt:// or neo4j:// URI (neo4j+s:// for Aura or a TLS cluster).",
    )
    neo4j_user: str = Field("neo4j", description="Neo4j user.")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password (required).")
    neo4j_database: str | None = Field(
        None, description="Neo4j database name (default: the server's default database)."
    )
    load_batch_size: int = Field(5000, ge=1, le=100_000, description="Rows per UNWIND batch.")
    query_timeout_s: float = Field(30.0, gt=0, description="Time limit of one read query.")

    @property
    def falkordb_dir(self) -> Path:
        return self.data_dir / "falkordb"

    @property
    def neo4j_home(self) -> Path:
        return self.data_dir / "neo4j"


@cache
def get_settings() -> Settings:
    return Settings()
