"""Vectorised unified social credit codes (统一社会信用代码, GB 32100-2015).

Layout: registration authority (9 = market regulation) + entity type (1 = enterprise) + 6-digit
district code + 9-char organisation code (8 body chars and a GB 11714 check char) + the USCC check
char. ``stdnum.cn.uscc`` verifies the USCC check char and alphabet; the organisation-code check
char is computed here too so the codes also pass stricter validators.

Bodies come from affine bijections of a counter, so every code is unique without a lookup table:
firms registered before the 2015 reform get 8-digit bodies, later ones the ``MA`` prefix plus six
base-31 chars, as real new-style codes do.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Float weights: the weighted sums are small exact integers, and float matmul runs on BLAS.
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28],
                         dtype=np.float64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.float64)

_ALPHA_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
# ASCII byte -> index in the USCC alphabet, and -> GB 11714 value (digits 0-9, A=10 .. Z=35).
_USCC_INDEX = np.full(128, -1, dtype=np.float64)
_USCC_INDEX[_ALPHA_BYTES] = np.arange(len(USCC_ALPHABET))
_ORG_VALUE = np.full(128, -1, dtype=np.float64)
_ORG_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_ORG_VALUE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.arange(10, 36)

_OLD_SPACE = 10**8
_NEW_SPACE = 31**6


def _affine(counter: npt.NDArray[np.int64], space: int, seed: int) -> npt.NDArray[np.int64]:
    """A seeded bijection of ``range(space)``: distinct counters give distinct bodies."""
    rng = np.random.default_rng([seed, 0x05CC])
    step = int(rng.integers(space // 3, space // 2))
    while np.gcd(step, space) != 1:
        step += 1
    offset = int(rng.integers(0, space))
    return (counter * step + offset) % space


def org_check_chars(body: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """GB 11714 check char (ASCII) for (n, 8) ASCII organisation-code bodies."""
    values = _ORG_VALUE[body]
    remainder = 11 - (values @ _ORG_WEIGHTS).astype(np.int64) % 11
    out = np.where(remainder == 10, ord("X"), ord("0") + remainder % 11)
    return out.astype(np.uint8)


def uscc_check_chars(first17: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """USCC check char (ASCII) for (n, 17) ASCII code prefixes."""
    total = (_USCC_INDEX[first17] @ _USCC_WEIGHTS).astype(np.int64)
    return _ALPHA_BYTES[(31 - total % 31) % 31]


def _digits(values: npt.NDArray[np.int64], base: int, width: int) -> npt.NDArray[np.int64]:
    """(n, width) most-significant-first digits of ``values`` in ``base``."""
    out = np.empty((values.size, width), dtype=np.int64)
    rest = values.copy()
    for col in range(width - 1, -1, -1):
        rest, out[:, col] = np.divmod(rest, base)
    return out


def make_usccs(
    district: npt.NDArray[np.intp],
    district_codes: npt.NDArray[np.str_],
    new_style: npt.NDArray[np.bool_],
    seed: int,
) -> npt.NDArray[np.bytes_]:
    """One unique, valid USCC (ASCII bytes) per enterprise, registered in its own district.

    ``district`` indexes ``district_codes`` (6-digit codes) per enterprise; ``new_style`` marks
    firms registered after the 2015 reform.
    """
    n = district.size
    table = np.asarray(district_codes, dtype="S6").view(np.uint8).reshape(-1, 6)
    codes = np.empty((n, 18), dtype=np.uint8)
    codes[:, 0] = ord("9")
    codes[:, 1] = ord("1")
    codes[:, 2:8] = table[district]

    old = np.flatnonzero(~new_style)
    body = _affine(np.arange(old.size, dtype=np.int64), _OLD_SPACE, seed)
    codes[old, 8:16] = (_digits(body, 10, 8) + ord("0")).astype(np.uint8)

    new = np.flatnonzero(new_style)
    body = _affine(np.arange(new.size, dtype=np.int64), _NEW_SPACE, seed + 1)
    codes[new, 8] = ord("M")
    codes[new, 9] = ord("A")
    codes[new, 10:16] = _ALPHA_BYTES[_digits(body, 31, 6)]

    codes[:, 16] = org_check_chars(codes[:, 8:16])
    codes[:, 17] = uscc_check_chars(codes[:, :17])
    return codes.view("S18").ravel()


def org_code_is_valid(uscc: str) -> bool:
    """Whether the organisation code inside a USCC carries its GB 11714 check char."""
    body = np.frombuffer(uscc[8:16].encode(), dtype=np.uint8)[None, :]
    return bool(org_check_chars(body)[0] == ord(uscc[16]))
