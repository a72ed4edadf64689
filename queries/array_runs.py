"""Group-by on sorted numpy arrays, shared by the exported graph and the vectorised walk."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def runs(*keys: npt.NDArray[np.generic]) -> tuple[IntArray, IntArray]:
    """Starts and sizes of the runs of rows equal in every key (the rows sorted by them)."""
    size = keys[0].size
    if size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    change = np.zeros(size - 1, dtype=bool)
    for key in keys:
        change |= key[1:] != key[:-1]
    starts = np.concatenate(([0], np.flatnonzero(change) + 1)).astype(np.int64)
    return starts, np.diff(np.append(starts, size))


def rank_within(keys: npt.NDArray[np.generic]) -> IntArray:
    """Each row's position within its run of equal keys."""
    starts, sizes = runs(keys)
    return np.arange(keys.size, dtype=np.int64) - np.repeat(starts, sizes)


def ranges(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The ranges ``starts[i] .. starts[i] + counts[i]`` laid end to end: for every element, the
    range it belongs to, its index and its position within the range."""
    total = int(counts.sum())
    rep = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    pos = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return rep, starts[rep] + pos, pos


def first_strongest(strength: FloatArray, order: IntArray, starts: IntArray, sizes: IntArray
                    ) -> IntArray:
    """Per run (``starts``, ``sizes``), the position of its strongest row, the one with the
    smallest ``order`` on a tie."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    best = np.maximum.reduceat(strength, starts)
    marked = np.where(strength == np.repeat(best, sizes), order, np.iinfo(np.int64).max)
    first = np.minimum.reduceat(marked, starts)
    return np.flatnonzero(marked == np.repeat(first, sizes))
