"""The loader's fast paths give the same answers as the plain ones they replace.

Set look-ups of references, identities of relationship rows, first-pass chunks kept for the main
pass, the snapshot hash on a thread, hash columns and the GRAPH.BULK sender thread.
"""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainscout.loaders.pipeline as pipeline
import chainscout.loaders.worker as worker_module
from chainscout.graph.model import graph_model
from chainscout.graph.upsert import content_hash
from chainscout.loaders.demo import generate
from chainscout.loaders.errors import LoadError
from chainscout.loaders.formats import record_kind
from chainscout.loaders.key_index import KeyIndex
from chainscout.loaders.mapping import FileOptions
from chainscout.loaders.pipeline import LoadOptions, input_snapshot, load_directory
from chainscout.loaders.readers import CsvSource, RawChunk
from chainscout.loaders.rejects import read_rejects
from chainscout.loaders.rows import RowEncoder, TargetRows, _arrow
from chainscout.loaders.validate import (
    ChunkValidator,
    KeyRegistry,
    LoadState,
    ReferenceData,
    ValidChunk,
    _unknown,
)
from chainscout.loaders.worker import OrderedWorker, while_waiting

GOOD = "91310115MA1K4B2X1X"


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData.load()


# -- references: set look-ups of distinct values ---------------------------------------------------

keys = st.sampled_from([f"K{i}" for i in range(12)])


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), keys), max_size=40),
       loaded=st.sets(keys), in_store=st.sets(keys), pending=st.sets(keys), fixed=st.sets(keys),
       mask=st.lists(st.booleans(), min_size=40, max_size=40))
def test_unknown_references_agree_with_known_per_value(
        values: list[str | None], loaded: set[str], in_store: set[str], pending: set[str],
        fixed: set[str], mask: list[bool]) -> None:
    index = KeyIndex()
    index.add(pa.array(sorted(loaded), pa.string()), np.zeros(len(loaded), dtype=np.int64))
    reg = KeyRegistry(loaded=index, in_store=in_store, pending=pending, fixed=frozenset(fixed))
    candidates = np.array(mask[:len(values)], dtype=bool)
    expected: dict[str, list[int]] = {}
    for i, value in enumerate(values):
        if value is not None and candidates[i] and not reg.known(value):
            expected.setdefault(value, []).append(i)
    got = _unknown(reg, pa.array(values, pa.string()), candidates)
    assert got == expected
    assert list(got) == list(expected)  # first appearance order, as the rejects list them


# -- duplicates of relationship rows across chunks --------------------------------------------------


def _officers(ref: ReferenceData, persons: list[str], first_row: int) -> ValidChunk:
    n = len(persons)
    raw = RawChunk({"person_id": pa.array(persons), "uscc": pa.array([GOOD] * n),
                    "role": pa.array(["director"] * n)},
                   np.arange(first_row, first_row + n, dtype=np.int64))
    return ChunkValidator(record_kind("officers"), ref, FileOptions(), "o.csv").validate(raw)


def test_relationship_duplicates_across_chunks_name_the_first_row(ref: ReferenceData) -> None:
    state = LoadState(ref)
    state.registry("Person").loaded.add(pa.array([f"P{i}" for i in range(10)]), np.ones(10))
    state.registry("Enterprise").loaded.add(pa.array([GOOD]), np.ones(1))
    spec = record_kind("officers")
    first = _officers(ref, ["P0", "P1", "P2"], 1)
    state.check(spec, first, "o.csv")
    second = _officers(ref, ["P3", "P4"], 4)
    state.check(spec, second, "o.csv")
    assert first.rejected == second.rejected == 0
    third = _officers(ref, ["P4", "P5", "P1", "P5"], 6)
    state.check(spec, third, "o.csv")
    got = [(r.row_number, r.reason) for r in third.rejects]
    assert got == [(6, "duplicate of row 5: the first one is loaded"),
                   (8, "duplicate of row 2: the first one is loaded"),
                   (9, "duplicate of row 7: the first one is loaded")]
    fourth = _officers(ref, ["P6", "P5"], 10)  # after the first duplicate: kept as a dict
    state.check(spec, fourth, "other.csv")
    assert [(r.row_number, r.reason) for r in fourth.rejects] == [
        (11, "duplicate of o.csv row 7: the first one is loaded")]
    fifth = _officers(ref, ["P6"], 12)
    state.check(spec, fifth, "other.csv")
    assert [r.reason for r in fifth.rejects] == ["duplicate of row 10: the first one is loaded"]


# -- first passes: shareholdings read and checked once ----------------------------------------------


@pytest.fixture(scope="module")
def messy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo data set with duplicate, over-100 % and malformed shareholdings and branches."""
    out = tmp_path_factory.mktemp("messy")
    generate(out, 300, seed=3)
    holdings = out / "shareholdings.csv"
    lines = holdings.read_text(encoding="utf-8").splitlines()
    extra = [lines[1], lines[2], lines[1].rsplit(",", 3)[0] + ",95,,", "broken,row"]
    holdings.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return out


def _dry_run(data: Path, rejects: Path) -> tuple[Any, list[dict[str, str]]]:
    summary = load_directory(None, data, LoadOptions(dry_run=True, progress=False,
                                                     rejects=rejects))
    return summary, read_rejects(rejects)


def test_first_pass_chunks_are_reused_and_equal_a_second_reading(
        messy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    chunks = CsvSource.chunks

    def counting(self: CsvSource) -> Any:
        opened.append(self.kind)
        return chunks(self)

    monkeypatch.setattr(CsvSource, "chunks", counting)
    cached, cached_rejects = _dry_run(messy_dir, tmp_path / "cached.csv")
    assert opened.count("shareholdings") == 1 and opened.count("branches") == 1
    opened.clear()
    monkeypatch.setattr(pipeline, "FIRST_PASS_CACHE_BYTES", 0)  # nothing fits: read again
    plain, plain_rejects = _dry_run(messy_dir, tmp_path / "plain.csv")
    assert opened.count("shareholdings") == 2 and opened.count("branches") == 2
    assert cached.reconciles and cached.rejected > 0
    assert [(f.file, f.read, f.loaded, f.rejected) for f in cached.files] == [
        (f.file, f.read, f.loaded, f.rejected) for f in plain.files]
    assert {k: v.sent for k, v in cached.targets.items()} == {
        k: v.sent for k, v in plain.targets.items()}
    assert cached_rejects == plain_rejects
    assert cached.snapshot == plain.snapshot


# -- snapshot id on a thread ---------------------------------------------------------------------


def test_snapshot_thread_is_the_content_hash_and_raises_on_the_caller(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"x" * 5000)
    b.write_bytes(b"y")
    job = pipeline._InputSnapshot([b, a], [])
    assert job.result() == input_snapshot([a, b])
    a.write_bytes(b"x" * 4999 + b"z")
    assert pipeline._InputSnapshot([a, b], []).result() != job.result()
    with pytest.raises(FileNotFoundError):
        pipeline._InputSnapshot([tmp_path / "gone.csv"], []).result()


# -- hash columns ----------------------------------------------------------------------------------


def test_hash_column_is_content_hash_per_row() -> None:
    model = graph_model()
    node = model.node("Enterprise")
    n = 4
    props: dict[str, pa.Array] = {}
    for p in node.properties:
        if p.name == node.key:
            continue
        if p.name == "name":
            props[p.name] = pa.array(["a", 'q"uote', None, "换行\n"], pa.string())
        elif p.name == "registered_capital":
            props[p.name] = pa.array([1.0, None, 2.5, 1e20], pa.float64())
        elif p.name == "tags":
            props[p.name] = pa.array([["x", "y"], None, [], ["z"]], pa.list_(pa.string()))
        else:
            props[p.name] = pa.nulls(n, _arrow(p.type))
    rows = TargetRows(node, None, key=pa.array([GOOD] * n), props=props)
    column, _ = RowEncoder(model, literal=False).hash_column(rows)
    table = pa.Table.from_arrays(list(props.values()), names=list(props))
    assert column.to_pylist() == [content_hash(r) for r in table.to_pylist()]


# -- the GRAPH.BULK encoder and sender threads ----------------------------------------------------


def test_worker_keeps_order() -> None:
    done: list[int] = []
    worker = OrderedWorker("t", 2)
    for i in range(20):
        worker.submit(partial(done.append, i))
    worker.close()
    assert done == list(range(20))
    worker.submit(partial(done.append, 20))  # usable again after close
    worker.close()
    assert done[-1] == 20


def test_a_paused_worker_finishes_the_job_in_flight_and_starts_none() -> None:
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    worker = OrderedWorker("t", 4)
    worker.submit(lambda: (started.set(), release.wait(5), done.append("in flight")))
    worker.submit(partial(done.append, "queued"))
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    with worker.paused():  # waits for the job in flight
        assert done == ["in flight"]
        time.sleep(0.2)
        assert done == ["in flight"]  # the queued job waits for the block to end
    worker.close()
    assert done == ["in flight", "queued"]


def test_worker_raises_the_first_failure_and_skips_the_rest() -> None:
    done: list[int] = []
    failed = threading.Event()

    def job(i: int) -> None:
        if i == 1:
            failed.set()
            raise LoadError(None, "server said no")
        done.append(i)

    worker = OrderedWorker("t", 2)
    worker.submit(partial(job, 0))
    worker.submit(partial(job, 1))
    failed.wait(5)
    with pytest.raises(LoadError, match="server said no"):
        for i in range(2, 50):
            worker.submit(partial(job, i))
        worker.close()
    worker.abort()  # after a failure: returns, does not hang
    assert done[0] == 0 and 1 not in done and len(done) <= 4


def test_a_full_queue_runs_the_waiting_work_instead_of_blocking() -> None:
    """While the loader would wait for the store, it does other work (one step at a time, until
    the queue has room or the work is done); with room in the queue it does none."""
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    calls: list[bool] = []
    worker = OrderedWorker("t", 1)

    def step() -> bool:
        calls.append(worker._queue.full())
        assert getattr(worker_module._waiting, "step", None) is None  # no waiting inside a step
        if len(calls) == 3:
            release.set()  # the store catches up: the queue empties
            return False
        return True

    worker.submit(lambda: (started.set(), release.wait(5), done.append("a")))
    assert started.wait(5)
    with while_waiting(step):
        worker.submit(partial(done.append, "b"))  # room in the queue: no step
        assert calls == []
        worker.submit(partial(done.append, "c"))  # full: steps until the store catches up
    worker.close()
    assert calls == [True, True, True] and done == ["a", "b", "c"]
    worker.submit(partial(done.append, "d"))  # outside the block: no step
    worker.close()
    assert len(calls) == 3


def test_first_passes_done_while_the_store_is_behind_change_nothing(
        messy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shareholdings' first pass runs in the loader's waits for a slow store, long before its
    kind; the rows, rejects and counts are those of a load that ran it in one go."""
    opened: list[str] = []
    chunks = CsvSource.chunks

    def counting(self: CsvSource) -> Any:
        opened.append(self.kind)
        return chunks(self)

    class SlowStore(pipeline.CountSink):
        def __init__(self, targets: dict[str, pipeline.TargetStats]) -> None:
            super().__init__(targets)
            self.worker = OrderedWorker("slow", 1)

        def put(self, rows: TargetRows, *, snapshot: str, source: str) -> None:
            super().put(rows, snapshot=snapshot, source=source)
            self.worker.submit(partial(time.sleep, 0.02))

        def close(self) -> None:
            self.worker.close()

    monkeypatch.setattr(CsvSource, "chunks", counting)
    options = LoadOptions(progress=False, rejects=tmp_path / "slow.csv")
    slow, _ = pipeline.run_load(messy_dir, options,
                                lambda targets, _: SlowStore(targets),
                                model=graph_model(), checkpoints=False)
    assert opened.index("shareholdings") < opened.index("persons")  # done in a wait
    assert opened.count("shareholdings") == 1  # and its chunks kept for the main pass
    plain, plain_rejects = _dry_run(messy_dir, tmp_path / "plain.csv")
    assert slow.reconciles and slow.rejected > 0
    assert [(f.file, f.read, f.loaded, f.rejected) for f in slow.files] == [
        (f.file, f.read, f.loaded, f.rejected) for f in plain.files]
    assert {k: v.sent for k, v in slow.targets.items()} == {
        k: v.sent for k, v in plain.targets.items()}
    assert read_rejects(tmp_path / "slow.csv") == plain_rejects


def test_worker_abort_drops_queued_jobs() -> None:
    release = threading.Event()
    done: list[int] = []

    def job(i: int) -> None:
        release.wait(5)
        done.append(i)

    worker = OrderedWorker("t", 10)
    for i in range(5):
        worker.submit(partial(job, i))
    threading.Timer(0.2, release.set).start()
    worker.abort()
    assert len(done) <= 1
