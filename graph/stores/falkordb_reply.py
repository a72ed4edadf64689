"""FalkorDB's compact reply decoded straight into store-neutral values.

The ``falkordb`` client first builds its own ``Node``/``Edge``/``Path`` objects through one
function call per value, which the store then copied into :class:`GraphNode` and friends; on
pages of full enterprise nodes that double pass was most of a read's client time. This decoder
reads the compact format (every value a ``[type, value]`` pair, nodes ``[id, [label ids],
[[key id, type, value], …]]``, edges ``[id, type id, src, dst, props]``, paths ``[nodes, edges]``)
once, resolving label, type and key ids through the client's schema cache, which refreshes
itself when it meets an id it does not know yet. A node met twice in one reply (the anchor of
every path on a page) is decoded once.
"""

from __future__ import annotations

from typing import Any

from falkordb.query_result import parse_scalar
from redis import ResponseError

from ..model import GraphModel
from .base import GraphNode, GraphPath, GraphRelationship, Row, node_ref

# Value types of the compact format (FalkorDB's ResultSetScalarTypes).
_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY, _EDGE, _NODE, _PATH, _MAP, _POINT = range(1, 12)


class ReplyDecoder:
    """Decodes the replies of one graph; ``graph`` is the client's ``falkordb.Graph``."""

    def __init__(self, graph: Any, model: GraphModel) -> None:
        self._graph = graph
        self._model = model

    def rows(self, response: list[Any]) -> list[Row]:
        """Rows of a ``--compact`` reply; a server error in it is raised as ``ResponseError``."""
        if isinstance(response[0], ResponseError):
            raise response[0]
        if isinstance(response[-1], ResponseError):
            raise response[-1]
        if len(response) < 3 or not response[0]:
            return []
        names = [_column_name(col) for col in response[0]]
        value = _Reply(self._graph, self._model).value
        return [dict(zip(names, (value(cell) for cell in row), strict=True))
                for row in response[1]]


    def columns(self, response: list[Any]) -> dict[str, list[Any]]:
        """A reply column by column. Strings, integers and nulls are taken as they come (no call
        per value): an export of millions of rows spends its time in the server, not here."""
        if isinstance(response[0], ResponseError):
            raise response[0]
        if isinstance(response[-1], ResponseError):
            raise response[-1]
        names = [_column_name(col) for col in response[0]] if response[0] else []
        if len(response) < 3 or not response[1]:
            return {name: [] for name in names}
        value = _Reply(self._graph, self._model).value
        out: dict[str, list[Any]] = {}
        for name, cells in zip(names, zip(*response[1], strict=True), strict=True):
            kinds = {cell[0] for cell in cells}
            if kinds <= _AS_SENT:
                out[name] = [cell[1] for cell in cells]
            else:
                out[name] = [value(cell) for cell in cells]
        return out


#: Compact value types whose raw reply already is the Python value.
_AS_SENT = frozenset({_NULL, _STRING, _INTEGER})


class _Reply:
    """One reply's decoding; it remembers the nodes decoded so far, by id."""

    def __init__(self, graph: Any, model: GraphModel) -> None:
        self._graph = graph
        self._schema = graph.schema
        self._model = model
        self._nodes: dict[int, GraphNode] = {}

    def value(self, cell: list[Any]) -> Any:
        kind, raw = cell[0], cell[1]
        if kind == _STRING:
            return raw.decode() if isinstance(raw, bytes) else raw
        if kind == _INTEGER:
            return int(raw)
        if kind == _DOUBLE:
            return float(raw)
        if kind == _NULL:
            return None
        if kind == _NODE:
            return self._node(raw)
        if kind == _ARRAY:
            value = self.value
            return [value(item) for item in raw]
        if kind == _BOOLEAN:
            return (raw.decode() if isinstance(raw, bytes) else raw) == "true"
        if kind == _PATH:
            return self._path(raw)
        if kind == _EDGE:
            return self._edge(raw, {})
        if kind == _MAP:
            return {(raw[i].decode() if isinstance(raw[i], bytes) else str(raw[i])):
                    self.value(raw[i + 1]) for i in range(0, len(raw), 2)}
        # Points, vectors and temporal values are rare here: the client's own parser knows them.
        return parse_scalar(cell, self._graph)

    # -- entities ------------------------------------------------------------------------------
    def _properties(self, props: list[Any]) -> dict[str, Any]:
        names: list[str] = self._schema.properties
        out: dict[str, Any] = {}
        for prop in props:
            key = prop[0]
            if key >= len(names):  # a key new since the names were fetched: fetch them again
                self._schema.get_property(key)
                names = self._schema.properties
            name = names[key]
            kind, raw = prop[1], prop[2]
            if kind == _STRING:
                out[name] = raw.decode() if isinstance(raw, bytes) else raw
            elif kind == _DOUBLE:
                out[name] = float(raw)
            elif kind == _INTEGER:
                out[name] = int(raw)
            else:
                out[name] = self.value([kind, raw])
        return out

    def _node(self, raw: list[Any]) -> GraphNode:
        node_id = int(raw[0])
        node = self._nodes.get(node_id)
        if node is None:
            labels = tuple(sorted(self._schema.get_label(i) for i in raw[1]))
            props = self._properties(raw[2])
            node = self._nodes[node_id] = GraphNode(node_ref(self._model, labels, props), labels,
                                                    props)
        return node

    def _edge(self, raw: list[Any], refs: dict[int, str]) -> GraphRelationship:
        src, dst = int(raw[2]), int(raw[3])
        return GraphRelationship(
            str(self._schema.get_relation(raw[1])),
            refs.get(src) or f"#{src}",
            refs.get(dst) or f"#{dst}",
            self._properties(raw[4]),
        )

    def _path(self, raw: list[Any]) -> GraphPath:
        node_cells, edge_cells = raw[0][1], raw[1][1]
        nodes = tuple(self._node(cell[1]) for cell in node_cells)
        refs = {int(cell[1][0]): node.ref for cell, node in zip(node_cells, nodes, strict=True)}
        return GraphPath(nodes, tuple(self._edge(cell[1], refs) for cell in edge_cells))


def _column_name(col: Any) -> str:
    # The compact header is a list of [type, name] pairs.
    if isinstance(col, list | tuple):
        name = col[1]
        return name.decode() if isinstance(name, bytes) else str(name)
    return str(col)
