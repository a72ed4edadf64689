"""Companies whose holdings add up to more than 100 %, found before the holdings are checked.

The check needs every holding of a company first, so the shareholdings are read once before they
are checked. At national scale that pass sees millions of rows: the columns are kept as they come
and summed once at the end with Arrow and numpy (a holding named twice counts once, as the check
of duplicates keeps only the first), with no Python step per row; only the few companies above
the limit are remembered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .key_index import hash_keys

IntArray = np.ndarray[Any, np.dtype[np.int64]]


class OwnershipTotals:
    """Holdings summed per held company; the companies above ``limit`` percent, once closed."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        #: (held USCC, percentage, identity) of the holdings added, until they are summed
        self._added: list[tuple[pa.Array, pa.Array, pa.Array]] | None = []
        #: company above the limit -> (total percentage, holdings summed)
        self.above: dict[str, tuple[float, int]] = {}

    def add(self, held: pa.Array, percentage: pa.Array, identity: pa.Array) -> None:
        """Holdings of one chunk; rows without a percentage (or company) do not count."""
        if self._added is None:
            raise RuntimeError("the totals were closed: every holding was summed already")
        given = pc.and_(pc.is_valid(percentage), pc.is_valid(held))
        if not pc.all(given).as_py():
            held, percentage, identity = (c.filter(given) for c in (held, percentage, identity))
        if len(held):  # large strings: at national scale the texts pass 2 GB
            self._added.append((held.cast(pa.large_string()), percentage.cast(pa.float64()),
                                identity.cast(pa.large_string())))

    def close(self) -> None:
        """Sum the holdings added (the first row of each identity) and keep the companies above
        the limit; the columns are dropped."""
        if self._added is None:
            return
        added, self._added = self._added, None
        if not added:
            return
        held, pct, identity = (pa.concat_arrays([a[i] for a in added]) for i in range(3))
        del added
        first, _ = _groups(identity)
        if len(first) < len(identity):
            first.sort()  # row order: the sums below add in the order of the input
            held, pct = held.take(first), pct.take(first)
        del identity
        named, company = _groups(held)
        # bincount adds each company's percentages in row order, as a reader would by hand
        totals = np.bincount(company, weights=pct.to_numpy(), minlength=len(named))
        counts = np.bincount(company, minlength=len(named))
        above = np.flatnonzero(totals > self.limit)
        names = held.take(named[above]).to_pylist()
        self.above = dict(zip(names, zip(totals[above].tolist(), counts[above].tolist(),
                                         strict=True), strict=True))

    def over(self, held: pa.Array) -> IntArray:
        """Positions of the rows naming a company above the limit (closes the totals)."""
        self.close()
        if not self.above:
            return np.empty(0, np.int64)
        companies = pa.array(list(self.above), pa.string())
        named = pc.fill_null(pc.is_in(held, value_set=companies), False)
        return np.flatnonzero(named.to_numpy(zero_copy_only=False))


def _groups(values: pa.Array) -> tuple[IntArray, IntArray]:
    """Rows grouped by value: the first row of each group, and each row's group.

    Grouped by a 64-bit hash of each value (a sort of integers, several times faster than
    Arrow's hash table of strings here); if any two values of a group differ (a collision), by
    the values themselves instead.
    """
    _, first, group = np.unique(hash_keys(values), return_index=True, return_inverse=True)
    if pc.all(pc.equal(values, values.take(first[group]))).as_py():
        return first, group
    group = pc.dictionary_encode(values).indices.to_numpy().astype(np.int64)
    _, first = np.unique(group, return_index=True)
    return first, group
