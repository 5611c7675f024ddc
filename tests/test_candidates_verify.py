"""The compiled LSH bucketing and verification equal their reference implementations."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import verified_both_ways
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup import candidates, lsh_kernel
from dedup.cluster import _verify_python, verify_pairs
from dedup.verify import (
    filled_template,
    pair_similarity,
    prepare,
    similarity,
    slot_similarity,
    template_rejects,
    word_hash,
)

pytest.importorskip("numba")


def _both(
    keys: np.ndarray, rows: np.ndarray, monkeypatch: pytest.MonkeyPatch, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's pairs (bands shared out among ``threads`` threads,
    however few the rows) and the numpy reference's."""
    monkeypatch.setattr(candidates, "KERNEL_MIN_ROWS", 0)
    monkeypatch.setattr(lsh_kernel, "PARALLEL_MIN_ROWS", 0)
    fast = candidates.candidate_pairs_from_keys(keys, rows, threads)
    monkeypatch.setattr(candidates, "KERNEL_MIN_ROWS", 10**12)
    slow = candidates.candidate_pairs_from_keys(keys, rows)
    return fast, slow


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 400),
    bands=st.integers(1, 20),  # more than one gather of bands (lsh_kernel.GATHER), the last partial
    # Few distinct keys (large buckets) to all distinct (most rows filtered out before bucketing).
    spread=st.one_of(st.integers(1, 300), st.integers(1 << 20, (1 << 32) - 1)),
    seed=st.integers(0, 2**16),
    threads=st.integers(1, 4),  # up to more threads than gathers of bands
)
def test_bucketing_kernel_equals_numpy(n: int, bands: int, spread: int, seed: int, threads: int) -> None:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, spread, size=(n, bands)).astype(np.uint32)
    rows = np.sort(rng.choice(n, size=max(2, n // 2), replace=False)).astype(np.int64)
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = _both(keys, rows, mp, threads)
    assert np.array_equal(fast, slow)


@given(st.lists(st.integers(-(2**62), 2**62), max_size=50))
def test_sorted_unique_is_numpys_unique(values: list[int]) -> None:
    codes = np.array(values, dtype=np.int64)
    assert np.array_equal(candidates.sorted_unique(codes), np.unique(codes))


def test_heavy_buckets_stay_linear_and_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 5000
    keys = np.zeros((n, 3), dtype=np.uint32)  # band 0: one bucket of 5000 rows
    keys[:, 1] = np.arange(n) % 3
    keys[:, 2] = np.arange(n)
    fast, slow = _both(keys, np.arange(n, dtype=np.int64), monkeypatch)
    assert np.array_equal(fast, slow)
    assert len(fast) < 4 * n  # not n**2 / 2


def test_more_pairs_than_the_kernel_first_has_room_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel starts with room for two pairs per row; buckets of 64 rows
    (all their pairs) need 31 per row, so it runs again with more room,
    twice, and gives the same pairs."""
    n = 20_000
    keys = (np.arange(n, dtype=np.uint32) // 64).reshape(n, 1)
    fast, slow = _both(keys, np.arange(n, dtype=np.int64), monkeypatch)
    assert len(fast) == (n // 64) * (64 * 63 // 2) + (n % 64) * (n % 64 - 1) // 2
    assert np.array_equal(fast, slow)


# Capitalised function words and the marks before them decide whether a word
# is a name ("rated A", "is May 7") or opens a sentence (". The", "(A").
WORDS = ["the", "museum", "Paris", "1998", "opened", "river", "a", "and", "Smith", "42", "of", "new", "It"]
WORDS += ["The", "A", "May", ".", ",", "(", '"', "-", "In.", "end;", "\u201cThe"]


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=6), min_size=0, max_size=25).map(
            " ".join
        ),
        min_size=2,
        max_size=12,
    ),
    threshold=st.sampled_from([0.0, 0.5, 0.87]),
)
# "It" opens one text and is a name inside the other: aligned, it counts as
# its lighter side, so the cheap bounds stay bounds.
@example(texts=["It Smith", "the the the the the the the It Smith"], threshold=0.5)
# The same words with other weights are still the same words.
@example(texts=["It rained", ", It rained"], threshold=0.87)
# A common first (or last) word whose weights differ is left to the dynamic
# programme: ", It" (a name) aligns better with the second "It" of "It It".
@example(texts=[", It rained", "It It rained", "It rained. It", "It rained, It"], threshold=0.0)
# ASCII, BMP and astral texts side by side (three tokenisers, one layout);
# "\U0001d518" becomes "U" in NFKC, the emoji stays beyond the BMP.
@example(
    texts=["Caf\u00e9 \U0001f600 one two", "Caf\u00e9 one two", "\U0001d518 one two", "U one two", ""],
    threshold=0.5,
)
def test_verification_kernel_equals_reference(texts: list[str], threshold: float) -> None:
    from dedup.verify_kernel import similarities

    n = len(texts)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    fast = similarities(texts, pairs, threshold)
    prepared = [prepare(t) for t in texts]
    for (i, j), value in zip(pairs.tolist(), fast.tolist(), strict=True):
        ref = pair_similarity(prepared[i], prepared[j], threshold)
        if ref >= threshold or value >= threshold:
            assert value == pytest.approx(ref, abs=1e-12)
    # The batch entry point of the cluster stage decides the same way on
    # either path (the template rule included).
    ids = {i: t for i, t in enumerate(texts)}
    slow = _verify_python(pairs, ids, threshold)
    compiled = verify_pairs(pairs, ids, threshold, kernel_min=0)
    for value, other in zip(compiled, slow, strict=True):
        assert (value >= threshold) == (other >= threshold) or threshold == 0.0


# Letters with case, digits of other scripts, compatibility forms NFKC
# rewrites, casefolds that change length, and the marks that open sentences.
UNICODE_WORDS = ["\u00c4rger", "\u00fcber", "Stra\u00dfe", "\u0130stanbul", "\ufb01ve", "\u00bd", "\u216b"]
UNICODE_WORDS += [
    "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2",
    "\u0661\u0662",
    "\u00abThe",
    "\u00bfA",
    "\u2014It",
    "\u00a0",
]


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.lists(
            st.sampled_from(WORDS + UNICODE_WORDS)
            | st.text(
                st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), min_size=1, max_size=6
            ),
            max_size=20,
        ).map(" ".join),
        min_size=1,
        max_size=6,
    )
)
def test_compiled_unicode_tokeniser_equals_prepare(texts: list[str]) -> None:
    """Words, hashes and weights of NFKC texts in the BMP, as the verification
    kernel takes them, are prepare()'s words and weights."""
    import unicodedata

    from dedup.verify_kernel import (
        _FUNCTION_HASHES,
        NAME_WEIGHT,
        NUMBER_WEIGHT,
        _bounds,
        _char_classes,
        _tokenise,
    )

    normal = [unicodedata.normalize("NFKC", t) for t in texts]
    if any(max(t, default="") >= "\U00010000" for t in normal):
        return  # such texts go to prepare() itself
    starts, ends = _bounds([t.encode("utf-32-le") for t in normal])
    codes = np.frombuffer("".join(normal).encode("utf-32-le"), dtype=np.uint32)
    hashes, weights, counts = _tokenise(
        codes, starts // 4, ends // 4, *_char_classes(0x10000), _FUNCTION_HASHES, NAME_WEIGHT, NUMBER_WEIGHT
    )
    expected = [prepare(t) for t in texts]
    assert counts.tolist() == [len(p.words) for p in expected]
    assert hashes.tolist() == [word_hash(str(w)) for p in expected for w in p.words]
    assert weights.tolist() == [w for p in expected for w in p.weights]


_FILLINGS = [
    "Paris",
    "Lyon",
    "Anna Berg",
    "1934",
    "16",
    "two",
    "seven",
    "twelve",
    "the",
    "river",
    "Café",
    "\U0001d49c",
]


@settings(max_examples=150, deadline=None)
@given(
    base=st.lists(
        st.sampled_from([*_FILLINGS, "won", "medals", "in", "and", "Men's"]), min_size=1, max_size=30
    ),
    edits=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(_FILLINGS)), max_size=4),
)
def test_hashed_words_decide_templates_as_the_words_do(base: list[str], edits: list[tuple[int, str]]) -> None:
    """The template checks of verification run on the kernel's tokens
    (Tokenised.prepared: words as hashes): the same words, weights and
    total as prepare(), and the same filled-template decisions (names,
    numbers and number words swapped; texts in ASCII, the BMP and beyond)."""
    from dedup.verify_kernel import tokenise

    edited = list(base)
    for position, word in edits:
        edited[position % len(edited)] = word
    texts = [" ".join(base) + ".", " ".join(edited) + "."]
    tokenised = tokenise(texts)
    hashed = [tokenised.prepared(i) for i in range(2)]
    spelled = [prepare(t) for t in texts]
    for h, p in zip(hashed, spelled, strict=True):
        assert h.words == tuple(word_hash(str(w)) for w in p.words)
        assert h.weights == p.weights and h.total == p.total
    assert filled_template(*hashed) == filled_template(*spelled)
    assert template_rejects(*hashed, 0.9, 0.87) == template_rejects(*spelled, 0.9, 0.87)


def test_lsh_parameters_equal_datasketchs_choice() -> None:
    from datasketch.lsh import _optimal_param

    from dedup.candidates import optimal_bands

    for threshold in (0.3, 0.5, 0.7, 0.9):
        for num_perm in (32, 128):
            for weights in ((0.5, 0.5), (0.1, 0.9)):
                assert optimal_bands(threshold, num_perm, *weights) == tuple(
                    _optimal_param(threshold, num_perm, *weights)
                )


@pytest.mark.parametrize("threshold", [0.5, 0.88])
def test_verification_kernel_equals_reference_on_long_paragraphs(threshold: float) -> None:
    """Paragraphs of up to 300 words: the bit-parallel LCS bound spans several
    machine words, and must never reject a pair the reference accepts."""
    import random

    from dedup.verify_kernel import similarities

    rng = random.Random(7)
    vocab = [*WORDS, "Lakes", "Oskar", "1984", "2011", "the", "of", "and", "a"]
    texts = []
    for _ in range(12):
        base = [rng.choice(vocab) for _ in range(rng.randrange(50, 300))]
        texts.append(" ".join(base))
        for _ in range(3):
            copy = list(base)
            for _ in range(rng.randrange(1, max(2, len(copy) // 6))):
                i = rng.randrange(len(copy))
                if rng.random() < 0.5:
                    copy[i] = rng.choice(vocab)
                else:
                    del copy[i]
            texts.append(" ".join(copy))
    n = len(texts)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    fast = similarities(texts, pairs, threshold)
    prepared = [prepare(t) for t in texts]
    accepted = 0
    for (i, j), value in zip(pairs.tolist(), fast.tolist(), strict=True):
        ref = pair_similarity(prepared[i], prepared[j], threshold)
        assert (value >= threshold) == (ref >= threshold)
        if ref >= threshold:
            accepted += 1
            assert value == pytest.approx(ref, abs=1e-12)
    assert accepted >= 12  # the edited copies are found


# Paragraphs of 15-40 words of ordinary words, names and numbers, and edited copies.
FACT_WORDS = [
    "river",
    "the",
    "of",
    "and",
    "mill",
    "said",
    "Lakes",
    "Oskar",
    "Berne",
    "1984",
    "2011",
    "two",
    "It",
]


@settings(max_examples=150, deadline=None)
@given(
    base=st.lists(st.sampled_from(FACT_WORDS), min_size=15, max_size=40),
    edits=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["", *FACT_WORDS])), min_size=1, max_size=5),
)
def test_slot_reading_stays_under_its_bounds(base: list[str], edits: list[tuple[int, str]]) -> None:
    """The slot reading is symmetric and at most the unweighted similarity,
    the cheap bound bounds both readings, and the compiled batch (whose flags rest on a bound
    of the slot reading) gives what the reference gives."""
    from rapidfuzz.distance import Indel

    from dedup.verify import slot_similarity, upper_bound

    copy = list(base)
    for position, word in edits:
        if word:
            copy.insert(position % (len(copy) + 1), word)
        elif copy:
            del copy[position % len(copy)]
    a, b = prepare(" ".join(base)), prepare(" ".join(copy))
    slot = slot_similarity(a, b)
    assert slot == slot_similarity(b, a)  # whichever order the pair comes in
    assert slot <= Indel.normalized_similarity(a.words, b.words) + 1e-12
    assert upper_bound(a, b) >= pair_similarity(a, b) - 1e-12
    for threshold in (0.8, 0.87):
        compiled, reference = verified_both_ways(" ".join(base), " ".join(copy), threshold)
        assert (compiled >= threshold) == (reference >= threshold)
        if reference >= threshold:
            assert compiled == pytest.approx(reference, abs=1e-12)


def test_compiled_verification_finds_slot_readings_next_to_its_bound() -> None:
    """A name changed and a year dropped in 30 words: 0.871 slot-weighted
    (0.841 fact-weighted), just above the threshold; the kernel's bound for
    flagging the pair (2 / 34 for the changed name) must let it through."""
    filler = "and the people of the valley said that the water was clean and cold in every season of"
    a = f"The mill on the river was built by Oskar Berne in 1984 {filler}"
    b = a.replace("Oskar", "Ansgar").replace(" in 1984", "")
    pa, pb = prepare(a), prepare(b)
    assert len(pa.words) == 30
    assert similarity(pa, pb) < 0.87 <= slot_similarity(pa, pb) < 0.872
    compiled, reference = verified_both_ways(a, b, 0.87)
    assert compiled == pytest.approx(reference, abs=1e-12)
    assert compiled == pytest.approx(slot_similarity(pa, pb), abs=1e-12)


def test_bit_parallel_lcs_equals_dynamic_programme() -> None:
    import random

    from dedup.verify_kernel import _plain_lcs, _sort_words

    def lcs(a: list[int], b: list[int]) -> int:
        previous = [0] * (len(b) + 1)
        for x in a:
            current = [0]
            for j, y in enumerate(b, start=1):
                current.append(previous[j - 1] + 1 if x == y else max(current[j - 1], previous[j]))
            previous = current
        return previous[-1]

    rng = random.Random(3)
    for _ in range(150):
        a = [rng.randrange(6) for _ in range(rng.randrange(1, 200))]
        b = [rng.randrange(6) for _ in range(rng.randrange(1, 200))]
        hashes = np.array(a + b, dtype=np.uint64)
        offsets = np.array([0, len(a), len(a) + len(b)], dtype=np.int64)
        order, sorted_hashes = np.empty(len(hashes), dtype=np.int64), np.empty(len(hashes), dtype=np.uint64)
        _sort_words(hashes, offsets, 0, 2, order, sorted_hashes)
        scratch = np.empty(8, dtype=np.uint64), np.empty(8, dtype=np.uint64)
        assert _plain_lcs(hashes, sorted_hashes, order, 0, len(a), len(a), len(b), *scratch) == lcs(a, b)


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(st.sampled_from(WORDS), min_size=0, max_size=40).map(" ".join),
    b=st.lists(st.sampled_from(WORDS), min_size=0, max_size=40).map(" ".join),
)
def test_compiled_single_pair_weight_equals_reference(a: str, b: str) -> None:
    from dedup.verify import aligned_weight, verified
    from dedup.verify_kernel import aligned_weight as compiled

    pa, pb = prepare(a), prepare(b)
    assert compiled(pa, pb) == pytest.approx(aligned_weight(pa, pb), abs=1e-9)
    assert verified(pa, pb, 0.88, compiled) == pytest.approx(verified(pa, pb, 0.88), abs=1e-12)


def test_threads_give_the_same_similarities() -> None:
    import random

    from dedup.verify_kernel import similarities

    words = random.Random(2)
    texts = [" ".join(words.choice(WORDS) for _ in range(words.randrange(3, 40))) for _ in range(260)]
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))], dtype=np.int64)
    assert len(pairs) >= 20_000  # enough for two threads
    one = similarities(texts, pairs, 0.5)
    assert (one >= 0.5).sum() > 10
    for threads in (2, 3):
        assert np.array_equal(similarities(texts, pairs, 0.5, threads=threads), one)


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(
        st.lists(
            st.sampled_from(WORDS + UNICODE_WORDS)
            | st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6),
            max_size=30,
        ).map(" ".join),
        max_size=12,
    ),
    threads=st.integers(2, 5),
)
def test_threads_give_the_same_tokens(texts: list[str], threads: int) -> None:
    """Texts shared out among threads (ASCII, BMP and beyond it, empty ones
    too) are tokenised and their words sorted exactly as by one thread."""
    from dataclasses import fields

    from dedup import verify_kernel

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(verify_kernel, "PARALLEL_MIN_TEXTS", 0)
        one = verify_kernel.tokenise(texts)
        shared = verify_kernel.tokenise(texts, threads)
    for field in fields(one):
        assert np.array_equal(getattr(shared, field.name), getattr(one, field.name)), field.name


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), min_size=1, max_size=300),
    eligible=st.data(),
)
def test_exact_groups_kernel_equals_sorting(keys: list[tuple[int, int]], eligible: st.DataObject) -> None:
    """Groups of equal keys from the hash-table kernel and from sorting: the
    same representatives (smallest id, increasing) and members (in id
    order). Few distinct halves, so keys share h0 with another h1."""
    from types import SimpleNamespace

    from dedup import cluster

    key_hash = np.array(keys, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mask = np.array(eligible.draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys))))
    table = SimpleNamespace(key_hash=key_hash)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cluster, "KERNEL_MIN_ROWS", 0)
        reps, groups = cluster.exact_groups(table, mask)  # type: ignore[arg-type]
        mp.setattr(cluster, "KERNEL_MIN_ROWS", 10**12)
        sorted_reps, sorted_groups = cluster.exact_groups(table, mask)  # type: ignore[arg-type]
    assert reps.tolist() == sorted_reps.tolist()
    assert groups.members.tolist() == sorted_groups.members.tolist()
    assert groups.offsets.tolist() == sorted_groups.offsets.tolist()


def test_prepare_gives_the_same_words_when_its_word_table_is_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare() keeps each word's form and weights in a table it clears when
    full; what it returns does not depend on what the table holds."""
    from dedup import verify

    texts = [
        ", The Hague and A rated bonds. The end",
        "It rained in Paris in 1998 (It did)",
        "\u00c4rger \u00fcber Stra\u00dfe",
    ]
    expected = [prepare(t) for t in texts]
    monkeypatch.setattr(verify._WORDS, "limit", 3)
    verify._WORDS.clear()
    assert [prepare(t) for t in texts * 2] == expected * 2
    assert len(verify._WORDS) <= 3 + max(len(p.words) for p in expected)


def _family_corpus() -> dict[str, str]:
    """The near-duplicate fixture's pairs, plus template families (one
    template filled in many times, each filling with a light edit) and a
    heavy cluster: every stage of the clustering has work."""
    import json
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "neardup" / "pairs.jsonl"
    texts: dict[str, str] = {}
    for line in fixture.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        texts[f"{pair['id']}-a.txt"] = pair["a"] + "\n"
        texts[f"{pair['id']}-b.txt"] = pair["b"] + "\n"
    places = ["Kajana", "Janda", "Borowo", "Lisice", "Nowa Wola", "Stary Dwor", "Zalesie"]
    for k, place in enumerate(places):
        base = (
            f"{place} is a village in the administrative district of Gmina Wola, within "
            f"Plonsk County, Masovian Voivodeship, in east-central Poland. It lies "
            f"approximately {k + 3} kilometres north of Plonsk and {60 + k} kilometres "
            f"north-west of Warsaw, with a population of {200 + 17 * k} people."
        )
        texts[f"village-{k}.txt"] = base + "\n"
        texts[f"village-{k}-edit.txt"] = base.replace("approximately", "about") + "\n"
    lead = (
        "The council agreed on Tuesday to extend the opening hours of the public library in the town centre"
    )
    for k in range(12):
        texts[f"heavy-{k}.txt"] = (
            f"{lead} by {['one', 'two', 'three'][k % 3]} hours from next month, item {k}.\n"
        )
    return texts


def test_clustering_on_kernel_tokens_equals_clustering_on_prepared_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the compiled verification loaded, clustering compares words by
    their hashes (the kernel's tokens); without it, prepare()'s strings.
    The clusters and findings are the same."""
    import sys

    from dedup import api, verify_kernel

    texts = _family_corpus()
    with monkeypatch.context() as mp:
        mp.setitem(sys.modules, "dedup.verify_kernel", verify_kernel)
        hashed = api.check_texts(texts)
    with monkeypatch.context() as mp:
        mp.setitem(sys.modules, "dedup.verify_kernel", None)  # not loaded, nor loadable
        spelled = api.check_texts(texts)
    assert len(hashed.clusters) > 20
    assert any(len(c.members) > 3 for c in hashed.clusters)
    assert hashed.clusters == spelled.clusters
    assert hashed.findings == spelled.findings


def test_clustering_verifies_pairs_in_batches_with_the_same_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clustering asks for the similarity of pairs that were not candidates
    (a member against every leader of its component). With the kernel
    loaded it verifies them in batches (a component's pairs at once, a
    member against its leaders at once) instead of one at a time: the
    clusters and findings are the same."""
    import sys

    from dedup import api, cluster, verify_kernel

    texts = _family_corpus()
    batches: list[int] = []
    one_pair = cluster._Texts.verified

    def counted(self: cluster._Texts, pairs: list[tuple[int, int]], threshold: float) -> list[float]:
        batches.append(len(pairs))
        return one_pair(self, pairs, threshold)

    monkeypatch.setitem(sys.modules, "dedup.verify_kernel", verify_kernel)
    monkeypatch.setattr(cluster._Texts, "verified", counted)
    with monkeypatch.context() as mp:
        mp.setattr(cluster, "BATCHED_COMPONENT", 0)
        mp.setattr(cluster, "BATCHED_PAIRS", 10**9)
        alone = api.check_texts(texts)
    assert batches == []
    results = []
    for component, pairs in ((10**9, 10**9), (0, 1), (10**9, 1)):
        with monkeypatch.context() as mp:
            mp.setattr(cluster, "BATCHED_COMPONENT", component)
            mp.setattr(cluster, "BATCHED_PAIRS", pairs)
            results.append(api.check_texts(texts))
        assert batches  # (each setting verified pairs in batches)
        batches.clear()
    for batched in results:
        assert batched.clusters == alone.clusters
        assert batched.findings == alone.findings
    assert any(len(c.members) > 3 for c in alone.clusters)


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(st.sampled_from("abcdef"), max_size=24),
    b=st.lists(st.sampled_from("abcdefg"), max_size=24),
)
def test_unmatched_words_are_the_multiset_differences(a: list[str], b: list[str]) -> None:
    """fact_substitution's words left unmatched on each side: the Counter
    differences, whether matched one by one (few words) or counted."""
    from collections import Counter

    from dedup.verify import _unmatched

    only_a, only_b = _unmatched(a, b)
    assert Counter(only_a) == Counter(a) - Counter(b)
    assert Counter(only_b) == Counter(b) - Counter(a)


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(st.integers(0, 5), max_size=8),
    b=st.lists(st.integers(0, 5), max_size=8),
)
def test_has_more_is_a_counter_difference(a: list[int], b: list[int]) -> None:
    """Leader clustering's test of whether one member's facts hold a word
    more often than another's: the Counter difference is not empty."""
    from collections import Counter

    from dedup.cluster import _has_more

    x, y = tuple(sorted(a)), tuple(sorted(b))
    assert _has_more(x, y, frozenset(x), frozenset(y)) == bool(Counter(x) - Counter(y))


def test_facts_of_a_tokenised_batch_are_each_texts_names_and_numbers() -> None:
    """Clustering reads each member's names and numbers (its words weighing
    more than 1, sorted); for texts tokenised together they are taken from
    the kernel's arrays at once, and equal what the member's words give."""
    from dedup import cluster, verify_kernel
    from dedup.verify import word_hash

    corpus = [*_family_corpus().values(), "", "no names here at all", "Kajana Kajana 7 and 7 again, Kajana."]

    class Source:
        def texts(self, ids: list[int]) -> dict[int, str]:
            return {i: corpus[i] for i in ids}

    texts = cluster._Texts(Source())
    texts.kernel = verify_kernel
    texts.fetch(range(len(corpus)))
    texts.tokenise()
    for i in range(len(corpus)):
        p = texts[i]
        assert texts.facts(i) == tuple(
            sorted(w for w, weight in zip(p.words, p.weights, strict=True) if weight > 1)
        )
    assert texts.facts(len(corpus)) is None  # (not tokenised with them)
    # Repeated names and numbers count as often as they occur.
    kajana, seven = word_hash("kajana"), word_hash("7")
    assert texts.facts(len(corpus) - 1) == tuple(sorted([kajana] * 3 + [seven] * 2))


@settings(max_examples=200, deadline=None)
@given(edges=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=60))
def test_connected_components_as_a_union_find_finds_them(edges: list[tuple[int, int]]) -> None:
    """Array rounds give every node the smallest node of its component, as
    a union-find does (chains, stars, cycles and self-loops included)."""
    from dedup.cluster import connected_components

    parent = {n: n for edge in edges for n in edge}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in edges:
        ri, rj = find(i), find(j)
        parent[max(ri, rj)] = min(ri, rj)
    nodes, smallest = connected_components(np.array(edges, dtype=np.int64).reshape(-1, 2))
    assert nodes.tolist() == sorted(parent)
    assert smallest.tolist() == [find(n) for n in sorted(parent)]


def test_connected_components_of_a_long_chain() -> None:
    from dedup.cluster import connected_components

    order = np.random.default_rng(3).permutation(5000)
    chain = np.stack((order[:-1], order[1:]), axis=1).astype(np.int64)
    nodes, smallest = connected_components(chain)
    assert nodes.tolist() == list(range(5000)) and not smallest.any()


_SUBSTITUTION_WORDS = [
    "the",
    "The",
    "village",
    "Village",
    "in",
    "In",
    "Kajana",
    "Janda",
    "district",
    "1934",
    "16",
    "two",
]


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(st.sampled_from(_SUBSTITUTION_WORDS), max_size=20),
    b=st.lists(st.sampled_from(_SUBSTITUTION_WORDS), max_size=20),
    stops=st.lists(st.booleans(), min_size=20, max_size=20),
)
def test_fact_substitutions_in_the_kernel_are_fact_substitution(
    a: list[str], b: list[str], stops: list[bool]
) -> None:
    """The kernel's fact_substitution (Tokenised.fact_substitutions, from
    the multiset differences of the two texts' words) is the Python one
    (from rapidfuzz's alignment) wherever it answers; it gives -1 only where
    a word both texts hold unequally often is a fact in some places and not
    in others (capitalised function words after a full stop, names written
    in lower case too), and those are then left to Python."""
    from dedup.verify import fact_substitution, prepare
    from dedup.verify_kernel import tokenise

    def text(words: list[str]) -> str:
        return " ".join(w + (". " if stop else "") for w, stop in zip(words, stops, strict=False)).strip()

    texts = [text(a), text(b)]
    tokenised = tokenise(texts)
    (found,) = tokenised.fact_substitutions(np.array([[0, 1]], dtype=np.int64)).tolist()
    expected = fact_substitution(tokenised.prepared(0), tokenised.prepared(1))
    assert expected == fact_substitution(prepare(texts[0]), prepare(texts[1]))
    if found >= 0:
        assert bool(found) == expected
    else:
        pa, pb = tokenised.prepared(0), tokenised.prepared(1)
        heavy = {w for p in (pa, pb) for w, x in zip(p.words, p.weights, strict=True) if x > 1.0}
        light = {w for p in (pa, pb) for w, x in zip(p.words, p.weights, strict=True) if x <= 1.0}
        assert heavy & light  # (a word that is a fact only in places)


def test_fact_substitutions_decide_the_usual_pairs() -> None:
    """On village-list fillings and light edits the kernel answers itself
    (no -1) and as Python does: fillings are substitutions, an edit is not."""
    from dedup.verify import fact_substitution
    from dedup.verify_kernel import tokenise

    texts = [
        "Kajana is a village in the Hamirpur district of India, with 1934 people.",
        "Janda is a village in the Kangra district of India, with 2210 people.",
        "Kajana is a village in the Hamirpur district of India, with 1934 residents.",
    ]
    tokenised = tokenise(texts)
    pairs = np.array([[0, 1], [0, 2], [1, 2]], dtype=np.int64)
    found = tokenised.fact_substitutions(pairs).tolist()
    assert found == [1, 0, 1]
    assert found == [
        int(fact_substitution(tokenised.prepared(i), tokenised.prepared(j))) for i, j in pairs.tolist()
    ]


def test_clustering_prepares_only_the_texts_it_reads() -> None:
    """Texts tokenised together for clustering get their Prepared (tuples
    of words) only when Python reads them, each as prepare() gives it (with
    the words hashed); a text fetched later is tokenised then, and the
    earlier ones stay readable."""
    from dedup import cluster, verify_kernel
    from dedup.verify import prepare, word_hash

    corpus = [*_family_corpus().values(), "Kajana Kajana 7 and 7 again, Kajana."]

    class Source:
        def texts(self, ids: list[int]) -> dict[int, str]:
            return {i: corpus[i] for i in ids}

    def hashed(text: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
        p = prepare(text)
        return tuple(word_hash(str(w)) for w in p.words), p.weights

    texts = cluster._Texts(Source())
    texts.kernel = verify_kernel
    first = list(range(len(corpus) - 1))
    texts.fetch(first)
    texts.tokenise()
    assert not texts.cache  # (nothing prepared yet)
    p = texts[2]
    assert (p.words, p.weights) == hashed(corpus[2]) and p.total == sum(p.weights)
    assert set(texts.cache) == {2}
    late = texts[len(corpus) - 1]  # (fetched and tokenised now)
    assert (late.words, late.weights) == hashed(corpus[-1])
    for i in first:
        assert (texts[i].words, texts[i].weights) == hashed(corpus[i])
    texts.clear()
    assert not texts.cache and not texts.unprepared
