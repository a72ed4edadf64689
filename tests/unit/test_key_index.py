"""KeyIndex answers exactly what a dict of the same keys would, including on hash collisions."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from chainscout.loaders import key_index
from chainscout.loaders.key_index import KeyIndex, hash_keys


def _as_dict(pairs: list[tuple[str, int]]) -> dict[str, int]:
    return dict(pairs)


def _expected(d: dict[str, int], asked: list[str | None]) -> list[int]:
    return [d.get(k, -1) if k is not None else -1 for k in asked]


def test_lookups_match_a_dict_over_batches_of_mixed_lengths() -> None:
    rng = random.Random(3)
    index, d = KeyIndex(), {}
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY统一社会信用"
    for batch in range(12):
        keys = list({"".join(rng.choices(alphabet, k=rng.choice([1, 7, 8, 9, 18, 40])))
                     for _ in range(rng.randrange(1, 400))})
        values = [batch * 1000 + i for i in range(len(keys))]
        index.add(pa.array(keys), np.array(values))
        d.update(zip(keys, values, strict=True))
        asked: list[str | None] = [*rng.sample(sorted(d), min(50, len(d))), "absent", "", None]
        assert index.get(pa.array(asked, pa.string())).tolist() == _expected(d, asked)
    assert len(index) == len(d)


def test_uniform_and_sliced_columns_hash_like_the_same_keys_alone() -> None:
    keys = [f"91310115{i:09d}Y" for i in range(100)]
    column = pa.array(["x", *keys, "a much longer key than the others"])
    alone = hash_keys(pa.array(keys))
    assert (hash_keys(column.slice(1, 100)) == alone).all()
    assert (hash_keys(column)[1:101] == alone).all()
    assert (hash_keys(pa.array(keys, pa.large_string())) == alone).all()
    assert len(set(alone.tolist())) == len(keys)


def _reference_hash(key: str | None) -> int:
    """hash_keys for one key, a byte at a time: the length, then each zero-padded 8-byte word."""
    data = (key or "").encode()
    mask = (1 << 64) - 1

    def mix(h: int) -> int:
        h ^= h >> 30
        h = h * 0xBF58476D1CE4E5B9 & mask
        h ^= h >> 27
        h = h * 0x94D049BB133111EB & mask
        return h ^ h >> 31

    h = mix(len(data) + 0x9E3779B97F4A7C15 & mask)
    for i in range(0, len(data), 8):
        word = int.from_bytes(data[i:i + 8].ljust(8, b"\0"), "little")
        h = mix((h ^ word) * 0x9E3779B97F4A7C15 & mask)
    return h


@pytest.mark.parametrize("lengths", [[18], [0, 3, 8], list(range(0, 41)), [7, 8, 9, 16, 17, 60]])
def test_hashes_match_a_byte_at_a_time_reference(lengths: list[int]) -> None:
    """Keys of one length (ASCII) and of many (a different path each), sliced or not, nulls and
    text beyond ASCII included."""
    rng = random.Random(sum(lengths))
    alphabet = "0123456789ABCDXYZ" + ("统一社会信用代码企业" if len(lengths) > 1 else "")
    keys: list[str | None] = ["".join(rng.choices(alphabet, k=rng.choice(lengths))) for _ in range(300)]
    if 0 in lengths:
        keys[5] = None
    column = pa.array(["head", *keys], pa.string()).slice(1)
    expected = [_reference_hash(k) for k in keys]
    assert hash_keys(column).tolist() == expected
    assert hash_keys(column.cast(pa.large_string())).tolist() == expected


def test_a_key_added_again_takes_its_new_value() -> None:
    index = KeyIndex()
    index.add(pa.array(["a", "b"]), np.array([1, 2]))
    index.add(pa.array(["b", "c", "b"]), np.array([3, 4, 5]))
    assert index.get(pa.array(["a", "b", "c", "d"])).tolist() == [1, 5, 4, -1]
    assert len(index) == 3


@pytest.mark.parametrize("buckets", [5, 512])
def test_keys_whose_hashes_collide_keep_their_own_values(monkeypatch: pytest.MonkeyPatch,
                                                         buckets: int) -> None:
    """With hashes forced into few buckets (all shared, or some), no key gets another's value."""
    real = key_index.hash_keys
    monkeypatch.setattr(key_index, "hash_keys", lambda keys: real(keys) % np.uint64(buckets))
    rng = random.Random(9)
    index, d = KeyIndex(), {}
    for batch in range(6):
        keys = [f"k{rng.randrange(300)}" for _ in range(40)]
        values = list(range(batch * 100, batch * 100 + len(keys)))
        index.add(pa.array(keys), np.array(values))
        d.update(zip(keys, values, strict=True))
        asked: list[str | None] = [f"k{i}" for i in range(310)]
        assert index.get(pa.array(asked)).tolist() == _expected(d, asked)
    assert len(index) == len(d)


@pytest.mark.parametrize("buckets", [None, 64, 100_000])
def test_many_small_chunks_after_a_large_one_stay_exact(monkeypatch: pytest.MonkeyPatch,
                                                        buckets: int | None) -> None:
    """Chunk after chunk with look-ups between (as a file's keys are checked against the ones
    before them), keys added again and colliding hashes agree with a dict throughout."""
    if buckets is not None:
        real = key_index.hash_keys
        monkeypatch.setattr(key_index, "hash_keys", lambda keys: real(keys) % np.uint64(buckets))
    rng = random.Random(11)
    index, d = KeyIndex(), {}
    first = [f"k{i}" for i in range(3000)]
    index.add(pa.array(first), np.arange(3000))
    d.update(zip(first, range(3000), strict=True))
    for batch in range(1, 40):
        fresh = [f"n{batch}-{i}" for i in range(rng.randrange(5, 60))]
        again = rng.sample(sorted(d), rng.randrange(0, 8))  # from the arrays or the dict
        keys = fresh + again
        values = [batch * 10_000 + i for i in range(len(keys))]
        index.add(pa.array(keys), np.array(values))
        d.update(zip(keys, values, strict=True))
        asked: list[str | None] = [*rng.sample(sorted(d), 80), "absent", f"n{batch + 1}-0", None]
        for _ in range(1 + batch % 3):
            assert index.get(pa.array(asked)).tolist() == _expected(d, asked)
    assert len(index) == len(d)
    everything = sorted(d)
    assert index.get(pa.array(everything)).tolist() == [d[k] for k in everything]


def test_rejects_what_it_cannot_index() -> None:
    index = KeyIndex()
    with pytest.raises(TypeError, match="text"):
        index.add(pa.array([1, 2]), np.array([1, 2]))
    with pytest.raises(ValueError, match="null"):
        index.add(pa.array(["a", None]), np.array([1, 2]))
    with pytest.raises(ValueError, match="2 keys but 1 values"):
        index.add(pa.array(["a", "b"]), np.array([1]))
    assert index.get(pa.array(["a"])).tolist() == [-1]
