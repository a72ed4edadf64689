"""Bad input, fuzzed: random and adversarial rows through the whole loader (files → checks → store).

Each example starts from a small, valid demo data set (every record kind, references intact),
writes each file as CSV or JSON Lines, and spoils it: wrong types (text in numbers, JSON objects and
lists where one value belongs), huge strings, control characters and bidi overrides, duplicate keys,
rows that name unknown enterprises, persons or parks, percentages below 0 or over 100, coordinates
outside China, impossible dates, rows with too many or too few fields, undecodable JSON — and now
and then a whole file in the wrong encoding or without a required column.

What must always hold:

* the loader never crashes: it returns a summary, or refuses a whole file with a ``LoadError`` —
  and only when the example did spoil a whole file (wrong encoding, missing required column);
* read = loaded + rejected for every file, ``read`` is exactly the number of records written, and
  the rejects file names exactly the rejected rows (by row number);
* on the embedded store: the store holds exactly the loaded enterprises and persons, and a rerun
  of the same input changes nothing.

Bounded for CI: 80 dry-run examples and 15 store examples (``CHAINSCOUT_RELIABILITY_FULL=1``: 400
and 60), no deadline.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from chainscout.graph.stores.falkordb_store import FalkorDBStore
from chainscout.loaders.errors import LoadError
from chainscout.loaders.formats import record_kind
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, load_directory
from chainscout.loaders.rejects import read_rejects
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from tests.reliability.support import record, sized

DRY_EXAMPLES = sized(80, 400)
STORE_EXAMPLES = sized(15, 60)

pytestmark = pytest.mark.timeout(sized(600, 3600))


# -- the valid starting point ----------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The rows of a small valid demo data set, by kind, as strings."""

    headers: dict[str, list[str]]
    rows: dict[str, list[dict[str, str]]]


def _read_base(directory: Path) -> Base:
    headers: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, str]]] = {}
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            headers[path.stem] = list(reader.fieldnames or [])
            rows[path.stem] = list(reader)
    return Base(headers, rows)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    from chainscout.loaders.demo import generate

    out = tmp_path_factory.mktemp("fuzz-base")
    generate(out, 300, seed=5)  # the smallest size with rows of every kind
    base = _read_base(out)
    assert all(base.rows.values()), {k: len(v) for k, v in base.rows.items()}
    return base


# -- adversarial values ----------------------------------------------------------------------------


def _uscc(n: int) -> str:
    body = f"91110108MA0{n:06d}"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x1b[31mred\x1b[0m", "\r\n", "\n", "\r",
                           "\u202e", "\u200b", "\ufeff", "\t", "\x7f", "\u2028", '"', "'", ",",
                           ";", "\\", "%", "${x}", "'; MATCH (n) DETACH DELETE n //"])
HUGE = st.integers(5_000, 120_000).map(lambda n: "长" * n)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["-1", "-0.0001", "100.0001", "101", "1e309", "-1e309", "NaN", "inf", "0x10",
                     "1,000", "五百", "500万元", "3亿元", "12万美元", "%", "50%", "150%", "-5%",
                     "", " ", "1_000", "١٢٣"]),
)
COORDS = st.one_of(
    st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(repr),
    st.sampled_from(["0", "90", "-90", "180", "-181", "51.5", "-33.9", "151.2", "40.7", "-74.0",
                     "3.7", "53.7", "73.3", "135.2"]),
)
DATES = st.sampled_from(["2023-02-30", "2023-13-01", "0000-00-00", "99999-01-01", "2023/01/01",
                         "20230101", "yesterday", "2023-01-01T00:00:00Z", "1899-12-31", "",
                         "2023-1-1", "２０２３-０１-０１"])
DANGLING = st.integers(0, 999_999).map(_uscc)


def bad_value(field_name: str) -> st.SearchStrategy[str]:
    general = st.one_of(TEXT, CONTROL, HUGE, NUMBERS, TEXT.flatmap(
        lambda t: CONTROL.map(lambda c: t + c + t)))
    if field_name in {"lat", "lng"}:
        return st.one_of(COORDS, general)
    if field_name in {"percentage", "confidence", "registered_capital", "amount", "employees",
                      "area_km2"}:
        return st.one_of(NUMBERS, general)
    if field_name in {"established", "since", "date", "loan_maturity"}:
        return st.one_of(DATES, general)
    if field_name.endswith("uscc") or field_name in {"holder_id", "park_id", "person_id",
                                                     "association_id", "branch_id"}:
        return st.one_of(DANGLING, general)
    return general


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


# -- one spoiled data set --------------------------------------------------------------------------


@dataclass
class Spoilt:
    """What an example wrote: per file, its format and how many records it holds."""

    records: dict[str, int] = field(default_factory=dict)  # file name -> records written
    whole_file_faults: list[str] = field(default_factory=list)
    edits: Counter[str] = field(default_factory=Counter)


@st.composite
def spoil_plans(draw: st.DrawFn, base: Base) -> dict[str, Any]:
    kinds = sorted(base.rows)
    plan: dict[str, Any] = {"formats": {}, "edits": [], "extra": [], "file_faults": {}}
    for kind in kinds:
        plan["formats"][kind] = draw(st.sampled_from(["csv", "csv", "jsonl"]))
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(kinds))
        if not base.rows[kind]:
            continue
        row = draw(st.integers(0, len(base.rows[kind]) - 1))
        name = draw(st.sampled_from([*base.headers[kind], "unknown_column"]))
        if plan["formats"][kind] == "jsonl" and draw(st.booleans()):
            value: Any = draw(JSON_VALUES)
        else:
            value = draw(bad_value(name))
        plan["edits"].append((kind, row, name, value))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(kinds))
        if not base.rows[kind]:
            continue
        what = draw(st.sampled_from(["duplicate", "same_key", "dangling", "short", "long",
                                     "garbage", "empty_required"]))
        plan["extra"].append((kind, what, draw(st.integers(0, len(base.rows[kind]) - 1)),
                              draw(DANGLING)))
    if draw(st.integers(0, 9)) == 0:
        kind = draw(st.sampled_from(kinds))
        plan["file_faults"][kind] = draw(st.sampled_from(["gb18030", "utf-16", "latin-1-bytes",
                                                          "no_required_column"]))
    return plan


def write_spoilt(base: Base, plan: dict[str, Any], out: Path) -> Spoilt:
    out.mkdir(parents=True, exist_ok=True)
    spoilt = Spoilt()
    rows = {k: [dict(r) for r in v] for k, v in base.rows.items()}
    raw_lines: dict[str, list[str]] = defaultdict(list)
    for kind, row, name, value in plan["edits"]:
        rows[kind][row][name] = value
        spoilt.edits["value"] += 1
    for kind, what, row, dangling in plan["extra"]:
        source = rows[kind][row]
        spec = record_kind(kind)
        if what == "duplicate":
            rows[kind].append(dict(source))
        elif what == "same_key":
            rows[kind].append({**source, **{f: source.get(f, "") for f in spec.identity},
                               "since": "2001-01-01"} if "since" in source else dict(source))
        elif what == "dangling":
            ref = next((f for f in spec.field_names if f.endswith("uscc") and f in source), None)
            rows[kind].append({**source, ref: dangling} if ref else dict(source))
        elif what == "empty_required":
            rows[kind].append({**source, spec.required[0]: ""})
        else:
            raw_lines[kind].append({"short": "x", "long": ",".join(["y"] * 40),
                                    "garbage": "\x00\x00{not json"}[what])
        spoilt.edits[what] += 1
    for kind, kind_rows in rows.items():
        fmt = plan["formats"][kind]
        fault = plan["file_faults"].get(kind)
        header = list(base.headers[kind]) + (
            ["unknown_column"] if any("unknown_column" in r for r in kind_rows) else [])
        if fault == "no_required_column":
            header.remove(record_kind(kind).required[0])
        path = out / f"{kind}.{fmt}"
        if fmt == "csv":
            lines = _csv_lines(header, kind_rows)
            text = lines[0] + "".join(lines[1:]) + "".join(line + "\n" for line in raw_lines[kind])
        else:
            text = "".join(json.dumps({k: v for k, v in r.items() if k in header},
                                      ensure_ascii=False) + "\n" for r in kind_rows)
            text += "".join(line + "\n" for line in raw_lines[kind])
        data = _encode(text, fault)
        path.write_bytes(data)
        spoilt.records[path.name] = len(kind_rows) + len(raw_lines[kind])
        if fault is not None and (not _still_utf8(data, fault) or fault == "no_required_column"):
            spoilt.whole_file_faults.append(f"{path.name}: {fault}")
    return spoilt


def _csv_lines(header: list[str], rows: list[dict[str, Any]]) -> list[str]:
    import io

    lines = []
    for values in [header, *([_cell(r.get(h)) for h in header] for r in rows)]:
        buffer = io.StringIO()
        # CRLF rows: csv then quotes a lone CR in a value too (with "\n" it would not, and a
        # bare CR ends a record for every CSV reader)
        csv.writer(buffer, lineterminator="\r\n").writerow(values)
        lines.append(buffer.getvalue())
    return lines


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _encode(text: str, fault: str | None) -> bytes:
    if fault == "gb18030":
        return text.encode("gb18030", errors="replace")
    if fault == "utf-16":
        return text.encode("utf-16")
    if fault == "latin-1-bytes":
        return text.encode("utf-8") + b"\xe9t\xe9\n"
    return text.encode("utf-8")


def _still_utf8(data: bytes, fault: str) -> bool:
    if fault == "no_required_column":
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return fault != "utf-16"  # UTF-16 of ASCII decodes as UTF-8, but is NUL-riddled nonsense


# -- the properties --------------------------------------------------------------------------------


def check_summary(summary: LoadSummary, spoilt: Spoilt, rejects: Path) -> None:
    assert summary.reconciles, summary.table()
    by_file = {f.file: f for f in summary.files}
    for name, written in spoilt.records.items():
        assert name in by_file, (name, sorted(by_file))
        assert by_file[name].read == written, (name, by_file[name], written)
    rejected_rows: dict[str, set[int]] = defaultdict(set)
    for reject in read_rejects(rejects):
        rejected_rows[reject["source_file"]].add(int(reject["row_number"]))
    for name, stats in by_file.items():
        assert len(rejected_rows.get(name, set())) == stats.rejected, (name, stats)
        assert all(n >= 1 for n in rejected_rows.get(name, set()))


def run_load(store: Any, directory: Path, rejects: Path, spoilt: Spoilt) -> LoadSummary | None:
    """The load, or None when a whole file was refused — which only a whole-file fault allows."""
    try:
        return load_directory(store, directory, LoadOptions(
            progress=False, rejects=rejects, dry_run=store is None, batch_size=200))
    except LoadError as exc:
        assert spoilt.whole_file_faults, f"a LoadError without a whole-file fault: {exc}"
        return None


class Tally:
    def __init__(self) -> None:
        self.examples = 0
        self.refused = 0
        self.read = 0
        self.rejected = 0
        self.edits: Counter[str] = Counter()


@pytest.fixture(scope="module")
def dry_tally() -> Iterator[Tally]:
    tally = Tally()
    yield tally
    record("test_loader_survives_spoilt_files_dry_run", examples=tally.examples,
           refused_whole_file=tally.refused, rows_read=tally.read, rows_rejected=tally.rejected,
           edits=dict(tally.edits))


def test_loader_survives_spoilt_files_dry_run(base: Base, tmp_path_factory: pytest.TempPathFactory,
                                              dry_tally: Tally) -> None:
    @settings(max_examples=DRY_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        plan = data.draw(spoil_plans(base))
        work = tmp_path_factory.mktemp("fuzz")
        spoilt = write_spoilt(base, plan, work / "in")
        summary = run_load(None, work / "in", work / "rejects.csv", spoilt)
        dry_tally.examples += 1
        dry_tally.edits.update(spoilt.edits)
        if summary is None:
            dry_tally.refused += 1
            return
        check_summary(summary, spoilt, work / "rejects.csv")
        dry_tally.read += summary.read
        dry_tally.rejected += summary.rejected

    check()


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkorDB]:
    server = EmbeddedFalkorDB(tmp_path_factory.mktemp("fuzz-falkordb"))
    server.start()
    yield server
    server.stop()


@pytest.mark.falkordb
def test_loader_survives_spoilt_files_on_the_embedded_store(
        base: Base, fuzz_server: EmbeddedFalkorDB,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    store = FalkorDBStore(fuzz_server.connect(), "fuzz", supervisor=fuzz_server)
    counts = Counter[str]()

    @settings(max_examples=STORE_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        plan = data.draw(spoil_plans(base))
        work = tmp_path_factory.mktemp("fuzz-store")
        spoilt = write_spoilt(base, plan, work / "in")
        store.clear()
        summary = run_load(store, work / "in", work / "rejects.csv", spoilt)
        counts["examples"] += 1
        if summary is None:
            counts["refused"] += 1
            return
        check_summary(summary, spoilt, work / "rejects.csv")
        loaded = {f.kind: f.loaded for f in summary.files}
        for label, kind in (("Enterprise", "enterprises"), ("Person", "persons")):
            held = store.read(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]
            assert held == loaded.get(kind, 0), (label, held, loaded)
        again = run_load(store, work / "in", work / "rejects2.csv", spoilt)
        assert again is not None and again.changes == 0, again and again.targets
        counts["rows"] += summary.read
        counts["rejected"] += summary.rejected

    check()
    record("test_loader_survives_spoilt_files_on_the_embedded_store", **counts)


def test_spoiler_really_spoils(base: Base, tmp_path: Path) -> None:
    """Sanity of the generator itself: a fixed plan with every kind of edit rejects rows."""
    rnd = random.Random(7)
    kinds = sorted(base.rows)
    plan: dict[str, Any] = {"formats": dict.fromkeys(kinds, "csv"), "file_faults": {},
                            "edits": [("shareholdings", 0, "percentage", "150"),
                                      ("enterprises", 1, "lat", "-33.9"),
                                      ("enterprises", 2, "name", "\x00" * 3)],
                            "extra": [(k, w, rnd.randrange(len(base.rows[k])), _uscc(1))
                                      for k in ("enterprises", "shareholdings", "persons")
                                      for w in ("duplicate", "dangling", "long", "garbage")]}
    spoilt = write_spoilt(base, plan, tmp_path / "in")
    summary = run_load(None, tmp_path / "in", tmp_path / "rejects.csv", spoilt)
    assert summary is not None
    check_summary(summary, spoilt, tmp_path / "rejects.csv")
    assert summary.rejected >= 10
