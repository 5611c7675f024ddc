"""Compiled Gopher n-gram statistics (GR001), exact, in linear time.

Same results as :func:`dedup.rules.text.top_ngram_chars` and
:func:`dedup.rules.text.duplicated_ngram_chars` (tested). The words arrive
joined without separator as an array of code points, with the offset where
each word starts. Every n-gram gets a 64-bit key in O(1) from prefix hashes.
Two bit sets that stay in cache pick out the keys that may occur more than
once (most n-grams are unique); those are grouped in an open-addressing
table, in order of first occurrence, and every member of a group is
compared with the group's first member, so a hash collision is found, never
trusted: the functions then return -1 and the caller uses the plain Python
functions.

- ``top_chars``: n-grams are equal when their words are, i.e. when their
  space-joined strings are, provided no word contains a space (the caller
  checks that once per text).
- ``repeated_chars``: n-grams joined without separator are compared as
  strings ("ab" + "c" equals "a" + "bc"), and Gopher's skipping walk adds
  the length of each repeat of an n-gram seen at a visited position and
  skips ``n`` positions.

:mod:`dedup.rules.text` uses it only when the kernels are already loaded
(:func:`dedup.jit.loaded`: the engine's kernel path on large inputs); a
pre-commit run on a few files never pays for loading, or building, them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.jit import kernel, njit
from dedup.repeats_kernel import bit_sets, repeated_positions

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

_MIX = np.uint64(0x9E3779B97F4A7C15)
_COMBINE = np.uint64(0x100000001B3)


@njit(cache=True)
def _shared(keys: U64) -> I64:
    """The positions (increasing) of every key that occurs more than once,
    and of a few that do not (:mod:`dedup.repeats_kernel`)."""
    once, twice, shift = bit_sets(len(keys), 1 << 24)
    found = np.empty(len(keys), dtype=np.int64)
    return found[: repeated_positions(keys, once, twice, shift, found)]


@njit(cache=True)
def _group(keys: U64, positions: I64) -> tuple[I64, I64, I64, int]:
    """Group the keys at ``positions`` (increasing) by equal key, in order of
    first occurrence: the group of each position, then per group its first
    position and its number of members."""
    count = len(positions)
    size = 16
    while size < 2 * count:
        size *= 2
    mask = size - 1
    shift = np.uint64(64 - int(np.log2(size)))
    table_key = np.zeros(size, dtype=np.uint64)
    table_group = np.full(size, -1, dtype=np.int64)
    group_of = np.empty(count, dtype=np.int64)
    first = np.empty(count, dtype=np.int64)
    members = np.zeros(count, dtype=np.int64)
    groups = 0
    for k in range(count):
        key = keys[positions[k]]
        slot = np.int64((key * _MIX) >> shift)
        while True:
            g = table_group[slot]
            if g == -1:
                g = groups
                table_group[slot] = g
                table_key[slot] = key
                first[g] = positions[k]
                groups += 1
                break
            if table_key[slot] == key:
                break
            slot = (slot + 1) & mask
        group_of[k] = g
        members[g] += 1
    return group_of, first, members, groups


@njit(cache=True, inline="always")
def _same(codes: U32, a: int, b: int, length: int) -> bool:
    for c in range(length):  # noqa: SIM110 - numba compiles loops, not all() over a generator
        if codes[a + c] != codes[b + c]:
            return False
    return True


@njit(cache=True)
def _members_equal(
    codes: U32, starts: I64, positions: I64, group_of: I64, first: I64, n: int, width: int
) -> bool:
    """Whether every grouped n-gram equals its group's first member, compared
    in pieces of ``width`` words: ``n`` compares the n-grams as strings
    joined without separator, 1 compares them word by word."""
    for j in range(len(positions)):
        position = positions[j]
        a = first[group_of[j]]
        if a == position:
            continue
        for k in range(0, n, width):
            length = starts[a + k + width] - starts[a + k]
            if starts[position + k + width] - starts[position + k] != length:
                return False
            if not _same(codes, starts[a + k], starts[position + k], length):
                return False
    return True


@njit(cache=True)
def _span_keys(prefix: U64, powers: U64, starts: I64, n: int) -> U64:
    """Key of each n-gram joined without separator (depends on its
    characters only, not on where the words break)."""
    count = len(starts) - n
    keys = np.empty(count, dtype=np.uint64)
    for i in range(count):
        a = starts[i]
        b = starts[i + n]
        keys[i] = ((prefix[b] - prefix[a]) * powers[a]) ^ (np.uint64(b - a) * _MIX)
    return keys


@kernel("i8(u4[::1], i8[::1], u8[::1], u8[::1], i8)")
def repeated_chars(codes: U32, starts: I64, prefix: U64, powers: U64, n: int) -> int:
    """Characters of repeated n-grams (joined without separator), or -1 on a
    hash collision. ``prefix[k] = sum(codes[j] * B**-j for j < k)`` and
    ``powers[k] = B**k`` (mod 2**64)."""
    if len(starts) - 1 < n:
        return 0
    keys = _span_keys(prefix, powers, starts, n)
    # A key that occurs once is a unique n-gram: the walk just steps over
    # it, so only the positions that may share their key are grouped.
    positions = _shared(keys)
    group_of, first, members, groups = _group(keys, positions)
    if not _members_equal(codes, starts, positions, group_of, first, n, n):
        return -1
    seen = np.zeros(groups, dtype=np.bool_)
    repeated = 0
    idx = 0
    for k in range(len(positions)):
        position = positions[k]
        if position < idx:
            continue  # skipped over by a repeat
        g = group_of[k]
        if members[g] < 2:
            idx = position + 1  # a unique n-gram: nothing to learn
        elif seen[g]:
            repeated += starts[position + n] - starts[position]
            idx = position + n
        else:
            seen[g] = True
            idx = position + 1
    return repeated


@kernel("u8[::1](u8[::1], u8[::1], i8[::1])")
def word_keys(prefix: U64, powers: U64, starts: I64) -> U64:
    """The key of each word, for :func:`top_chars`."""
    return _span_keys(prefix, powers, starts, 1)


@kernel("i8(u4[::1], i8[::1], u8[::1], i8)")
def top_chars(codes: U32, starts: I64, word_keys: U64, n: int) -> int:
    """Characters of the most frequent space-joined n-gram times its count
    (ties: the first to occur), or -1 on a hash collision. The words must
    not hold a space (the caller checks): then n-grams are equal exactly
    when their words are."""
    count = len(starts) - n
    everywhere = np.arange(max(count, 0), dtype=np.int64)
    chars: int = top_chars_among(codes, starts, word_keys, n, everywhere)[0]
    return chars


@kernel("Tuple((i8, i8[::1]))(u4[::1], i8[::1], u8[::1], i8, i8[::1])")
def top_chars_among(codes: U32, starts: I64, word_keys: U64, n: int, candidates: I64) -> tuple[int, I64]:
    """:func:`top_chars`, when every n-gram that occurs more than once starts
    at one of ``candidates`` (increasing positions); and the positions of
    the n-grams that occur more than once (empty after a collision).

    An n-gram that repeats is made of an (n-1)-gram that repeats and is
    followed by one that repeats, so the positions found for n - 1 give the
    candidates for n: most n-grams are never looked at.
    """
    none = np.empty(0, dtype=np.int64)
    words = len(starts) - 1
    if words < n:
        return 0, none
    keys = np.empty(len(candidates), dtype=np.uint64)
    for j in range(len(candidates)):
        p = candidates[j]
        key = word_keys[p]
        for k in range(1, n):
            key = key * _COMBINE + word_keys[p + k]
        keys[j] = key
    shared = _shared(keys)
    group_of, first, members, groups = _group(keys, shared)
    positions = candidates[shared]
    first_position = candidates[first[:groups]]
    if not _members_equal(codes, starts, positions, group_of, first_position, n, 1):
        return -1, none
    best = -1
    for g in range(groups):  # in order of first occurrence: the first wins ties
        if members[g] >= 2 and (best == -1 or members[g] > members[best]):
            best = g
    repeated = positions[members[group_of] >= 2]
    if best == -1:  # every n-gram occurs once: the first one wins
        single: int = starts[n] - starts[0] + n - 1
        return single, repeated
    a = first_position[best]
    chars: int = (starts[a + n] - starts[a] + n - 1) * members[best]
    return chars, repeated


@kernel("Tuple((u4[::1], u8[::1]))(u4[::1], b1[::1], u8[::1])")
def joined_prefix(codes: U32, space: npt.NDArray[np.bool_], inverse_powers: U64) -> tuple[U32, U64]:
    """The code points of ``codes`` that are not whitespace (``space``: per
    code point below its length) and their prefix sums ``P[k] = sum(c[j] *
    B**-j for j < k)`` (``inverse_powers[j] = B**-j``, mod 2**64), in one
    pass (see :class:`dedup.rules.text._HashedWords`)."""
    joined = np.empty(len(codes), dtype=np.uint32)
    prefix = np.empty(len(codes) + 1, dtype=np.uint64)
    prefix[0] = 0
    total = np.uint64(0)
    k = 0
    for c in codes:
        if c < len(space) and space[c]:
            continue
        joined[k] = c
        total += np.uint64(c) * inverse_powers[k]
        k += 1
        prefix[k] = total
    return joined[:k], prefix[: k + 1]
