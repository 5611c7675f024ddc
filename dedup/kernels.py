"""Compiled :func:`dedup.table.build_table` for the ``auto``, ``blank`` and ``line`` modes.

:func:`build_table_fast` returns a :class:`~dedup.table.BlockTable` whose
arrays are identical to the reference's (tests/test_kernels.py checks every
field), computed by numba kernels straight from the file's bytes:

1. ``_segment`` splits lines exactly as ``bytes.splitlines`` does, computes
   the per-line features ``segment.py`` decides on (blank, width, indent,
   first word, sentence end, lower-case start, list item; all counted in code
   points) and groups lines into blocks with the same rules.
2. ``_fingerprint`` normalises each block into a small buffer and hashes it
   (128-bit key hash, words, shingles -> MinHash -> band keys) without ever
   materialising the file's signatures. ASCII blocks use a 256-entry table;
   other blocks use a per-code-point table for the BMP (NFKC + casefold +
   fold, see :func:`_bmp_tables`) that is exact for characters which NFKC
   leaves alone. A block with any other character (combining marks,
   compatibility forms, astral planes, ...) is normalised by
   :func:`dedup.normalize.normalize` in Python and hashed by the same kernel.

The kernels come from :mod:`dedup.jit`: a module compiled ahead of time
on first use (loaded in about a millisecond, without numba), or numba's
JIT. This module is still imported lazily, only for inputs that need it.
"""

from __future__ import annotations

import sys
import time
import unicodedata
from dataclasses import replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.fingerprint import permutations
from dedup.jit import kernel, njit
from dedup.models import BlockKind, Document
from dedup.normalize import _FOLD, normalize
from dedup.segment import MARKDOWN_SUFFIXES, SENTENCE_END, WRAP_LIMIT
from dedup.table import KIND_CODES, BlockTable, LshParams, empty_table
from dedup.table_cache import Tables, load_tables

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

# Counters of the last build_table_fast call (benchmarks/bench_kernels.py reads them).
LAST_STATS: dict[str, float] = {"blocks": 0, "fallback_blocks": 0, "fallback_seconds": 0.0}
_MODES = {"line": 0, "blank": 1, "auto": 2}
_PARAGRAPH = np.uint8(KIND_CODES[BlockKind.PARAGRAPH])
_LIST_ITEM = np.uint8(KIND_CODES[BlockKind.LIST_ITEM])

# Hash constants, all uint64 so numba never mixes signed and unsigned.
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_S16 = np.uint64(16)
_S13 = np.uint64(13)
_F32_1 = np.uint64(0x85EBCA6B)
_F32_2 = np.uint64(0xC2B2AE35)
_MASK32 = np.uint64(0xFFFFFFFF)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_WORD_P = np.uint64(0x100000001B3)  # fingerprint._P
_KEY_P1 = np.uint64(0x100000001B3)  # fingerprint._KEY_P1
_KEY_P2 = np.uint64(0xC6A4A7935BD1E995)  # fingerprint._KEY_P2
_MULT = np.uint64(0x9E3779B97F4A7C15)  # fingerprint._NGRAM_MULT == candidates._BAND_MULT

# Byte-level character classes.
_LINE_WS = np.zeros(256, dtype=np.bool_)  # segment.WS
for _c in b" \t\f\v":
    _LINE_WS[_c] = True
_WORD_BYTE = np.zeros(256, dtype=np.bool_)  # fingerprint._WORD_BYTE
for _c in b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _WORD_BYTE[_c] = True
_WORD_BYTE[0x80:] = True
# Code points that end a sentence (segment.SENTENCE_END), all in the BMP.
_SENTENCE_END = np.zeros(0x10000, dtype=np.bool_)
for _s in SENTENCE_END:
    _SENTENCE_END[ord(_s)] = True
# What normalize() does to an ASCII character: lower-case, fold, whitespace.
_ASCII_MAP = np.arange(256, dtype=np.uint8)
_ASCII_MAP[ord("A") : ord("Z") + 1] += 32
_ASCII_MAP[ord("`")] = ord("'")
_ASCII_SPACE = np.zeros(256, dtype=np.bool_)
for _c in range(128):
    _ASCII_SPACE[_c] = chr(_c).isspace()  # what the regex \s matches in str patterns


def _lower_table() -> npt.NDArray[np.bool_]:
    """``chr(cp).islower()`` for every BMP code point (segment._starts_lower)."""
    return _unicode_tables()["lower"]


def _compute_lower() -> npt.NDArray[np.bool_]:
    return np.array([chr(cp).islower() for cp in range(0x10000)], dtype=np.bool_)


@lru_cache(maxsize=1)
def _unicode_tables() -> Tables:
    """The per-code-point tables, computed once (~0.4 s) and kept on disk
    (:func:`dedup.table_cache.load_tables`)."""
    return load_tables(
        "unicode",
        ("kernels.py", "normalize.py"),
        ("lower", "length", "offset", "bytes", "space"),
        _compute_unicode_tables,
    )


def _compute_unicode_tables() -> Tables:
    length, offset, mapped, is_space = _compute_bmp_tables()
    return {"lower": _compute_lower(), "length": length, "offset": offset, "bytes": mapped, "space": is_space}


def _composes_with_previous() -> set[int]:
    """Code points that canonical composition may merge into a preceding character.

    A superset of NFC_QC=Maybe: second characters of every two-character
    canonical decomposition, and the Hangul vowel and trailing jamo.
    """
    seconds: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for cp in range(sys.maxunicode + 1):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def _maps_alone(char: str, composing: set[int]) -> bool:
    """Whether NFKC maps ``char`` the same way whatever surrounds it.

    True when ``char`` is a starter that nothing composes into, whose full
    decomposition starts with such a starter (so it cannot reorder or compose
    with what precedes), and whose NFKC form consists of characters NFKC
    leaves alone (starters that compose with nothing before them). What
    follows can only interact with it through a character that is not
    mappable itself, which sends the whole block to the Python fallback.
    """
    if ord(char) in composing or unicodedata.combining(char):
        return False
    nfkc = unicodedata.normalize("NFKC", char)
    if nfkc == char:
        return True
    first = unicodedata.normalize("NFKD", char)[0]
    if unicodedata.combining(first) or ord(first) in composing:
        return False
    return all(
        not unicodedata.combining(c) and ord(c) not in composing and unicodedata.normalize("NFKC", c) == c
        for c in nfkc
    )


def _bmp_tables() -> tuple[npt.NDArray[np.int8], I64, U8, npt.NDArray[np.bool_]]:
    """:func:`_compute_bmp_tables`, from the disk cache (see :func:`_unicode_tables`)."""
    tables = _unicode_tables()
    return tables["length"], tables["offset"], tables["bytes"], tables["space"]


def _compute_bmp_tables() -> tuple[npt.NDArray[np.int8], I64, U8, npt.NDArray[np.bool_]]:
    """Per-code-point normalisation for the BMP: ``(length, offset, bytes, is_space)``.

    By the quick-check theorem of UAX #15, a string of starters with NFKC
    quick-check "yes" is already in NFKC; :func:`_maps_alone` extends this to
    compatibility characters (NBSP, ``…``, ``½``, full-width forms, ...)
    whose NFKC form cannot interact with their neighbours. casefold and the
    fold table map one character at a time, so on strings of such characters
    ``normalize`` is a per-character map. ``length[cp]`` is the UTF-8 length
    of ``normalize``'s map of ``cp`` before whitespace collapsing (0 when it
    is deleted), or -1 when ``cp`` is not such a character (its block then
    goes to the Python fallback). ``is_space[cp]``: the map is one
    whitespace character (which ``\\s+`` collapses).
    """
    composing = _composes_with_previous()
    length = np.full(0x10000, -1, dtype=np.int8)
    offset = np.zeros(0x10000, dtype=np.int64)
    is_space = np.zeros(0x10000, dtype=np.bool_)
    chunks: list[bytes] = []
    position = 0
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        char = chr(cp)
        if not _maps_alone(char, composing):
            continue
        mapped = unicodedata.normalize("NFKC", char).casefold().translate(_FOLD)
        if any(c.isspace() for c in mapped) and len(mapped) != 1:
            continue  # a space inside a longer map: leave it to the fallback
        encoded = mapped.encode("utf-8")
        length[cp] = len(encoded)
        offset[cp] = position
        is_space[cp] = mapped.isspace()
        chunks.append(encoded)
        position += len(encoded)
    return length, offset, np.frombuffer(b"".join(chunks), dtype=np.uint8).copy(), is_space


# ---------------------------------------------------------------- hashing


@njit(cache=True, inline="always")
def _fmix64(x: np.uint64) -> np.uint64:
    x ^= x >> _S33
    x *= _M1
    x ^= x >> _S33
    x *= _M2
    x ^= x >> _S33
    return x


@njit(cache=True)
def _powers(size: int, prime: np.uint64) -> npt.NDArray[np.uint64]:
    """``prime**j mod 2**64`` for ``j < size``."""
    out = np.empty(max(size, 1), dtype=np.uint64)
    p = _ONE
    for j in range(out.shape[0]):
        out[j] = p
        p *= prime
    return out


@njit(cache=True)
def _hash_key(
    key: U8,
    size: int,
    shingle_size: int,
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
    rows: int,
    pow1: npt.NDArray[np.uint64],
    pow2: npt.NDArray[np.uint64],
    tokens: npt.NDArray[np.uint64],
    signature: npt.NDArray[np.uint32],
    key_hash: npt.NDArray[np.uint64],
    band_keys: npt.NDArray[np.uint32],
) -> tuple[int, int]:
    """Fingerprint one normalised key ``key[:size]``; returns ``(code points, words)``.

    Writes ``key_hash`` (2 values) and ``band_keys`` (zeros without words).
    ``pow1``/``pow2`` hold at least ``size`` powers of the two key primes
    (``_KEY_P1`` is also the word prime), ``tokens`` ``size // 2 + 1`` values,
    ``signature`` ``len(a)``.
    """
    # Key hash (fingerprint.key_hashes) and code points: independent terms, vectorised.
    h1 = _ZERO
    h2 = _ZERO
    chars = 0
    for i in range(size):
        c = key[i]
        v = np.uint64(c) + _ONE
        h1 += v * pow1[i]
        h2 += v * pow2[i]
        chars += (c & 0xC0) != 0x80
    ulen = np.uint64(size)
    key_hash[0] = _fmix64(h1 ^ ulen)
    key_hash[1] = _fmix64(h2 ^ (ulen ^ _ALL))
    # Word hashes (fingerprint.word_hashes), without a branch per byte: where
    # words end is unpredictable, and a mispredicted branch per word cost more
    # than the whole loop. Each byte extends the current word or ends it; the
    # slot after the last word is written at every byte, and kept (count
    # moves on) only where a word ends. Mixed afterwards, in a loop of its own.
    count = 0
    h = _ZERO
    length = 0
    for i in range(size):
        c = key[i]
        word = _WORD_BYTE[c]
        extended = h + (np.uint64(c) + _ONE) * pow1[length]
        tokens[count] = h ^ np.uint64(length)
        count += (not word) and length > 0
        h = extended if word else _ZERO
        length = length + 1 if word else 0
    if length > 0:
        tokens[count] = h ^ np.uint64(length)
        count += 1
    for t in range(count):
        tokens[t] = _fmix64(tokens[t])
    bands = band_keys.shape[0]
    if count == 0:
        for band in range(bands):
            band_keys[band] = np.uint32(0)
        return chars, 0
    # Shingles (fingerprint.shingle) -> affine32 MinHash (fingerprint.minhash).
    num_perm = a.shape[0]
    for k in range(num_perm):
        signature[k] = np.uint32(0xFFFFFFFF)
    grams = count - shingle_size + 1 if count >= shingle_size else 1
    width = shingle_size if count >= shingle_size else count
    for g in range(grams):
        h = tokens[g]
        for k in range(1, width):
            h = h * _MULT + tokens[g + k]
        x = _fmix64(h) >> _S32
        # fmix32 in 64-bit lanes, masked to 32 bits.
        x ^= x >> _S16
        x = (x * _F32_1) & _MASK32
        x ^= x >> _S13
        x = (x * _F32_2) & _MASK32
        x ^= x >> _S16
        mixed = np.uint32(x)
        for k in range(num_perm):
            # uint32 wrap-around as numpy does; the truncation lets LLVM use 32-bit lanes.
            value = np.uint32(mixed * a[k] + b[k])
            if value < signature[k]:
                signature[k] = value
    # Band keys (candidates.band_keys).
    for band in range(bands):
        h = np.uint64(band + 1)
        for col in range(band * rows, (band + 1) * rows):
            h = h * _MULT + np.uint64(signature[col])
        band_keys[band] = np.uint32(_fmix64(h) >> _S32)
    return chars, count


@njit(cache=True)
def _normalize_block(
    data: U8,
    start: int,
    stop: int,
    ascii_block: bool,
    map_len: npt.NDArray[np.int8],
    map_off: I64,
    map_bytes: U8,
    map_space: npt.NDArray[np.bool_],
    out: U8,
) -> int:
    """Normalise ``data[start:stop]`` into ``out``; the key's size, or -1 if not mappable."""
    size = 0
    pending_space = False
    i = start
    if ascii_block:
        # Without a branch per byte (where spaces fall is unpredictable): the
        # space a run of whitespace collapses to and the mapped byte are
        # written at every byte, and kept only where they belong.
        # Leading whitespace is dropped, so the loop starts at a non-space.
        first = start
        while first < stop and _ASCII_SPACE[data[first]]:
            first += 1
        for j in range(first, stop):
            c = data[j]
            space = _ASCII_SPACE[c]
            out[size] = 32
            size += (not space) and pending_space
            out[size] = _ASCII_MAP[c]
            size += not space
            pending_space = space
        return size
    while i < stop:
        c = np.int64(data[i])
        if c < 0x80:  # as above
            i += 1
            space = _ASCII_SPACE[c]
            out[size] = 32
            size += (not space) and pending_space and size > 0
            out[size] = _ASCII_MAP[c]
            size += not space
            pending_space = space
            continue
        if c < 0xE0:
            cp = ((c & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)
            i += 2
        elif c < 0xF0:
            cp = ((c & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6) | (np.int64(data[i + 2]) & 0x3F)
            i += 3
        else:
            return -1  # outside the BMP
        n = map_len[cp]
        if n < 0:
            return -1
        if n == 0:
            continue  # deleted by the fold table
        if map_space[cp]:
            pending_space = True
            continue
        if pending_space and size > 0:
            out[size] = 32
            size += 1
        pending_space = False
        o = map_off[cp]
        for k in range(n):
            out[size + k] = map_bytes[o + k]
        size += n
    return size


@kernel(
    "void(u1[::1], i8[::1], i8[::1], b1[::1], i1[::1], i8[::1], u1[::1], b1[::1], i8, i8, u4[::1], u4[::1], i8, "
    "u8[:, ::1], i8[::1], i8[::1], u4[:, ::1], b1[::1])",
)
def _fingerprint(
    data: U8,
    starts: I64,
    stops: I64,
    ascii_blocks: npt.NDArray[np.bool_],
    map_len: npt.NDArray[np.int8],
    map_off: I64,
    map_bytes: U8,
    map_space: npt.NDArray[np.bool_],
    max_expansion: int,
    shingle_size: int,
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
    rows: int,
    key_hash: npt.NDArray[np.uint64],
    key_chars: I64,
    words: I64,
    band_keys: npt.NDArray[np.uint32],
    fallback: npt.NDArray[np.bool_],
) -> None:
    """Normalise and fingerprint every block; ``fallback[i]`` marks blocks left to Python."""
    n = starts.shape[0]
    longest = 0
    for i in range(n):
        longest = max(longest, stops[i] - starts[i])
    key = np.empty(longest * max_expansion + 8, dtype=np.uint8)
    tokens = np.empty(longest * max_expansion // 2 + 8, dtype=np.uint64)
    pow1 = _powers(longest * max_expansion + 8, _KEY_P1)
    pow2 = _powers(longest * max_expansion + 8, _KEY_P2)
    signature = np.empty(a.shape[0], dtype=np.uint32)
    for i in range(n):
        size = _normalize_block(
            data, starts[i], stops[i], ascii_blocks[i], map_len, map_off, map_bytes, map_space, key
        )
        if size < 0:
            fallback[i] = True
            continue
        chars, count = _hash_key(
            key, size, shingle_size, a, b, rows, pow1, pow2, tokens, signature, key_hash[i], band_keys[i]
        )
        key_chars[i] = chars
        words[i] = count


@kernel(
    "void(u1[::1], i8[::1], i8[::1], i8, u4[::1], u4[::1], i8, u8[:, ::1], i8[::1], i8[::1], u4[:, ::1])",
)
def _fingerprint_keys(
    keys: U8,
    offsets: I64,
    rows_out: I64,
    shingle_size: int,
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
    rows: int,
    key_hash: npt.NDArray[np.uint64],
    key_chars: I64,
    words: I64,
    band_keys: npt.NDArray[np.uint32],
) -> None:
    """Fingerprint keys normalised in Python: key ``j`` is ``keys[offsets[j]:offsets[j+1]]``."""
    longest = 0
    for j in range(rows_out.shape[0]):
        longest = max(longest, offsets[j + 1] - offsets[j])
    tokens = np.empty(longest // 2 + 8, dtype=np.uint64)
    pow1 = _powers(longest + 8, _KEY_P1)
    pow2 = _powers(longest + 8, _KEY_P2)
    signature = np.empty(a.shape[0], dtype=np.uint32)
    for j in range(rows_out.shape[0]):
        i = rows_out[j]
        key = keys[offsets[j] : offsets[j + 1]]
        chars, count = _hash_key(
            key,
            key.shape[0],
            shingle_size,
            a,
            b,
            rows,
            pow1,
            pow2,
            tokens,
            signature,
            key_hash[i],
            band_keys[i],
        )
        key_chars[i] = chars
        words[i] = count


# ----------------------------------------------------------- segmentation


@njit(cache=True, inline="always")
def _decode_at(data: U8, i: int) -> np.int64:
    """The code point whose UTF-8 encoding starts at ``data[i]`` (valid UTF-8)."""
    c = np.int64(data[i])
    if c < 0x80:
        return c
    if c < 0xE0:
        return ((c & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)
    if c < 0xF0:
        return ((c & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6) | (np.int64(data[i + 2]) & 0x3F)
    return (
        ((c & 0x07) << 18)
        | ((np.int64(data[i + 1]) & 0x3F) << 12)
        | ((np.int64(data[i + 2]) & 0x3F) << 6)
        | (np.int64(data[i + 3]) & 0x3F)
    )


@kernel("b1(u1[::1], i8, i8)")
def _is_list_item(data: U8, start: int, end: int) -> bool:
    """``segment.LIST_ITEM_RE.match`` on the line ``data[start:end]``."""
    i = start
    while i < end and i < start + 3 and (data[i] == 32 or data[i] == 9):
        i += 1
    if i >= end:
        return False
    c = data[i]
    if c == 45 or c == 42 or c == 43:  # - * +
        i += 1
    elif c == 0xE2 and i + 2 < end and data[i + 1] == 0x80 and data[i + 2] == 0xA2:  # •
        i += 3
    elif 48 <= c <= 57:
        digits = 0
        while i < end and 48 <= data[i] <= 57:
            i += 1
            digits += 1
        if digits > 9 or i >= end or (data[i] != 46 and data[i] != 41):  # . )
            return False
        i += 1
    else:
        return False
    if i >= end or (data[i] != 32 and data[i] != 9):
        return False
    while i < end and (data[i] == 32 or data[i] == 9):
        i += 1
    return i < end and not _LINE_WS[data[i]]


@kernel(
    "Tuple((i8[::1], i8[::1], i8[::1], i8[::1], u1[::1], b1[::1]))(u1[::1], i8, i8, b1[::1])",
)
def _segment(
    data: U8, offset: int, mode: int, lower: npt.NDArray[np.bool_]
) -> tuple[I64, I64, I64, I64, npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Blocks of ``data[offset:]``: first/last line, start/stop bytes, kind, all-ASCII."""
    size = data.shape[0]
    # Line spans, as bytes.splitlines(keepends=True).
    cap = 16
    line_start = np.empty(cap, dtype=np.int64)
    line_end = np.empty(cap, dtype=np.int64)
    line_stop = np.empty(cap, dtype=np.int64)
    n = 0
    i = offset
    while i < size:
        start = i
        while i < size and data[i] != 10 and data[i] != 13:
            i += 1
        end = i
        if i < size:
            if data[i] == 13 and i + 1 < size and data[i + 1] == 10:
                i += 2
            else:
                i += 1
        if n == cap:
            cap *= 2
            line_start = np.resize(line_start, cap)
            line_end = np.resize(line_end, cap)
            line_stop = np.resize(line_stop, cap)
        line_start[n] = start
        line_end[n] = end
        line_stop[n] = i
        n += 1
    # Per-line features, in code points.
    blank = np.empty(n, dtype=np.bool_)
    ascii_line = np.empty(n, dtype=np.bool_)
    width = np.zeros(n, dtype=np.int64)
    indent = np.zeros(n, dtype=np.int64)
    first_word = np.zeros(n, dtype=np.int64)
    ends_sentence = np.zeros(n, dtype=np.bool_)
    starts_lower = np.zeros(n, dtype=np.bool_)
    list_item = np.zeros(n, dtype=np.bool_)
    for ln in range(n):
        start = line_start[ln]
        end = line_end[ln]
        j = start
        while j < end and _LINE_WS[data[j]]:
            j += 1
        blank[ln] = j == end
        indent[ln] = j - start
        # An OR over the line (vectorised) rather than a test per byte.
        high = np.uint8(0)
        for k in range(start, end):
            high |= data[k]
        line_ascii = high < 0x80
        ascii_line[ln] = line_ascii
        if j == end or mode != 2:
            continue
        # First word, starting lower case.
        cp = _decode_at(data, j)
        starts_lower[ln] = cp < 0x10000 and lower[cp]
        k = j
        words = 0
        while k < end and not _LINE_WS[data[k]]:
            if data[k] < 0x80 or data[k] >= 0xC0:
                words += 1
            k += 1
        first_word[ln] = words
        # Width and sentence end after rstrip.
        e = end
        while e > j and _LINE_WS[data[e - 1]]:
            e -= 1
        if line_ascii:
            width[ln] = e - start
        else:
            chars = 0
            for k in range(start, e):
                chars += (data[k] & 0xC0) != 0x80  # not a continuation byte
            width[ln] = chars
        last = e - 1
        while data[last] >= 0x80 and data[last] < 0xC0:
            last -= 1
        cp = _decode_at(data, last)
        ends_sentence[ln] = cp < 0x10000 and _SENTENCE_END[cp]
        list_item[ln] = _is_list_item(data, start, end)
    # Blocks.
    first = np.empty(n, dtype=np.int64)
    last_ln = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.uint8)
    count = 0
    ln = 0
    while ln < n:
        if blank[ln]:
            ln += 1
            continue
        if mode == 0:
            first[count] = ln
            last_ln[count] = ln
            kind[count] = _PARAGRAPH
            count += 1
            ln += 1
            continue
        g0 = ln
        while ln < n and not blank[ln]:
            ln += 1
        g1 = ln
        if mode == 1:
            first[count] = g0
            last_ln[count] = g1 - 1
            kind[count] = _PARAGRAPH
            count += 1
            continue
        # auto: segment._auto_group
        group_width = 0
        base_indent = indent[g0]
        all_breaks = True
        for k in range(g0, g1):
            group_width = max(group_width, width[k])
            base_indent = min(base_indent, indent[k])
            if k > g0 and not (ends_sentence[k - 1] and not starts_lower[k]):
                all_breaks = False
        if group_width > WRAP_LIMIT or all_breaks:
            for k in range(g0, g1):
                first[count] = k
                last_ln[count] = k
                kind[count] = _LIST_ITEM if list_item[k] else _PARAGRAPH
                count += 1
            continue
        first[count] = g0
        kind[count] = _LIST_ITEM if list_item[g0] else _PARAGRAPH
        for k in range(g0 + 1, g1):
            new_part = False
            if indent[k] > base_indent and not list_item[first[count]]:
                new_part = True
            elif list_item[k]:
                new_part = True  # continues(): a list item never continues
            else:
                current = width[k - 1]
                if current + 1 + first_word[k] > group_width:
                    if current < group_width:
                        new_part = False
                    else:
                        new_part = ends_sentence[k - 1] and not starts_lower[k]
                else:
                    new_part = ends_sentence[k - 1] or not starts_lower[k]
            if new_part:
                last_ln[count] = k - 1
                count += 1
                first[count] = k
                kind[count] = _LIST_ITEM if list_item[k] else _PARAGRAPH
        last_ln[count] = g1 - 1
        count += 1
    first = first[:count]
    last_ln = last_ln[:count]
    starts = np.empty(count, dtype=np.int64)
    stops = np.empty(count, dtype=np.int64)
    ascii_blocks = np.empty(count, dtype=np.bool_)
    for k in range(count):
        starts[k] = line_start[first[k]]
        stops[k] = line_stop[last_ln[k]]
        is_ascii = True
        for ln in range(first[k], last_ln[k] + 1):
            if not ascii_line[ln]:
                is_ascii = False
                break
        ascii_blocks[k] = is_ascii
    return first + 1, last_ln + 1, starts, stops, kind[:count].copy(), ascii_blocks


# ------------------------------------------------------------------ driver


@lru_cache(maxsize=1)
def _max_expansion() -> int:
    """Largest key bytes per input byte of the BMP table (ASCII maps 1:1)."""
    length, _, _, _ = _bmp_tables()
    mapped = np.flatnonzero(length > 0)
    # UTF-8 bytes of each mapped BMP code point (the table has no surrogates).
    utf8 = np.where(mapped < 0x80, 1, np.where(mapped < 0x800, 2, 3))
    expansion = -(-length[mapped].astype(np.int64) // utf8)  # ceiling division
    worst = max(1, int(expansion.max())) if len(mapped) else 1
    return worst + 1  # + 1 for the space a collapsed run may add


def warm_up(params: LshParams) -> None:
    """Load every compiled function and table now (a forked worker inherits them).

    With the JIT the first call in a process costs ~0.4 s (LLVM start-up,
    cached machine code); with the compiled module only the BMP table is
    loaded. Paid once in the parent, not once per worker.
    """
    from dedup.sources import decode

    build_table_fast(
        decode("warm-up.txt", "Caf\u00e9 one two three.\n\nFour five six.\n".encode()), "auto", params
    )


def segment_table_fast(doc: Document, mode: str, bands: int) -> BlockTable:
    """The segmentation columns of :func:`build_table_fast`'s table (lines,
    spans, kinds); the fingerprint columns are left zero. For the quality
    pass, which reads only the blocks."""
    _check_mode(doc, mode)
    data: U8 = np.frombuffer(doc.raw, dtype=np.uint8)
    first, last, starts, stops, kind, _ = _segment(data, len(doc.bom), _MODES[mode], _lower_table())
    return _unfingerprinted(first, last, starts, stops, kind, bands)


def _unfingerprinted(first: I64, last: I64, starts: I64, stops: I64, kind: U8, bands: int) -> BlockTable:
    """A table of these blocks with zero fingerprint columns (to be filled
    in place by :func:`_fingerprint`)."""
    n = len(first)
    if n == 0:
        return empty_table(bands)
    words = np.zeros(n, dtype=np.int64)
    return BlockTable(
        first_line=first,
        last_line=last,
        start=starts,
        stop=stops,
        kind=kind,
        key_hash=np.zeros((n, 2), dtype=np.uint64),
        key_chars=np.zeros(n, dtype=np.int64),
        words=words,
        has_shingles=words > 0,
        band_keys=np.zeros((n, bands), dtype=np.uint32),
    )


def _check_mode(doc: Document, mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"build_table_fast does not handle mode {mode!r}")
    if mode == "auto" and doc.path.lower().endswith(MARKDOWN_SUFFIXES):
        raise ValueError("build_table_fast does not handle Markdown files (auto mode)")


def build_table_fast(doc: Document, mode: str, params: LshParams) -> BlockTable:
    """:func:`dedup.table.build_table` for modes auto (non-Markdown), blank and line.

    Raises ValueError for other modes and for Markdown files in auto mode
    (see :func:`dedup.segment.effective_mode`): the caller uses the reference.
    """
    _check_mode(doc, mode)
    data: U8 = np.frombuffer(doc.raw, dtype=np.uint8)
    first, last, starts, stops, kind, ascii_blocks = _segment(
        data, len(doc.bom), _MODES[mode], _lower_table()
    )
    table = _unfingerprinted(first, last, starts, stops, kind, params.bands)
    n = len(table)
    if n == 0:
        return table
    a, b = permutations(params.num_perm, params.seed)
    key_hash, key_chars, words, band_keys = table.key_hash, table.key_chars, table.words, table.band_keys
    fallback = np.zeros(n, dtype=np.bool_)
    map_len, map_off, map_bytes, map_space = _bmp_tables()
    _fingerprint(
        data,
        starts,
        stops,
        ascii_blocks,
        map_len,
        map_off,
        map_bytes,
        map_space,
        _max_expansion(),
        params.shingle_size,
        a,
        b,
        params.rows,
        key_hash,
        key_chars,
        words,
        band_keys,
        fallback,
    )
    left = np.flatnonzero(fallback)
    started = time.perf_counter()
    if len(left):
        raw = doc.raw
        encoded = [
            normalize(raw[s:e].decode("utf-8")).encode("utf-8")
            for s, e in zip(starts[left].tolist(), stops[left].tolist(), strict=True)
        ]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        _fingerprint_keys(
            np.frombuffer(b"".join(encoded), dtype=np.uint8),
            offsets,
            left.astype(np.int64),
            params.shingle_size,
            a,
            b,
            params.rows,
            key_hash,
            key_chars,
            words,
            band_keys,
        )
    LAST_STATS.update(blocks=n, fallback_blocks=len(left), fallback_seconds=time.perf_counter() - started)
    return replace(table, has_shingles=words > 0)
