"""Signatures must be bit-identical to datasketch's affine32 MinHash."""

from __future__ import annotations

import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.fingerprint import MAX_HASH32, minhash, permutations, shingle
from dedup.normalize import normalize, words


def _datasketch_signature(hashes: list[int], num_perm: int, seed: int) -> np.ndarray:
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda x: x)
    if hashes:
        m.update_batch(hashes)
    return m.hashvalues


def test_permutations_match_datasketch() -> None:
    for seed in (1, 7, 12345):
        a, b = permutations(64, seed)
        m = datasketch.MinHash(num_perm=64, seed=seed)
        assert m.scheme == "affine32"
        assert np.array_equal(m.permutations[0], a)
        assert np.array_equal(m.permutations[1], b)


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=8),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_signatures_equal_datasketch(texts: list[str], n: int, seed: int) -> None:
    keys = [normalize(t) for t in texts]
    sh = shingle(keys, n)
    sigs = minhash(sh, 32, seed)
    for p in range(len(keys)):
        hashes = [int(h) for h in sh.hashes[sh.offsets[p] : sh.offsets[p + 1]]]
        assert np.array_equal(sigs[p], _datasketch_signature(hashes, 32, seed))


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=10), n=st.integers(1, 5))
def test_word_counts_match_the_python_tokeniser(texts: list[str], n: int) -> None:
    keys = [normalize(t) for t in texts]
    sh = shingle(keys, n)
    assert sh.word_counts.tolist() == [len(words(k)) for k in keys]
    for p, key in enumerate(keys):
        count = len(words(key))
        expected = 0 if count == 0 else max(1, count - n + 1)
        assert sh.offsets[p + 1] - sh.offsets[p] == expected


def test_short_paragraphs_neither_vanish_nor_collide() -> None:
    keys = [normalize(t) for t in ["History.", "References", "See also", "Early life", "!!!"]]
    sh = shingle(keys, 5)
    sigs = minhash(sh, 16, 1)
    assert sh.has_shingles.tolist() == [True, True, True, True, False]
    rows = {tuple(row) for row in sigs[:4].tolist()}
    assert len(rows) == 4  # all different
    assert (sigs[4] == MAX_HASH32).all()


def test_word_hash_is_position_independent() -> None:
    sh = shingle(["alpha beta", "gamma alpha beta", "alpha beta"], 2)
    first = set(sh.hashes[sh.offsets[0] : sh.offsets[1]].tolist())
    second = set(sh.hashes[sh.offsets[1] : sh.offsets[2]].tolist())
    assert first <= second
    assert np.array_equal(sh.hashes[sh.offsets[0] : sh.offsets[1]], sh.hashes[sh.offsets[2] : sh.offsets[3]])
