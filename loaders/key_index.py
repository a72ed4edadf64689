"""Text keys → integers, added and looked up a column at a time.

A load looks up every relationship end by its key, and the checks every distinct reference (≈ 31 M
look-ups in all for 1M enterprises), in sets of up to millions of keys. One ``dict`` probe per row
costs ≈ 0.6–1 µs there — hashing a new ``str`` made from the Arrow column, then cache misses on the
table, its entry and the stored key — and holds the GIL throughout. Here a whole column is hashed
with numpy (8 bytes of key per step), the hashes are found in a sorted array through a table of
where each run of hashes with the same top bits starts (about one hash a run, so a few vectorised
steps, not a binary search's twenty), and every match is checked against the stored key with one
vectorised comparison, so the answer is exact: a key is found only if the same key was added. Keys
whose 64-bit hash another key shares (or keys added twice) live in a small dict instead, so a
collision never maps one key to another's value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

IntArray = np.ndarray[Any, np.dtype[np.int64]]
_HashArray = np.ndarray[Any, np.dtype[np.uint64]]

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
#: Keys of one length hashed per step at most, in padded bytes (bounds the matrix's memory).
_BLOCK_BYTES = 1 << 24
#: Steps into a run before a look-up searches instead (a run this long means crafted keys).
_LONG_RUN = 16


def _mix(h: _HashArray) -> _HashArray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def _text(keys: pa.Array) -> pa.Array:
    if pa.types.is_string(keys.type) or pa.types.is_large_string(keys.type):
        return keys
    raise TypeError(f"keys must be text, not {keys.type}")


def hash_keys(keys: pa.Array) -> _HashArray:
    """A 64-bit hash of each key's UTF-8 bytes and length (nulls hash like empty keys)."""
    keys = _text(keys)
    n = len(keys)
    width = np.int64 if pa.types.is_large_string(keys.type) else np.int32
    stored = np.frombuffer(keys.buffers()[1], dtype=width)[keys.offset:keys.offset + n + 1]
    offsets: IntArray = stored.astype(np.int64)
    data = keys.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    lengths = np.diff(offsets)
    h = _mix(lengths.astype(np.uint64) + _MULTIPLIER)
    longest = int(lengths.max()) if n else 0
    if not longest:
        return h
    if (lengths != lengths[0]).any():
        return _hash_ragged(raw[offsets[0]:offsets[-1]], offsets[:-1] - offsets[0], lengths, h)
    words = -(-longest // 8)
    step = max(1, _BLOCK_BYTES // (words * 8))
    for start in range(0, n, step):
        stop = min(n, start + step)
        h[start:stop] = _hash_uniform(raw, offsets[start:stop + 1], words, h[start:stop])
    return h


def _hash_uniform(raw: np.ndarray[Any, np.dtype[np.uint8]], offsets: IntArray, words: int,
                  h: _HashArray) -> _HashArray:
    """Keys of one length: their bytes as a matrix of 8-byte words (the last one zero-padded)."""
    n, length = len(h), int(offsets[1] - offsets[0])
    padded = np.zeros((n, words * 8), dtype=np.uint8)
    padded[:, :length] = raw[offsets[0]:offsets[-1]].reshape(n, length)
    return _fold(h, padded.view("<u8"))


def _hash_ragged(body: np.ndarray[Any, np.dtype[np.uint8]], starts: IntArray, lengths: IntArray,
                 h: _HashArray) -> _HashArray:
    """Keys of many lengths, folded like :func:`_hash_uniform` would: word j of every key is one
    unaligned 8-byte load from where it starts (a view with a stride of one byte), the bytes past
    the key's end masked off. Copying bytes into a padded matrix instead cost ≈ 3× as much."""
    padded = np.zeros(len(body) + 8, np.uint8)  # every load stays inside
    padded[:len(body)] = body
    words = np.ndarray((len(body) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    whole = int(lengths.min()) // 8  # words every key has whole: no masks, no indexing
    for step in range(whole):
        h = _fold_word(h, words[starts + 8 * step])
    step = whole
    active = np.flatnonzero(lengths > 8 * whole)
    while len(active):
        left = lengths[active] - 8 * step
        word = words[starts[active] + 8 * step]
        short = left < 8
        if short.any():
            word[short] &= (np.uint64(1) << (left[short] * 8).astype(np.uint64)) - np.uint64(1)
        h[active] = _fold_word(h[active], word)
        active = active[left > 8]
        step += 1
    return h


def _fold(h: _HashArray, words: np.ndarray[Any, np.dtype[np.uint64]]) -> _HashArray:
    for word in words.T:
        h = _fold_word(h, word)
    return h


def _fold_word(h: _HashArray, word: _HashArray) -> _HashArray:
    return _mix((h ^ word) * _MULTIPLIER)


class KeyIndex:
    """Keys → int64 values (node ids, row locations); ``get`` answers -1 for a key not added."""

    def __init__(self) -> None:
        self._hashes: _HashArray = np.empty(0, np.uint64)  # sorted
        self._values: IntArray = np.empty(0, np.int64)  # aligned with _hashes
        #: _hashes[_starts[b]:_starts[b + 1]] are the hashes whose top bits are b
        self._starts: IntArray = np.zeros(2, np.int64)
        self._shift = np.uint64(63)
        self._ordinals: IntArray = np.empty(0, np.int64)  # where each key is in _keys
        self._keys: list[pa.Array] = []  # every key added, in order
        self._added = 0
        self._pending: list[tuple[_HashArray, IntArray, IntArray]] = []
        #: Keys whose hash is shared (by another key, or by the same key added again).
        self._shared: dict[str, int] = {}
        self._shared_hashes: _HashArray = np.empty(0, np.uint64)  # sorted

    def __len__(self) -> int:
        self._merge()
        return len(self._hashes) + len(self._shared)

    def add(self, keys: pa.Array, values: IntArray) -> None:
        """Add keys with their values (a key added again takes its new value)."""
        keys = _text(keys)
        if keys.null_count:
            raise ValueError("keys must not be null")
        if len(keys) != len(values):
            raise ValueError(f"{len(keys)} keys but {len(values)} values")
        if not len(keys):
            return
        ordinals = np.arange(self._added, self._added + len(keys), dtype=np.int64)
        self._keys.append(keys.cast(pa.large_string()))
        self._added += len(keys)
        self._pending.append((hash_keys(keys), np.asarray(values, dtype=np.int64), ordinals))

    def get(self, keys: pa.Array) -> IntArray:
        """The value of each key, -1 where the key was not added (or is null)."""
        keys = _text(keys)
        self._merge()
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(keys) or not self._added:
            return found
        wanted = hash_keys(keys)
        if len(self._hashes):
            at = self._find(wanted)
            rows = np.flatnonzero(at >= 0)
            if len(rows):
                at = at[rows]
                stored = self._stored(self._ordinals[at])
                asked = keys if len(rows) == len(keys) else keys.take(pa.array(rows))
                same = pc.fill_null(pc.equal(stored, asked.cast(pa.large_string())), False
                                    ).to_numpy(zero_copy_only=False)
                found[rows[same]] = self._values[at[same]]
        if self._shared:
            shared = np.flatnonzero(np.isin(wanted, self._shared_hashes))
            if len(shared):
                texts = keys.take(pa.array(shared)).to_pylist()
                found[shared] = [self._shared.get(t, -1) if t is not None else -1 for t in texts]
        return found

    def _find(self, wanted: _HashArray) -> IntArray:
        """Where each hash is in ``_hashes`` (-1 if absent): step j tries the j-th hash of each
        probe's run, for the probes whose run is longer than j (runs average under one hash;
        keys made to share their hashes' top bits fall back to a binary search)."""
        at = np.full(len(wanted), -1, dtype=np.int64)
        run = (wanted >> self._shift).astype(np.int64)
        first, end = self._starts[run], self._starts[run + 1]
        active = np.flatnonzero(first < end)
        step = 0
        while len(active):
            search = step == _LONG_RUN
            if search:
                pos = np.minimum(np.searchsorted(self._hashes, wanted[active]), len(self._hashes) - 1)
            else:
                pos = first[active] + step
            hit = self._hashes[pos] == wanted[active]
            at[active[hit]] = pos[hit]
            if search:
                break
            active = active[~hit & (pos + 1 < end[active])]
            step += 1
        return at

    def _index_runs(self) -> None:
        """Rebuild ``_starts`` for the merged hashes: 2**bits runs for n hashes, 2**bits >= n."""
        bits = max(1, (len(self._hashes) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        counts = np.bincount((self._hashes >> self._shift).astype(np.int64), minlength=1 << bits)
        self._starts = np.zeros((1 << bits) + 1, np.int64)
        np.cumsum(counts, out=self._starts[1:])

    def value_of(self, key: str) -> int:
        """One key's value (-1 if not added): for the rare row that needs one, not for columns."""
        return int(self.get(pa.array([key], pa.string()))[0])

    def _stored(self, ordinals: IntArray) -> pa.Array:
        return self._key_column().take(pa.array(ordinals))

    def _key_column(self) -> pa.Array:
        """Every key added, as one array: a chunked array's ``take`` joins its chunks on every call
        (≈ 4 ms for 2 M keys, paid per look-up), so they are joined once, after adds."""
        if len(self._keys) > 1:
            self._keys = [pa.concat_arrays(self._keys)]
        return self._keys[0]

    def _merge(self) -> None:
        """Fold the keys added since the last look-up into the sorted arrays.

        The new keys are sorted alone and spliced in (linear in the index, not a sort of it).
        """
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        hashes = np.concatenate([p[0] for p in pending])
        order = np.argsort(hashes, kind="stable")  # stable: a key added again stays after
        hashes = hashes[order]
        values = np.concatenate([p[1] for p in pending])[order]
        ordinals = np.concatenate([p[2] for p in pending])[order]
        # Hashes met twice: within the new keys, between new and old ones, or already shared.
        moved = np.zeros(len(hashes), dtype=bool)
        repeated = hashes[1:] == hashes[:-1]
        moved[1:] |= repeated
        moved[:-1] |= repeated
        old = self._hashes
        at = np.searchsorted(old, hashes)
        clash = (old[np.minimum(at, len(old) - 1)] == hashes if len(old)
                 else np.zeros(len(hashes), dtype=bool))
        moved |= clash
        if len(self._shared_hashes):
            moved |= np.isin(hashes, self._shared_hashes)
        if moved.any():
            old_moved = np.isin(old, hashes[clash]) if clash.any() else np.zeros(len(old), bool)
            self._share(np.concatenate([self._values[old_moved], values[moved]]),
                        np.concatenate([self._ordinals[old_moved], ordinals[moved]]),
                        np.concatenate([old[old_moved], hashes[moved]]))
            if old_moved.any():
                keep_old = ~old_moved
                self._hashes, self._values = old[keep_old], self._values[keep_old]
                self._ordinals = self._ordinals[keep_old]
                old = self._hashes
            keep = ~moved
            hashes, values, ordinals = hashes[keep], values[keep], ordinals[keep]
            at = np.searchsorted(old, hashes)
        # splice: new entry i goes before the old entries from at[i] on
        total = len(old) + len(hashes)
        slots = at + np.arange(len(hashes))
        rest = np.ones(total, dtype=bool)
        rest[slots] = False
        merged_h = np.empty(total, np.uint64)
        merged_v = np.empty(total, np.int64)
        merged_o = np.empty(total, np.int64)
        merged_h[slots], merged_v[slots], merged_o[slots] = hashes, values, ordinals
        merged_h[rest], merged_v[rest], merged_o[rest] = old, self._values, self._ordinals
        self._hashes, self._values, self._ordinals = merged_h, merged_v, merged_o
        self._index_runs()

    def _share(self, values: IntArray, ordinals: IntArray, hashes: _HashArray) -> None:
        """Move entries to the dict, oldest first, so a key added again keeps its last value."""
        by_age = np.argsort(ordinals, kind="stable")
        texts = self._stored(ordinals[by_age]).to_pylist()
        self._shared.update(zip(texts, values[by_age].tolist(), strict=True))
        self._shared_hashes = np.union1d(self._shared_hashes, hashes)
