"""Compiled verification: fact-weighted similarity for many pairs at once.

Same measure as :func:`dedup.verify.similarity` (maximum-weight common
subsequence of casefolded words, names weigh 3 and numbers 4), computed in
numba over flat arrays: every paragraph is a run of 64-bit word hashes and
word weights. ASCII paragraphs are tokenised in the kernel; others go through
:func:`dedup.verify.prepare` and only their words are hashed here. Imported
lazily: numba costs ~0.2 s to import.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from dedup.verify import FUNCTION_WORDS, NAME_WEIGHT, NUMBER_WEIGHT, plain_needed, prepare

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def _fnv(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


_FUNCTION_HASHES = np.array(sorted(_fnv(w.encode()) for w in FUNCTION_WORDS), dtype=np.uint64)


@njit(cache=True)
def _is_word_byte(c: np.uint8) -> bool:
    return bool((48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122) or c == 95)


@njit(cache=True)
def _tokenise_ascii(
    data: npt.NDArray[np.uint8],
    starts: I64,
    ends: I64,
    function_hashes: U64,
    name_weight: float,
    number_weight: float,
) -> tuple[U64, F64, I64]:
    """Word hashes, weights and per-text word counts of ASCII texts."""
    n = len(starts)
    counts = np.zeros(n, dtype=np.int64)
    capacity = 0
    for t in range(n):
        capacity += (ends[t] - starts[t]) // 2 + 1
    hashes = np.empty(capacity, dtype=np.uint64)
    weights = np.empty(capacity, dtype=np.float64)
    k = 0
    for t in range(n):
        i = starts[t]
        end = ends[t]
        while i < end:
            if not _is_word_byte(data[i]):
                i += 1
                continue
            h = _FNV_OFFSET
            first = data[i]
            digit = False
            while i < end and _is_word_byte(data[i]):
                c = data[i]
                if 48 <= c <= 57:
                    digit = True
                if 65 <= c <= 90:
                    c = c + 32
                h = (h ^ np.uint64(c)) * _FNV_PRIME
                i += 1
            weight = 1.0
            if digit:
                weight = number_weight
            elif 65 <= first <= 90:
                pos = np.searchsorted(function_hashes, h)
                if not (pos < len(function_hashes) and function_hashes[pos] == h):
                    weight = name_weight
            hashes[k] = h
            weights[k] = weight
            k += 1
            counts[t] += 1
    return hashes[:k], weights[:k], counts


@njit(cache=True)
def _hash_words(data: npt.NDArray[np.uint8], starts: I64, ends: I64) -> U64:
    out = np.empty(len(starts), dtype=np.uint64)
    for w in range(len(starts)):
        h = _FNV_OFFSET
        for i in range(starts[w], ends[w]):
            h = (h ^ np.uint64(data[i])) * _FNV_PRIME
        out[w] = h
    return out


@njit(cache=True)
def _similarities(
    pairs: I64, hashes: U64, weights: F64, offsets: I64, totals: F64, threshold: float, plain: float
) -> F64:
    out = np.zeros(len(pairs), dtype=np.float64)
    longest = 0
    for t in range(len(offsets) - 1):
        longest = max(longest, offsets[t + 1] - offsets[t])
    previous = np.zeros(longest + 1, dtype=np.float64)
    current = np.zeros(longest + 1, dtype=np.float64)
    plain_prev = np.zeros(longest + 1, dtype=np.int64)
    plain_cur = np.zeros(longest + 1, dtype=np.int64)
    for p in range(len(pairs)):
        a = pairs[p, 0]
        b = pairs[p, 1]
        total = totals[a] + totals[b]
        if total == 0.0:
            out[p] = 1.0
            continue
        if 2.0 * min(totals[a], totals[b]) / total < threshold:
            continue
        a0 = offsets[a]
        na = offsets[a + 1] - a0
        b0 = offsets[b]
        nb = offsets[b + 1] - b0
        # Unweighted LCS bound first (cheap, integer).
        if threshold > 0.0:
            if na + nb > 0 and 2.0 * min(na, nb) / (na + nb) < plain:
                continue
            for j in range(nb + 1):
                plain_prev[j] = 0
            for i in range(na):
                plain_cur[0] = 0
                hi = hashes[a0 + i]
                for j in range(1, nb + 1):
                    best = plain_cur[j - 1]
                    if plain_prev[j] > best:
                        best = plain_prev[j]
                    if hi == hashes[b0 + j - 1] and plain_prev[j - 1] + 1 > best:
                        best = plain_prev[j - 1] + 1
                    plain_cur[j] = best
                for j in range(nb + 1):
                    plain_prev[j] = plain_cur[j]
            if na + nb > 0 and 2.0 * plain_prev[nb] / (na + nb) < plain:
                continue
        for j in range(nb + 1):
            previous[j] = 0.0
        for i in range(na):
            current[0] = 0.0
            hi = hashes[a0 + i]
            wi = weights[a0 + i]
            for j in range(1, nb + 1):
                best = current[j - 1]
                if previous[j] > best:
                    best = previous[j]
                if hi == hashes[b0 + j - 1]:
                    diagonal = previous[j - 1] + wi + weights[b0 + j - 1]
                    if diagonal > best:
                        best = diagonal
                current[j] = best
            for j in range(nb + 1):
                previous[j] = current[j]
        out[p] = previous[nb] / total
    return out


def similarities(texts: list[str], pairs: I64, threshold: float) -> F64:
    """Similarity of each pair of ``texts`` (indices), 0.0 when it cannot reach ``threshold``."""
    n = len(texts)
    counts = np.zeros(n, dtype=np.int64)
    ascii_ids = [i for i, t in enumerate(texts) if t.isascii()]
    other_ids = [i for i, t in enumerate(texts) if not t.isascii()]
    per_text_hashes: list[U64] = [np.zeros(0, dtype=np.uint64)] * n
    per_text_weights: list[F64] = [np.zeros(0, dtype=np.float64)] * n
    if ascii_ids:
        encoded = [texts[i].encode("ascii") for i in ascii_ids]
        lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        hashes, weights, ascii_counts = _tokenise_ascii(
            data, starts, ends, _FUNCTION_HASHES, NAME_WEIGHT, NUMBER_WEIGHT
        )
        bounds = np.concatenate(([0], np.cumsum(ascii_counts)))
        for k, i in enumerate(ascii_ids):
            per_text_hashes[i] = hashes[bounds[k] : bounds[k + 1]]
            per_text_weights[i] = weights[bounds[k] : bounds[k + 1]]
    if other_ids:
        prepared = [prepare(texts[i]) for i in other_ids]
        words = [w.encode("utf-8") for p in prepared for w in p.words]
        lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        data = np.frombuffer(b"".join(words), dtype=np.uint8)
        hashes = _hash_words(data, starts, ends) if len(words) else np.zeros(0, dtype=np.uint64)
        position = 0
        for i, p in zip(other_ids, prepared, strict=True):
            m = len(p.words)
            per_text_hashes[i] = hashes[position : position + m]
            per_text_weights[i] = np.array(p.weights, dtype=np.float64)
            position += m
    for i in range(n):
        counts[i] = len(per_text_hashes[i])
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    all_hashes = np.concatenate(per_text_hashes) if n else np.zeros(0, dtype=np.uint64)
    all_weights = np.concatenate(per_text_weights) if n else np.zeros(0, dtype=np.float64)
    totals = np.array([w.sum() for w in per_text_weights], dtype=np.float64)
    plain = plain_needed(threshold) if threshold > 0 else 0.0
    return _similarities(
        np.ascontiguousarray(pairs, dtype=np.int64),
        all_hashes,
        all_weights,
        offsets,
        totals,
        threshold,
        plain,
    )
