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
    falkordb_hang_timeout_s: float = Field(
        120.0,
        ge=0,
        description="Seconds the embedded store's process may stay alive without answering a "
        "PING before its supervisor kills and restarts it on the same data (0: never).",
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
    peer_index_s: float = Field(
        60.0,
        ge=0,
        description="Seconds the API keeps the members of the parks, chain segments and "
        "associations it has ranked peers or market strategies in (an in-process index) before "
        "reading them again, in the background while they keep answering; a load (or, for the "
        "park strategy's growth, an ingested event) shows in them within twice this long. The "
        "enterprises shown in park, segment and association peers pages (node, hub links, segments, "
        "branches: at most CHAINSCOUT_PEER_INDEX_ROWS per worker) are kept as long, then read again with the "
        "next page that shows them. 0: rank every peers and strategy page in the store.",
    )
    peer_index_members: int = Field(
        2_000_000,
        ge=1,
        description="Members the peers and strategies index holds at most per API worker "
        "(≈ 100–200 bytes each; each node of the group peers' control graph counts as one); "
        "the least recently used hubs are dropped beyond it.",
    )
    peer_index_rows: int = Field(
        20_000,
        ge=0,
        description="Enterprises whose page rows (what a park, segment or association peers page shows "
        "of each: node, hub links, segments, branches; ≈ 3 KB each) the API keeps at most per "
        "worker, the least recently shown dropped beyond; a page whose rows are all kept costs "
        "the store nothing. 0: every page reads its rows.",
    )
    group_index_s: float = Field(
        600.0,
        ge=0,
        description="Seconds the API keeps its copy of the control graph (CONTROLS and majority "
        "shareholdings: one read of every such edge, 12–15 s and ≈ 55 MB per worker at 1M "
        "enterprises) that group peers are searched in, before reading it again in the "
        "background; an ownership change shows in group peers within twice this long (the "
        "members' own facts follow CHAINSCOUT_PEER_INDEX_S). 0, or CHAINSCOUT_PEER_INDEX_S=0: "
        "search every group in the store.",
    )

    # -- HTTP API (`chainscout serve`, see docs/api.md) ------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address `chainscout serve` listens on.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `chainscout serve` listens on.")
    api_workers: int = Field(
        1, ge=1, le=64,
        description="API processes `chainscout serve` runs (one per core the API may use), each "
        "with its own socket on the port (SO_REUSEPORT) and its own member indexes; "
        "`--workers` overrides it.",
    )
    api_keys_file: Path | None = Field(
        None,
        description="YAML or JSON list of hashed API keys ({id, role, branch_id, hash}); written "
        "by `chainscout api-key create`. Without it every protected route answers 401.",
    )
    api_max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body the API accepts (413 above it)."
    )
    api_gc_threshold: int = Field(
        50_000,
        ge=0,
        description="Allocations between two young-generation garbage collections in an API "
        "process (Python's default is 700; 0 keeps it). A page of prospects decodes tens of "
        "thousands of short-lived objects: at 700 many outlive a collection and pile up in the "
        "old generation, whose full collections then walk the member indexes every few pages.",
    )
    cypher_timeout_s: float = Field(
        10.0, gt=0, description="Time limit of one analyst Cypher query (/cypher)."
    )
    cypher_row_cap: int = Field(
        1000, ge=1, le=100_000, description="Most rows one analyst Cypher query returns."
    )
    outbox_file: Path | None = Field(
        None, description="SQLite file of the lead outbox (default: <data_dir>/leads.sqlite)."
    )
    webhook_url: str | None = Field(
        None, description="If set, new leads are POSTed here as signed JSON (docs/api.md)."
    )
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key of the webhook signature (required with webhook_url)."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Deliveries of one webhook batch before it is given up."
    )
    map_tile_url: str | None = Field(
        None,
        description="Optional map tile URL template for the web page, e.g. "
        "https://tiles.example/{z}/{x}/{y}.png; without it the map draws without tiles.",
    )

    @property
    def lead_outbox_path(self) -> Path:
        return self.outbox_file or self.data_dir / "leads.sqlite"

    @property
    def falkordb_dir(self) -> Path:
        return self.data_dir / "falkordb"

    @property
    def neo4j_home(self) -> Path:
        return self.data_dir / "neo4j"


@cache
def get_settings() -> Settings:
    return Settings()
