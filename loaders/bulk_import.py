"""The bulk path: ``neo4j-admin database import`` CSV files from the same inputs.

For an initial national-scale build, Cypher upserts are the slow way in. :func:`write_bulk_import`
runs the same read → validate → transform steps as a load (same checks, same rejects file, same
derived relationships, same content hashes, snapshot and source tags) but writes one CSV file per
node label and per relationship spec instead of writing to a store::

    nodes-Enterprise.csv       uscc:ID(Enterprise),name,registered_capital:double,…,:LABEL
    rels-Person-HOLDS_SHARES-Enterprise.csv
                               :START_ID(Person),:END_ID(Enterprise),percentage:double,…,:TYPE

Every file has its header in its first line. Keys live in one ID space per label (``ID(Label)``),
so a person and an enterprise may share a key; the ``:ID`` column is also stored as the key
property. Lists use ``;`` as array delimiter; values may contain line breaks. Pass
:attr:`BulkImportFiles.admin_args` to the tool (``Neo4jLocal.bulk_import(..., extra_args=...)``).
Because hashes and tags match an incremental load, loading the same inputs afterwards with
``chainscout load`` reports zero changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from chainscout.graph.model import GraphModel, PropType, graph_model
from chainscout.graph.upsert import tag

from .checkpoint import Checkpoint
from .formats import LIST_SEPARATOR
from .pipeline import LoadOptions, LoadSummary, TargetStats, run_load
from .rows import RowEncoder, TargetRows
from .worker import OrderedWorker

#: Tables waiting for the CSV writer thread at most.
_WRITE_DEPTH = 4
#: Options ``neo4j-admin database import full`` needs for these files.
ADMIN_ARGS = ("--array-delimiter=;", "--multiline-fields=true", "--id-type=string")
_TYPE_SUFFIX = {
    PropType.STRING: "",
    PropType.DATE: "",
    PropType.FLOAT: ":double",
    PropType.INTEGER: ":long",
    PropType.BOOLEAN: ":boolean",
    PropType.STRING_LIST: ":string[]",
}


@dataclass
class BulkImportFiles:
    """The files written, in the order to pass them, and the load summary."""

    directory: Path
    nodes: list[Path] = field(default_factory=list)
    relationships: list[Path] = field(default_factory=list)
    summary: LoadSummary | None = None
    admin_args: tuple[str, ...] = ADMIN_ARGS


class BulkSink:
    """Appends each target's rows to its CSV file with typed neo4j-admin headers."""

    def __init__(self, out_dir: Path, model: GraphModel, targets: dict[str, TargetStats],
                 part: str = "") -> None:
        self.out_dir = out_dir
        self.model = model
        self.targets = targets
        self.suffix = f".{part}" if part else ""
        self.encoder = RowEncoder(model, literal=False)
        self.files = BulkImportFiles(out_dir)
        self._writers: dict[str, tuple[pcsv.CSVWriter, pa.Schema]] = {}
        self._io = OrderedWorker("chainscout-bulk-files", _WRITE_DEPTH)

    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
        if not rows.length:
            return
        hashes, _ = self.encoder.hash_column(rows)
        n = rows.length
        columns: list[pa.Array] = []
        names: list[str] = []
        if rows.node is not None:
            assert rows.key is not None
            node = rows.node
            names.append(f"{node.key}:ID({node.label})")
            columns.append(rows.key)
            for prop in node.properties:
                if prop.name == node.key:
                    continue
                names.append(prop.name + _TYPE_SUFFIX[prop.type])
                columns.append(_cell(rows.props[prop.name]))
        else:
            assert rows.rel is not None and rows.src is not None and rows.dst is not None
            rel = rows.rel
            names += [f":START_ID({rel.source})", f":END_ID({rel.target})"]
            columns += [rows.src, rows.dst]
            for prop in rel.properties:
                names.append(prop.name + _TYPE_SUFFIX[prop.type])
                columns.append(_cell(rows.props[prop.name]))
        bookkeeping = {"_hash": hashes, "_snapshot": _repeat(tag(snapshot), n),
                       "_source": _repeat(tag(source), n)}
        for prop in self.model.bookkeeping:
            names.append(prop.name + _TYPE_SUFFIX[prop.type])
            columns.append(bookkeeping[prop.name])
        if rows.node is not None:
            names.append(":LABEL")
            columns.append(_repeat(rows.node.label, n))
        else:
            assert rows.rel is not None
            names.append(":TYPE")
            columns.append(_repeat(rows.rel.type, n))
        table = pa.Table.from_arrays(columns, names=names)
        writer = self._writer(rows, table.schema)
        # Formatting and writing the CSV (C++, without the GIL) overlaps checking the next chunk.
        self._io.submit(partial(writer.write_table, table))
        self.targets.setdefault(rows.name, TargetStats()).sent += n

    def _writer(self, rows: TargetRows, schema: pa.Schema) -> pcsv.CSVWriter:
        entry = self._writers.get(rows.name)
        if entry is None:
            if rows.node is not None:
                path = self.out_dir / f"nodes-{rows.node.label}{self.suffix}.csv"
                self.files.nodes.append(path)
            else:
                assert rows.rel is not None
                rel = rows.rel
                path = self.out_dir / f"rels-{rel.source}-{rel.type}-{rel.target}{self.suffix}.csv"
                self.files.relationships.append(path)
            writer = pcsv.CSVWriter(path, schema,
                                    write_options=pcsv.WriteOptions(quoting_style="needed"))
            self._writers[rows.name] = (writer, schema)
            return writer
        return entry[0]

    def mark(self, key: str, chunks: int) -> None:
        return None

    # -- a part written by a second loader process (loaders/second_process.py) ------------------
    @contextlib.contextmanager
    def forking(self) -> Iterator[None]:
        self._io.close()  # every queued table written (the next write starts a new thread)
        yield

    def part(self, name: str, targets: dict[str, TargetStats]) -> BulkSink:
        return BulkSink(self.out_dir, self.model, targets, part=name)

    def outputs(self) -> tuple[list[Path], list[Path]]:
        return self.files.nodes, self.files.relationships

    def adopt(self, outputs: tuple[list[Path], list[Path]]) -> None:
        nodes, relationships = outputs
        self.files.nodes.extend(nodes)
        self.files.relationships.extend(relationships)

    def close(self) -> None:
        try:
            self._io.close()
        finally:
            self._close_files()

    def abort(self) -> None:
        """Drop what is queued and close the files; the error that stopped the load is the one
        to report, not the worker's "aborted" or a file's."""
        try:
            self._io.abort()
        finally:
            with contextlib.suppress(Exception):
                self._close_files()

    def _close_files(self) -> None:
        """Close every file; the first failure is raised once all are closed."""
        writers, self._writers = list(self._writers.values()), {}
        failures: list[Exception] = []
        for writer, _ in writers:
            try:
                writer.close()
            except Exception as exc:
                failures.append(exc)
        if failures:
            raise failures[0]


def _repeat(value: str | int, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value), n)  # a string or int64 column


def _cell(arr: pa.Array) -> pa.Array:
    """Lists as ``a;b`` text, everything else as is (CSV writes numbers and nulls itself)."""
    if pa.types.is_list(arr.type):
        return pc.binary_join(arr, LIST_SEPARATOR)
    return arr


def write_bulk_import(directory: Path, out_dir: Path, options: LoadOptions | None = None,
                      *, model: GraphModel | None = None) -> BulkImportFiles:
    """Check and transform the input files of ``directory`` into neo4j-admin CSV files.

    ``out_dir`` is created and must not hold earlier import files (they would be imported too).
    References must resolve inside the inputs: there is no store to look them up in.
    """
    options = options or LoadOptions()
    model = model or graph_model()
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = sorted(p.name for p in out_dir.glob("*.csv") if p.name.startswith(("nodes-", "rels-")))
    if stale:
        from .errors import LoadError

        raise LoadError(out_dir, f"already holds import files ({', '.join(stale[:3])}…); "
                        "use an empty directory")
    sinks: list[BulkSink] = []

    def make_sink(targets: dict[str, TargetStats], checkpoint: Checkpoint) -> BulkSink:
        sink = BulkSink(out_dir, model, targets)
        sinks.append(sink)
        return sink

    summary, _ = run_load(directory, options, make_sink, model=model, checkpoints=False)
    files = sinks[0].files
    summary.store = "neo4j-admin import files"
    files.summary = summary
    return files

