"""The fast paths of dedup.rules.text give the results of the plain code.

The tokenizer's plain-chunk pattern and chunk cache must give the tokens of
``_split_chunk``; :class:`WordNgrams` must give the numbers of
``top_ngram_chars`` and ``duplicated_ngram_chars``, also when hashes collide.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.rules import text as ts

FIXTURES = Path(__file__).parent / "fixtures"

OPENERS = ["", "(", '"', "'", "“", "‘", "[", "$", "US$", "...", "#", "-", "+", "«"]
CLOSERS = [
    *["", ",", ".", ")", '"', "'", "’", '."', ',"', "),", ").", '".', ")."],
    *["'s", "’s", "'S", "'s.", "'S.", ";", ":", "!", "?", "...", "..", "…", "%", "km", "-", ".)", ".,"],
]
CORES = [
    *ts._BARE_CONTRACTIONS,
    *(a[:-1] for a in ts._ABBREVIATIONS),
    *["a", "I", "x", "ab", "AB", "aB", "Ab", "id", "ID", "Id", "USA", "Mr", "www", "WWW", "co", "vs"],
    *["well-known", "a-b", "co-op", "x-co", "x-a", "x-www", "A-B", "a-B", "re-id", "e.g", "U.S"],
    *["5", "12", "1990", "1990-91", "3.14", "1,000", "1–2", "5pm", "12a.m", "http://x.org", "www.x.org"],
    *["naïve", "Ünïcode", "ab_cd", "x~y", "a:b", "b=c", "1/2", "and/or", "w/o", "don't", "I'm", "it's"],
    *["Milutinović", "Jász-Nagykun", "attaché", "é", "éa", "Ωmega-x", "\u212aant", "\u0130d", "x²", "straße"],
    *[
        "輪舞",
        "a\u0301b",
        "İstanbul",
        "well—known",
        "ab–cd",
        "ab——cd",
        "ab-–cd",
        "Zürich—Nord",
        "x—Mr",
        "ex–co",
    ],
    *["1887-1948", "1,000-2,000", "3.5-4", "1-2-3", "5-year", "1--2", "1-", "12-1.5", "1990–91", "w—www"],
]


def generated_chunks() -> set[str]:
    return {opener + core + closer for opener in OPENERS for core in CORES for closer in CLOSERS}


def fixture_chunks() -> set[str]:
    chunks: set[str] = set()
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".txt", ".md"):
            chunks.update(path.read_text("utf-8", "surrogateescape").split())
    return chunks


def test_chunk_tokens_are_split_chunk_s() -> None:
    chunks = generated_chunks() | fixture_chunks()
    plain = 0
    for chunk in sorted(chunks):
        assert list(ts.chunk_tokens(chunk)) == ts._split_chunk(chunk), chunk
        plain += ts._plain_tokens(chunk) is not None
    assert plain > 1000  # the fast path is exercised


def test_simple_words_with_cache_cleared_mid_text(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(sorted(generated_chunks())[:3000]) + "\n" + "The cat's mat (U.S.), e.g. well-known."
    expected = [token for chunk in text.split() for token in ts._split_chunk(chunk)]
    monkeypatch.setattr(ts._CHUNK_CACHE, "limit", 10)
    ts._CHUNK_CACHE.clear()
    assert ts.simple_words(text) == expected
    assert ts.simple_words(text) == expected  # the cache is emptied whenever it fills
    assert len(ts._CHUNK_CACHE) <= len(set(text.split()))


def random_words(rng: random.Random, count: int) -> list[str]:
    # A tiny vocabulary with pieces of each other, so that n-grams repeat
    # often and different words join into equal strings ("ab" + "c" == "a" + "bc").
    vocabulary = ["a", "b", "ab", "c", "bc", "abc", "the", "of", "é", "🙂", "x" * 30, "..."]
    return [rng.choice(vocabulary) for _ in range(count)]


def use_walk(monkeypatch: pytest.MonkeyPatch, walk: str) -> None:
    """Count n-grams in Python/NumPy or with the compiled kernel."""
    if walk == "compiled":
        from dedup.rules import ngram_kernel

        monkeypatch.setattr(ts, "_ngram_kernel", lambda: ngram_kernel)
    else:
        monkeypatch.setattr(ts, "_ngram_kernel", lambda: None)


@pytest.mark.parametrize(
    ("hashed", "walk"),
    [(True, "python"), (True, "compiled"), (False, "python")],
    ids=["hashed", "hashed-compiled", "sliced"],
)
@pytest.mark.parametrize("seed", range(30))
def test_word_ngrams_are_the_plain_functions(
    seed: int, hashed: bool, walk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hashed keys (long texts) or slices of the joined words (the rest).
    monkeypatch.setattr(ts.WordNgrams, "min_words", 0 if hashed else 10_000)
    use_walk(monkeypatch, walk)
    rng = random.Random(seed)
    words = random_words(rng, rng.choice([0, 1, 3, 9, 10, 11, 50, 400, 3000]))
    ngrams = ts.WordNgrams(words)
    for n in (2, 3, 4):
        assert ngrams.top_chars(n) == ts.top_ngram_chars(words, n), n
    for n in range(5, 11):
        assert ngrams.duplicated_chars(n) == ts.duplicated_ngram_chars(words, n), n


@pytest.mark.parametrize("walk", ["python", "compiled"])
@pytest.mark.parametrize("seed", range(10))
def test_word_ngrams_survive_hash_collisions(seed: int, walk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With keys squeezed to 2 bits nearly every key collides: the results
    must not change (the top n-gram falls back to the plain function, the
    compiled walk to the Python one)."""
    monkeypatch.setattr(ts.WordNgrams, "min_words", 0)
    use_walk(monkeypatch, walk)
    keys_of = ts._HashedWords._keys
    spaced_keys_of = ts._HashedWords._spaced_keys

    def colliding(self: Any, n: int) -> tuple[Any, Any, Any]:
        first, last, keys = keys_of(self, n)
        return first, last, keys & np.uint64(3)

    def spaced_colliding(self: Any, n: int) -> tuple[Any, Any]:
        lengths, keys = spaced_keys_of(self, n)
        return lengths, keys & np.uint64(3)

    monkeypatch.setattr(ts._HashedWords, "_keys", colliding)
    monkeypatch.setattr(ts._HashedWords, "_spaced_keys", spaced_colliding)
    rng = random.Random(seed)
    words = random_words(rng, 300)
    ngrams = ts.WordNgrams(words)
    for n in (2, 3, 4):
        assert ngrams.top_chars(n) == ts.top_ngram_chars(words, n), n
    for n in range(5, 11):
        assert ngrams.duplicated_chars(n) == ts.duplicated_ngram_chars(words, n), n


def test_word_ngrams_on_prose() -> None:
    text = (FIXTURES / "mission_article.txt").read_text("utf-8")
    words = ts.simple_words(text * 4)
    assert len(words) >= ts.WordNgrams.min_words
    ngrams = ts.WordNgrams(words)
    assert [ngrams.top_chars(n) for n in (2, 3, 4)] == [ts.top_ngram_chars(words, n) for n in (2, 3, 4)]
    assert [ngrams.duplicated_chars(n) for n in range(5, 11)] == [
        ts.duplicated_ngram_chars(words, n) for n in range(5, 11)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_ngram_kernel_is_the_plain_functions(seed: int) -> None:
    """The kernel itself (not its fallback) gives the plain functions' numbers."""
    from dedup.rules import ngram_kernel

    rng = random.Random(seed)
    words = random_words(rng, rng.choice([0, 1, 4, 20, 300, 3000]))
    hashed = ts._HashedWords(words)
    for n in (2, 3, 4):
        assert ngram_kernel.top_chars(*hashed.top_arrays, n) == ts.top_ngram_chars(words, n), n
    for n in range(5, 11):
        assert ngram_kernel.repeated_chars(*hashed.arrays, n) == ts.duplicated_ngram_chars(words, n), n


def test_ngram_kernel_reports_collisions_and_spaces() -> None:
    from dedup.rules import ngram_kernel

    hashed = ts._HashedWords(["ab", "c", "cd", "x", "ab", "c"])
    assert ngram_kernel.repeated_chars(*hashed.arrays, 1) == 3  # "ab" and "c" again
    assert ngram_kernel.top_chars(*hashed.top_arrays, 2) == 4 * 2  # "ab c" twice
    # Squeeze the hash to nothing: every key collides, and the kernel says so.
    codes, starts, prefix, powers = hashed.arrays
    zero = np.zeros_like(powers)
    assert ngram_kernel.repeated_chars(codes, starts, prefix, zero, 1) == -1
    assert ngram_kernel.top_chars(codes, starts, ngram_kernel.word_keys(prefix, zero, starts), 2) == -1
    # Words with spaces: "a b" + "c" and "a" + "b c" join into equal strings.
    spaced = ts._HashedWords(["a b", "c", "a", "b c"])
    assert spaced.has_space and not hashed.has_space
    ngrams = ts.WordNgrams(["a b", "c", "a", "b c"])
    assert ngrams.top_chars(2) == ts.top_ngram_chars(["a b", "c", "a", "b c"], 2)


@pytest.mark.parametrize("seed", range(5))
def test_gopher_lines_is_the_regex_split(seed: int) -> None:
    import re

    rng = random.Random(seed)
    texts = ["", "\n", "\n\n", "a", "a\n", "\na", "a\n\n\nb", "\n\na\n\n"]
    texts += ["".join(rng.choice("ab \n\r") for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    for text in texts:
        assert ts.gopher_lines(text) == re.split(r"\n+", text), repr(text)


def test_content_word_counts_are_those_of_the_content_words() -> None:
    """GQ001/GQ002 count over the distinct words; the numbers are those of
    the word list itself."""
    from rules_helpers import document

    from dedup.rules.base import FileContext

    paths = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".txt", ".md"))
    texts = [path.read_text("utf-8", "surrogateescape") for path in paths]
    texts += ["", "... !!! -- ?", "a , b . c ... d -- e", "“Quoted” — dashes… and % 10 # tags #"]
    chunks = sorted(generated_chunks())
    rng = random.Random(7)
    texts += [" ".join(rng.choice(chunks) for _ in range(rng.randint(1, 400))) for _ in range(20)]
    for text in texts:
        ctx = FileContext(document(text), [])
        words = ctx.content_words
        assert ctx.content_word_count == len(words)
        assert ctx.content_word_chars == sum(map(len, words))


def test_ngram_kernel_on_words_that_never_repeat() -> None:
    from dedup.rules import ngram_kernel

    for words in ([f"w{i}" for i in range(500)], ["a", "b"], ["x"] * 3 + [f"w{i}" for i in range(50)]):
        hashed = ts._HashedWords(words)
        for n in (2, 3, 4):
            assert ngram_kernel.top_chars(*hashed.top_arrays, n) == ts.top_ngram_chars(words, n), (
                n,
                words[:3],
            )
        for n in range(5, 11):
            assert ngram_kernel.repeated_chars(*hashed.arrays, n) == ts.duplicated_ngram_chars(words, n)


def test_has_letter_is_any_isalpha() -> None:
    _has_letter = ts.has_letter

    words = [
        *generated_chunks(),
        "",
        "123",
        "1.5",
        "--",
        "a1",
        "_",
        "²",
        "½",
        "Ⅻ",
        "ⅻ",
        "ǅ",
        "ª",
        "º",
        "é1",
        "١٢",
        "٣a",
    ]
    words += [chr(c) for c in range(0x2000)]
    for word in words:
        assert _has_letter(word) == any(c.isalpha() for c in word), repr(word)


def test_token_kernel_parses_plain_chunks_as_plain_tokens() -> None:
    """A chunk the compiled parser tokenizes gets _plain_tokens' tokens; the
    parser leaves to Python only chunks that are not plain or may be
    exceptions (bare contractions, abbreviations)."""
    from dedup.rules import token_kernel

    contractions, abbreviations = ts._exception_hashes()
    out = np.empty(64, dtype=np.int64)
    chunks = sorted(generated_chunks() | fixture_chunks())
    parsed = plain = 0
    for chunk in chunks:
        codes = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        n = token_kernel._parse(codes, 0, len(codes), ts._flag_tables()[1], contractions, abbreviations, out)
        expected = ts._plain_tokens(chunk)
        plain += expected is not None
        if n > 0:
            parsed += 1
            tokens = tuple(chunk[out[k] : out[k + 1]] for k in range(n))
            assert tokens == expected, chunk
        elif expected is not None:
            # Left to Python: only a possible bare contraction or abbreviation.
            letters = chunk.lstrip('("“‘').split("'")[0].split("’")[0].rstrip('.,;:!?)"”')
            assert (
                letters.lower() in ts._BARE_CONTRACTIONS or letters.split("-")[-1] + "." in ts._ABBREVIATIONS
            ), chunk
    assert parsed > 0.9 * plain > 1000


def _token_texts() -> list[str]:
    paths = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".txt", ".md"))
    texts = [path.read_text("utf-8", "surrogateescape") for path in paths]
    chunks = sorted(generated_chunks())
    rng = random.Random(3)
    # Every kind of whitespace str.split() knows, and characters next to them.
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\u200b", "\ufeff", "x"]
    for _ in range(40):
        count = rng.randint(0, 300)
        texts.append(
            "".join(rng.choice(chunks) if rng.random() < 0.7 else rng.choice(spaces) for _ in range(count))
        )
    texts += ["", " ", "a", " a ", "a  b\n\nc\t", "caf\udce9 ok", "\U0001f642 \U0001f642", "x" * 5000]
    texts += ["Mr. Smith's dont-stop co-op (U.S.), e.g. 3.14, 1,000.", "www. WWW. ab. Ab. a. wasnt"]
    return texts


def test_token_arrays_are_simple_words() -> None:
    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    for text in _token_texts():
        arrays = ts.token_arrays(text)
        assert arrays is not None
        words = ts.simple_words(text)
        assert arrays.words() == words, repr(text[:80])
        assert arrays.longest_chunk == max(map(len, text.split()), default=0)
        assert len(arrays) == len(words)
        counts = arrays.counts()
        assert counts == Counter(words) and list(counts) == list(Counter(words))
        plain = ts._HashedWords(words)
        ngrams = arrays.ngrams()
        hashed = ngrams.hashed
        assert np.array_equal(hashed.codes, plain.codes) and np.array_equal(hashed.starts, plain.starts)
        assert np.array_equal(hashed.prefix, plain.prefix) and hashed.has_space == plain.has_space
        assert len(ngrams.words) == len(words) and list(ngrams.words) == words


def test_token_arrays_survive_the_next_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tokenizer works in one array reused from text to text (and a
    fresh one for texts too long to keep it): what it returned for one text
    is unchanged after the next, longer or shorter, is tokenized."""
    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    monkeypatch.setattr(ts, "_SCRATCH_KEEP", 3000)
    texts = _token_texts()
    ordered = sorted(texts, key=len) + sorted(texts, key=len, reverse=True)
    kept = [(text, ts.token_arrays(text)) for text in ordered]
    for text, arrays in kept:
        assert arrays is not None
        assert arrays.words() == ts.simple_words(text), repr(text[:80])
    from dedup.rules import token_kernel

    def tokenize(text: str) -> tuple[object, ...]:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        letter = ts._flag_tables()[1]
        return token_kernel.tokenize(
            codes, ts._space_table(), letter, *ts._exception_hashes(), ts._scratch(len(codes))
        )

    first = tokenize("one two, two (three) one")
    copy = [np.array(x, copy=True) for x in first]
    tokenize("four five; six (seven) eight nine ten " * 20)
    assert all(np.array_equal(a, b) for a, b in zip(first, copy, strict=True))


def test_token_array_statistics_are_those_of_the_word_list() -> None:
    """GQ001/2/6/7 count over the arrays without making the tokens'
    strings; every count is the word list's, for texts with symbols, words
    without letters, other chunks whose tokens are also plain tokens, and
    characters beyond the letter table (then the strings are tested)."""
    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    texts = _token_texts()
    texts += [
        "the (the) “the” -- ... 1,000 #tag #tag the,the a.b.c to-do 'quoted' to",
        "\U00040000x the \U000e0041",
    ]
    stop = {"the", "to", "of", "and", "that", "have", "with", "be", "--", "#tag", "zzz"}
    for text in texts:
        arrays = ts.token_arrays(text)
        assert arrays is not None
        words = ts.simple_words(text)
        symbols = [w for w in words if ts.is_symbol(w)]
        assert arrays.symbol_totals() == (len(symbols), sum(map(len, symbols))), repr(text[:80])
        assert arrays.letterless() == sum(not ts.has_letter(w) for w in words), repr(text[:80])
        assert arrays.distinct_of(stop) == len(stop.intersection(words)), repr(text[:80])
        beyond = any(ord(c) >= 0x40000 for c in text)
        assert ("vocab" in arrays.__dict__) == beyond, repr(text[:80])  # strings only when needed
        assert arrays.vocab == list(dict.fromkeys(words))
        assert arrays.distinct_of(stop) == len(stop.intersection(words))


def test_token_arrays_from_many_threads() -> None:
    """Threads share the tokenizer's work array; each gets its own text's tokens."""
    from concurrent.futures import ThreadPoolExecutor

    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    texts = [t * 3 for t in _token_texts() if t.strip()] * 4
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(ts.token_arrays, texts))
    for text, arrays in zip(texts, found, strict=True):
        assert arrays is not None and arrays.words() == ts.simple_words(text), repr(text[:80])


def test_token_arrays_need_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ts, "_ngram_kernel", lambda: None)
    assert ts.token_arrays("some words") is None


def test_quality_rules_with_and_without_token_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every metric and finding of every rule is the same when the words
    come from the compiled tokenizer or from the word list."""
    from rules_helpers import document

    from dedup.quality import check_quality
    from dedup.rules import ngram_kernel
    from dedup.rules.registry import RuleSettings
    from dedup.segment import segment

    texts: list[str | bytes] = [t for t in _token_texts() if "\udce9" not in t]
    texts.append(b"caf\xe9 and undecodable bytes \xff\xfe in a text " * 20)
    docs = [document(text, f"doc{i}.txt") for i, text in enumerate(texts)]
    docs.append(document((FIXTURES / "mission_article.txt").read_text("utf-8") * 30, "long.txt"))
    blocks = [segment(doc, "auto", 0) if b"\xff" not in doc.raw else [] for doc in docs]
    results = []
    for kernel in (ngram_kernel, None):
        monkeypatch.setattr(ts, "_ngram_kernel", lambda kernel=kernel: kernel)
        results.append(check_quality(docs, blocks, RuleSettings()))
    compiled, plain = results
    assert compiled.metrics == plain.metrics
    assert compiled.findings == plain.findings
    assert len(compiled.findings) > 20


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "ab", "b", "a b", " ", "é"]), max_size=30))
def test_duplicates_counts_every_repeat_of_an_earlier_item(items: list[str]) -> None:
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count, chars = count + 1, chars + len(item)
        seen.add(item)
    assert ts.duplicates(items) == (count, chars)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\n\r\u00a0\u2028\x0c", max_size=40))
def test_context_nonblank_lines_are_fineweb_lines(text: str) -> None:
    from rules_helpers import document

    from dedup.rules.base import FileContext

    ctx = FileContext(document(text), [])
    assert ctx.nonblank_lines == ts.nonblank_lines(ctx.text_lf)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "ab", "the", "of"]), max_size=60), st.permutations([2, 3, 4]))
def test_top_ngrams_from_the_shorter_ngrams_repeats(words: list[str], order: list[int]) -> None:
    """The compiled top n-gram looks only where the (n-1)-grams repeat when
    n - 1 was done first; in any order of n the numbers are the plain ones."""
    from dedup.rules import ngram_kernel

    ngrams = ts.WordNgrams(words)
    for n in (2, 3, 4):
        assert ngrams.top_chars(n) == ts.top_ngram_chars(words, n), n
    assert set(ngrams._repeated) == ({2, 3, 4} if len(words) >= 4 else set(range(2, len(words) + 1)))
    for n, repeated in ngrams._repeated.items():
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        assert repeated.tolist() == [i for i, g in enumerate(grams) if grams.count(g) > 1]
    shuffled = ts.WordNgrams(words)
    assert [shuffled.top_chars(n) for n in order] == [ts.top_ngram_chars(words, n) for n in order]
    assert ngram_kernel is not None


def test_only_two_characters_beyond_ascii_lower_case_to_ascii() -> None:
    """FileContext.has_lower searches the raw bytes unless one is present."""
    import sys

    found = [c for c in range(0x80, sys.maxunicode + 1) if any(ord(x) < 0x80 for x in chr(c).lower())]
    assert found == [0x130, 0x212A]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="aAkKiIcCoOeE \n\r\u0130\u0131\u212a\u00e9\U0001f642", max_size=30),
    st.sampled_from(["cook", "cookie", "ki", "a ik", "ie", "k", "i"]),
    st.booleans(),
)
def test_has_lower_is_a_search_of_the_lower_cased_text(text: str, phrase: str, bom: bool) -> None:
    from rules_helpers import document

    from dedup.rules.base import FileContext

    ctx = FileContext(document(("\ufeff" if bom else "") + text), [])
    assert ctx.has_lower(phrase) == (phrase in ctx.text_lf.lower())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "ab", "the", "of", "x."]), min_size=0, max_size=80))
def test_top_ngrams_among_frequent_words_are_the_plain_ones(words: list[str]) -> None:
    """Long texts with word ids look for the top n-gram only among n-grams
    of frequent words; made to do so on short texts here, it gives the
    plain numbers, ties to the first included."""
    import pytest as _pytest

    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    text = " ".join(words)
    arrays = ts.token_arrays(text)
    assert arrays is not None
    plain = ts.simple_words(text)
    with _pytest.MonkeyPatch.context() as patch:
        patch.setattr(ts.WordNgrams, "bound_words", 0)
        ngrams = arrays.ngrams()
        for n in (2, 3, 4):
            assert ngrams.top_chars(n) == ts.top_ngram_chars(plain, n), n


def test_top_ngrams_of_a_long_text_use_the_frequent_words() -> None:
    from dedup.rules import ngram_kernel  # noqa: F401 - loads numba, as the engine does

    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(3000)]
    # Word frequencies as in prose (Zipf): a few words make most of the text.
    text = " ".join(rng.choices(vocabulary, [1 / (i + 1) for i in range(3000)], k=20_000))
    arrays = ts.token_arrays(text)
    assert arrays is not None and len(arrays) >= ts.WordNgrams.bound_words
    ngrams = arrays.ngrams()
    words = ts.simple_words(text)
    # The most frequent pair is frequent: most pairs are ruled out.
    assert 0 < len(ngrams._frequent_positions(2)) < len(words) // 4
    for n in (2, 3, 4):
        assert ngrams.top_chars(n) == ts.top_ngram_chars(words, n), n
