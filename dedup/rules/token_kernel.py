"""Compiled word tokenizer for plain chunks (the built-in ``simple`` tokenizer).

:func:`tokenize` splits a text (as code points) at whitespace exactly like
``str.split()``. A chunk that :func:`dedup.rules.text._plain_tokens` would
tokenize (a word, maybe joined to others by hyphens or dashes, or a number
or range of numbers, with an opening bracket or quote, a possessive ``'s``,
a final dot and up to three closing marks) is
tokenized here, by a hand-written parser of the same pattern; every other
chunk, and every plain chunk whose letters might be a bare contraction or
an abbreviation (a hash of the candidate is in the given hash sets, so
a hash collision only sends a chunk to Python), is left to
Python's tokenizer. The chunks, and the tokens of the plain ones, are
grouped by content in open-addressing tables that compare characters when
hashes agree, in order of first occurrence: a chunk is parsed once per
text, Python makes one string per distinct token and tokenizes one copy of
each distinct other chunk.
:func:`assemble` then lays out the token ids of the text in order, the
tokens joined without separator and where each starts.

It is used only when the kernels are already loaded (:func:`dedup.jit.loaded`:
the engine's kernel path on large inputs).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.jit import kernel, njit

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
B8 = npt.NDArray[np.bool_]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)

_OPENERS = (0x28, 0x22, 0x201C, 0x2018)  # ( " “ ‘
_CLOSERS = (0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x29, 0x22, 0x201D)  # , ; : ! ? ) " ”
_APOSTROPHES = (0x27, 0x2019)  # ' ’


def fnv(text: str) -> int:
    """The hash :func:`tokenize` gives ``text`` (FNV-1a over code points)."""
    h = 0xCBF29CE484222325
    for ch in text:
        h = ((h ^ ord(ch)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


@njit(cache=True, inline="always")
def _letter(c: int) -> bool:
    return (0x41 <= c <= 0x5A) or (0x61 <= c <= 0x7A)


@njit(cache=True, inline="always")
def _digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


@njit(cache=True, inline="always")
def _alpha(c: int, letter: B8) -> bool:
    """An ASCII letter, or an alphabetic code point (``letter``: a table of
    ``str.isalpha`` per code point below its length) other than the two
    whose lower case is ASCII (U+0130, U+212A: bare contractions are
    tested lower-cased)."""
    if c < 0x80:
        return _letter(c)
    return c < len(letter) and letter[c] and c != 0x130 and c != 0x212A


@njit(cache=True, inline="always")
def _dash(c: int) -> bool:
    """A hyphen, en dash or em dash: between two letters, a token."""
    return c == 0x2D or c == 0x2013 or c == 0x2014


#: The grouping tables start with 2**this many slots.
_TABLE_BITS = 10

#: A hash set (:func:`hash_set`) starts with a bit set of this many 64-bit
#: words over the hashes' top bits; the sorted hashes follow.
_BIT_WORDS = 64


def hash_set(hashes: set[int]) -> U64:
    """``hashes`` laid out for :func:`_member`: a bit set of their top 12
    bits (most other hashes are ruled out with one load), then the hashes,
    sorted."""
    bits = np.zeros(_BIT_WORDS, dtype=np.uint64)
    for h in hashes:
        top = h >> 52
        bits[top >> 6] |= np.uint64(1 << (top & 63))
    return np.concatenate((bits, np.array(sorted(hashes), dtype=np.uint64)))


@njit(cache=True, inline="always")
def _member(hash_set: U64, h: np.uint64) -> bool:
    top = h >> np.uint64(52)
    if not (hash_set[np.int64(top >> np.uint64(6))] >> (top & np.uint64(63))) & np.uint64(1):
        return False
    i = _BIT_WORDS + np.searchsorted(hash_set[_BIT_WORDS:], h)
    return bool(i < len(hash_set) and hash_set[i] == h)


@kernel("i8(u4[::1], i8, i8, b1[::1], u8[::1], u8[::1], i8[::1])", inline="always")
def _parse(codes: U32, a: int, b: int, letter: B8, contractions: U64, abbreviations: U64, out: I64) -> int:
    """Token boundaries of the plain chunk ``codes[a:b]`` into ``out`` (token
    k is ``out[k]..out[k + 1]``), returning the number of tokens, or -1 when
    the chunk is not plain (or may be an exception)."""
    pos = a
    n = 0
    out[0] = a
    c = codes[pos]
    if c == _OPENERS[0] or c == _OPENERS[1] or c == _OPENERS[2] or c == _OPENERS[3]:
        pos += 1
        n += 1
        out[n] = pos
        if pos == b:
            return -1
    core = pos
    letters = _alpha(codes[pos], letter)
    hyphens = 0
    last_part = pos
    if letters:
        while pos < b and _alpha(codes[pos], letter):
            pos += 1
        while pos + 1 < b and _dash(codes[pos]) and _alpha(codes[pos + 1], letter):
            hyphens += 1
            pos += 1
            last_part = pos
            while pos < b and _alpha(codes[pos], letter):
                pos += 1
    elif _digit(codes[pos]):
        while True:
            while pos < b and _digit(codes[pos]):
                pos += 1
            while pos + 1 < b and (codes[pos] == 0x2E or codes[pos] == 0x2C) and _digit(codes[pos + 1]):
                pos += 1
                while pos < b and _digit(codes[pos]):
                    pos += 1
            if not (pos + 1 < b and codes[pos] == 0x2D and _digit(codes[pos + 1])):
                break
            hyphens += 1  # a range: "1887-1948"
            pos += 1
    else:
        return -1
    core_end = pos
    ascii_word = True
    if letters:
        for i in range(core, core_end):
            if codes[i] >= 0x80 and not _dash(codes[i]):
                ascii_word = False
                break
    clitic = 0
    if pos + 1 < b and (codes[pos] == _APOSTROPHES[0] or codes[pos] == _APOSTROPHES[1]):
        s = codes[pos + 1]
        if s == 0x73 or s == 0x53:
            clitic = s
            pos += 2
    dot = pos < b and codes[pos] == 0x2E
    if dot:
        pos += 1
    closers_start = pos
    closers = 0
    while pos < b:
        c = codes[pos]
        if not (
            c == _CLOSERS[0]
            or c == _CLOSERS[1]
            or c == _CLOSERS[2]
            or c == _CLOSERS[3]
            or c == _CLOSERS[4]
            or c == _CLOSERS[5]
            or c == _CLOSERS[6]
            or c == _CLOSERS[7]
        ):
            return -1
        closers += 1
        if closers > 3:
            return -1
        pos += 1
        if pos < b and codes[pos] == 0x2E:
            pos += 1
    if not ascii_word and (clitic or dot):
        return -1  # Python's: the clitic and dot rules look at the letters
    if letters:
        # Bare contractions ("dont") are Python's: the letters, lower-cased.
        h = _FNV_OFFSET
        for i in range(core, core_end):
            x = codes[i]
            if 0x41 <= x <= 0x5A:
                x += 0x20
            h = (h ^ np.uint64(x)) * _FNV_PRIME
        if _member(contractions, h):
            return -1
        if dot:
            if clitic:
                if clitic != 0x73:
                    return -1
            else:
                size = core_end - last_part
                if size < 2 or not (0x61 <= codes[core_end - 1] <= 0x7A):
                    return -1
                if size == 3 and (
                    codes[last_part] == 0x77 and codes[last_part + 1] == 0x77 and codes[last_part + 2] == 0x77
                ):
                    return -1  # "www."
                h = _FNV_OFFSET
                for i in range(last_part, core_end + 1):  # the part and its dot
                    h = (h ^ np.uint64(codes[i])) * _FNV_PRIME
                if _member(abbreviations, h):
                    return -1
    elif clitic:
        return -1
    # The tokens: the word's parts and hyphens (or the number), the clitic,
    # the dot, and each closing mark.
    if hyphens:
        i = core
        while i < core_end:
            if _dash(codes[i]):
                n += 1
                out[n] = i
                n += 1
                out[n] = i + 1
            i += 1
    n += 1
    out[n] = core_end
    if clitic:
        n += 1
        out[n] = core_end + 2
    if dot:
        n += 1
        out[n] = out[n - 1] + 1
    i = closers_start
    while i < b:
        i += 1
        n += 1
        out[n] = i
    return n


@njit(cache=True, inline="always")
def _find(
    codes: U32,
    a: int,
    b: int,
    h: np.uint64,
    keys: U64,
    slots: I64,
    first_start: I64,
    first_end: I64,
    shift: np.uint64,
) -> int:
    """The slot of span ``codes[a:b]`` (hash ``h``): its group's, or the empty
    slot where it goes. The table's size is a power of two, ``2**(64 -
    shift)``: the top hash bits pick the slot."""
    mask = len(keys) - 1
    slot = np.int64((h * _MIX) >> shift)
    while True:
        g = slots[slot]
        if g == -1:
            return int(slot)
        if keys[slot] == h:
            fa = first_start[g]
            if first_end[g] - fa == b - a:
                same = True
                for i in range(b - a):
                    if codes[fa + i] != codes[a + i]:
                        same = False
                        break
                if same:
                    return int(slot)
        slot = (slot + 1) & mask


@njit(cache=True)
def _rehash(keys: U64, slots: I64) -> tuple[U64, I64]:
    size = 2 * len(keys)
    new_keys = np.zeros(size, dtype=np.uint64)
    new_slots = np.full(size, -1, dtype=np.int64)
    shift = np.uint64(64 - int(np.log2(size)))
    for old in range(len(keys)):
        if slots[old] == -1:
            continue
        slot = np.int64((keys[old] * _MIX) >> shift)
        while new_slots[slot] != -1:
            slot = (slot + 1) & (size - 1)
        new_keys[slot] = keys[old]
        new_slots[slot] = slots[old]
    return new_keys, new_slots


@njit(cache=True, inline="always")
def _span_hash(codes: U32, a: int, b: int) -> np.uint64:
    h = _FNV_OFFSET ^ np.uint64(b - a)
    for i in range(a, b):
        h = (h ^ np.uint64(codes[i])) * _FNV_PRIME
    return h


@njit(cache=True, inline="always")
def _claim(
    keys: U64, slots: I64, starts: I64, ends: I64, slot: int, h: np.uint64, g: int, a: int, b: int
) -> bool:
    """Make ``g`` the group at the empty ``slot`` (:func:`_find`) of span
    ``codes[a:b]`` (hash ``h``); whether the table is now half full (then
    the caller grows it with :func:`_rehash`)."""
    starts[g] = a
    ends[g] = b
    keys[slot] = h
    slots[slot] = g
    return 2 * (g + 1) >= len(keys)


def scratch_size(size: int) -> int:
    """How many int64 slots :func:`tokenize` needs for ``size`` code points:
    per chunk (at most ``size // 2 + 1``) eight numbers, per token (at most
    ``size``) four."""
    return 8 * (size // 2 + 1) + 4 * (size + 1)


@kernel(
    "Tuple((i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8, u8[::1], i8[::1]))"
    "(u4[::1], b1[::1], b1[::1], u8[::1], u8[::1], i8[::1])",
)
def tokenize(
    codes: U32, space: B8, letter: B8, contractions: U64, abbreviations: U64, scratch: I64
) -> tuple[I64, I64, I64, I64, I64, I64, I64, int, U64, I64]:
    """Tokens of the plain chunks and groups of the other chunks.

    Returns, per chunk in text order, ``refs``: ``g >= 0`` for "the next
    ``counts[k]`` tokens are plain tokens" (their groups follow in
    ``token_groups``), ``-1 - g`` for "other chunk of group g"; ``counts``;
    ``token_groups`` (plain token groups, in text order); the first
    occurrence (start, end) of each plain token group; of each other
    chunk group; the length of the longest chunk; and the plain tokens'
    table (keys and slots, for :func:`lookup`).

    Chunks repeat (a text of 160,000 chunks has about 35,000 distinct
    ones), so each chunk is first looked up among the distinct chunks, with
    a hash computed while it is scanned: only a chunk not seen before is
    parsed and its tokens grouped; a repeat copies its first occurrence's
    token groups. The work arrays are views of ``scratch`` (at least
    :func:`scratch_size` long, reused from text to text: fresh memory for
    each text cost more than the tokenizing), so the results are copies.
    The tables are arrays that only a rare growth replaces: arrays
    reassigned in the loop, or returned from a helper, cost reference
    counting on every chunk.
    """
    size = len(codes)
    half = size // 2 + 1
    full = size + 1
    refs = scratch[:half]
    counts = scratch[half : 2 * half]
    # Every distinct chunk: its first occurrence, and either its number of
    # tokens and where their groups start in `chunk_tokens`, or (`-1 - k`)
    # that it is other chunk k.
    chunk_start = scratch[2 * half : 3 * half]
    chunk_end = scratch[3 * half : 4 * half]
    chunk_count = scratch[4 * half : 5 * half]
    chunk_first = scratch[5 * half : 6 * half]
    other_start = scratch[6 * half : 7 * half]
    other_end = scratch[7 * half : 8 * half]
    token_groups = scratch[8 * half : 8 * half + full]
    chunk_tokens = scratch[8 * half + full : 8 * half + 2 * full]
    tok_start = scratch[8 * half + 2 * full : 8 * half + 3 * full]
    tok_end = scratch[8 * half + 3 * full : 8 * half + 4 * full]
    out = np.empty(64, dtype=np.int64)
    chunk_keys = np.zeros(1 << _TABLE_BITS, dtype=np.uint64)
    chunk_slots = np.full(1 << _TABLE_BITS, -1, dtype=np.int64)
    chunk_shift = np.uint64(64 - _TABLE_BITS)
    tok_keys = chunk_keys.copy()
    tok_slots = chunk_slots.copy()
    tok_shift = chunk_shift
    chunk_groups = 0
    chunk_token_count = 0
    tok_groups = 0
    others = 0
    chunks = 0
    tokens = 0
    longest = 0
    i = 0
    while i < size:
        c = codes[i]
        if c < len(space) and space[c]:
            i += 1
            continue
        a = i
        h = _FNV_OFFSET
        while i < size:
            c = codes[i]
            if c < len(space) and space[c]:
                break
            h = (h ^ np.uint64(c)) * _FNV_PRIME
            i += 1
        b = i
        h ^= np.uint64(b - a) * _MIX
        longest = max(longest, b - a)
        slot = _find(codes, a, b, h, chunk_keys, chunk_slots, chunk_start, chunk_end, chunk_shift)
        g = chunk_slots[slot]
        if g == -1:
            g = chunk_groups
            chunk_groups += 1
            if _claim(chunk_keys, chunk_slots, chunk_start, chunk_end, slot, h, g, a, b):
                chunk_keys, chunk_slots = _rehash(chunk_keys, chunk_slots)
                chunk_shift -= np.uint64(1)
            n = -1
            if b - a < 60:
                n = _parse(codes, a, b, letter, contractions, abbreviations, out)
            if n > 0:
                chunk_count[g] = n
                chunk_first[g] = chunk_token_count
                for t in range(n):
                    ta = out[t]
                    tb = out[t + 1]
                    th = _span_hash(codes, ta, tb)
                    tslot = _find(codes, ta, tb, th, tok_keys, tok_slots, tok_start, tok_end, tok_shift)
                    tg = tok_slots[tslot]
                    if tg == -1:
                        tg = tok_groups
                        tok_groups += 1
                        if _claim(tok_keys, tok_slots, tok_start, tok_end, tslot, th, tg, ta, tb):
                            tok_keys, tok_slots = _rehash(tok_keys, tok_slots)
                            tok_shift -= np.uint64(1)
                    chunk_tokens[chunk_token_count] = tg
                    chunk_token_count += 1
            else:
                other_start[others] = a
                other_end[others] = b
                chunk_count[g] = -1 - others
                others += 1
        n = chunk_count[g]
        if n > 0:
            first = chunk_first[g]
            for t in range(n):
                token_groups[tokens + t] = chunk_tokens[first + t]
            tokens += n
            refs[chunks] = 0
            counts[chunks] = n
        else:
            refs[chunks] = n
            counts[chunks] = 0
        chunks += 1
    return (
        refs[:chunks].copy(),
        counts[:chunks].copy(),
        token_groups[:tokens].copy(),
        tok_start[:tok_groups].copy(),
        tok_end[:tok_groups].copy(),
        other_start[:others].copy(),
        other_end[:others].copy(),
        longest,
        tok_keys,
        tok_slots,
    )


@kernel("i8[::1](u4[::1], i8[::1], i8[::1], u8[::1], i8[::1], u4[::1], i8[::1])")
def lookup(codes: U32, starts: I64, ends: I64, keys: U64, slots: I64, queries: U32, offsets: I64) -> I64:
    """The group of each span ``queries[offsets[k]:offsets[k + 1]]`` in the
    plain tokens' table :func:`tokenize` returned for ``codes`` (``starts``,
    ``ends``: its groups' first occurrences), or -1 for a span that is no
    plain token."""
    shift = np.uint64(64 - int(np.log2(len(keys))))
    found = np.empty(len(offsets) - 1, dtype=np.int64)
    for k in range(len(found)):
        a = offsets[k]
        b = offsets[k + 1]
        h = _span_hash(queries, a, b)
        mask = len(keys) - 1
        slot = np.int64((h * _MIX) >> shift)
        group = -1
        while slots[slot] != -1:
            g = slots[slot]
            if keys[slot] == h and ends[g] - starts[g] == b - a:
                same = True
                for i in range(b - a):
                    if codes[starts[g] + i] != queries[a + i]:
                        same = False
                        break
                if same:
                    group = g
                    break
            slot = (slot + 1) & mask
        found[k] = group
    return found


#: Bits of :func:`token_flags`.
SYMBOL = 1
LETTER = 2


@kernel("u1[::1](u4[::1], i8[::1], i8[::1], b1[::1], b1[::1])")
def token_flags(codes: U32, starts: I64, ends: I64, symbol: B8, letter: B8) -> npt.NDArray[np.uint8]:
    """Per span ``codes[starts[k]:ends[k]]``: SYMBOL when every character is
    one of ``symbol``, LETTER when some character is one of ``letter``
    (tables per code point below their length: a code point beyond a
    table is not in it)."""
    flags = np.zeros(len(starts), dtype=np.uint8)
    for k in range(len(starts)):
        all_symbols = True
        any_letter = False
        for i in range(starts[k], ends[k]):
            c = codes[i]
            if not (c < len(symbol) and symbol[c]):
                all_symbols = False
            if c < len(letter) and letter[c]:
                any_letter = True
        flags[k] = (SYMBOL if all_symbols else 0) | (LETTER if any_letter else 0)
    return flags


@kernel("UniTuple(i8[::1], 3)(i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1])")
def assemble(
    refs: I64, counts: I64, token_groups: I64, other_offsets: I64, other_ids: I64, lengths: I64
) -> tuple[I64, I64, I64]:
    """The text's token ids in order (plain token group ``g`` is id ``g``;
    the tokens of other chunk group ``h`` are ``other_ids[other_offsets[h]:
    other_offsets[h + 1]]``), renumbered in order of first occurrence; the
    old id of each new one; and where each token starts among the tokens
    joined without separator (``lengths``: per old id)."""
    total = 0
    for k in range(len(refs)):
        r = refs[k]
        if r >= 0:
            total += counts[k]
        else:
            total += other_offsets[-r] - other_offsets[-1 - r]
    ids = np.empty(total, dtype=np.int64)
    w = 0
    t = 0
    for k in range(len(refs)):
        r = refs[k]
        if r >= 0:
            for _ in range(counts[k]):
                ids[w] = token_groups[t]
                t += 1
                w += 1
        else:
            for j in range(other_offsets[-1 - r], other_offsets[-r]):
                ids[w] = other_ids[j]
                w += 1
    renumber = np.full(len(lengths), -1, dtype=np.int64)
    order = np.empty(len(lengths), dtype=np.int64)
    used = 0
    starts = np.empty(total + 1, dtype=np.int64)
    position = 0
    for w in range(total):
        old = ids[w]
        new = renumber[old]
        if new == -1:
            new = used
            renumber[old] = new
            order[new] = old
            used += 1
        ids[w] = new
        starts[w] = position
        position += lengths[old]
    starts[total] = position
    return ids, order[:used], starts
