"""Bulk-import files with the largest relationship kind checked and written by a second process:
the same files' rows, counts and rejects as one process writes, and its failures reported."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

import chainscout.loaders.pipeline as pipeline
from chainscout.loaders.bulk_import import BulkImportFiles, write_bulk_import
from chainscout.loaders.demo import generate
from chainscout.loaders.errors import LoadError
from chainscout.loaders.pipeline import LoadOptions
from chainscout.loaders.rejects import read_rejects


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo set with bad officer rows (unknown person, bad date, duplicate) and a bad
    shareholding, so both processes have rejects."""
    out = tmp_path_factory.mktemp("parts")
    generate(out, 400, seed=5)
    officers = out / "officers.csv"
    lines = officers.read_text(encoding="utf-8").splitlines()
    good = lines[1].split(",")
    extra = [",".join(['"PNOBODY"', *good[1:]]), ",".join([*good[:3], '"2001-13-45"']), lines[2]]
    officers.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    holdings = out / "shareholdings.csv"
    rows = holdings.read_text(encoding="utf-8").splitlines()
    holdings.write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    return out


def _write(data: Path, out: Path, processes: int) -> BulkImportFiles:
    return write_bulk_import(data, out / "import", LoadOptions(
        progress=False, rejects=out / "rejects.csv", processes=processes))


def _rows(files: BulkImportFiles) -> dict[str, list[str]]:
    """Data lines per target file (a part's lines under its target's name), sorted."""
    out: dict[str, list[str]] = collections.defaultdict(list)
    headers: dict[str, str] = {}
    for path in [*files.nodes, *files.relationships]:
        name = path.name.replace(".part2", "")
        header, *lines = path.read_text(encoding="utf-8").splitlines()
        assert headers.setdefault(name, header) == header
        out[name].extend(lines)
    return {k: sorted(v) for k, v in out.items()}


def test_a_second_process_writes_the_same_rows_counts_and_rejects(
        data: Path, tmp_path: Path) -> None:
    one = _write(data, tmp_path / "one", 1)
    two = _write(data, tmp_path / "two", 2)
    assert [p.name for p in two.relationships if ".part2" in p.name] == [
        "rels-Person-OFFICER_OF-Enterprise.part2.csv"]
    assert not any(".part2" in p.name for p in one.relationships)
    assert _rows(two) == _rows(one)
    s1, s2 = one.summary, two.summary
    assert s1 is not None and s2 is not None
    assert [(f.file, f.kind, f.read, f.loaded, f.rejected) for f in s2.files] == [
        (f.file, f.kind, f.read, f.loaded, f.rejected) for f in s1.files]
    assert {k: v.as_dict() for k, v in s2.targets.items()} == {
        k: v.as_dict() for k, v in s1.targets.items()}
    assert s2.reconciles and s2.rejected == s1.rejected >= 4

    def key(r: dict[str, str]) -> tuple[str, ...]:
        return tuple(r.values())

    rejects1 = read_rejects(tmp_path / "one" / "rejects.csv")
    rejects2 = read_rejects(tmp_path / "two" / "rejects.csv")
    assert sorted(rejects2, key=key) == sorted(rejects1, key=key)
    assert {r["source_file"] for r in rejects2} >= {"officers.csv", "shareholdings.csv"}


def test_a_failure_in_the_second_process_fails_the_load_with_its_message(
        data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_source = pipeline._load_source

    def failing(src: Any, kind: str, *args: Any, **kwargs: Any) -> Any:
        if kind == "officers":
            raise LoadError(src.display, "the disk is full")
        return load_source(src, kind, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_load_source", failing)
    with pytest.raises(LoadError, match=r"officers\.csv: the disk is full"):
        _write(data, tmp_path, 2)
