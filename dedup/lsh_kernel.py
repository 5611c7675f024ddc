"""Compiled LSH bucketing: candidate pairs from band keys in linear time.

Same result as :func:`dedup.candidates.candidate_pairs_from_keys` (tested):
per band, rows with equal keys form a bucket (members in row order); a
bucket of at most ``cap`` rows yields all its pairs, a larger one yields each
member with the first member and with its successor. Buckets are found with
an open-addressing hash table instead of a sort, so each band costs O(rows).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

I64 = npt.NDArray[np.int64]


@njit(cache=True)
def _add(table: npt.NDArray[np.int64], code: np.int64) -> bool:
    """Insert ``code`` (>= 0) into an open-addressing set; True if it was new."""
    mask = len(table) - 1
    h = np.int64((np.uint64(code) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)) & mask
    while table[h] != -1:
        if table[h] == code:
            return False
        h = (h + 1) & mask
    table[h] = code
    return True


@njit(cache=True)
def _grow(table: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    bigger = np.full(2 * len(table), -1, dtype=np.int64)
    for code in table:
        if code != -1:
            _add(bigger, code)
    return bigger


@njit(cache=True)
def _band_pairs(keys: npt.NDArray[np.uint32], rows: I64, cap: int) -> I64:
    n = len(rows)
    bands = keys.shape[1]
    size = 1
    while size < 2 * n:
        size *= 2
    mask = size - 1
    slot_key = np.empty(size, dtype=np.uint32)
    slot_bucket = np.empty(size, dtype=np.int64)
    bucket_first = np.empty(n, dtype=np.int64)
    bucket_last = np.empty(n, dtype=np.int64)
    bucket_count = np.empty(n, dtype=np.int64)
    next_member = np.empty(n, dtype=np.int64)
    # Pairs seen so far, as codes i * n + j: a pair found in several bands is
    # kept once, so memory follows the distinct pairs, not pairs x bands.
    seen = np.full(1 << 16, -1, dtype=np.int64)
    stored = 0
    out = np.empty((max(16, n), 2), dtype=np.int64)
    used = 0
    members = np.empty(n, dtype=np.int64)
    for band in range(bands):
        slot_bucket[:] = -1
        buckets = 0
        for i in range(n):
            key = keys[rows[i], band]
            h = np.int64(
                ((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & np.uint64(mask)
            )
            while slot_bucket[h] != -1 and slot_key[h] != key:
                h = (h + 1) & mask
            if slot_bucket[h] == -1:
                slot_key[h] = key
                slot_bucket[h] = buckets
                bucket_first[buckets] = i
                bucket_last[buckets] = i
                bucket_count[buckets] = 1
                next_member[i] = -1
                buckets += 1
            else:
                b = slot_bucket[h]
                next_member[bucket_last[b]] = i
                next_member[i] = -1
                bucket_last[b] = i
                bucket_count[b] += 1
        for b in range(buckets):
            count = bucket_count[b]
            if count < 2:
                continue
            m = 0
            i = bucket_first[b]
            while i != -1:
                members[m] = i
                m += 1
                i = next_member[i]
            if count <= cap:
                for x in range(m):
                    for y in range(x + 1, m):
                        if 2 * (stored + 1) > len(seen):
                            seen = _grow(seen)
                        if _add(seen, members[x] * n + members[y]):
                            stored += 1
                            if used == out.shape[0]:
                                grown = np.empty((2 * out.shape[0], 2), dtype=np.int64)
                                grown[:used] = out[:used]
                                out = grown
                            out[used, 0] = members[x]
                            out[used, 1] = members[y]
                            used += 1
            else:
                for x in range(1, m):
                    # each member with its predecessor and with the first member
                    for first in (members[x - 1], members[0]):
                        if x > 1 or first == members[0]:
                            if 2 * (stored + 1) > len(seen):
                                seen = _grow(seen)
                            if _add(seen, first * n + members[x]):
                                stored += 1
                                if used == out.shape[0]:
                                    grown = np.empty((2 * out.shape[0], 2), dtype=np.int64)
                                    grown[:used] = out[:used]
                                    out = grown
                                out[used, 0] = first
                                out[used, 1] = members[x]
                                used += 1
    return out[:used]


def band_pairs(keys: npt.NDArray[np.uint32], rows: I64, cap: int) -> I64:
    """Distinct pairs of positions in ``rows`` (``i < j``) whose rows of ``keys``
    share a band key, as one sorted array of codes ``i * len(rows) + j``."""
    keys = np.ascontiguousarray(keys, dtype=np.uint32)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    # Each pair comes out once (the kernel's seen-set): sorting is all that is left.
    pairs = _band_pairs(keys, rows, cap)
    return np.sort(pairs[:, 0] * np.int64(len(rows)) + pairs[:, 1])
