"""Initial build of an empty embedded FalkorDB graph with ``GRAPH.BULK``.

Into an empty graph there is nothing to merge with, so a load does not need ``MERGE`` at all:
FalkorDB's bulk-insert command takes nodes and edges as a binary stream (the protocol of the
``falkordb-bulk-loader`` tool), an order of magnitude faster than Cypher. The rows are the same
ones the upserts would write — same properties, content hashes, snapshot and source tags — so the
graph is identical, and the next ``chainscout load`` compares and upserts as usual.

The pipeline uses this path by itself when the target graph of the embedded store has no nodes
(``LoadOptions.bulk_when_empty``): the empty graph is dropped and created again by the first
``GRAPH.BULK ... BEGIN`` (node ids are then assigned from 0 in order, which the edges rely on; a
graph that had nodes deleted would reuse their ids), the model's indexes and constraints are
created right after that first small batch, and the later batches keep them up to date. Batches
go to the server from a sender thread, in order, so the server inserts one while the loader
checks and encodes the next. Encoding is column-wise: every property column becomes a binary
column (type byte + value) with pyarrow and numpy, and a batch is one join of those columns. With
two loader processes (loaders/second_process.py) a forked copy of this sink checks and sends the
officers once every enterprise and person has its id: it knows those ids, assigns none, and its
``GRAPH.BULK`` commands (edges only) interleave with this one's (later nodes, other edges) at the
server, each one whole. The fork does not wait for the batches still queued (the server inserts
persons more slowly than the loader encodes them); the copy sends its first command once this
sink's sender thread has sent them, which it signals through an event shared across the fork.

The build also writes the derived properties (loaders/derive.py), so the load needs no derive pass
over the whole graph after it (≈ 20 s of server time at 1M enterprises, most of it setting
``_segment_ids`` on half a million nodes). A chunk's rows are held until the chunk ends
(``mark``): an enterprise's node then carries ``_segment_ids`` from the ``IN_SEGMENT`` rows of its
own chunk. Links written after their enterprise's node (a later file's customers, explicit
segments) are derived by node id on the sender thread, after the links themselves.

Binary layout (all little-endian): a label block is ``name\\0``, ``uint32`` property count, the
property names (``\\0``-terminated), then per node one value per property; a relationship-type
block the same, with ``uint64`` source and target node ids before each edge's values. A value is a
type byte and its payload: 0 null (property not set), 1 bool (1 byte), 2 double (8 bytes), 3 string
(UTF-8, ``\\0``-terminated), 4 long (8 bytes), 5 array (``int64`` length, then values). Node ids are
assigned in creation order from 0, which is why the graph must start empty.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import struct
from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainscout.graph.model import GraphModel
from chainscout.graph.stores.base import GraphStore, StoreError
from chainscout.graph.upsert import tag

from .derive import CUSTOMER_LINKS, SEGMENT_LINKS, step_query
from .errors import LoadError
from .key_index import IntArray, KeyIndex
from .pipeline import TargetStats
from .rows import RowEncoder, TargetRows
from .worker import OrderedWorker

_NULL, _BOOL, _DOUBLE, _STRING, _LONG, _ARRAY = 0, 1, 2, 3, 4, 5
#: Encoded batches waiting for the server at most (each ≤ 16 MB at 1M enterprises: ≤ 256 MB).
#: Deep enough for the loader to run ahead while the server inserts the persons and events.
_SEND_DEPTH = 16
#: How often a second loader waiting for the first one's nodes checks that it still runs.
_PARENT_POLL_S = 1.0
#: Enterprises derived by node id per statement.
_DERIVE_BATCH = 50_000


def reset_graph(store: GraphStore) -> None:
    """Drop the (empty) graph key, so ``GRAPH.BULK ... BEGIN`` can create it."""
    drop = getattr(store, "drop_graph", None)
    if drop is None:  # pragma: no cover - only FalkorDBStore gets here
        raise LoadError(None, f"the {store.name} store has no bulk insert")
    drop()


def _graph_name(store: GraphStore) -> str:
    name = getattr(store, "graph_name", None)
    if not isinstance(name, str):  # pragma: no cover - only FalkorDBStore gets here
        raise LoadError(None, f"the {store.name} store has no bulk insert")
    return name


def _await(event: Any, parent: int) -> None:
    """Wait for the first loader's signal, as long as it runs (it ends this process otherwise)."""
    while not event.wait(_PARENT_POLL_S):
        if os.getppid() != parent:
            raise LoadError(None, "bulk build: the first loader process ended before its nodes "
                            "were sent")


def _command(store: GraphStore, *args: Any) -> Any:
    """A FalkorDB module command on the store's connection."""
    command = getattr(store, "_command", None)
    if command is None:  # pragma: no cover - only FalkorDBStore gets here
        raise LoadError(None, f"the {store.name} store has no bulk insert")
    return command(*args)


class FalkorBulkSink:
    """Writes every row with ``GRAPH.BULK`` into a graph that starts empty."""

    #: An empty graph has no reference data yet; the relationships to it need the nodes.
    needs_reference = True
    #: The build writes the derived properties itself: no derive pass after it.
    derives = True

    def __init__(self, store: GraphStore, model: GraphModel,
                 targets: dict[str, TargetStats], *, apply_schema: bool = True,
                 built: dict[str, KeyIndex] | None = None, after: Any = None) -> None:
        """``built``: the node ids assigned so far, for a forked part that sends relationships
        only (assigning ids is the first process's alone); ``after``: the event its first command
        waits for (the first loader has sent the nodes it names)."""
        self.store = store
        self.apply_schema = apply_schema
        self.model = model
        self.targets = targets
        self.encoder = RowEncoder(model, literal=False)
        self.graph = _graph_name(store)
        self._part = built is not None
        self._ids: dict[str, KeyIndex] = built if built is not None else {}
        self._next_id = sum(map(len, self._ids.values()))
        self._begun = self._part
        self._deferred: list[tuple[TargetRows, str, str]] = []
        #: The current chunk's rows, sent when it ends; the first node id it assigns.
        self._chunk: list[tuple[TargetRows, str, str]] = []
        self._chunk_start = 0
        #: Enterprises whose segments were linked after their node was written.
        self._late_segments: set[int] = set()
        # The server inserts batch n while this thread checks and encodes batch n+1. (Encoding
        # on a thread of its own as well measured no faster: hashing holds the GIL.)
        self._sender = OrderedWorker("chainscout-bulk-sender", _SEND_DEPTH)
        #: Set by the first loader's sender once the batches queued before the fork are sent.
        self._nodes_sent: Any = None
        #: In a part: that event, awaited before the first command, and the first loader's pid.
        self._after = after
        self._parent = os.getppid() if after is not None else 0

    # -- Sink ----------------------------------------------------------------------------------
    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
        if rows.length:
            self._chunk.append((rows, snapshot, source))

    def mark(self, key: str, chunks: int) -> None:
        # No checkpoint: a half-built graph is not empty, so a rerun upserts everything instead.
        self._flush()

    def close(self) -> None:
        self._flush()
        self._chunk_start = self._next_id  # every enterprise's node is written by now
        deferred, self._deferred = self._deferred, []
        for rows, snapshot, source in deferred:
            self._edges(rows, snapshot, source, final=True)
        late, self._late_segments = sorted(self._late_segments), set()
        self._derive_by_id("segments_set_ids", late)
        self._sender.close()

    def abort(self) -> None:
        self._chunk.clear()
        self._deferred.clear()
        self._sender.abort()

    # -- PartSink: a forked loader sends some relationship kinds on a connection of its own -----
    @contextlib.contextmanager
    def forking(self) -> Iterator[None]:
        """Fork between two commands, without waiting for the batches still queued (the nodes):
        the part sends nothing until they are in the graph, which the sender thread signals."""
        self._flush()
        self._nodes_sent = multiprocessing.get_context("fork").Event()
        with self._sender.paused():
            yield
        self._sender.submit(self._nodes_sent.set)  # in order: after every batch queued so far

    def part(self, name: str, targets: dict[str, TargetStats]) -> FalkorBulkSink:
        """This sink in a forked loader: the node ids built so far, nothing pending. Its commands
        go on a connection of the child's own (redis-py's pools reconnect in a forked process)."""
        return FalkorBulkSink(self.store, self.model, targets, built=self._ids,
                              after=self._nodes_sent)

    def outputs(self) -> None:
        return None  # everything it sent is in the graph already

    def adopt(self, outputs: None) -> None:
        return None

    # -- nodes and edges -----------------------------------------------------------------------
    def _flush(self) -> None:
        """Send the chunk: nodes first, each enterprise with the segments its chunk links it to."""
        chunk, self._chunk = self._chunk, []
        segments: dict[str, set[str]] = {}
        for rows, _, _ in chunk:
            if rows.rel is not None and rows.rel.name == SEGMENT_LINKS:
                assert rows.src is not None and rows.dst is not None
                for uscc, segment in zip(rows.src.to_pylist(), rows.dst.to_pylist(), strict=True):
                    segments.setdefault(uscc, set()).add(segment)
        self._chunk_start = self._next_id
        for rows, snapshot, source in chunk:
            if rows.node is not None:
                self._nodes(rows, snapshot, source, segments)
            else:
                self._edges(rows, snapshot, source, final=False)

    def _nodes(self, rows: TargetRows, snapshot: str, source: str,
               segments: dict[str, set[str]]) -> None:
        assert rows.node is not None and rows.key is not None
        if self._part:
            raise LoadError(None, f"bulk build: a second loader cannot build {rows.node.label} nodes")
        node = rows.node
        keys = rows.key
        start = self._next_id
        self._next_id += len(keys)
        self._ids.setdefault(node.label, KeyIndex()).add(keys, np.arange(start, self._next_id))
        hashes, _ = self.encoder.hash_column(rows)
        names = [node.key, *rows.props, "_hash", "_snapshot", "_source"]
        columns = [_encode(rows.key), *(_encode(rows.props[p]) for p in rows.props),
                   _encode(hashes), _tag(snapshot), _tag(source)]
        if node.label == "Enterprise" and segments:
            found = [sorted(s) if (s := segments.get(k)) else None for k in keys.to_pylist()]
            names.append("_segment_ids")
            columns.append(_encode(pa.array(found, pa.list_(pa.string()))))
        self._send(node.label, names, columns, len(keys), nodes=True)

    def _edges(self, rows: TargetRows, snapshot: str, source: str, *, final: bool) -> None:
        assert rows.rel is not None and rows.src is not None and rows.dst is not None
        rel = rows.rel
        src = self._lookup(rel.source, rows.src)
        dst = self._lookup(rel.target, rows.dst)
        missing = (src < 0) | (dst < 0)
        if missing.any():
            if final:
                raise LoadError(None, f"bulk build: {int(missing.sum())} {rel.name} rows name a "
                                "node that was not built")
            later = pa.array(missing)
            self._deferred.append((_take(rows, later), snapshot, source))
            keep = pa.array(~missing)
            rows, src, dst = _take(rows, keep), src[~missing], dst[~missing]
            if not rows.length:
                return
        hashes, _ = self.encoder.hash_column(rows)
        ends = np.empty((len(src), 2), dtype="<u8")
        ends[:, 0], ends[:, 1] = src, dst
        names = [*rows.props, "_hash", "_snapshot", "_source"]
        columns = [_fixed(ends.view(np.uint8).reshape(-1, 16)),
                   *(_encode(rows.props[p]) for p in rows.props),
                   _encode(hashes), _tag(snapshot), _tag(source)]
        self._send(rel.type, names, columns, len(src), nodes=False, stats_name=rel.name)
        if rel.name == CUSTOMER_LINKS:
            self._derive_by_id("customer_set_ids", sorted(set(src.tolist())))
        elif rel.name == SEGMENT_LINKS:
            # an enterprise built before this chunk was written without these segments
            self._late_segments.update(src[src < self._chunk_start].tolist())

    def _lookup(self, label: str, keys: pa.Array) -> IntArray:
        """Node ids of keys, -1 for keys not built (yet)."""
        ids = self._ids.get(label)
        return ids.get(keys) if ids is not None else np.full(len(keys), -1, dtype=np.int64)

    def _derive_by_id(self, step: str, ids: list[int]) -> None:
        """Derive ``ids`` on the sender thread, after the links queued before."""
        query = step_query(step)
        for i in range(0, len(ids), _DERIVE_BATCH):
            params = query.bind({"ids": ids[i:i + _DERIVE_BATCH]})
            self._sender.submit(partial(self._write, query.cypher, params))

    def _write(self, cypher: str, params: dict[str, Any]) -> None:
        try:
            self.store.write(cypher, params)
        except StoreError as exc:
            raise LoadError(None, f"bulk build of graph {self.graph!r} failed: {exc}") from exc

    def _send(self, name: str, props: list[str], columns: list[Any], count: int, *,
              nodes: bool, stats_name: str | None = None) -> None:
        header = name.encode() + b"\0" + struct.pack("<I", len(props)) + b"".join(
            p.encode() + b"\0" for p in props)
        joined = _join(columns, count)
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[
            joined.offset:joined.offset + count + 1]
        body = memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]]
        blob = header + bytes(body)
        counts = [count, 0, 1, 0] if nodes else [0, count, 0, 1]
        args: list[Any] = [*counts, blob]
        stats = self.targets.setdefault(stats_name or name, TargetStats())
        if self._begun:
            # The server inserts this batch while the next one is encoded (in order, one at a time).
            self._sender.submit(partial(self._command, args, stats, count))
            return
        self._command(["BEGIN", *args], stats, count)
        if self.apply_schema:
            # Indexes and constraints now, while the graph is tiny: the bulk inserts that follow
            # maintain them, which is cheaper than indexing the whole graph at the end.
            self.store.apply_schema()
        self._begun = True

    def _command(self, args: list[Any], stats: TargetStats, count: int) -> None:
        if self._after is not None:
            _await(self._after, self._parent)
            self._after = None
        try:
            _command(self.store, "GRAPH.BULK", self.graph, *args)
        except StoreError as exc:
            raise LoadError(None, f"bulk build of graph {self.graph!r} failed: {exc}") from exc
        stats.sent += count
        stats.created += count


def _take(rows: TargetRows, mask: pa.Array) -> TargetRows:
    assert rows.src is not None and rows.dst is not None
    return TargetRows(rows.node, rows.rel, src=rows.src.filter(mask), dst=rows.dst.filter(mask),
                      props={k: v.filter(mask) for k, v in rows.props.items()})


# -- column encoders -------------------------------------------------------------------------------


def _binary(offsets: np.ndarray[Any, Any], data: np.ndarray[Any, Any], n: int) -> pa.Array:
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets.astype(np.int32)),
                                                  pa.py_buffer(np.ascontiguousarray(data))])


def _fixed(matrix: np.ndarray[Any, Any]) -> pa.Array:
    n, width = matrix.shape
    return _binary(np.arange(0, n * width + 1, width), matrix.reshape(-1), n)


def _numeric(values: np.ndarray[Any, Any], valid: np.ndarray[Any, Any], type_byte: int
             ) -> pa.Array:
    """type byte + 8 bytes for valid values, a single null byte for the others."""
    n = len(values)
    lengths = np.where(valid, 9, 1)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    data = np.zeros(int(offsets[-1]), dtype=np.uint8)
    starts = offsets[:-1][valid]
    data[starts] = type_byte
    payload = np.ascontiguousarray(values[valid]).view(np.uint8).reshape(-1, 8)
    data[starts[:, None] + np.arange(1, 9)] = payload
    return _binary(offsets, data, n)


def _strings(arr: pa.Array) -> pa.Array:
    """type byte 3 + UTF-8 + NUL for values, a null byte for nulls, as a binary column."""
    text = pc.binary_join_element_wise("\x03", arr, "\x00", "")
    return pc.fill_null(text, "\x00").cast(pa.binary())


def _encode(arr: pa.Array) -> pa.Array:
    type_ = arr.type
    n = len(arr)
    if pa.types.is_string(type_):
        return _strings(arr)
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_floating(type_):
        values = pc.fill_null(arr, 0.0).to_numpy(zero_copy_only=False).astype("<f8")
        return _numeric(values, valid, _DOUBLE)
    if pa.types.is_integer(type_):
        values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).astype("<i8")
        return _numeric(values, valid, _LONG)
    if pa.types.is_boolean(type_):
        flags = pc.fill_null(arr, False).to_numpy(zero_copy_only=False).astype(np.uint8)
        lengths = np.where(valid, 2, 1)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        data = np.zeros(int(offsets[-1]), dtype=np.uint8)
        starts = offsets[:-1][valid]
        data[starts] = _BOOL
        data[starts + 1] = flags[valid]
        return _binary(offsets, data, n)
    if pa.types.is_list(type_):
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(
            zero_copy_only=False).astype("<i8")
        heads = _numeric(lengths, valid, _ARRAY)
        flat = _strings(pc.list_flatten(arr))
        counts = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
        grouped = pa.ListArray.from_arrays(counts, flat)
        items = pc.if_else(pa.array(valid), pc.binary_join(grouped, b""), b"")
        return pc.binary_join_element_wise(heads, items, b"")
    if pa.types.is_null(type_):
        return pa.array([b"\x00"] * n, pa.binary())
    raise TypeError(f"cannot bulk-encode a {type_} column")


def _tag(name: str) -> bytes:
    """The same integer on every row: a source's or snapshot's tag."""
    return struct.pack("<Bq", _LONG, tag(name))


def _join(columns: list[Any], n: int) -> pa.Array:
    merged: list[Any] = []
    for part in columns:
        if isinstance(part, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += part
        else:
            merged.append(part)
    if not any(isinstance(p, pa.Array) for p in merged):
        return pa.array([b"".join(merged)] * n, pa.binary())
    joined = pc.binary_join_element_wise(*merged, b"")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined
