"""Compiled verification: fact-weighted similarity for many pairs at once.

Same measure as :func:`dedup.verify.similarity` (maximum-weight common
subsequence of casefolded words, names weigh 3 and numbers 4), computed in
numba over flat arrays: every paragraph is a run of 64-bit word hashes and
word weights. Paragraphs are tokenised in the kernel, from their bytes when
they are ASCII and from the code points of their NFKC form when those are in
the BMP, with per-character tables of what :func:`dedup.verify.prepare` asks;
the rare others go through ``prepare`` and only their words are hashed here.
The kernel also flags the pairs whose slot-weighted reading
(:func:`dedup.verify.slot_similarity`) may reach the threshold where the
fact-weighted one does not; :meth:`Tokenised.similarities` reads those few
in Python. Imported lazily (see :mod:`dedup.jit` for where the kernels come from).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, pairwise
from typing import cast

import numpy as np
import numpy.typing as npt

from dedup.jit import kernel, njit
from dedup.table_cache import load_tables
from dedup.threads import in_threads
from dedup.verify import (
    FNV_OFFSET,
    FNV_PRIME,
    FUNCTION_WORDS,
    LIGHT_EDIT_WORDS,
    NAME_WEIGHT,
    NUMBER_WEIGHT,
    OPENERS,
    SLOT_MARGIN,
    Prepared,
    plain_needed,
    prepare,
    slot_similarity,
    word_hash,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

_FNV_OFFSET = np.uint64(FNV_OFFSET)
_FNV_PRIME = np.uint64(FNV_PRIME)


_FUNCTION_HASHES = np.array(sorted(map(word_hash, FUNCTION_WORDS)), dtype=np.uint64)


# Character classes of _char_classes' flags.
_WORD, _DIGIT, _UPPER, _SPACE, _OPENER = 1, 2, 4, 8, 16


CharClasses = tuple[npt.NDArray[np.uint8], I64, npt.NDArray[np.uint8]]


@lru_cache(maxsize=1)
def _ascii_classes() -> CharClasses:
    """:func:`_char_classes` of ASCII (built in 0.1 ms)."""
    return _char_classes(0x80)


@lru_cache(maxsize=1)
def _bmp_classes() -> CharClasses:
    """:func:`_char_classes` of the BMP, kept on disk (30 ms to build; see
    :mod:`dedup.table_cache`)."""

    names = ("flags", "offset", "folded")

    def compute() -> dict[str, npt.NDArray[np.generic]]:
        return dict(zip(names, _char_classes(0x10000), strict=True))

    tables = load_tables("verify", ("verify_kernel.py", "verify.py"), names, compute)
    return tables["flags"], tables["offset"], tables["folded"]


def _char_classes(size: int) -> CharClasses:
    """Per code point below ``size``, what :func:`dedup.verify.prepare` asks
    of it: ``flags`` (WORD: ``\\w``, i.e. ``isalnum()`` or "_"; DIGIT:
    ``\\d``, i.e. ``isdecimal()``; UPPER: ``isupper()``; SPACE:
    ``isspace()``, what ``rstrip`` removes; OPENER: in verify.OPENERS), and
    its ``casefold()`` as UTF-8 bytes: ``folded[offset[cp]:offset[cp + 1]]``.
    0x80 for ASCII texts, 0x10000 for texts of the BMP."""
    flags = np.zeros(size, dtype=np.uint8)
    offset = np.zeros(size + 1, dtype=np.int64)
    chunks: list[bytes] = []
    position = 0
    for cp in range(size):
        offset[cp] = position
        if 0xD800 <= cp < 0xE000:
            continue  # surrogates: never in decoded text
        char = chr(cp)
        flags[cp] = (
            (_WORD if char.isalnum() or char == "_" else 0)
            | (_DIGIT if char.isdecimal() else 0)
            | (_UPPER if char.isupper() else 0)
            | (_SPACE if char.isspace() else 0)
            | (_OPENER if char in OPENERS else 0)
        )
        folded = char.casefold().encode("utf-8")
        chunks.append(folded)
        position += len(folded)
    offset[size] = position
    return flags, offset, np.frombuffer(b"".join(chunks), dtype=np.uint8)


@kernel(
    "Tuple((u8[::1], f8[::1], i8[::1]))(u1[::1], i8[::1], i8[::1], u1[::1], i8[::1], u1[::1], u8[::1], f8, f8)",
    "Tuple((u8[::1], f8[::1], i8[::1]))(u4[::1], i8[::1], i8[::1], u1[::1], i8[::1], u1[::1], u8[::1], f8, f8)",
    nogil=True,
)
def _tokenise(
    codes: npt.NDArray[np.uint8] | npt.NDArray[np.uint32],
    starts: I64,
    ends: I64,
    flags: npt.NDArray[np.uint8],
    fold_offset: I64,
    folded: npt.NDArray[np.uint8],
    function_hashes: U64,
    name_weight: float,
    number_weight: float,
) -> tuple[U64, F64, I64]:
    """The words of :func:`dedup.verify.prepare` in texts given as code
    points (ASCII bytes, or the code points of NFKC texts in the BMP, with
    :func:`_char_classes` tables that cover them), each hashed as FNV-1a of
    its casefolded UTF-8 bytes (as :func:`_hash_spaced` hashes them): word
    hashes, weights and per-text word counts."""
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
        opens = True  # the next word opens a sentence (verify.OPENERS)
        while i < end:
            f = flags[codes[i]]
            if not f & _WORD:
                if not f & _SPACE:  # what rstrip() leaves decides
                    opens = (f & _OPENER) != 0
                i += 1
                continue
            h = _FNV_OFFSET
            upper = (f & _UPPER) != 0  # of the first character
            digit = False
            while i < end:
                c = codes[i]
                f = flags[c]
                if not f & _WORD:
                    break
                if f & _DIGIT:
                    digit = True
                for b in range(fold_offset[c], fold_offset[c + 1]):
                    h = (h ^ np.uint64(folded[b])) * _FNV_PRIME
                i += 1
            weight = 1.0
            if digit:
                weight = number_weight
            elif upper:
                weight = name_weight
                if opens:
                    pos = np.searchsorted(function_hashes, h)
                    if pos < len(function_hashes) and function_hashes[pos] == h:
                        weight = 1.0
            opens = False
            hashes[k] = h
            weights[k] = weight
            k += 1
            counts[t] += 1
    return hashes[:k], weights[:k], counts


@kernel("u8[::1](u1[::1])")
def _hash_spaced(data: npt.NDArray[np.uint8]) -> U64:
    """FNV-1a hash of each word of ``data`` (words separated by single spaces), as the
    ASCII tokeniser hashes its words."""
    count = 0
    if len(data):
        count = 1
        for c in data:
            if c == 32:
                count += 1
    out = np.empty(count, dtype=np.uint64)
    h = _FNV_OFFSET
    w = 0
    for c in data:
        if c == 32:
            out[w] = h
            w += 1
            h = _FNV_OFFSET
        else:
            h = (h ^ np.uint64(c)) * _FNV_PRIME
    if count:
        out[w] = h
    return out


@kernel("void(u8[::1], i8[::1], i8, i8, i8[::1], u8[::1])", nogil=True)
def _sort_words(hashes: U64, offsets: I64, first: int, last: int, order: I64, sorted_hashes: U64) -> None:
    """For texts ``first:last``: each text's word positions ordered by hash
    (into ``order``) and its hashes in that order (into ``sorted_hashes``).
    A text's words are sorted on their own, so threads can share the texts."""
    for t in range(first, last):
        start = offsets[t]
        size = offsets[t + 1] - start
        if size <= 48:  # insertion sort: no allocation for the usual paragraph
            for k in range(size):
                order[start + k] = k
            for k in range(1, size):
                moving = order[start + k]
                key = hashes[start + moving]
                j = k - 1
                while j >= 0 and hashes[start + order[start + j]] > key:
                    order[start + j + 1] = order[start + j]
                    j -= 1
                order[start + j + 1] = moving
        else:
            local = np.argsort(hashes[start : offsets[t + 1]], kind="mergesort")
            for k in range(size):
                order[start + k] = local[k]
        for k in range(start, offsets[t + 1]):
            sorted_hashes[k] = hashes[start + order[k]]


@njit(cache=True)
def _popcount(x: np.uint64) -> int:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@kernel("i8(u8[::1], u8[::1], i8[::1], i8, i8, i8, i8, u8[::1], u8[::1])")
def _plain_lcs(
    hashes: U64, sorted_hashes: U64, order: I64, a0: int, m: int, b0: int, nb: int, v: U64, match: U64
) -> int:
    """Length of a longest common subsequence of words (bit-parallel, Hyyrö 2004).

    Bit i of ``v`` tracks position i of text a; for each word of text b, the
    positions of a holding that word (found in a's hash-sorted words) update
    it with one multi-word addition.
    """
    words = (m + 63) // 64
    for k in range(words):
        v[k] = np.uint64(0xFFFFFFFFFFFFFFFF)
    end = a0 + m
    for j in range(nb):
        x = hashes[b0 + j]
        lo = a0
        hi = end
        while lo < hi:
            mid = (lo + hi) // 2
            if sorted_hashes[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        if lo == end or sorted_hashes[lo] != x:
            continue
        for k in range(words):
            match[k] = 0
        while lo < end and sorted_hashes[lo] == x:
            position = order[lo]
            match[position >> 6] |= np.uint64(1) << np.uint64(position & 63)
            lo += 1
        carry = np.uint64(0)
        for k in range(words):
            u = v[k] & match[k]
            total = v[k] + u
            overflow = total < v[k]
            total2 = total + carry
            carry = np.uint64(1) if (overflow or total2 < total) else np.uint64(0)
            v[k] = total2 | (v[k] - u)
    ones = 0
    for k in range(words):
        value = v[k]
        if k == words - 1 and m % 64:
            value &= (np.uint64(1) << np.uint64(m % 64)) - np.uint64(1)
        ones += _popcount(value)
    return m - ones


@njit(cache=True)
def _unshared_facts(
    weights: F64, sorted_hashes: U64, order: I64, a0: int, na: int, b0: int, nb: int
) -> tuple[int, int]:
    """How many words of text a weigh more than 1 (names, numbers) and do not
    occur in text b, and the same of b (a merge of their hash-sorted words)."""
    i, j = a0, b0
    end_a, end_b = a0 + na, b0 + nb
    only_a = only_b = 0
    while i < end_a or j < end_b:
        if j == end_b or (i < end_a and sorted_hashes[i] < sorted_hashes[j]):
            only_a += weights[a0 + order[i]] > 1.0
            i += 1
        elif i == end_a or sorted_hashes[j] < sorted_hashes[i]:
            only_b += weights[b0 + order[j]] > 1.0
            j += 1
        else:
            x = sorted_hashes[i]
            while i < end_a and sorted_hashes[i] == x:
                i += 1
            while j < end_b and sorted_hashes[j] == x:
                j += 1
    return only_a, only_b


@kernel(
    "f8[::1](i8[:, ::1], u8[::1], f8[::1], i8[::1], f8[::1], u8[::1], i8[::1], f8, f8, f8, i8, b1[::1])",
    nogil=True,
)
def _similarities(
    pairs: I64,
    hashes: U64,
    weights: F64,
    offsets: I64,
    totals: F64,
    sorted_hashes: U64,
    order: I64,
    threshold: float,
    plain: float,
    slot_needed: float,
    slot_words: int,
    slot_pairs: npt.NDArray[np.bool_],
) -> F64:
    out = np.zeros(len(pairs), dtype=np.float64)
    longest = 0
    for t in range(len(offsets) - 1):
        longest = max(longest, offsets[t + 1] - offsets[t])
    previous = np.zeros(longest + 1, dtype=np.float64)
    current = np.zeros(longest + 1, dtype=np.float64)
    v = np.empty(longest // 64 + 1, dtype=np.uint64)
    match = np.empty(longest // 64 + 1, dtype=np.uint64)
    for p in range(len(pairs)):
        a = pairs[p, 0]
        b = pairs[p, 1]
        total = totals[a] + totals[b]
        if total == 0.0:
            out[p] = 1.0
            continue
        a0 = offsets[a]
        na = offsets[a + 1] - a0
        b0 = offsets[b]
        nb = offsets[b + 1] - b0
        if na == nb:  # the same words (their weights may differ): 1.0, as verify.similarity says
            same = True
            for k in range(na):
                if hashes[a0 + k] != hashes[b0 + k]:
                    same = False
                    break
            if same:
                out[p] = 1.0
                continue
        weighted_bound = 2.0 * min(totals[a], totals[b]) / total
        plain_bound = 2.0 * min(na, nb) / (na + nb) if na + nb > 0 else 0.0
        slot_possible = plain_bound >= slot_needed and min(na, nb) >= slot_words
        if weighted_bound < threshold and not slot_possible:
            continue
        # Unweighted LCS bound first (cheap, bit-parallel); it also bounds
        # the slot-weighted similarity, where the fact-weighted one may not
        # reach the threshold.
        common = 0
        if threshold > 0.0 and na + nb > 0:
            if plain_bound < plain:
                continue
            common = _plain_lcs(hashes, sorted_hashes, order, a0, na, b0, nb, v, match)
            if 2.0 * common / (na + nb) < plain:
                continue
        if weighted_bound >= threshold:
            # A common prefix (then suffix) of the same words with the same
            # weights is aligned in some best alignment (exchange argument: a
            # first word aligned elsewhere, or not at all, can be aligned with
            # the other first word for at least as much), so only the middle
            # needs the dynamic programme. Weights are small integers: the sums
            # are exact whatever their order.
            head = 0
            fixed = 0.0
            while head < na and head < nb and hashes[a0 + head] == hashes[b0 + head]:
                if weights[a0 + head] != weights[b0 + head]:
                    break
                fixed += 2.0 * weights[a0 + head]
                head += 1
            tail = 0
            while (
                tail < na - head
                and tail < nb - head
                and hashes[a0 + na - 1 - tail] == hashes[b0 + nb - 1 - tail]
            ):
                if weights[a0 + na - 1 - tail] != weights[b0 + nb - 1 - tail]:
                    break
                fixed += 2.0 * weights[a0 + na - 1 - tail]
                tail += 1
            out[p] = (
                fixed
                + _weighted_lcs(
                    hashes[a0 + head : a0 + na - tail],
                    weights[a0 + head : a0 + na - tail],
                    hashes[b0 + head : b0 + nb - tail],
                    weights[b0 + head : b0 + nb - tail],
                    previous,
                    current,
                )
            ) / total
        if (threshold > 0.0 and out[p] >= threshold) or not slot_possible:
            continue
        # The slot-weighted similarity is at most 2 common / (na + nb + 2 k),
        # k the fewer of the two sides' names and numbers that the other
        # text lacks (each is a differing fact; paired, it costs at least 2
        # more than an ordinary word): flag the pairs that may reach it.
        if threshold > 0.0:
            only_a, only_b = _unshared_facts(weights, sorted_hashes, order, a0, na, b0, nb)
            if 2.0 * common / (na + nb + 2 * min(only_a, only_b)) < slot_needed:
                continue
        slot_pairs[p] = True
    return out


@njit(cache=True, inline="always")
def _occurrences(
    word: np.uint64, sorted_hashes: U64, order: I64, weights: F64, start: int, at: int, end: int
) -> tuple[int, int, int]:
    """The run of ``word`` from ``at`` in the hash-sorted words of the text
    beginning at ``start`` (ending at ``end``): where the run ends, its
    length, and how many of its places hold a fact (weight above 1)."""
    count = facts = 0
    while at < end and sorted_hashes[at] == word:
        count += 1
        facts += weights[start + order[at]] > 1.0
        at += 1
    return at, count, facts


@kernel("void(i8[:, ::1], u8[::1], f8[::1], i8[::1], u8[::1], i8[::1], i1[::1])", nogil=True)
def _fact_substitutions(
    pairs: I64,
    hashes: U64,
    weights: F64,
    offsets: I64,
    sorted_hashes: U64,
    order: I64,
    out: npt.NDArray[np.int8],
) -> None:
    """:func:`dedup.verify.fact_substitution` of each pair of texts (slots):
    1 or 0, or -1 when the answer depends on the alignment.

    The words outside an alignment, less those on both sides, are the
    multiset differences of the two texts, whatever the alignment: aligned
    words are equal pairs. A word one text holds more often than the other
    counts as a fact when the alignment leaves out a place where it is one;
    when every place of it in that text is a fact, or none is, no alignment
    changes that. Only a word that is a fact in some places and not in
    others (a capitalised function word opening a sentence, say) gives -1.
    The words of each text are merged in hash order (``sorted_hashes``,
    ``order``), as :func:`_unshared_facts` merges them."""
    for p in range(len(pairs)):
        a = pairs[p, 0]
        b = pairs[p, 1]
        a0 = offsets[a]
        a1 = offsets[a + 1]
        b0 = offsets[b]
        b1 = offsets[b + 1]
        i = a0
        j = b0
        only_a = only_b = facts_a = facts_b = 0
        mixed = False
        while i < a1 or j < b1:
            if j == b1 or (i < a1 and sorted_hashes[i] <= sorted_hashes[j]):
                word = sorted_hashes[i]
            else:
                word = sorted_hashes[j]
            i, in_a, facts_in_a = _occurrences(word, sorted_hashes, order, weights, a0, i, a1)
            j, in_b, facts_in_b = _occurrences(word, sorted_hashes, order, weights, b0, j, b1)
            if in_a != in_b:
                # (the side holding the word more often)
                more, fewer, facts = (in_a, in_b, facts_in_a) if in_a > in_b else (in_b, in_a, facts_in_b)
                extra = more - fewer if facts == more else 0
                mixed |= 0 < facts < more
                if in_a > in_b:
                    only_a += more - fewer
                    facts_a += extra
                else:
                    only_b += more - fewer
                    facts_b += extra
        if only_a == 0 or only_b == 0:
            out[p] = 0
        elif mixed:
            out[p] = -1
        else:
            out[p] = 1 if 2 * facts_a >= only_a and 2 * facts_b >= only_b else 0


def _bounds(encoded: list[bytes]) -> tuple[I64, I64]:
    """Where each of the joined byte strings starts and ends."""
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    return ends - lengths, ends


def similarities(texts: list[str], pairs: I64, threshold: float, threads: int = 1) -> F64:
    """Similarity of each pair of ``texts`` (indices), 0.0 when it cannot
    reach ``threshold`` (:meth:`Tokenised.similarities` of :func:`tokenise`)."""
    return tokenise(texts, threads).similarities(pairs, threshold, threads)


# From this many texts on, tokenise shares them out among its threads.
PARALLEL_MIN_TEXTS = 20_000


def _parts(sizes: I64, threads: int) -> list[slice]:
    """``threads`` consecutive runs of texts, about equal in ``sizes``."""
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if len(ends) else 0
    cuts = [0, *(int(np.searchsorted(ends, total * k // threads)) for k in range(1, threads)), len(sizes)]
    return [slice(a, b) for a, b in pairwise(cuts) if b > a]


@dataclass(frozen=True)
class Tokenised:
    """Texts as the kernel compares them: the words of text ``i`` are
    ``hashes[offsets[k]:offsets[k + 1]]`` (FNV-1a of the casefolded word,
    :func:`dedup.verify.word_hash`) with their ``weights``, ``k =
    slot[i]``; ``totals[k]`` sums the weights; ``order`` and
    ``sorted_hashes`` sort each text's words by hash."""

    hashes: U64
    weights: F64
    offsets: I64
    totals: F64
    slot: I64
    order: I64
    sorted_hashes: U64

    def similarities(self, pairs: I64, threshold: float, threads: int = 1) -> F64:
        """:func:`dedup.verify.pair_similarity` of each pair of texts
        (indices), 0.0 when it cannot reach ``threshold``.

        The kernel computes the fact-weighted similarity and flags the pairs
        it puts below ``threshold`` whose unweighted similarity reaches it
        and that are long enough to have a slot reading; only those can
        reach it slot-weighted, which is computed for them
        here (:func:`dedup.verify.slot_similarity`, rapidfuzz). With
        ``threads`` > 1 the pairs are shared out among threads (the kernel
        releases the GIL); the result is the same.
        """
        plain = plain_needed(threshold) if threshold > 0 else 0.0
        slot_needed = threshold - SLOT_MARGIN
        local = np.ascontiguousarray(self.slot[pairs], dtype=np.int64)

        def run(chunk: I64) -> tuple[F64, npt.NDArray[np.bool_]]:
            flagged = np.zeros(len(chunk), dtype=np.bool_)
            values = _similarities(
                chunk,
                self.hashes,
                self.weights,
                self.offsets,
                self.totals,
                self.sorted_hashes,
                self.order,
                threshold,
                plain,
                slot_needed,
                LIGHT_EDIT_WORDS,
                flagged,
            )
            return values, flagged

        threads = max(1, min(threads, len(local) // 10_000))
        if threads == 1:
            out, flagged = run(local)
        else:
            # Interleaved chunks even out the work (long paragraphs cluster by file).
            chunks = [np.ascontiguousarray(local[t::threads]) for t in range(threads)]
            out = np.empty(len(local), dtype=np.float64)
            flagged = np.empty(len(local), dtype=np.bool_)
            for t, (values, flags) in enumerate(in_threads(run, chunks)):
                out[t::threads] = values
                flagged[t::threads] = flags
        for k in np.flatnonzero(flagged).tolist():
            a, b = pairs[k].tolist()
            out[k] = max(out[k], slot_similarity(self.prepared(a), self.prepared(b), threshold))
        return out

    def fact_substitutions(self, pairs: I64) -> npt.NDArray[np.int8]:
        """:func:`dedup.verify.fact_substitution` of each pair of texts
        (indices): 1 or 0, or -1 where it depends on the alignment (see
        :func:`_fact_substitutions`; :meth:`prepared` and the function tell)."""
        out = np.empty(len(pairs), dtype=np.int8)
        local = np.ascontiguousarray(self.slot[pairs], dtype=np.int64).reshape(-1, 2)
        _fact_substitutions(
            local, self.hashes, self.weights, self.offsets, self.sorted_hashes, self.order, out
        )
        return out

    def prepared(self, i: int) -> Prepared:
        """Text ``i`` as :func:`dedup.verify.prepare` gives it, its words as
        their hashes (:data:`dedup.verify.Word`): what the template checks
        need, without tokenising the text again in Python."""
        k = int(self.slot[i])
        a, b = int(self.offsets[k]), int(self.offsets[k + 1])
        weights = tuple(self.weights[a:b].tolist())
        return Prepared(tuple(self.hashes[a:b].tolist()), weights, sum(weights))


def _tokenised_parts(
    codes: npt.NDArray[np.uint8] | npt.NDArray[np.uint32],
    starts: I64,
    ends: I64,
    classes: CharClasses,
    threads: int,
) -> list[tuple[U64, F64, I64]]:
    """:func:`_tokenise` of texts ``codes[starts[i]:ends[i]]`` (with these
    character classes), in runs of texts of about equal size, one per thread."""
    return in_threads(
        lambda part: _tokenise(
            codes, starts[part], ends[part], *classes, _FUNCTION_HASHES, NAME_WEIGHT, NUMBER_WEIGHT
        ),
        _parts(ends - starts, threads),
    )


def tokenise(texts: list[str], threads: int = 1) -> Tokenised:
    """The words of every text, tokenised in the kernel (see the module doc);
    many texts are shared out among ``threads`` threads (the same result)."""
    n = len(texts)
    threads = max(1, threads) if n >= PARALLEL_MIN_TEXTS else 1
    is_ascii = [t.isascii() for t in texts]
    ascii_ids = list(compress(range(n), is_ascii))
    non_ascii = [i for i, a in enumerate(is_ascii) if not a]
    # Non-ASCII texts in NFKC; those of BMP code points only go to the
    # compiled tokeniser, the rest (rare) to prepare().
    wide = [unicodedata.normalize("NFKC", texts[i]).encode("utf-32-le") for i in non_ascii]
    beyond = np.zeros(len(wide), dtype=np.bool_)
    codes = np.frombuffer(b"".join(wide), dtype=np.uint32)
    wide_starts, wide_ends = _bounds(wide)
    if len(codes) and codes.max() >= 0x10000:
        filled = wide_ends > wide_starts
        beyond[filled] = np.maximum.reduceat(codes, wide_starts[filled] // 4) >= 0x10000
    bmp_ids = [i for i, b in zip(non_ascii, beyond.tolist(), strict=True) if not b]
    other_ids = [i for i, b in zip(non_ascii, beyond.tolist(), strict=True) if b]
    # Texts are laid out ASCII first, then BMP, then the others: ``slot[i]`` is text i's place.
    slot = np.empty(n, dtype=np.int64)
    slot[ascii_ids + bmp_ids + other_ids] = np.arange(n, dtype=np.int64)
    hash_parts: list[U64] = []
    weight_parts: list[F64] = []
    count_parts: list[I64] = []
    if ascii_ids:
        encoded = [texts[i].encode("ascii") for i in ascii_ids]
        starts, ends = _bounds(encoded)
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        for hashes, weights, counts in _tokenised_parts(data, starts, ends, _ascii_classes(), threads):
            hash_parts.append(hashes)
            weight_parts.append(weights)
            count_parts.append(counts)
    if bmp_ids:
        # The texts' code points as joined above, less any text beyond the BMP.
        starts, ends = wide_starts[~beyond] // 4, wide_ends[~beyond] // 4
        for hashes, weights, counts in _tokenised_parts(codes, starts, ends, _bmp_classes(), threads):
            hash_parts.append(hashes)
            weight_parts.append(weights)
            count_parts.append(counts)
    if other_ids:
        prepared = [prepare(texts[i]) for i in other_ids]
        # \w+ words never hold a space: one string, hashed word by word in the kernel.
        spelled = (cast("tuple[str, ...]", p.words) for p in prepared if p.words)  # prepare() gives strings
        joined = " ".join(map(" ".join, spelled)).encode("utf-8")
        hash_parts.append(_hash_spaced(np.frombuffer(joined, dtype=np.uint8)))
        weight_parts.append(
            np.array(list(chain.from_iterable(p.weights for p in prepared)), dtype=np.float64)
        )
        count_parts.append(np.fromiter((len(p.words) for p in prepared), dtype=np.int64, count=len(prepared)))
    all_hashes = np.concatenate(hash_parts) if hash_parts else np.zeros(0, dtype=np.uint64)
    all_weights = np.concatenate(weight_parts) if weight_parts else np.zeros(0, dtype=np.float64)
    counts = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    totals = np.zeros(n, dtype=np.float64)
    nonempty = counts > 0
    if len(all_weights):
        totals[nonempty] = np.add.reduceat(all_weights, offsets[:-1][nonempty])
    order = np.empty(len(all_hashes), dtype=np.int64)
    sorted_hashes = np.empty(len(all_hashes), dtype=np.uint64)
    in_threads(
        lambda part: _sort_words(all_hashes, offsets, part.start, part.stop, order, sorted_hashes),
        _parts(counts, threads) if n else [slice(0, 0)],
    )
    return Tokenised(all_hashes, all_weights, offsets, totals, slot, order, sorted_hashes)


@njit(cache=True, inline="always")
def _weighted_lcs(
    a_ids: npt.NDArray[np.integer],
    a_weights: F64,
    b_ids: npt.NDArray[np.integer],
    b_weights: F64,
    previous: F64,
    current: F64,
) -> float:
    """Weight of a maximum-weight common subsequence of two word runs, an
    aligned pair counting twice its lighter side
    (:func:`dedup.verify.aligned_weight`); ``previous`` and
    ``current`` are scratch rows of at least ``len(b_ids) + 1``."""
    nb = len(b_ids)
    for j in range(nb + 1):
        previous[j] = 0.0
    for i in range(len(a_ids)):
        current[0] = 0.0
        word = a_ids[i]
        weight = a_weights[i]
        for j in range(1, nb + 1):
            best = current[j - 1]
            if previous[j] > best:
                best = previous[j]
            if word == b_ids[j - 1]:
                other = b_weights[j - 1]
                diagonal = previous[j - 1] + 2.0 * (weight if weight < other else other)
                if diagonal > best:
                    best = diagonal
            current[j] = best
        previous, current = current, previous  # this row is the next one's previous row
    return float(previous[nb])


@kernel("f8(i8[::1], f8[::1], i8[::1], f8[::1])")
def _aligned(a_ids: I64, a_weights: F64, b_ids: I64, b_weights: F64) -> float:
    scratch = len(b_ids) + 1
    return _weighted_lcs(
        a_ids,
        a_weights,
        b_ids,
        b_weights,
        np.empty(scratch, dtype=np.float64),
        np.empty(scratch, dtype=np.float64),
    )


# Arrays of recently compared paragraphs, by id() (the Prepared is kept with
# them, so its id cannot be reused while it is here): clustering compares
# one paragraph with many.
_ARRAYS: dict[int, tuple[Prepared, I64, F64]] = {}
_ARRAYS_KEPT = 1 << 14


def _arrays(p: Prepared) -> tuple[I64, F64]:
    """A paragraph's words as ids (Python's string hash: equal words, equal ids) and weights."""
    found = _ARRAYS.get(id(p))
    if found is not None:
        return found[1], found[2]
    if len(_ARRAYS) >= _ARRAYS_KEPT:
        _ARRAYS.clear()
    ids = np.fromiter(map(hash, p.words), dtype=np.int64, count=len(p.words))
    weights = np.array(p.weights, dtype=np.float64)
    _ARRAYS[id(p)] = (p, ids, weights)
    return ids, weights


def aligned_weight(a: Prepared, b: Prepared) -> float:
    """:func:`dedup.verify.aligned_weight`, compiled (one pair at a time)."""
    a_ids, a_weights = _arrays(a)
    b_ids, b_weights = _arrays(b)
    return float(_aligned(a_ids, a_weights, b_ids, b_weights))


def warm_up() -> None:
    """Load the compiled verification for every kind of text a run meets
    (ASCII, the BMP, beyond it; a pair at a time) and its character tables."""
    texts = [
        "One two three.",
        "One two four.",
        "Caf\u00e9 one two.",
        "Caf\u00e9 one three.",
        "\U0001d49c one.",
    ]
    similarities(texts, np.array([[0, 1], [2, 3], [2, 4]], dtype=np.int64), 0.5)
    aligned_weight(prepare(texts[0]), prepare(texts[1]))
