"""Load a directory of input files into a graph store: read → validate → transform → write.

:func:`load_directory` is the whole load:

1. find the input files (:func:`~chainscout.loaders.readers.discover`) and check every one of them
   before anything is written — a malformed file stops the load with a
   :class:`~chainscout.loaders.errors.LoadError`;
2. load the reference data (GB/T 4754 industries, chains and segments, event types);
3. per record kind, in model order (nodes before the relationships between them), stream each file
   in chunks: check the fields, then duplicates, references and ownership totals; write rejected rows
   to the rejects file; transform the rest into node and relationship rows and hand them, batched,
   to a writer thread that runs the model's generated ``UNWIND $rows`` upserts (one transaction per
   batch, retried on transient errors) while the next chunk is being checked;
4. optionally prune what this source loaded before but the new snapshot no longer has.

A checkpoint after every chunk lets a crashed load resume; the summary reconciles read = loaded +
rejected for every file and counts what changed in the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol, cast

import pyarrow as pa
from tqdm import tqdm

from chainscout.graph.model import LOAD_SOURCE, GraphModel, PropType, graph_model
from chainscout.graph.stores.base import GraphStore, StoreError, StoreUnavailable
from chainscout.graph.upsert import stale_nodes, stale_relationships, tag

from .checkpoint import Checkpoint
from .derive import derive
from .errors import LoadError
from .formats import KIND_ORDER, record_kind
from .mapping import STANDARDS, load_mapping
from .readers import ChunkSource, InputFile, discover, file_digest_update, open_source
from .reference_data import load_chains, load_event_types, load_gbt4754
from .rejects import Reject, RejectsWriter
from .rows import RowEncoder, SegmentMatcher, TargetRows, literal_params_supported, transform
from .second_process import KINDS as PARALLEL_KINDS
from .second_process import PartResult, PartSink, SecondProcess, can_split
from .validate import (
    DEFAULT_OWNERSHIP_TOLERANCE,
    ChunkValidator,
    LoadState,
    ReferenceData,
    ValidChunk,
)
from .worker import OrderedWorker, while_waiting

REFERENCE_SOURCE = "reference"
#: The checkpoint key of the LoadSource nodes written at the end of a load.
LOAD_SOURCES = "load-sources"
WRITE_RETRIES = 4
PRUNE_BATCH = 10_000
_QUEUE_DEPTH = 6


@dataclass
class LoadOptions:
    mapping: Path | None = None
    #: Snapshot id; default: a hash of the input files (and mapping), so a rerun changes nothing.
    snapshot: str | None = None
    #: Name of the source; default: the directory's name. Items are tagged ``<source>:<kind>``.
    source: str | None = None
    prune: bool = False
    #: Rejects file; default ``<data dir>/loads/<source>.rejects.csv``.
    rejects: Path | None = None
    batch_size: int = 5000
    progress: bool = True
    #: Check and transform everything, write only the rejects file.
    dry_run: bool = False
    resume: bool = True
    #: Load the reference data too (turn off only when the store already has it).
    reference: bool = True
    ownership_tolerance: float = DEFAULT_OWNERSHIP_TOLERANCE
    apply_schema: bool = True
    #: Build an empty embedded FalkorDB graph with GRAPH.BULK instead of upserts (same result).
    bulk_when_empty: bool = True
    #: Loader processes: with 2, a sink that can write a part of its own (the bulk-import files,
    #: the GRAPH.BULK build) has the largest relationship kind checked and written by a second one
    #: (second_process.py).
    processes: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))


@dataclass
class FileStats:
    file: str
    kind: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.rejected


@dataclass
class TargetStats:
    sent: int = 0
    created: int = 0
    updated: int = 0
    restamped: int = 0
    deleted: int = 0

    @property
    def unchanged(self) -> int:
        return self.sent - self.created - self.updated - self.restamped

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "created": self.created, "updated": self.updated,
                "restamped": self.restamped, "deleted": self.deleted}

    def add(self, other: TargetStats) -> None:
        """Count another writer's rows of the same target too (a second loader process)."""
        self.sent += other.sent
        self.created += other.created
        self.updated += other.updated
        self.restamped += other.restamped
        self.deleted += other.deleted


@dataclass
class LoadSummary:
    directory: str
    source: str
    snapshot: str
    store: str | None
    rejects_path: str | None
    files: list[FileStats] = field(default_factory=list)
    targets: dict[str, TargetStats] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    resumed: bool = False
    dry_run: bool = False

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def reconciles(self) -> bool:
        return all(f.reconciles for f in self.files)

    @property
    def changes(self) -> int:
        """Nodes and relationships created, updated or deleted in the store."""
        return sum(t.created + t.updated + t.deleted for t in self.targets.values())

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def table(self) -> str:
        """The summary as a plain-text table for the terminal."""
        lines: list[str] = []
        w = max([len(f.file) for f in self.files] + [4])
        lines.append(f"{'file':<{w}}  {'kind':<20} {'read':>10} {'loaded':>10} {'rejected':>9}")
        for f in self.files:
            mark = "" if f.reconciles else "  (does not reconcile!)"
            lines.append(f"{f.file:<{w}}  {f.kind:<20} {f.read:>10,} {f.loaded:>10,} "
                         f"{f.rejected:>9,}{mark}")
        lines.append(f"{'total':<{w}}  {'':<20} {self.read:>10,} {self.loaded:>10,} "
                     f"{self.rejected:>9,}")
        if self.targets:
            lines.append("")
            t = max(len(n) for n in self.targets)
            lines.append(f"{'graph':<{t}}  {'rows':>10} {'created':>9} {'updated':>9} "
                         f"{'unchanged':>10} {'deleted':>8}")
            for name, s in self.targets.items():
                lines.append(f"{name:<{t}}  {s.sent:>10,} {s.created:>9,} {s.updated:>9,} "
                             f"{s.unchanged + s.restamped:>10,} {s.deleted:>8,}")
        lines.append("")
        verb = "checked (dry run)" if self.dry_run else f"loaded into {self.store}"
        lines.append(f"{self.read:,} rows read, {self.loaded:,} {verb}, {self.rejected:,} "
                     f"rejected in {self.seconds:.1f}s ({self.rows_per_second:,.0f} rows/s); "
                     f"{self.changes:,} changes; source {self.source}, snapshot {self.snapshot}"
                     + ("; resumed from a checkpoint" if self.resumed else ""))
        if self.rejected and self.rejects_path:
            lines.append(f"rejects: {self.rejects_path}")
        for f in self.files:
            if f.ignored_columns:
                lines.append(f"{f.file}: ignored columns {', '.join(f.ignored_columns)}")
        if self.ignored_files:
            lines.append(f"ignored files: {', '.join(self.ignored_files)}")
        return "\n".join(lines)


# -- where rows go ---------------------------------------------------------------------------------


class Sink(Protocol):
    """Receives the transformed rows of a load: a store, a counter (dry run) or bulk CSV files."""

    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None: ...

    def mark(self, key: str, chunks: int) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class StoreSink:
    """Encodes rows for the store and writes them on one thread, so checking the next chunk
    overlaps the store's work; batches are written in order, one transaction each."""

    def __init__(self, store: GraphStore, model: GraphModel, targets: dict[str, TargetStats],
                 checkpoint: Checkpoint | None, batch_size: int) -> None:
        self.store = store
        self.targets = targets
        self.checkpoint = checkpoint
        self.batch_size = batch_size
        literal = store.name == "falkordb" and literal_params_supported()
        self.encoder = RowEncoder(model, literal=literal)
        self._writer = OrderedWorker("chainscout-load-writer", _QUEUE_DEPTH)

    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
        encoded = self.encoder.encode(rows, snapshot=snapshot, source=source)
        for params, count in encoded.batches(self.batch_size):
            self._writer.submit(partial(self._write, encoded.name, encoded.cypher, params, count))

    def mark(self, key: str, chunks: int) -> None:
        """Record progress once every batch queued before has been written."""
        self._writer.submit(partial(self._save_checkpoint, key, chunks))

    def close(self) -> None:
        """Wait for every queued write; re-raise the first failure."""
        self._writer.close()

    def abort(self) -> None:
        """Finish the queued writes (idempotent upserts, so a resumed load may repeat them)."""
        with contextlib.suppress(BaseException):  # the first error is the one to report
            self._writer.close()

    def _save_checkpoint(self, key: str, chunks: int) -> None:
        if self.checkpoint is not None:
            self.checkpoint.save(key, chunks, {k: v.as_dict() for k, v in self.targets.items()})

    def _write(self, name: str, cypher: str, rows: Any, count: int) -> None:
        result = write_with_retries(self.store, cypher, {"rows": rows})
        stats = self.targets.setdefault(name, TargetStats())
        stats.sent += count
        if result:
            created = int(result[0].get("created") or 0)
            updated = int(result[0].get("updated") or 0)
            touched = int(result[0].get("touched") or 0)
            stats.created += created
            stats.updated += updated
            stats.restamped += max(touched - created - updated, 0)


def write_with_retries(store: GraphStore, cypher: str, params: dict[str, Any],
                       retries: int = WRITE_RETRIES) -> list[dict[str, Any]]:
    """One batch in one transaction; an unreachable store is retried with backoff.

    The stores retry their own transient errors (Neo4j's managed transactions, FalkorDB's
    reconnect); this adds a longer backoff for a store that is briefly gone. Safe because every
    batch is an idempotent upsert.
    """
    delay = 0.5
    for attempt in range(retries):
        try:
            return store.write(cypher, params)
        except StoreUnavailable:
            if attempt == retries - 1:
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


class CountSink:
    """Dry run: count the rows, write nothing."""

    def __init__(self, targets: dict[str, TargetStats]) -> None:
        self.targets = targets

    def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
        self.targets.setdefault(rows.name, TargetStats()).sent += rows.length

    def mark(self, key: str, chunks: int) -> None:
        return None

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


# -- the load --------------------------------------------------------------------------------------


def default_rejects_path(source: str) -> Path:
    from chainscout.settings import get_settings

    return get_settings().data_dir / "loads" / f"{_safe(source)}.rejects.csv"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "load"


def input_snapshot(files: Iterable[Path], extra: Iterable[Path] = ()) -> str:
    """The default snapshot id: a hash of the input files' contents (and the mapping file)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in [*sorted(files), *extra]:
        digest.update(path.name.encode())
        file_digest_update(digest, path)
    return "sha-" + digest.hexdigest()


class _InputSnapshot:
    """:func:`input_snapshot` on a thread: hashing releases the GIL, so reading and hashing the
    files overlaps checking them (the id is the same content hash as before)."""

    def __init__(self, files: list[Path], extra: list[Path]) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(files, extra), daemon=True,
                                        name="chainscout-snapshot-hash")
        self._thread.start()

    def _run(self, files: list[Path], extra: list[Path]) -> None:
        try:
            self._value = input_snapshot(files, extra)
        except BaseException as exc:  # re-raised by result(), on the loading thread
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


@dataclass
class _Plan:
    """Checked sources by kind, standards' conversions, and what the load will write."""

    sources: dict[str, list[ChunkSource]]
    standard_stats: list[FileStats]
    standard_rejects: list[Reject]
    inputs: list[InputFile]
    ignored: list[str]


def discover_inputs(directory: Path, options: LoadOptions) -> tuple[list[InputFile], list[str]]:
    """The input files of a load and the ignored ones; :class:`LoadError` when there are none."""
    mapping = load_mapping(options.mapping) if options.mapping is not None else None
    inputs, ignored = discover(directory, mapping)
    if not inputs:
        raise LoadError(directory, "no input files found: expected files named after their "
                        f"kind ({', '.join(k + '.csv' for k in KIND_ORDER[:3])}, …, as CSV, "
                        "Parquet or JSON Lines), a mapping file that matches them, or bods/, "
                        "gleif/, ftm/ subdirectories")
    return inputs, ignored


def plan_load(directory: Path, options: LoadOptions,
              discovered: tuple[list[InputFile], list[str]] | None = None) -> _Plan:
    """Find and check every input file; raise :class:`LoadError` for the first unusable one."""
    inputs, ignored = discovered or discover_inputs(directory, options)
    sources: dict[str, list[ChunkSource]] = {k: [] for k in KIND_ORDER}
    for file in inputs:
        if file.kind in STANDARDS:
            continue
        source = open_source(file, record_kind(file.kind))
        source.check()
        sources[file.kind].append(source)
    standard_stats: list[FileStats] = []
    standard_rejects: list[Reject] = []
    for standard in STANDARDS:
        files = [f for f in inputs if f.kind == standard]
        if not files:
            continue
        from .standards import convert

        converted = convert(standard, files)
        for src in converted.sources:
            sources[src.kind].append(src)
        standard_rejects.extend(converted.rejects)
        for display, count in converted.unmapped.items():
            standard_stats.append(FileStats(display, standard, read=count, rejected=count))
    return _Plan(sources, standard_stats, standard_rejects, inputs, ignored)


def load_directory(store: GraphStore | None, directory: Path,
                   options: LoadOptions | None = None) -> LoadSummary:
    """Load every input file in ``directory`` into ``store`` (``None`` only for a dry run)."""
    options = options or LoadOptions()
    if store is None and not options.dry_run:
        raise ValueError("a store is needed unless dry_run is set")
    model = store.model if store is not None else graph_model()
    empty = store is not None and not options.dry_run and store_is_empty(store)
    if empty:
        # A checkpoint of an earlier run is stale when the graph is empty (wiped since).
        options = replace(options, resume=False)

    derived = False  # the sink wrote the derived properties itself

    def make_sink(targets: dict[str, TargetStats], checkpoint: Checkpoint) -> Sink:
        nonlocal derived
        if options.dry_run or store is None:
            return CountSink(targets)
        if empty and options.bulk_when_empty and store.name == "falkordb":
            from .falkordb_bulk import FalkorBulkSink, reset_graph

            reset_graph(store)
            derived = FalkorBulkSink.derives
            return FalkorBulkSink(store, model, targets, apply_schema=options.apply_schema)
        if options.apply_schema:
            store.apply_schema()
        return StoreSink(store, model, targets, checkpoint, options.batch_size)

    # The embedded store forks for its background saves after the load, not during it.
    paused = (store.background_saves_paused() if store is not None and not options.dry_run
              else contextlib.nullcontext())
    with paused:
        summary, plan = run_load(directory, options, make_sink, model=model, store=store)
        if options.prune and store is not None and not options.dry_run:
            kinds = [k for k in KIND_ORDER if plan.sources[k]]
            _prune(store, model, kinds, summary.source, summary.snapshot, summary.targets,
                   options.reference)
        # loaders/derive.py; a graph that was empty before this load holds nothing stale, and
        # one built by the bulk sink holds its derived properties already
        if not derived:
            derive(store, dry_run=options.dry_run, targets=summary.targets, fresh=empty)
    return summary


def run_load(directory: Path, options: LoadOptions,
             make_sink: Callable[[dict[str, TargetStats], Checkpoint], Sink], *,
             model: GraphModel, store: GraphStore | None = None,
             checkpoints: bool = True) -> tuple[LoadSummary, _Plan]:
    """Read, check and transform every input file and hand the rows to a sink.

    ``store`` (optional) answers look-ups of references that are not in the load; the sink
    decides where the rows go.
    """
    started = time.perf_counter()
    directory = Path(directory)
    discovered = discover_inputs(directory, options)
    hashing = None if options.snapshot else _InputSnapshot(
        [f.path for f in discovered[0]], [options.mapping] if options.mapping else [])
    plan = plan_load(directory, options, discovered)
    source = options.source or directory.resolve().name
    ref = ReferenceData.load()
    state = LoadState(ref, store_lookup=_store_lookup(store, model) if store else None,
                      ownership_tolerance=options.ownership_tolerance)
    # The first passes write nothing. The first kind's run while the snapshot's hash is computed;
    # the others whenever the loader would wait for the store, and at the latest before their kind.
    passes = FirstPasses(plan, state, ref)
    cached = passes.finish(_passes_before(KIND_ORDER[0]))
    snapshot = options.snapshot or (hashing.result() if hashing else "")
    rejects_path = options.rejects or default_rejects_path(source)
    fingerprint = f"{source}|{snapshot}|{options.prune}|{options.dry_run}"
    checkpoint, resumed = Checkpoint.open(
        rejects_path.with_name(rejects_path.name + ".checkpoint.json"), fingerprint,
        resume=checkpoints and options.resume and not options.dry_run)
    targets: dict[str, TargetStats] = {}
    if resumed:
        targets = {k: TargetStats(**v) for k, v in checkpoint.targets.items()}
    summary = LoadSummary(str(directory), source, snapshot, None if store is None else store.name,
                          str(rejects_path), targets=targets, ignored_files=plan.ignored,
                          resumed=resumed, dry_run=options.dry_run)
    sink = make_sink(targets, checkpoint)
    second: SecondProcess | None = None  # some kinds checked and written by a forked loader
    with RejectsWriter(rejects_path) as rejects:
        rejects.write(plan.standard_rejects)
        summary.files.extend(plan.standard_stats)
        try:
            if (options.reference or getattr(sink, "needs_reference", False)) and (
                    checkpoint.chunks_done(REFERENCE_SOURCE) == 0):
                ref_snapshot = reference_snapshot()
                for rows in reference_targets(model):
                    sink.put(rows, snapshot=ref_snapshot, source=REFERENCE_SOURCE)
                sink.put(load_source_rows(model, REFERENCE_SOURCE, ref_snapshot),
                         snapshot=ref_snapshot, source=REFERENCE_SOURCE)
                sink.mark(REFERENCE_SOURCE, 1)
            matcher = SegmentMatcher(load_chains())

            def load_kinds(kinds: tuple[str, ...], into: Sink, writer: RejectsWriter, *,
                           opts: LoadOptions) -> list[FileStats]:
                return [_load_source(src, kind, state, ref, model, into, writer, checkpoint,
                                     matcher, opts, snapshot=snapshot, source=source_name(source, kind),
                                     checked=cached.pop(id(src), None))
                        for kind in kinds for src in plan.sources[kind]]

            with while_waiting(passes.step):
                for kind in KIND_ORDER:
                    cached.update(passes.finish(_passes_before(kind)))
                    if second is None and _splits_here(kind, plan, sink, options):
                        cached.update(passes.finish())  # the child must find nothing pending
                        second = SecondProcess(cast(PartSink, sink), partial(
                            load_kinds, PARALLEL_KINDS, opts=replace(options, progress=False)))
                    if second is not None and kind in PARALLEL_KINDS:
                        continue
                    summary.files.extend(load_kinds((kind,), sink, rejects, opts=options))
                if second is not None:
                    _adopt(second.join(), summary, rejects, sink)
                for kind in KIND_ORDER:
                    if plan.sources[kind]:
                        name = source_name(source, kind)
                        sink.put(load_source_rows(model, name, snapshot), snapshot=snapshot,
                                 source=name)
                sink.mark(LOAD_SOURCES, 1)
                sink.close()
        except BaseException:
            if second is not None:
                second.stop()
            sink.abort()
            rejects.flush()
            raise
        rejects.flush()
    checkpoint.remove()
    summary.seconds = time.perf_counter() - started
    return summary, plan


def _splits_here(kind: str, plan: _Plan, sink: Sink, options: LoadOptions) -> bool:
    """Fork the second loader where no kind left registers keys it reads (every node kind its
    kinds refer to is done; parks or events may still come), if it has rows to take and may."""
    rest = KIND_ORDER[KIND_ORDER.index(kind):]
    read = {label for k in PARALLEL_KINDS for _, label, _ in record_kind(k).references()}
    return (options.processes > 1 and all(k in rest for k in PARALLEL_KINDS)
            and not any((node := record_kind(k).node) is not None and node.label in read
                        for k in rest)
            and any(plan.sources[k] for k in PARALLEL_KINDS) and can_split(sink))


def _adopt(result: PartResult, summary: LoadSummary, rejects: RejectsWriter, sink: Sink) -> None:
    """Add the second loader's files, counts, rejects and outputs to this load's."""
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    summary.files.extend(result.files)
    summary.files.sort(key=lambda f: order.get(f.kind, -1))  # stable: sources stay in order
    for name, theirs in result.targets.items():
        summary.targets.setdefault(name, TargetStats()).add(theirs)
    rejects.write(result.rejects)
    cast(PartSink, sink).adopt(result.outputs)


def store_is_empty(store: GraphStore) -> bool:
    """Whether the store's graph has no nodes at all."""
    rows = store.read("MATCH (n) RETURN count(n) AS n")
    return bool(rows) and int(rows[0]["n"]) == 0


def _store_lookup(store: GraphStore, model: GraphModel) -> Callable[[str, list[str]], set[str]]:
    def lookup(label: str, keys: list[str]) -> set[str]:
        model.check_label(label)
        key = model.key_of(label)
        found: set[str] = set()
        cypher = f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN n.{key} AS k"
        for start in range(0, len(keys), 5000):
            rows = store.read(cypher, {"keys": keys[start:start + 5000]})
            found.update(str(r["k"]) for r in rows)
        return found

    return lookup


#: Validated chunks of the first passes kept for the main pass (instead of reading and checking
#: those files twice), up to this many bytes of typed columns; beyond it a file is read again.
FIRST_PASS_CACHE_BYTES = 512 << 20

#: A source's checked chunks, kept from its first pass: (records read, valid chunk).
CheckedChunks = list[tuple[int, ValidChunk]]


#: Kinds read in a first pass -> the kind whose rows need it: explicit segments before the
#: enterprises (the derived segments leave those pairs to them), every branch key before the
#: branches (a branch names its parent branch), ownership totals before the shareholdings.
FIRST_PASSES = {"enterprise_segments": "enterprises", "branches": "branches",
                "shareholdings": "shareholdings"}


def _passes_before(kind: str) -> tuple[str, ...]:
    return tuple(first for first, before in FIRST_PASSES.items() if before == kind)


class FirstPasses:
    """What some kinds need to know about all their rows before any row is checked
    (:data:`FIRST_PASSES`, in that order), one chunk per :meth:`step`.

    The checked chunks are kept by ``id`` of their source while they fit in
    :data:`FIRST_PASS_CACHE_BYTES`: the main pass takes them from :meth:`finish`, so those files
    are read and field-checked once.
    """

    def __init__(self, plan: _Plan, state: LoadState, ref: ReferenceData) -> None:
        self.cache: dict[int, CheckedChunks] = {}
        self.done: set[str] = set()
        self._left = FIRST_PASS_CACHE_BYTES
        self._steps = self._run(plan, state, ref)

    def step(self) -> bool:
        """Check one more chunk; False when every pass is done."""
        return next(self._steps, False)

    def finish(self, kinds: tuple[str, ...] = tuple(FIRST_PASSES)) -> dict[int, CheckedChunks]:
        """Complete the passes of ``kinds`` (default all); hand over the chunks kept so far."""
        while not self.done.issuperset(kinds) and self.step():
            pass
        cache, self.cache = self.cache, {}
        return cache

    def _run(self, plan: _Plan, state: LoadState, ref: ReferenceData) -> Iterator[bool]:
        for kind in FIRST_PASSES:
            for src in plan.sources[kind]:
                validator = ChunkValidator(record_kind(kind), ref, src.options, src.display)
                kept: CheckedChunks | None = []
                used = 0
                for chunk in src.chunks():
                    valid = validator.validate(chunk)
                    _first_pass_rows(kind, valid, state)
                    if kept is not None:
                        used += sum(c.nbytes for c in valid.columns.values())
                        if used <= self._left:
                            kept.append((chunk.read, valid))
                        else:
                            kept = None
                    yield True
                if kept is not None:
                    self.cache[id(src)] = kept
                    self._left -= used
            if kind == "shareholdings":
                state.ownership.close()
            self.done.add(kind)
        yield False


def _first_pass_rows(kind: str, valid: ValidChunk, state: LoadState) -> None:
    if kind == "enterprise_segments":
        state.explicit_segments.update(zip(valid.columns["uscc"].to_pylist(),
                                           valid.columns["segment_id"].to_pylist(), strict=True))
    elif kind == "shareholdings":
        state.add_ownership(valid)
    else:
        state.add_pending("Branch", valid, "branch_id")


def _load_source(src: ChunkSource, kind: str, state: LoadState, ref: ReferenceData,
                 model: GraphModel, sink: Sink, rejects: RejectsWriter, checkpoint: Checkpoint,
                 matcher: SegmentMatcher, options: LoadOptions, *, snapshot: str, source: str,
                 checked: CheckedChunks | None = None) -> FileStats:
    spec = record_kind(kind)
    validator = ChunkValidator(spec, ref, src.options, src.display)
    stats = FileStats(src.display, kind)
    key = f"{kind}|{src.display}"
    done = checkpoint.chunks_done(key)
    bar = tqdm(total=src.estimated_rows, unit=" rows", unit_scale=True, leave=False,
               desc=f"{kind} {src.display}", disable=not options.progress)
    chunks: Iterable[tuple[int, ValidChunk]] = checked if checked is not None else (
        (chunk.read, validator.validate(chunk)) for chunk in src.chunks())
    try:
        for number, (read, valid) in enumerate(chunks, start=1):
            state.check(spec, valid, src.display)
            rejects.write(valid.rejects)
            stats.read += read
            stats.loaded += valid.length
            stats.rejected += valid.rejected
            bar.update(read)
            if number <= done:
                continue  # written before a crash; checked again to rebuild state and rejects
            if valid.length:
                for rows in transform(spec, valid, model, matcher, state.explicit_segments):
                    sink.put(rows, snapshot=snapshot, source=source)
            sink.mark(key, number)
    finally:
        bar.close()
    stats.ignored_columns = list(src.ignored_columns)
    return stats


def reference_targets(model: GraphModel) -> list[TargetRows]:
    """Reference data as rows: industries, chains, segments, their links, event types."""

    def nodes(label: str, records: list[dict[str, Any]]) -> TargetRows:
        node = model.node(label)
        return TargetRows(node, None, key=pa.array([r[node.key] for r in records], pa.string()),
                          props={p.name: _column(p.type, [r.get(p.name) for r in records])
                                 for p in node.properties if p.name != node.key})

    def rels(type_: str, source: str, target: str, pairs: Iterable[tuple[str, str]]
             ) -> TargetRows:
        rel = model.relationship(type_, source, target)
        unique = list(dict.fromkeys(pairs))
        return TargetRows(None, rel, src=pa.array([a for a, _ in unique], pa.string()),
                          dst=pa.array([b for _, b in unique], pa.string()),
                          props={p.name: _column(p.type, [None] * len(unique))
                                 for p in rel.properties})

    gbt = load_gbt4754()
    chains = load_chains()
    events = load_event_types()
    segments = [s for c in chains for s in c.segments]
    return [
        nodes("Industry", [{"code": e.code, "name": e.name, "level": e.level,
                            "section": e.section} for e in gbt.values()]),
        rels("SUBCLASS_OF", "Industry", "Industry",
             ((e.code, e.parent) for e in gbt.values() if e.parent)),
        nodes("IndustryChain", [{"chain_id": c.id, "name": c.name, "name_en": c.name_en,
                                 "description": c.description} for c in chains]),
        nodes("ChainSegment", [{"segment_id": s.id, "name": s.name, "name_en": s.name_en,
                                "chain_id": s.chain_id, "position": s.position,
                                "keywords": list(s.keywords) or None} for s in segments]),
        rels("PART_OF", "ChainSegment", "IndustryChain", ((s.id, s.chain_id) for s in segments)),
        rels("UPSTREAM_OF", "ChainSegment", "ChainSegment",
             ((link.source, link.target) for c in chains for link in c.links)),
        rels("MAPS_TO", "ChainSegment", "Industry",
             ((s.id, code) for s in segments for code in s.all_codes)),
        nodes("EventType", [{"code": e.code, "name": e.name, "name_en": e.name_en,
                             "category": e.category,
                             "product_signals": list(e.product_signals) or None,
                             "value_tier": e.value_tier, "base_value": float(e.base_value)}
                            for e in events.values()]),
    ]


def source_name(source: str, kind: str) -> str:
    """What a kind's items are tagged with (``_source`` is its :func:`tag`), and its LoadSource's
    name: loading, pruning and the LoadSource node must agree on it."""
    return f"{source}:{kind}"


def load_source_rows(model: GraphModel, name: str, snapshot: str) -> TargetRows:
    """The ``LoadSource`` node of ``name``: the names behind the integer tags its items carry."""
    node = model.node(LOAD_SOURCE.label)
    record = {"tag": tag(name), "snapshot": snapshot, "snapshot_tag": tag(snapshot)}
    return TargetRows(node, None, key=pa.array([name], pa.string()),
                      props={p.name: _column(p.type, [record[p.name]])
                             for p in node.properties if p.name != node.key})


def _column(type_: PropType, values: list[Any]) -> pa.Array:
    arrow = {PropType.STRING: pa.string(), PropType.DATE: pa.string(),
             PropType.FLOAT: pa.float64(), PropType.INTEGER: pa.int64(),
             PropType.BOOLEAN: pa.bool_(), PropType.STRING_LIST: pa.list_(pa.string())}[type_]
    return pa.array(values, arrow)


def reference_snapshot() -> str:
    """Hash of the reference data as loaded, so unchanged reference data is not rewritten."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(repr(sorted(load_gbt4754().items())).encode())
    digest.update(repr(load_chains()).encode())
    digest.update(repr(sorted(load_event_types().items())).encode())
    return "ref-" + digest.hexdigest()


def _prune(store: GraphStore, model: GraphModel, kinds: list[str], source: str,
           snapshot: str, targets: dict[str, TargetStats], reference: bool) -> None:
    """Delete what ``<source>:<kind>`` loaded before but this snapshot does not have."""
    jobs: list[tuple[str, str, dict[str, int]]] = []  # (target, cypher, tag parameters)
    for kind in kinds:
        spec = record_kind(kind)
        tags = {"source": tag(source_name(source, kind)), "snapshot": tag(snapshot)}
        for rel in spec.relationships:
            rtype = rel.spec(model)
            jobs.append((rtype.name, stale_relationships(rtype), tags))
        if spec.derive_segments:
            rtype = model.relationship("IN_SEGMENT", "Enterprise", "ChainSegment")
            jobs.append((rtype.name, stale_relationships(rtype), tags))
        if spec.node is not None:
            jobs.append((spec.node.label, stale_nodes(model.node(spec.node.label)), tags))
    if reference:
        tags = {"source": tag(REFERENCE_SOURCE), "snapshot": tag(reference_snapshot())}
        for ref_rel in model.relationships:
            if ref_rel.type in ("SUBCLASS_OF", "PART_OF", "UPSTREAM_OF", "MAPS_TO"):
                jobs.append((ref_rel.name, stale_relationships(ref_rel), tags))
        for label in ("Industry", "IndustryChain", "ChainSegment", "EventType"):
            jobs.append((label, stale_nodes(model.node(label)), tags))
    for name, cypher, tags in jobs:
        while True:
            try:
                rows = write_with_retries(store, cypher, {**tags, "batch": PRUNE_BATCH})
            except StoreError as exc:
                raise LoadError(None, f"pruning {name} failed: {exc}") from exc
            deleted = int(rows[0]["deleted"]) if rows else 0
            if deleted:
                targets.setdefault(name, TargetStats()).deleted += deleted
            if deleted < PRUNE_BATCH:
                break
