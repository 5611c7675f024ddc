"""Vectorised fingerprints: word shingles and MinHash signatures.

Everything here works on a whole batch of paragraphs at once, as numpy array
operations: there is no Python loop per token or per shingle.

Shingles
    A key's UTF-8 bytes are tokenised by byte class (ASCII letters, digits,
    ``_`` and every byte >= 0x80 are word bytes, everything else separates),
    which is the same word definition as :data:`dedup.normalize.WORD_RE`.
    Each word gets a 64-bit polynomial hash; each run of ``n`` consecutive
    words of one paragraph (a word n-gram) gets a 64-bit combination of its
    word hashes, finalised with MurmurHash3's fmix64, whose top 32 bits are the
    shingle hash. A paragraph with fewer than ``n`` words (but at least one)
    has exactly one shingle, made from all its words the same way, so short
    paragraphs neither vanish nor all collide. A paragraph without any word
    has no shingle and takes no part in near-duplicate search.

MinHash
    datasketch's ``affine32`` scheme (datasketch >= 2.0): the 32-bit input
    hash is pre-mixed with fmix32, then permutation ``k`` is
    ``a_k * h + b_k mod 2**32`` with ``a_k`` odd, and the signature keeps the
    minimum per permutation. ``a`` and ``b`` are drawn exactly as datasketch
    draws them from ``numpy.random.RandomState(seed)``, so for the same
    shingle hashes and seed our signatures are bit-identical to
    ``datasketch.MinHash(num_perm, seed, hashfunc=identity)`` (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

MAX_HASH32 = np.uint32(0xFFFFFFFF)
_P = 0x100000001B3  # FNV-1a 64-bit prime: odd, so invertible mod 2**64
_P_INV = pow(_P, -1, 1 << 64)
_NGRAM_MULT = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio constant, odd

_WORD_BYTE = np.zeros(256, dtype=bool)
for _c in b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _WORD_BYTE[_c] = True
_WORD_BYTE[0x80:] = True


def fmix64(x: U64) -> U64:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def fmix32(x: U32) -> U32:
    """MurmurHash3's 32-bit finaliser, as datasketch's ``_fmix(hv, 32)``."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x85EBCA6B)
    x = x ^ (x >> np.uint32(13))
    x = x * np.uint32(0xC2B2AE35)
    return x ^ (x >> np.uint32(16))


class _PowerTable:
    """Cached P**i and P**-i mod 2**64, grown on demand."""

    def __init__(self) -> None:
        self.pow: U64 = np.ones(1, dtype=np.uint64)
        self.inv: U64 = np.ones(1, dtype=np.uint64)

    def ensure(self, n: int) -> None:
        if len(self.pow) >= n:
            return
        size = max(n, 2 * len(self.pow))
        with np.errstate(over="ignore"):
            self.pow = np.cumprod(np.full(size, _P, dtype=np.uint64), dtype=np.uint64)
            self.pow = np.concatenate(([np.uint64(1)], self.pow[:-1]))
            self.inv = np.cumprod(np.full(size, _P_INV, dtype=np.uint64), dtype=np.uint64)
            self.inv = np.concatenate(([np.uint64(1)], self.inv[:-1]))


_POWERS = _PowerTable()


@dataclass(frozen=True)
class Shingles:
    """Shingle hashes of a batch, grouped by paragraph.

    ``hashes[offsets[p]:offsets[p + 1]]`` are paragraph ``p``'s shingles (with
    repeats); ``word_counts[p]`` its number of words.
    """

    hashes: U32
    offsets: I64
    word_counts: I64

    @property
    def has_shingles(self) -> npt.NDArray[np.bool_]:
        return np.diff(self.offsets) > 0


def word_hashes(keys: list[str]) -> tuple[U64, I64]:
    """64-bit hash of every word of every key, and the paragraph of each word."""
    blob = "\n".join(keys).encode("utf-8")
    data: U8 = np.frombuffer(blob, dtype=np.uint8)
    lengths = np.fromiter((len(k.encode("utf-8")) for k in keys), dtype=np.int64, count=len(keys))
    para_starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).astype(np.int64)
    is_word = _WORD_BYTE[data]
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1).astype(np.int64)
    ends = np.flatnonzero(edges == -1).astype(np.int64)
    _POWERS.ensure(len(data) + 1)
    with np.errstate(over="ignore"):
        weighted = (data.astype(np.uint64) + np.uint64(1)) * _POWERS.pow[: len(data)]
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(weighted, dtype=np.uint64)))
        hashes = (prefix[ends] - prefix[starts]) * _POWERS.inv[starts]
        hashes = fmix64(hashes ^ (ends - starts).astype(np.uint64))
    para_of_word = np.searchsorted(para_starts, starts, side="right").astype(np.int64) - 1
    return hashes, para_of_word


def shingle(keys: list[str], n: int) -> Shingles:
    """Word ``n``-gram shingle hashes for every key (see module doc)."""
    count = len(keys)
    tokens, para = word_hashes(keys)
    word_counts = np.bincount(para, minlength=count).astype(np.int64)
    first_word = np.concatenate(([0], np.cumsum(word_counts)[:-1])).astype(np.int64)
    with np.errstate(over="ignore"):
        # Full n-grams: windows that stay inside one paragraph.
        if len(tokens) >= n:
            windows = len(tokens) - n + 1
            valid = para[:windows] == para[n - 1 : n - 1 + windows]
            combined = tokens[:windows].copy()
            for k in range(1, n):
                combined = combined * _NGRAM_MULT + tokens[k : k + windows]
            gram_hashes = combined[valid]
            gram_para = para[:windows][valid]
        else:
            gram_hashes = np.zeros(0, dtype=np.uint64)
            gram_para = np.zeros(0, dtype=np.int64)
        # Short paragraphs (1 <= words < n): one shingle of all their words.
        short = np.flatnonzero((word_counts > 0) & (word_counts < n))
        short_hashes = tokens[first_word[short]].copy() if len(short) else np.zeros(0, np.uint64)
        for k in range(1, n - 1):
            has = word_counts[short] > k
            idx = first_word[short[has]] + k
            short_hashes[has] = short_hashes[has] * _NGRAM_MULT + tokens[idx]
    all_para = np.concatenate((gram_para, short.astype(np.int64)))
    all_hashes = np.concatenate((gram_hashes, short_hashes))
    order = np.argsort(all_para, kind="stable")
    all_para = all_para[order]
    with np.errstate(over="ignore"):
        hashes32 = (fmix64(all_hashes[order]) >> np.uint64(32)).astype(np.uint32)
    offsets = np.searchsorted(all_para, np.arange(count + 1), side="left").astype(np.int64)
    return Shingles(hashes32, offsets, word_counts)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for ``seed``."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a.astype(np.uint32), b.astype(np.uint32)


def minhash(shingles: Shingles, num_perm: int, seed: int) -> U32:
    """MinHash signatures, one row per paragraph (``MAX_HASH32`` if no shingle)."""
    count = len(shingles.offsets) - 1
    signatures = np.full((count, num_perm), MAX_HASH32, dtype=np.uint32)
    if len(shingles.hashes) == 0:
        return signatures
    a, b = permutations(num_perm, seed)
    mixed = fmix32(shingles.hashes)
    nonempty = np.flatnonzero(shingles.has_shingles)
    starts = shingles.offsets[nonempty]
    with np.errstate(over="ignore"):
        for k in range(num_perm):
            values = mixed * a[k] + b[k]
            signatures[nonempty, k] = np.minimum.reduceat(values, starts)
    return signatures


_KEY_P1 = 0x100000001B3
_KEY_P2 = 0xC6A4A7935BD1E995  # MurmurHash64A's multiplier: odd


def _poly_hashes(data: U8, starts: I64, ends: I64, prime: int) -> U64:
    """sum((byte + 1) * prime**j) mod 2**64 over each [start, end) range."""
    size = len(data)
    powers = np.empty(size, dtype=np.uint64)
    if size:
        with np.errstate(over="ignore"):
            powers[0] = 1
            if size > 1:
                powers[1:] = np.cumprod(np.full(size - 1, prime, dtype=np.uint64), dtype=np.uint64)
    with np.errstate(over="ignore"):
        weighted = (data.astype(np.uint64) + np.uint64(1)) * powers
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(weighted, dtype=np.uint64)))
        inverse = pow(prime, -1, 1 << 64)
        # Undo the offset of each range: multiply by prime**-start.
        inv_powers = np.empty(len(starts), dtype=np.uint64)
        for i, s in enumerate(starts.tolist()):
            inv_powers[i] = pow(inverse, s, 1 << 64)
        return (prefix[ends] - prefix[starts]) * inv_powers


def key_hashes(keys: list[str]) -> npt.NDArray[np.uint64]:
    """A 128-bit hash (two uint64 columns) of each normalised key's UTF-8 bytes.

    Column 0 is ``fmix64(H1 ^ length)`` and column 1 ``fmix64(H2 ^ ~length)``
    where ``H`` is the polynomial ``sum((byte + 1) * P**j) mod 2**64`` with
    two different odd primes. Exact duplicates are grouped on both columns.
    """
    encoded = [k.encode("utf-8") for k in keys]
    data: U8 = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths).astype(np.int64)
    starts = (ends - lengths).astype(np.int64)
    out = np.empty((len(keys), 2), dtype=np.uint64)
    with np.errstate(over="ignore"):
        ulen = lengths.astype(np.uint64)
        out[:, 0] = fmix64(_poly_hashes(data, starts, ends, _KEY_P1) ^ ulen)
        out[:, 1] = fmix64(_poly_hashes(data, starts, ends, _KEY_P2) ^ ~ulen)
    return out
