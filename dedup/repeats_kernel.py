"""Compiled pre-filter: the keys of a list that may occur more than once.

Most keys are unique (band keys of an LSH band, hashes of a text's
n-grams): two bit sets, about eight bits per key so they stay in cache,
mark each key's hash bit once and twice, and only the positions whose bit
was marked twice go on to exact grouping. That keeps every key that occurs
more than once, and a few that do not (their bit shared with another key);
callers group the survivors exactly. Used by :mod:`dedup.lsh_kernel` and
:mod:`dedup.rules.ngram_kernel`; compiled into their code (:mod:`dedup.jit`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.jit import njit

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

_MIX = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def bit_sets(count: int, most: int) -> tuple[U64, U64, np.uint64]:
    """Two bit sets for ``count`` keys (about eight bits a key, at most
    ``most`` bits, a power of two) and the shift that picks a key's bit."""
    bits = 1 << 10
    while bits < 8 * count and bits < most:
        bits *= 2
    shift = np.uint64(64 - int(np.log2(bits)))
    return np.empty(bits >> 6, dtype=np.uint64), np.empty(bits >> 6, dtype=np.uint64), shift


@njit(cache=True, inline="always")
def repeated_positions(
    keys: npt.NDArray[np.uint32] | U64, once: U64, twice: U64, shift: np.uint64, found: I64
) -> int:
    """Into ``found`` (increasing), the positions of every key that occurs
    more than once in ``keys`` and of a few that do not; their number. The
    bit sets (:func:`bit_sets`) are cleared first, so they can be reused."""
    once[:] = 0
    twice[:] = 0
    for i in range(len(keys)):
        spot = (np.uint64(keys[i]) * _MIX) >> shift
        word = np.int64(spot >> np.uint64(6))
        bit = np.uint64(1) << (spot & np.uint64(63))
        if once[word] & bit:
            twice[word] |= bit
        else:
            once[word] |= bit
    m = 0
    for i in range(len(keys)):
        spot = (np.uint64(keys[i]) * _MIX) >> shift
        if twice[np.int64(spot >> np.uint64(6))] & (np.uint64(1) << (spot & np.uint64(63))):
            found[m] = i
            m += 1
    return m
