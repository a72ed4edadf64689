"""Batched, idempotent upserts derived from the graph model.

Rows travel as parameters (``UNWIND $rows``); labels and relationship types come from the model only.
Each row carries a content hash: a row whose hash matches what the store holds is not rewritten, so a
rerun of the same input changes nothing and the load can report exactly what changed. The snapshot
tag is restamped on rows seen again in a newer snapshot, which lets ``stale_*`` remove what vanished.

The three bookkeeping values are 64-bit integers, not text: every node and relationship carries
them, and as strings they took a quarter of the embedded store's memory (a heap string each).
A source's and a snapshot's names are kept once, on its ``LoadSource`` node.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import GraphModel, NodeType, RelType


@dataclass(frozen=True)
class UpsertQuery:
    """A generated query and the row shape it expects."""

    cypher: str
    row_fields: tuple[str, ...]


#: Bytes of a content hash and of a tag: one signed 64-bit integer, which both stores hold inline.
HASH_BYTES = 8


def content_hash(props: Mapping[str, Any]) -> int:
    """Stable hash of a row's properties; key order and float formatting do not matter.

    64 bits: a changed row goes unnoticed only if its new hash equals its old one (2^-64)."""
    blob = json.dumps(props, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return digest_int(hashlib.blake2b(blob.encode("utf-8"), digest_size=HASH_BYTES).digest())


def digest_int(digest: bytes) -> int:
    """An 8-byte digest as the signed integer the stores hold (little-endian, like numpy's view)."""
    return int.from_bytes(digest, "little", signed=True)


def tag(name: str) -> int:
    """The integer stored on every item for a source (``<source>:<kind>``) or a snapshot id."""
    return digest_int(hashlib.blake2b(name.encode("utf-8"), digest_size=HASH_BYTES,
                                      person=b"chainscout-tag").digest())


_COUNT_TAIL = (
    "RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created, "
    "sum(CASE WHEN changed AND NOT created THEN 1 ELSE 0 END) AS updated, "
    "count(*) AS touched"
)


def node_upsert(node: NodeType) -> UpsertQuery:
    """``MERGE`` on the node key, then write only rows whose content changed or were restamped."""
    cypher = (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{node.label} {{{node.key}: row.key}})\n"
        "WITH n, row, n._hash IS NULL AS created, coalesce(n._hash <> row.hash, true) AS changed,\n"
        "     coalesce(n._snapshot <> row.snapshot, true) AS restamped\n"
        "WHERE changed OR restamped\n"
        "SET n += row.props, n._hash = row.hash, n._snapshot = row.snapshot, "
        "n._source = row.source\n" + _COUNT_TAIL
    )
    return UpsertQuery(cypher, ("key", "props", "hash", "snapshot", "source"))


def relationship_upsert(model: GraphModel, rel: RelType) -> UpsertQuery:
    """Match both ends by key (rows with a missing end are reported by the loader, not here)."""
    src_key = model.key_of(rel.source)
    dst_key = model.key_of(rel.target)
    merge_props = ", ".join(f"{k}: row.merge.{k}" for k in rel.merge_keys)
    rel_pattern = f"[r:{rel.type} {{{merge_props}}}]" if merge_props else f"[r:{rel.type}]"
    cypher = (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{rel.source} {{{src_key}: row.src}})\n"
        f"MATCH (b:{rel.target} {{{dst_key}: row.dst}})\n"
        f"MERGE (a)-{rel_pattern}->(b)\n"
        "WITH r, row, r._hash IS NULL AS created, coalesce(r._hash <> row.hash, true) AS changed,\n"
        "     coalesce(r._snapshot <> row.snapshot, true) AS restamped\n"
        "WHERE changed OR restamped\n"
        "SET r += row.props, r._hash = row.hash, r._snapshot = row.snapshot, "
        "r._source = row.source\n" + _COUNT_TAIL
    )
    fields = ("src", "dst", "props", "hash", "snapshot", "source")
    return UpsertQuery(cypher, (*fields, "merge") if rel.merge_keys else fields)


def stale_nodes(node: NodeType) -> str:
    """Delete, in one bounded batch, nodes a source loaded before but not in this snapshot."""
    return (
        f"MATCH (n:{node.label}) WHERE n._source = $source AND n._snapshot <> $snapshot\n"
        "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
    )


def stale_relationships(rel: RelType) -> str:
    return (
        f"MATCH (:{rel.source})-[r:{rel.type}]->(:{rel.target})\n"
        "WHERE r._source = $source AND r._snapshot <> $snapshot\n"
        "WITH r LIMIT $batch DELETE r RETURN count(*) AS deleted"
    )


def node_row(
    node: NodeType, record: Mapping[str, Any], *, snapshot: str, source: str
) -> dict[str, Any]:
    """Turn a validated record into the row shape of ``node_upsert``.

    Declared properties missing from the record are sent as null so a newer snapshot that dropped a
    value removes it from the store.
    """
    props = {p.name: record.get(p.name) for p in node.properties if p.name != node.key}
    return {
        "key": record[node.key],
        "props": props,
        "hash": content_hash(props),
        "snapshot": tag(snapshot),
        "source": tag(source),
    }


def relationship_row(
    rel: RelType,
    src: Any,
    dst: Any,
    record: Mapping[str, Any],
    *,
    snapshot: str,
    source: str,
) -> dict[str, Any]:
    props = {p.name: record.get(p.name) for p in rel.properties}
    row: dict[str, Any] = {
        "src": src,
        "dst": dst,
        "props": props,
        "hash": content_hash(props),
        "snapshot": tag(snapshot),
        "source": tag(source),
    }
    if rel.merge_keys:
        row["merge"] = {k: record[k] for k in rel.merge_keys}
    return row


def batched(rows: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
