"""Compiled Gopher skipping walk over repeated n-grams (GR001 on long texts).

Same result as the Python walk in :meth:`dedup.rules.text._HashedWords.duplicated_chars`
(tested). The caller passes the n-grams that may repeat (those whose key
shares a bucket with another key), in text order. They are grouped by key
in a small open-addressing table, the members of each group are checked to
be equal strings, and the walk goes through them in text order: a repeat of
an n-gram seen at a visited position adds its length and skips ``n``
positions. A key shared by different strings (a hash collision) returns -1
and the caller walks in Python, comparing strings.

This module imports numba, so :mod:`dedup.rules.text` uses it only when
numba is already loaded (the engine's kernel path on large inputs); a
pre-commit run on a few files never pays for the import.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


@njit(cache=True)
def repeated_chars(candidates: I64, keys: U64, first: I64, last: I64, codes: U32, n: int) -> int:
    """Characters of repeated n-grams, or -1 on a hash collision.

    ``candidates`` (increasing) are the n-grams that may share their key;
    n-gram ``p`` is ``codes[first[p]:last[p]]`` with key ``keys[p]``.
    """
    count = len(candidates)
    size = 16
    while size < 2 * count:
        size *= 2
    mask = size - 1
    shift = np.uint64(64 - int(np.log2(size)))
    table_key = np.zeros(size, dtype=np.uint64)
    table_group = np.full(size, -1, dtype=np.int64)
    first_member = np.empty(count, dtype=np.int64)
    members = np.zeros(count, dtype=np.int64)
    group_of = np.empty(count, dtype=np.int64)
    groups = 0
    for k in range(count):
        key = keys[candidates[k]]
        slot = np.int64((key * np.uint64(0x9E3779B97F4A7C15)) >> shift)
        while True:
            g = table_group[slot]
            if g == -1:
                g = groups
                table_group[slot] = g
                table_key[slot] = key
                first_member[g] = candidates[k]
                groups += 1
                break
            if table_key[slot] == key:
                break
            slot = (slot + 1) & mask
        group_of[k] = g
        members[g] += 1
    # Equal keys must be equal strings.
    for k in range(count):
        b = candidates[k]
        a = first_member[group_of[k]]
        if a == b:
            continue
        length = last[a] - first[a]
        if last[b] - first[b] != length:
            return -1
        offset_a = first[a]
        offset_b = first[b]
        for c in range(length):
            if codes[offset_a + c] != codes[offset_b + c]:
                return -1
    # The walk: an n-gram no other shares is never seen again, so only the
    # shared ones need a place in ``seen``.
    seen = np.zeros(groups, dtype=np.bool_)
    repeated = 0
    idx = 0
    for k in range(count):
        position = candidates[k]
        if position < idx:
            continue  # skipped over by a repeat
        g = group_of[k]
        if members[g] < 2:
            idx = position + 1
        elif seen[g]:
            repeated += last[position] - first[position]
            idx = position + n
        else:
            seen[g] = True
            idx = position + 1
    return repeated
