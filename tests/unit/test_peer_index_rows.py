"""The member index's page rows: read only for keys not held, kept for max_age_s, the least
recently used dropped beyond max_rows (0: none kept), a read under way discarded by an
invalidation."""

from __future__ import annotations

from chainscout.queries.peer_index import MemberIndex


class Reader:
    """Rows for keys it knows (``gone`` are not in the graph), counting what it was asked."""

    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.asked: list[list[str]] = []
        self.gone = gone
        self.version = 1

    def __call__(self, keys: list[str]) -> dict[str, str]:
        self.asked.append(keys)
        return {k: f"{k}@{self.version}" for k in keys if k not in self.gone}


def _index(max_rows: int = 100) -> tuple[MemberIndex, list[float]]:
    now = [0.0]
    return MemberIndex(None, max_age_s=60.0, max_rows=max_rows,  # type: ignore[arg-type]
                       clock=lambda: now[0]), now


def test_only_the_rows_not_held_are_read_and_gone_ones_are_not_kept() -> None:
    index, _ = _index()
    read = Reader(gone=frozenset({"X"}))
    assert index.rows("park", ["A", "B", "A", "X"], read) == {"A": "A@1", "B": "B@1"}
    assert read.asked == [["A", "B", "X"]]
    assert index.rows("park", ["B", "C", "X"], read) == {"B": "B@1", "C": "C@1"}
    assert read.asked[-1] == ["C", "X"]
    assert index.rows("association", ["A"], read) == {"A": "A@1"}  # kinds apart
    assert read.asked[-1] == ["A"]
    assert index.rows_read == 6


def test_rows_are_read_again_once_max_age_old_and_after_an_invalidation() -> None:
    index, now = _index()
    read = Reader()
    index.rows("park", ["A"], read)
    read.version = 2
    now[0] = 59.9
    assert index.rows("park", ["A"], read) == {"A": "A@1"}
    now[0] = 60.0
    assert index.rows("park", ["A"], read) == {"A": "A@2"}
    read.version = 3
    index.invalidate()
    assert index.rows("park", ["A"], read) == {"A": "A@3"}


def test_a_read_under_way_when_invalidated_is_not_kept() -> None:
    index, _ = _index()
    read = Reader()

    def read_then_invalidate(keys: list[str]) -> dict[str, str]:
        rows = read(keys)
        index.invalidate()  # a load finished while the rows were read
        return rows

    assert index.rows("park", ["A"], read_then_invalidate) == {"A": "A@1"}  # still answered
    index.rows("park", ["A"], read)
    assert read.asked == [["A"], ["A"]]


def test_the_least_recently_used_rows_are_dropped() -> None:
    index, _ = _index(max_rows=3)
    read = Reader()
    index.rows("park", ["A", "B", "C"], read)
    index.rows("park", ["A"], read)  # A used again: B is now the oldest
    index.rows("park", ["D"], read)
    read.asked.clear()
    index.rows("park", ["A", "B", "C", "D"], read)
    assert read.asked == [["B"]]


def test_with_no_rows_kept_every_page_reads_its_rows() -> None:
    index, _ = _index(max_rows=0)
    read = Reader()
    assert index.rows("park", ["A", "B"], read) == {"A": "A@1", "B": "B@1"}
    assert index.rows("park", ["A", "B"], read) == {"A": "A@1", "B": "B@1"}
    assert read.asked == [["A", "B"], ["A", "B"]]
