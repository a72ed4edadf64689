"""Vectorised sampling helpers shared by the generator stages.

Everything draws from numpy ``Generator`` objects and samples by inverse CDF (cumulative weights
plus ``searchsorted``), so a million draws cost one sort-free pass and results depend only on the
seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

_EPOCH = np.datetime64("1970-01-01", "D")


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """An independent stream per stage, so changing one stage leaves the others' draws intact."""
    return np.random.default_rng([seed, *stage.encode()])


def weighted_choice(rng: np.random.Generator, weights: npt.ArrayLike, size: int) -> IntArray:
    """``size`` indices drawn with probability proportional to ``weights`` (with replacement)."""
    cw = np.cumsum(np.asarray(weights, dtype=np.float64))
    if size == 0 or cw.size == 0:
        return np.zeros(0, dtype=np.int64)
    picks: IntArray = np.minimum(np.searchsorted(cw, rng.random(size) * cw[-1], side="right"),
                                 cw.size - 1).astype(np.int64)
    return picks


def weighted_sample_without_replacement(
    rng: np.random.Generator, weights: FloatArray, k: int
) -> IntArray:
    """``k`` distinct indices, heavier weights first (Efraimidis-Spirakis keys)."""
    k = min(k, int(np.count_nonzero(weights > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(rng.random(weights.size)) / weights
    top = np.argpartition(-keys, k - 1)[:k]
    return top[np.argsort(-keys[top], kind="stable")].astype(np.int64)


class BlockSampler:
    """Weighted draws restricted to a block (all districts of one city, all firms of a segment).

    Items are grouped by block once; each query names a block and gets one item of it with
    probability proportional to its weight, or -1 when the block has no weight.
    """

    def __init__(self, block_of_item: IntArray, weights: FloatArray, n_blocks: int) -> None:
        order = np.argsort(block_of_item, kind="stable")
        self.items = order.astype(np.int64)
        self.cw = np.cumsum(weights[order].astype(np.float64))
        counts = np.bincount(block_of_item, minlength=n_blocks)
        self.ends = np.cumsum(counts).astype(np.int64)
        self.starts = self.ends - counts
        padded = np.concatenate([[0.0], self.cw])
        self.lo = padded[self.starts]
        self.hi = padded[self.ends]

    def has(self, blocks: IntArray) -> BoolArray:
        """Whether each block can yield an item."""
        return np.asarray(self.hi[blocks] > self.lo[blocks])

    def sample(self, rng: np.random.Generator, blocks: IntArray) -> IntArray:
        """One item per entry of ``blocks`` (-1 for empty blocks)."""
        if blocks.size == 0:
            return np.zeros(0, dtype=np.int64)
        lo, hi = self.lo[blocks], self.hi[blocks]
        pos = np.searchsorted(self.cw, lo + rng.random(blocks.size) * (hi - lo), side="right")
        pos = np.clip(pos, self.starts[blocks], np.maximum(self.ends[blocks] - 1, 0))
        out = self.items[np.minimum(pos, max(self.items.size - 1, 0))] if self.items.size else pos
        return np.where(hi > lo, out, -1).astype(np.int64)


def days_to_iso(days: IntArray) -> npt.NDArray[np.bytes_]:
    """Days since 1970-01-01 as ASCII ``YYYY-MM-DD`` (formatted once per distinct day)."""
    days = np.asarray(days, dtype=np.int64)
    if days.size == 0:
        return np.zeros(0, dtype="S10")
    lo = int(days.min())
    span = np.arange(lo, int(days.max()) + 1, dtype=np.int64)
    table = np.datetime_as_string(_EPOCH + span.astype("timedelta64[D]"), unit="D").astype("S10")
    return np.asarray(table[days - lo])


def masked(values: npt.NDArray[np.bytes_], present: BoolArray) -> pa.Array:
    """ASCII values as a string column, null where ``present`` is false."""
    return pa.array(values, type=pa.binary(), mask=~present).cast(pa.string())


def unique_ints(values: IntArray) -> IntArray:
    """Sorted distinct values (a plain sort: faster than ``np.unique`` on large int arrays)."""
    out = np.sort(np.asarray(values, dtype=np.int64))
    if out.size == 0:
        return out
    distinct: IntArray = out[np.concatenate([[True], out[1:] != out[:-1]])]
    return distinct


def iso_to_days(iso: str) -> int:
    """``YYYY-MM-DD`` as days since 1970-01-01."""
    return int((np.datetime64(iso, "D") - _EPOCH).astype(np.int64))


def round_sig(values: FloatArray, digits: int = 2) -> FloatArray:
    """Round to ``digits`` significant digits: registered capital is a round number."""
    safe = np.where(values > 0, values, 1.0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(safe)))
    return np.asarray(np.where(values > 0, np.round(values * scale) / scale, 0.0))


def list_column(mask: BoolArray, labels: Sequence[str]) -> pa.ListArray:
    """Rows of a boolean (n, k) matrix as list<string> of the labels that are set."""
    rows, cols = np.nonzero(mask)
    offsets = np.zeros(mask.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=mask.shape[0]), out=offsets[1:])
    values = pa.array(np.asarray(labels, dtype=object)[cols], type=pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def categorical(codes: IntArray, labels: Sequence[str]) -> pa.Array:
    """A string column from small-vocabulary codes (decoded in C++, not per Python object)."""
    indices = pa.array(np.asarray(codes, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), type=pa.string())).cast(
        pa.string())


def cat(*parts: ObjArray | str) -> ObjArray:
    """Element-wise string concatenation of object arrays and scalars."""
    out: ObjArray | str = ""
    for part in parts:
        out = out + part
    return np.asarray(out, dtype=object)
