"""Graph stores behind one interface: Neo4j (production) and embedded FalkorDB (default)."""

from .base import (
    GraphNode,
    GraphPath,
    GraphRelationship,
    GraphStore,
    QueryTimeout,
    ReadOnlyViolation,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "GraphNode",
    "GraphPath",
    "GraphRelationship",
    "GraphStore",
    "QueryTimeout",
    "ReadOnlyViolation",
    "StoreError",
    "StoreUnavailable",
]
