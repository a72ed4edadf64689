"""The first pass's totals per held company agree with sums made a row at a time."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from chainscout.loaders import ownership_totals
from chainscout.loaders.ownership_totals import OwnershipTotals

Row = tuple[str | None, float | None, str]


def _by_hand(chunks: list[list[Row]]) -> dict[str, tuple[float, int]]:
    totals: dict[str, tuple[float, int]] = {}
    seen: set[str] = set()
    for chunk in chunks:
        for held, pct, ident in chunk:
            if held is None or pct is None or ident in seen:
                continue
            seen.add(ident)
            total, count = totals.get(held, (0.0, 0))
            totals[held] = (total + pct, count + 1)
    return totals


def _add(totals: OwnershipTotals, chunk: list[Row]) -> None:
    held, pct, ident = zip(*chunk, strict=True) if chunk else ((), (), ())
    totals.add(pa.array(held, pa.string()), pa.array(pct, pa.float64()),
               pa.array(ident, pa.string()))


def test_totals_agree_with_sums_made_row_by_row() -> None:
    rng = random.Random(5)
    companies = [f"91{i:016d}" for i in range(40)] + ["企业甲", "企业乙", ""]
    chunks: list[list[Row]] = []
    for _ in range(6):
        chunk: list[Row] = []
        for _ in range(rng.randrange(0, 300)):
            held = rng.choice(companies) if rng.random() > 0.02 else None
            pct = round(rng.uniform(0, 9), rng.choice((0, 1, 2))) if rng.random() > 0.1 else None
            holder = f"P{rng.randrange(60)}"
            chunk.append((held, pct, f"person\x1f{holder}\x1f{held or ''}"))
        chunks.append(chunk)
    expected = _by_hand(chunks)
    for limit in (-np.inf, 100.5):
        totals = OwnershipTotals(limit)
        for chunk in chunks:
            _add(totals, chunk)
        totals.close()
        # the same additions in the same order: equal to the last bit
        assert totals.above == {c: t for c, t in expected.items() if t[0] > limit}
    assert 0 < len(totals.above) < len(expected)


def test_a_holding_met_again_counts_once_unless_the_first_had_no_percentage() -> None:
    totals = OwnershipTotals(-np.inf)
    _add(totals, [("A", 60.0, "p1|A"), ("A", 60.0, "p1|A"), ("A", None, "p2|A")])
    _add(totals, [("A", 60.0, "p1|A"), ("A", 30.0, "p2|A"), ("B", 10.0, "p1|B")])
    totals.close()
    assert totals.above == {"A": (90.0, 2), "B": (10.0, 1)}


def test_over_names_every_row_of_a_company_above_the_limit() -> None:
    totals = OwnershipTotals(100.5)
    _add(totals, [("A", 60.0, "1"), ("A", 50.0, "2"), ("B", 100.4, "3"), ("C", 80.0, "4")])
    _add(totals, [("C", 30.0, "5"), ("E", 100.5, "6")])
    rows = totals.over(pa.array(["B", "A", "D", "C", None, "A", "E"]))  # closes the totals
    assert rows.tolist() == [1, 3, 5]  # E, at the limit exactly, is not above it
    assert totals.above == {"A": (110.0, 2), "C": (110.0, 2)}
    assert OwnershipTotals(100.0).over(pa.array(["A"])).tolist() == []


def test_an_empty_chunk_or_one_without_percentages_adds_nothing() -> None:
    totals = OwnershipTotals(-np.inf)
    _add(totals, [])
    _add(totals, [("A", None, "1"), (None, 5.0, "2")])
    assert totals.over(pa.array(["A"])).tolist() == []
    assert totals.above == {}


def test_closed_totals_still_answer_but_take_no_more_holdings() -> None:
    totals = OwnershipTotals(50.0)
    _add(totals, [("A", 60.0, "1")])
    totals.close()
    totals.close()
    assert totals.over(pa.array(["A", "B"])).tolist() == [0]
    with pytest.raises(RuntimeError, match="closed"):
        _add(totals, [("A", 60.0, "2")])


@pytest.mark.parametrize("buckets", [1, 3])
def test_values_whose_hashes_collide_are_still_told_apart(monkeypatch: pytest.MonkeyPatch,
                                                           buckets: int) -> None:
    real = ownership_totals.hash_keys
    monkeypatch.setattr(ownership_totals, "hash_keys",
                        lambda values: real(values) % np.uint64(buckets))
    chunks: list[list[Row]] = [[("A", 40.0, "1"), ("B", 70.0, "2"), ("A", 40.0, "1")],
                               [("A", 30.0, "3"), ("B", 40.0, "4"), ("C", 101.0, "5")]]
    totals = OwnershipTotals(100.5)
    for chunk in chunks:
        _add(totals, chunk)
    totals.close()
    assert totals.above == {"B": (110.0, 2), "C": (101.0, 1)}
    assert totals.above == {c: t for c, t in _by_hand(chunks).items() if t[0] > 100.5}
