"""Build small hand-made graphs with known answers through the model's real upserts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import GraphStore
from chainscout.graph.upsert import node_row, node_upsert, relationship_row, relationship_upsert
from chainscout.loaders.derive import derive


@dataclass
class GraphSpec:
    """Nodes by label (records keyed by model property names) and relationships as
    ``(type, "Label:key", "Label:key", {props})`` tuples."""

    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rels: list[tuple[str, str, str, Mapping[str, Any]]] = field(default_factory=list)

    def node(self, label: str, **props: Any) -> str:
        self.nodes.setdefault(label, []).append(props)
        return f"{label}:{props[graph_model().key_of(label)]}"

    def rel(self, type_: str, src: str, dst: str, **props: Any) -> None:
        self.rels.append((type_, src, dst, props))


def build(store: GraphStore, spec: GraphSpec, *, schema: bool = True) -> None:
    model = graph_model()
    if schema:
        store.apply_schema()
    for label, records in spec.nodes.items():
        node = model.node(label)
        rows = [node_row(node, r, snapshot="t", source="test") for r in records]
        store.write(node_upsert(node).cypher, {"rows": rows})
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for type_, src, dst, props in spec.rels:
        src_label, src_key = src.split(":", 1)
        dst_label, dst_key = dst.split(":", 1)
        rel = model.relationship(type_, src_label, dst_label)
        grouped.setdefault((type_, src_label, dst_label), []).append(
            relationship_row(rel, src_key, dst_key, props, snapshot="t", source="test"))
    for (type_, src_label, dst_label), rows in grouped.items():
        rel = model.relationship(type_, src_label, dst_label)
        result = store.write(relationship_upsert(model, rel).cypher, {"rows": rows})
        assert int(result[0]["created"]) == len(rows), f"dangling end in {type_} rows"
    derive(store)  # as a load does: the market queries read the derived properties


def refs(rows: Sequence[Mapping[str, Any]], key: str = "uscc") -> list[str]:
    return [str(r[key]) for r in rows]
