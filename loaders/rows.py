"""Turn checked chunks into the row batches of the model's generated upserts.

:func:`transform` maps a :class:`~chainscout.loaders.validate.ValidChunk` of a record kind to the
nodes and relationships it becomes (:class:`TargetRows`), incl. the derived ones: chain segments
from industry classes and keywords, a park's chains, an event's type. :class:`RowEncoder` then
renders them in the row shape of :func:`chainscout.graph.upsert.node_upsert` /
:func:`~chainscout.graph.upsert.relationship_upsert`, with the same content hash as
:func:`chainscout.graph.upsert.content_hash` (so rows loaded here and by ``node_row`` agree).

For FalkorDB the rows are rendered once, column-wise with pyarrow, straight into the Cypher literal
the client would otherwise build value by value in Python (:class:`CypherLiteral`); for other
stores they are plain dicts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainscout.graph.model import GraphModel, NodeType, PropType, RelType
from chainscout.graph.upsert import HASH_BYTES, content_hash, node_upsert, relationship_upsert, tag

from .formats import RecordKind, RelTarget
from .reference_data import Chain
from .validate import ValidChunk, data_bytes, has_bytes

SEGMENT_REL = ("IN_SEGMENT", "Enterprise", "ChainSegment")
#: Confidence of a segment derived from a core class, and from a broad class plus a keyword.
CLASS_CONFIDENCE = 1.0
KEYWORD_CONFIDENCE = 0.7
#: Merge-key defaults: an event's counterparty without a role is a plain counterparty.
PROP_DEFAULTS: Mapping[tuple[str, str], str] = {("INVOLVES", "role"): "counterparty"}


class CypherLiteral:
    """A parameter value that the FalkorDB client sends verbatim: an already rendered literal."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"CypherLiteral({len(self.text)} chars)"


@cache
def literal_params_supported() -> bool:
    """Whether the installed FalkorDB client passes :class:`CypherLiteral` through unchanged."""
    try:
        from falkordb.helpers import stringify_param_value
    except ImportError:  # pragma: no cover - falkordb is a dependency
        return False
    probe = CypherLiteral('[{`a`:"x"}]')
    try:
        return bool(stringify_param_value(probe) == probe.text)
    except Exception:
        return False


@dataclass
class TargetRows:
    """Rows for one node label or relationship spec, column-wise."""

    node: NodeType | None
    rel: RelType | None
    key: pa.Array | None = None  # node key
    src: pa.Array | None = None  # relationship ends
    dst: pa.Array | None = None
    props: dict[str, pa.Array] = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.node is not None:
            return self.node.label
        assert self.rel is not None
        return self.rel.name

    @property
    def length(self) -> int:
        arr = self.key if self.key is not None else self.src
        return 0 if arr is None else len(arr)


# -- transform -------------------------------------------------------------------------------------


def transform(spec: RecordKind, chunk: ValidChunk, model: GraphModel,
              segments: SegmentMatcher | None = None,
              explicit_segments: set[tuple[str, str]] | None = None) -> list[TargetRows]:
    """The nodes and relationships the valid rows of a chunk become, in write order."""
    out: list[TargetRows] = []
    cols = chunk.columns
    if spec.node is not None:
        node = model.node(spec.node.label)
        props = _props(node.properties, dict(spec.node.props), cols, chunk.length,
                       skip=node.key)
        out.append(TargetRows(node, None, key=cols[spec.node.key_field], props=props))
    for target in spec.relationships:
        rows = _relationship(target, cols, chunk.length, model)
        if rows.length:
            out.append(rows)
    if spec.derive_segments and segments is not None:
        rows = segments.derive(cols, explicit_segments or set(), model)
        if rows.length:
            out.append(rows)
    return out


def _props(declared: Sequence[Any], fields: Mapping[str, str], cols: Mapping[str, pa.Array],
           n: int, *, skip: str | None = None) -> dict[str, pa.Array]:
    props: dict[str, pa.Array] = {}
    for prop in declared:
        if prop.name == skip:
            continue
        source = fields.get(prop.name)
        props[prop.name] = cols[source] if source is not None else pa.nulls(n, _arrow(prop.type))
    return props


def _relationship(target: RelTarget, cols: Mapping[str, pa.Array], n: int,
                  model: GraphModel) -> TargetRows:
    rel = target.spec(model)
    keep = np.ones(n, dtype=bool)
    if target.when is not None:
        keep &= np.asarray(pc.fill_null(pc.equal(cols[target.when[0]], target.when[1]), False)
                           .to_numpy(zero_copy_only=False), dtype=bool)
    dst = cols[target.dst_field]
    if target.optional:
        keep &= np.asarray(pc.is_valid(dst).to_numpy(zero_copy_only=False), dtype=bool)
    mask = pa.array(keep)
    src = cols[target.src_field].filter(mask)
    dst = dst.filter(mask)
    fields = dict(target.props)
    props = {p.name: (cols[fields[p.name]].filter(mask) if p.name in fields
                      else pa.nulls(len(src), _arrow(p.type))) for p in rel.properties}
    if target.explode:
        parents = pc.list_parent_indices(dst)
        dst = pc.list_flatten(dst)
        src = src.take(parents)
        props = {k: v.take(parents) for k, v in props.items()}
    for (type_, prop), default in PROP_DEFAULTS.items():
        if rel.type == type_ and prop in props:
            props[prop] = pc.coalesce(props[prop], pa.scalar(default, pa.string()))
    return TargetRows(None, rel, src=src, dst=dst, props=props)


class SegmentMatcher:
    """Enterprise -> chain segments from GB/T classes and name/business-scope keywords.

    Same rule as :meth:`chainscout.loaders.reference_data.Segment.matches`: a core class places an
    enterprise in the segment; a broad class needs a keyword hit too.
    """

    def __init__(self, chains: Sequence[Chain]) -> None:
        self._by_code: dict[str, list[tuple[str, bool, re.Pattern[str] | None]]] = {}
        for chain in chains:
            for seg in chain.segments:
                words = sorted({k.casefold() for k in seg.keywords}, key=len, reverse=True)
                pattern = re.compile("|".join(map(re.escape, words))) if words else None
                for code in seg.gbt_codes:
                    self._by_code.setdefault(code, []).append((seg.id, True, pattern))
                for code in seg.gbt_codes_broad:
                    self._by_code.setdefault(code, []).append((seg.id, False, pattern))
        self._codes = pa.array(sorted(self._by_code), pa.string())

    def derive(self, cols: Mapping[str, pa.Array], explicit: set[tuple[str, str]],
               model: GraphModel) -> TargetRows:
        rel = model.relationship(*SEGMENT_REL)
        codes = cols["industry_code"]
        hit = np.asarray(pc.fill_null(pc.is_in(codes, value_set=self._codes), False)
                         .to_numpy(zero_copy_only=False), dtype=bool)
        idx = pa.array(np.flatnonzero(hit))
        usccs = cols["uscc"].take(idx).to_pylist()
        classes = codes.take(idx).to_pylist()
        names = cols["name"].take(idx).to_pylist()
        scopes = (cols["business_scope"].take(idx).to_pylist() if "business_scope" in cols
                  else [None] * len(usccs))
        out_src: list[str] = []
        out_dst: list[str] = []
        basis: list[str] = []
        confidence: list[float] = []
        for uscc, code, name, scope in zip(usccs, classes, names, scopes, strict=True):
            text: str | None = None
            for seg_id, core, keywords in self._by_code[code]:
                if (uscc, seg_id) in explicit:
                    continue
                if core:
                    out_src.append(uscc)
                    out_dst.append(seg_id)
                    basis.append("industry_code")
                    confidence.append(CLASS_CONFIDENCE)
                    continue
                if text is None:
                    text = f"{name or ''} {scope or ''}".casefold()
                if keywords is not None and keywords.search(text):
                    out_src.append(uscc)
                    out_dst.append(seg_id)
                    basis.append("keyword")
                    confidence.append(KEYWORD_CONFIDENCE)
        props = {"basis": pa.array(basis, pa.string()),
                 "confidence": pa.array(confidence, pa.float64())}
        return TargetRows(None, rel, src=pa.array(out_src, pa.string()),
                          dst=pa.array(out_dst, pa.string()), props=props)


def _arrow(type_: PropType) -> pa.DataType:
    return {
        PropType.STRING: pa.string(),
        PropType.DATE: pa.string(),
        PropType.FLOAT: pa.float64(),
        PropType.INTEGER: pa.int64(),
        PropType.BOOLEAN: pa.bool_(),
        PropType.STRING_LIST: pa.list_(pa.string()),
    }[type_]


# -- encode ----------------------------------------------------------------------------------------


@dataclass
class EncodedRows:
    """Rows of one target ready for its upsert query, batched on demand."""

    name: str
    cypher: str
    items: list[Any]  # per row: a rendered literal (str) or a dict
    literal: bool

    def __len__(self) -> int:
        return len(self.items)

    def batches(self, size: int) -> Iterator[tuple[Any, int]]:
        for start in range(0, len(self.items), size):
            part = self.items[start:start + size]
            if self.literal:
                yield CypherLiteral("[" + ",".join(part) + "]"), len(part)
            else:
                yield part, len(part)


class RowEncoder:
    """Renders :class:`TargetRows` as upsert rows with their content hashes."""

    def __init__(self, model: GraphModel, *, literal: bool) -> None:
        self.model = model
        self.literal = literal
        self._queries: dict[str, str] = {}

    def query(self, rows: TargetRows) -> str:
        cypher = self._queries.get(rows.name)
        if cypher is None:
            if rows.node is not None:
                cypher = node_upsert(rows.node).cypher
            else:
                assert rows.rel is not None
                cypher = relationship_upsert(self.model, rows.rel).cypher
            self._queries[rows.name] = cypher
        return cypher

    def encode(self, rows: TargetRows, *, snapshot: str, source: str) -> EncodedRows:
        hashes, falkor_props = self.hash_column(rows)
        items: list[Any]
        if self.literal:
            items = self._literals(rows, hashes, falkor_props, snapshot, source)
        else:
            items = self._dicts(rows, hashes.to_pylist(), snapshot, source)
        return EncodedRows(rows.name, self.query(rows), items, self.literal)

    def hashes(self, rows: TargetRows) -> tuple[list[int], list[Any] | None]:
        """``content_hash`` of every row's properties; also the props as FalkorDB literal parts."""
        column, falkor = self.hash_column(rows)
        return column.to_pylist(), falkor

    def hash_column(self, rows: TargetRows) -> tuple[pa.Array, list[Any] | None]:
        """:meth:`hashes` as an int64 column: the digests are read as integers by numpy, so the
        only Python work per row is the blake2b call itself."""
        n = rows.length
        names = sorted(rows.props)
        if not names:
            return pa.array(np.full(n, content_hash({}), dtype=np.int64)), None
        rendered = {name: _parts(rows.props[name]) for name in names}
        parts: list[Any] = []
        for i, name in enumerate(names):
            parts.append(("{" if i == 0 else ",") + json.dumps(name) + ":")
            parts += rendered[name][0]
        parts.append("}")
        blobs = _join(parts).cast(pa.binary()).to_pylist()
        # Copying a prepared hasher is cheaper than parsing blake2b's arguments for every row.
        fresh = hashlib.blake2b(digest_size=HASH_BYTES).copy
        digests: list[bytes] = []
        append = digests.append
        for blob in blobs:
            h = fresh()
            h.update(blob)
            append(h.digest())
        hashes = pa.array(np.frombuffer(b"".join(digests), dtype="<i8"))
        falkor: list[Any] | None = None
        if self.literal:
            falkor = []
            for i, name in enumerate(rows.props):  # model order, like the client would send
                falkor.append(("{" if i == 0 else ",") + f"`{name}`:")
                falkor += rendered[name][1]
            falkor.append("}")
        return hashes, falkor

    def _literals(self, rows: TargetRows, hash_arr: pa.Array, props: list[Any] | None,
                  snapshot: str, source: str) -> list[str]:
        tail = f",`snapshot`:{tag(snapshot)},`source`:{tag(source)}"
        props = props if props is not None else ["{}"]
        if rows.node is not None:
            assert rows.key is not None
            parts: list[Any] = ["{`key`:", *_parts(rows.key)[1], ",`props`:", *props,
                                ",`hash`:", hash_arr.cast(pa.string()), tail + "}"]
        else:
            assert rows.rel is not None and rows.src is not None and rows.dst is not None
            parts = ["{`src`:", *_parts(rows.src)[1], ",`dst`:", *_parts(rows.dst)[1],
                     ",`props`:", *props, ",`hash`:", hash_arr.cast(pa.string()), tail]
            if rows.rel.merge_keys:
                for i, k in enumerate(rows.rel.merge_keys):
                    parts += [(",`merge`:{" if i == 0 else ",") + f"`{k}`:",
                              *_parts(rows.props[k])[1]]
                parts.append("}")
            parts.append("}")
        return [str(v) for v in _join(parts, rows.length).to_pylist()]

    def _dicts(self, rows: TargetRows, hashes: list[int], snapshot_name: str, source_name: str
               ) -> list[dict[str, Any]]:
        snapshot, source = tag(snapshot_name), tag(source_name)
        names = list(rows.props)
        if names:
            table = pa.Table.from_arrays([rows.props[n] for n in names], names=names)
            props = table.to_pylist()
        else:
            props = [{} for _ in range(rows.length)]
        if rows.node is not None:
            assert rows.key is not None
            keys = rows.key.to_pylist()
            return [{"key": k, "props": p, "hash": h, "snapshot": snapshot, "source": source}
                    for k, p, h in zip(keys, props, hashes, strict=True)]
        assert rows.rel is not None and rows.src is not None and rows.dst is not None
        merge = rows.rel.merge_keys
        out: list[dict[str, Any]] = []
        for s, d, p, h in zip(rows.src.to_pylist(), rows.dst.to_pylist(), props, hashes,
                              strict=True):
            row: dict[str, Any] = {"src": s, "dst": d, "props": p, "hash": h,
                                   "snapshot": snapshot, "source": source}
            if merge:
                row["merge"] = {k: p[k] for k in merge}
            out.append(row)
        return out


_CONTROL = r"[\x00-\x1f]"


def _parts(arr: pa.Array) -> tuple[list[Any], list[Any]]:
    """A column as parts of the JSON and of the FalkorDB text: the quotes around plain strings
    become part of the neighbouring constant text instead of a pass of their own."""
    if pa.types.is_string(arr.type) and arr.null_count == 0 and not _has_control(arr):
        escaped = _escape(arr)
        return ['"', escaped, '"'], ['"', escaped, '"']
    json_text, falkor = _render(arr)
    return [json_text], [falkor]


def _join(parts: list[Any], n: int | None = None) -> pa.Array:
    """Concatenate constant strings and columns row by row, constants merged first."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if not any(isinstance(p, pa.Array) for p in merged):
        return pa.array(["".join(merged)] * (n or 0), pa.string())
    return pc.binary_join_element_wise(*merged, "")


def _render(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(JSON text as ``json.dumps`` writes it, FalkorDB literal as its client writes it)."""
    type_ = arr.type
    if pa.types.is_string(type_):
        escaped = _escape(arr)
        falkor = pc.binary_join_element_wise('"', escaped, '"', "")
        json_text = falkor
        if _has_control(arr):
            control = pc.fill_null(pc.match_substring_regex(arr, _CONTROL), False)
            idx = np.flatnonzero(control.to_numpy(zero_copy_only=False))
            fixed = [json.dumps(v, ensure_ascii=False) for v in
                     arr.take(pa.array(idx)).to_pylist()]
            json_text = _put(falkor, idx, fixed)
        return _null(json_text), _null(falkor)
    if pa.types.is_floating(type_):
        text = float_text(arr)
        return _null(text), _null(text)
    if pa.types.is_integer(type_):
        text = arr.cast(pa.string())
        return _null(text), _null(text)
    if pa.types.is_boolean(type_):
        text = pc.if_else(arr, "true", "false")
        return _null(text), _null(text)
    if pa.types.is_list(type_):
        flat = pc.list_flatten(arr)
        escaped = _escape(flat)
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False)
        offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
        rebuilt = pa.ListArray.from_arrays(offsets, escaped, mask=pc.is_null(arr))
        inner = pc.binary_join(rebuilt, '","')
        falkor = pc.if_else(pc.equal(pc.list_value_length(arr), 0), "[]",
                            pc.binary_join_element_wise('["', inner, '"]', ""))
        json_text = falkor
        if _has_control(flat):
            control = pc.fill_null(pc.match_substring_regex(pc.binary_join(arr, ""), _CONTROL),
                                   False)
            idx = np.flatnonzero(control.to_numpy(zero_copy_only=False))
            fixed = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in
                     arr.take(pa.array(idx)).to_pylist()]
            json_text = _put(falkor, idx, fixed)
        return _null(json_text), _null(falkor)
    if pa.types.is_null(type_):
        text = pa.array(["null"] * len(arr), pa.string())
        return text, text
    raise TypeError(f"cannot render a {type_} column")


def float_text(arr: pa.Array) -> pa.Array:
    """``repr`` of each float (as ``json.dumps`` and the FalkorDB client write it), vectorised.

    Arrow's shortest round-trip formatting has the same digits as Python's; it differs in leaving
    out ``.0`` of whole numbers and in when it uses an exponent (whenever that is shorter; Python
    below 1e-4 and from 1e16 on): values written with an exponent by either are left to Python.
    """
    values = arr.cast(pa.float64())
    text = values.cast(pa.string())
    exponent = pc.match_substring(text, "e")
    whole = pc.invert(pc.or_(pc.match_substring(text, "."), exponent))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
    magnitude = pc.abs(values)
    odd = pc.or_(exponent, pc.or_(pc.greater_equal(magnitude, 1e16),
                                  pc.and_(pc.greater(magnitude, 0.0), pc.less(magnitude, 1e-4))))
    odd_np = np.asarray(pc.fill_null(odd, False).to_numpy(zero_copy_only=False), dtype=bool)
    if odd_np.any():
        idx = np.flatnonzero(odd_np)
        fixed = [repr(v) for v in values.take(pa.array(idx)).to_pylist()]
        text = _put(text, idx, fixed)
    return text


def _escape(arr: pa.Array) -> pa.Array:
    """Backslashes and double quotes escaped, as in the client's quoting (skipped if none)."""
    if not has_bytes(arr, b'\\"'):
        return arr
    return pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')


def _has_control(arr: pa.Array) -> bool:
    data = data_bytes(arr)
    return True if data is None else bool((data < 0x20).any())


def _null(text: pa.Array) -> pa.Array:
    return pc.fill_null(text, "null")


def _put(arr: pa.Array, idx: np.ndarray[Any, Any], values: list[str]) -> pa.Array:
    out = arr.to_pylist()
    for i, v in zip(idx.tolist(), values, strict=True):
        out[i] = v
    return pa.array(out, pa.string())
