"""Compiled LSH bucketing: candidate pairs from band keys in linear time.

Same result as :func:`dedup.candidates.candidate_pairs_from_keys` (tested):
per band, rows with equal keys form a bucket (members in row order); a
bucket of at most ``cap`` rows yields all its pairs, a larger one yields each
member with the first member and with its successor. Buckets are found with
a counting sort on the key's top bits and then small open-addressing hash
tables instead of a sort, so each band costs O(rows) and stays in cache.

Also the step before it: the exact groups of a large run (:func:`key_groups`,
the same layout as :func:`dedup.cluster.exact_groups`'s sort, tested).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.candidates import sorted_unique
from dedup.jit import kernel, njit
from dedup.repeats_kernel import bit_sets, repeated_positions
from dedup.threads import in_threads

I64 = npt.NDArray[np.int64]


@njit(cache=True, inline="always")
def _push(code: int, seen: I64, out: I64, used: int) -> int:
    """Append ``code`` (>= 0) to ``out[:used]`` unless the open-addressing
    set ``seen`` holds it; the new number of codes, or -1 when ``out`` or
    ``seen`` (kept at most half full) has no room. The arrays are changed
    in place: a helper that returned them would cost reference counting on
    every pair."""
    mask = len(seen) - 1
    h = np.int64((np.uint64(code) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)) & mask
    while seen[h] != -1:
        if seen[h] == code:
            return used
        h = (h + 1) & mask
    if used == len(out) or 2 * (used + 1) > len(seen):
        return -1
    seen[h] = code
    out[used] = code
    return used + 1


# Bands whose keys _band_pairs gathers in one pass over the rows.
GATHER = 8


@kernel("i8(u4[:, ::1], i8[::1], i8, i8[::1], i8[::1], i8, i8)", nogil=True)
def _band_pairs(
    keys: npt.NDArray[np.uint32], rows: I64, cap: int, seen: I64, out: I64, first: int, last: int
) -> int:
    """The pairs' codes ``i * n + j`` of bands ``first:last`` into ``out``
    (``seen``: an empty set, all -1, a power of two long), each pair once;
    their number, or -1 when the arrays are too small (see
    :func:`band_pairs`). Releases the GIL: threads take a share of the bands."""
    n = len(rows)
    # Per band, the rows are first split by the key's top 8 bits (a stable
    # counting sort), then each part is bucketed with a hash table small
    # enough to stay in cache.
    parts = 256
    # Bands are read GATHER at a time: one pass over the rows fetches each
    # row's keys for several bands from one cache line, instead of one
    # strided pass over the whole key matrix per band.
    columns = np.empty((GATHER, n), dtype=np.uint32)
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
    # Most band keys occur once: only the rows whose key may occur more than
    # once (dedup.repeats_kernel) are bucketed.
    once, twice, shift = bit_sets(n, 1 << 26)
    shared = np.empty(n, dtype=np.int64)
    used = 0
    for band in range(first, last):
        if (band - first) % GATHER == 0:
            for i in range(n):
                row = rows[i]
                for k in range(min(GATHER, last - band)):
                    columns[k, i] = keys[row, band + k]
        column = columns[(band - first) % GATHER]
        m = repeated_positions(column, once, twice, shift, shared)
        bounds[:] = 0
        for q in range(m):
            bounds[(column[shared[q]] >> np.uint32(24)) + 1] += 1
        for p in range(parts):
            bounds[p + 1] += bounds[p]
        for p in range(parts):
            fill[p] = bounds[p]
        for q in range(m):
            i = shared[q]
            part = np.int64(column[i] >> np.uint32(24))
            part_key[fill[part]] = column[i]
            part_row[fill[part]] = i
            fill[part] += 1
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
                # All the pairs of a small bucket; in a large one, each member
                # with the first member and with its predecessor (linear).
                for x in range(1, m):
                    if m <= cap:
                        for y in range(x):
                            used = _push(members[y] * n + members[x], seen, out, used)
                            if used < 0:
                                return -1
                    else:
                        used = _push(members[0] * n + members[x], seen, out, used)
                        if used >= 0 and x > 1:
                            used = _push(members[x - 1] * n + members[x], seen, out, used)
                        if used < 0:
                            return -1
    return used


# From this many rows on, band_pairs shares the bands out among threads.
PARALLEL_MIN_ROWS = 50_000


def band_pairs(keys: npt.NDArray[np.uint32], rows: I64, cap: int, threads: int = 1) -> I64:
    """Distinct pairs of positions in ``rows`` (``i < j``) whose rows of ``keys``
    share a band key, as one sorted array of codes ``i * len(rows) + j``.

    A pair found in several bands is kept once, so memory follows the
    distinct pairs, not pairs x bands: the kernel starts with room for two
    pairs per row and runs again with four times more in the rare case
    that it needs more. With ``threads`` > 1 and enough rows, each thread
    takes a run of bands (whole GATHER groups); the result is the same.
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint32)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    bands = keys.shape[1]
    groups = -(-bands // GATHER)
    parts = max(1, min(threads, groups)) if len(rows) >= PARALLEL_MIN_ROWS else 1
    if parts == 1:
        return np.sort(_bands_codes(keys, rows, cap, 0, bands))
    cuts = [min(bands, GATHER * (groups * k // parts)) for k in range(parts + 1)]
    found = in_threads(lambda k: _bands_codes(keys, rows, cap, cuts[k], cuts[k + 1]), range(parts))
    return sorted_unique(np.concatenate(found))


def _bands_codes(keys: npt.NDArray[np.uint32], rows: I64, cap: int, first: int, last: int) -> I64:
    """The distinct codes of bands ``first:last``, unsorted (see :func:`band_pairs`)."""
    size = 1 << max(16, (4 * len(rows)).bit_length())
    while True:
        seen = np.full(size, -1, dtype=np.int64)
        out = np.empty(size // 2, dtype=np.int64)
        used = _band_pairs(keys, rows, cap, seen, out, first, last)
        if used >= 0:
            return out[:used]
        size *= 4


@kernel("UniTuple(i8[::1], 3)(i8[::1], u8[::1], u8[::1])")
def key_groups(ids: I64, h0: npt.NDArray[np.uint64], h1: npt.NDArray[np.uint64]) -> tuple[I64, I64, I64]:
    """Rows with equal keys ``(h0, h1)``, grouped in one pass of a hash table:
    per group (in order of first occurrence) its first id, and all ids
    group after group (in their order) with the groups' offsets. With
    increasing ``ids`` this is :func:`dedup.cluster.exact_groups`'s layout."""
    n = len(ids)
    size = 16
    while size < 2 * n:
        size *= 2
    mask = size - 1
    slot_group = np.full(size, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    group_of = np.empty(n, dtype=np.int64)
    groups = 0
    for i in range(n):
        h = np.int64((h0[i] * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20)) & mask
        while True:
            g = slot_group[h]
            if g == -1:
                slot_group[h] = groups
                first[groups] = i
                group_of[i] = groups
                groups += 1
                break
            f = first[g]
            if h0[f] == h0[i] and h1[f] == h1[i]:
                group_of[i] = g
                break
            h = (h + 1) & mask
    offsets = np.zeros(groups + 1, dtype=np.int64)
    for i in range(n):
        offsets[group_of[i] + 1] += 1
    for g in range(groups):
        offsets[g + 1] += offsets[g]
    fill = offsets[:groups].copy()
    members = np.empty(n, dtype=np.int64)
    for i in range(n):
        g = group_of[i]
        members[fill[g]] = ids[i]
        fill[g] += 1
    reps = np.empty(groups, dtype=np.int64)
    for g in range(groups):
        reps[g] = ids[first[g]]
    return reps, members, offsets


def warm_up(bands: int) -> None:
    """Load :func:`band_pairs`' and :func:`key_groups`' compiled code for
    the argument types a run passes (with the JIT: a few ms each, from
    numba's cache)."""
    keys = np.zeros((2, bands), dtype=np.uint32)
    ids = np.arange(2, dtype=np.int64)
    band_pairs(keys, ids, 2)
    h = np.zeros(2, dtype=np.uint64)
    key_groups(ids, h, h)
