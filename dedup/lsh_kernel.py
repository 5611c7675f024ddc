"""Compiled LSH bucketing: candidate pairs from band keys in linear time.

Same result as :func:`dedup.candidates.candidate_pairs_from_keys` (tested):
per band, rows with equal keys form a bucket (members in row order); a
bucket of at most ``cap`` rows yields all its pairs, a larger one yields each
member with the first member and with its successor. Buckets are found with
a counting sort on the key's top bits and then small open-addressing hash
tables instead of a sort, so each band costs O(rows) and stays in cache.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

I64 = npt.NDArray[np.int64]


@njit(cache=True, inline="always")
def _add(table: npt.NDArray[np.int64], code: int) -> bool:
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


@njit(cache=True, inline="always")
def _push(
    first: int, second: int, n: int, seen: I64, stored: int, out: I64, used: int
) -> tuple[I64, int, I64, int]:
    """Append the pair ``(first, second)`` unless it was seen before."""
    if 2 * (stored + 1) > len(seen):
        seen = _grow(seen)
    if _add(seen, first * n + second):
        stored += 1
        if used == out.shape[0]:
            grown = np.empty((2 * out.shape[0], 2), dtype=np.int64)
            grown[:used] = out[:used]
            out = grown
        out[used, 0] = first
        out[used, 1] = second
        used += 1
    return seen, stored, out, used


@njit(cache=True, inline="always")
def _emit(
    members: I64, m: int, cap: int, n: int, seen: I64, stored: int, out: I64, used: int
) -> tuple[I64, int, I64, int]:
    """The pairs of one bucket (``members[:m]``, in row order): all of them in a
    small bucket; in a large one, each member with the first member and with
    its predecessor (linear in the bucket)."""
    if m <= cap:
        for x in range(1, m):
            for y in range(x):
                seen, stored, out, used = _push(members[y], members[x], n, seen, stored, out, used)
    else:
        for x in range(1, m):
            seen, stored, out, used = _push(members[0], members[x], n, seen, stored, out, used)
            if x > 1:
                seen, stored, out, used = _push(members[x - 1], members[x], n, seen, stored, out, used)
    return seen, stored, out, used


@njit(cache=True)
def _band_pairs(keys: npt.NDArray[np.uint32], rows: I64, cap: int) -> I64:
    n = len(rows)
    bands = keys.shape[1]
    # Per band, the rows are first split by the key's top 8 bits (a stable
    # counting sort), then each part is bucketed with a hash table small
    # enough to stay in cache.
    parts = 256
    column = np.empty(n, dtype=np.uint32)
    part_key = np.empty(n, dtype=np.uint32)
    part_row = np.empty(n, dtype=np.int64)
    bounds = np.zeros(parts + 1, dtype=np.int64)
    fill = np.zeros(parts, dtype=np.int64)
    size = 16
    while size < 4 * (n // parts) + 64:
        size *= 2
    slot_key = np.empty(size, dtype=np.uint32)
    slot_bucket = np.empty(size, dtype=np.int64)
    bucket_first = np.empty(n, dtype=np.int64)
    bucket_last = np.empty(n, dtype=np.int64)
    bucket_count = np.empty(n, dtype=np.int64)
    next_member = np.empty(n, dtype=np.int64)
    members = np.empty(n, dtype=np.int64)
    # Pairs seen so far, as codes i * n + j: a pair found in several bands is
    # kept once, so memory follows the distinct pairs, not pairs x bands.
    seen = np.full(1 << 16, -1, dtype=np.int64)
    stored = 0
    out = np.empty((max(16, n), 2), dtype=np.int64)
    used = 0
    for band in range(bands):
        for i in range(n):
            column[i] = keys[rows[i], band]
        bounds[:] = 0
        for i in range(n):
            bounds[(column[i] >> np.uint32(24)) + 1] += 1
        for p in range(parts):
            bounds[p + 1] += bounds[p]
        for p in range(parts):
            fill[p] = bounds[p]
        for i in range(n):
            p = column[i] >> np.uint32(24)
            part_key[fill[p]] = column[i]
            part_row[fill[p]] = i
            fill[p] += 1
        for p in range(parts):
            lo = bounds[p]
            hi = bounds[p + 1]
            if hi - lo < 2:
                continue
            width = 16
            while width < 2 * (hi - lo):
                width *= 2
            if width > len(slot_key):
                slot_key = np.empty(width, dtype=np.uint32)
                slot_bucket = np.empty(width, dtype=np.int64)
            mask = width - 1
            slot_bucket[:width] = -1
            buckets = 0
            for q in range(lo, hi):
                key = part_key[q]
                i = part_row[q]
                h = np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask
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
                if bucket_count[b] < 2:
                    continue
                m = 0
                i = bucket_first[b]
                while i != -1:
                    members[m] = i
                    m += 1
                    i = next_member[i]
                seen, stored, out, used = _emit(members, m, cap, n, seen, stored, out, used)
    return out[:used]


def band_pairs(keys: npt.NDArray[np.uint32], rows: I64, cap: int) -> I64:
    """Distinct pairs of positions in ``rows`` (``i < j``) whose rows of ``keys``
    share a band key, as one sorted array of codes ``i * len(rows) + j``."""
    keys = np.ascontiguousarray(keys, dtype=np.uint32)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    # Each pair comes out once (the kernel's seen-set): sorting is all that is left.
    pairs = _band_pairs(keys, rows, cap)
    return np.sort(pairs[:, 0] * np.int64(len(rows)) + pairs[:, 1])
