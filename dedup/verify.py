"""Verification: the true similarity of a candidate pair of paragraphs.

What counts as a near duplicate must match what a reader means by "the same
paragraph, lightly edited", and must not match templated paragraphs that share
their wording but not their facts ("X is a village in Y district ...").

Measure: *fact-weighted word Indel similarity*.

- Words are the ``\\w+`` runs of the NFKC-normalised text, compared casefolded.
- Each word has a weight: {NUMBER_WEIGHT} if it holds a digit, {NAME_WEIGHT} if it
  starts with a capital letter (before casefolding) and is not a function word
  (so a sentence-opening "The" is not a name), else 1.
- The two word sequences are aligned by a maximum-weight common subsequence
  (an alignment of equal words, in order, whose words weigh the most); the
  similarity is the weight of the aligned words of both sides over the total
  weight of both sides. With every weight 1 this is the classic Indel
  (difflib-ratio) similarity.

Edits to ordinary words cost little; a different name or number - the slot a
template fills in - costs three or four times as much. On the labelled
benchmark (benchmarks/README_neardup.md) this separates light edits from
templated paragraphs better than word Levenshtein, Indel or any n-gram
Jaccard.

One decision rule sits on top of the measure (:func:`verified`): a pair whose
differences are mostly names put in place of names and numbers in place of
numbers ("Kajana ... ward" / "Janda ... ward", "born 1934" / "born 1926":
:func:`filled_template`) is one template filled in twice, and is
a near duplicate only from SLOT_SIMILARITY (0.92) up, i.e. when the
differing facts are a small part of a long paragraph. A random light edit
rarely swaps a fact for a fact of the same form; on the benchmark this rule
removes most templated false positives for about 0.2 % of the edited copies.
Clustering uses the same notion to keep two different fillings of one
template out of one cluster (:func:`dedup.cluster._leaders`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel, Levenshtein

NAME_WEIGHT = 3.0
NUMBER_WEIGHT = 4.0
# Below this similarity a filled-in template (see filled_template) is not a near duplicate.
SLOT_SIMILARITY = 0.92
_WORD = re.compile(r"\w+")

FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "against",
        "all",
        "also",
        "although",
        "an",
        "and",
        "another",
        "any",
        "are",
        "as",
        "at",
        "because",
        "before",
        "being",
        "both",
        "but",
        "by",
        "during",
        "each",
        "either",
        "even",
        "every",
        "few",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "many",
        "may",
        "more",
        "most",
        "much",
        "my",
        "neither",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "our",
        "over",
        "she",
        "since",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "under",
        "unless",
        "until",
        "upon",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "yet",
        "you",
        "your",
    ]
)


@dataclass(frozen=True)
class Prepared:
    """A paragraph ready for comparison: casefolded words and their weights."""

    words: tuple[str, ...]
    weights: tuple[float, ...]
    total: float


_DIGIT = re.compile(r"\d")
_MAX_WEIGHT = max(NAME_WEIGHT, NUMBER_WEIGHT)


def _weight(word: str) -> float:
    if _DIGIT.search(word):
        return NUMBER_WEIGHT
    if word[0].isupper() and word.casefold() not in FUNCTION_WORDS:
        return NAME_WEIGHT
    return 1.0


@lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[str, float]:
    """A word's comparison form and weight (words repeat: computed once each)."""
    return word.casefold(), _weight(word)


def prepare(text: str) -> Prepared:
    raw = _WORD.findall(unicodedata.normalize("NFKC", text))
    if not raw:
        return Prepared((), (), 0)
    words, weights = zip(*map(_word, raw), strict=True)
    return Prepared(words, weights, sum(weights))


def plain_needed(threshold: float) -> float:
    """The unweighted Indel similarity a pair needs to reach ``threshold``.

    Aligned words weigh at most ``w`` (the largest weight) and unaligned ones at
    least 1, so a pair with plain Indel similarity ``u`` has weighted
    similarity at most ``w u / ((w - 1) u + 1)``; this inverts that bound.
    """
    w = _MAX_WEIGHT
    return threshold / (w - (w - 1) * threshold)


def aligned_weight(a: Prepared, b: Prepared) -> float:
    """Weight of a maximum-weight common subsequence, counting both sides.

    A dynamic programme over the two word sequences (``O(len(a) * len(b))``);
    the compiled twins are :func:`dedup.verify_kernel.similarities` (batches)
    and :func:`dedup.verify_kernel.aligned_weight` (one pair).
    """
    previous = [0.0] * (len(b.words) + 1)
    for word, weight in zip(a.words, a.weights, strict=True):
        current = [0.0]
        for j, (other, other_weight) in enumerate(zip(b.words, b.weights, strict=True), start=1):
            best = current[j - 1] if current[j - 1] > previous[j] else previous[j]
            if word == other:
                diagonal = previous[j - 1] + weight + other_weight
                if diagonal > best:
                    best = diagonal
            current.append(best)
        previous = current
    return previous[-1]


def unaligned(a: Prepared, b: Prepared) -> tuple[list[int], list[int]]:
    """Indices of the words of ``a`` and of ``b`` outside a longest common
    subsequence (the words that differ), from rapidfuzz's C++ alignment."""
    left_a: list[int] = []
    left_b: list[int] = []
    for op in Indel.opcodes(a.words, b.words):
        if op.tag != "equal":
            left_a.extend(range(op.src_start, op.src_end))
            left_b.extend(range(op.dest_start, op.dest_end))
    return left_a, left_b


def fact_substitution(a: Prepared, b: Prepared) -> bool:
    """Whether ``b`` differs from ``a`` by names and numbers put in place of others.

    The differing words are those outside the alignment, less the words that
    only moved (present on both sides). True when both sides still have
    differing words and at least half of them, on each side, are fact words
    (weight above 1): the signature of one template filled in twice, which a
    random edit rarely produces.
    """
    left_a, left_b = unaligned(a, b)
    words_a = Counter(a.words[i] for i in left_a)
    words_b = Counter(b.words[j] for j in left_b)
    moved = words_a & words_b
    only_a, only_b = words_a - moved, words_b - moved
    if not only_a or not only_b:
        return False
    fact_a = {a.words[i] for i in left_a if a.weights[i] > 1.0}
    fact_b = {b.words[j] for j in left_b if b.weights[j] > 1.0}
    facts_a = sum(n for w, n in only_a.items() if w in fact_a)
    facts_b = sum(n for w, n in only_b.items() if w in fact_b)
    return 2 * facts_a >= only_a.total() and 2 * facts_b >= only_b.total()


# Number words fill number slots too ("France won two medals" / "Finland won six").
NUMBER_WORDS = frozenset(
    [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
    ]
)


def _slot_shape(word: str, weight: float) -> str | None:
    """The form of a fact word, for :func:`slot_differences`: "9" for a
    number ("1934", "16", "500"), "#" for a number word, "N" for a name;
    other words have none."""
    if weight == NUMBER_WEIGHT:
        return "9"
    if word in NUMBER_WORDS:
        return "#"
    if weight == NAME_WEIGHT:
        return "N"
    return None


def slot_differences(a: Prepared, b: Prepared) -> tuple[list[tuple[str, bool]], int]:
    """Differences of ``a`` and ``b``: facts swapped for facts of the same form,
    and how many other words differ.

    Aligns the words (Levenshtein, so a changed word is a substitution). A
    name replaced by a name, or a number replaced by a number of the same
    form (:func:`_slot_shape`), position by position in a replaced run of
    equal length, is a swap, ``(form, whether it is in the subject)``
    (the subject: the first run of names of either paragraph). Every other
    differing word (insertion, deletion, changed ordinary word, a name
    become a number) counts as other.
    """
    swaps: list[tuple[str, bool]] = []
    other = 0
    subject_a, subject_b = _subject(a), _subject(b)
    for op in Levenshtein.opcodes(a.words, b.words):
        if op.tag == "equal":
            continue
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            other += max(op.src_end - op.src_start, op.dest_end - op.dest_start)
            continue
        for i, j in zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True):
            shape = _slot_shape(a.words[i], a.weights[i])
            if shape is not None and shape == _slot_shape(b.words[j], b.weights[j]):
                swaps.append((shape, i in subject_a or j in subject_b))
            else:
                other += 1
    return swaps, other


def _subject(p: Prepared) -> range:
    """Word indices of the paragraph's first run of names: usually what it is about."""
    start = next((i for i, w in enumerate(p.weights) if w == NAME_WEIGHT), len(p.weights))
    stop = start
    while stop < len(p.weights) and p.weights[stop] == NAME_WEIGHT:
        stop += 1
    return range(start, stop)


def filled_template(a: Prepared, b: Prepared) -> bool:
    """Whether ``a`` and ``b`` are one template filled in twice.

    True when their differences are mostly facts swapped for facts of the
    same form (:func:`slot_differences`: more swapped facts than other
    differing words) and the swaps are telling: two or more of them, or a
    number, or the paragraph's subject (its first run of names: "Kajana is a
    ward ..." / "Janda is a ward ..."). One name put in place of another
    further on is as likely a light edit as a different filling, and is left
    to the similarity threshold.
    """
    # The alignment depends on the order; either order showing it is enough.
    return _filled(a, b) or _filled(b, a)


def _filled(a: Prepared, b: Prepared) -> bool:
    swaps, other = slot_differences(a, b)
    if len(swaps) <= other:
        return False
    if len(swaps) >= 2:
        return True
    shape, touches_subject = swaps[0]
    return shape != "N" or touches_subject


# verified()'s answer for a filled-in template: below any threshold.
TEMPLATE = -1.0


def verified(
    a: Prepared,
    b: Prepared,
    threshold: float,
    weigh: Callable[[Prepared, Prepared], float] | None = None,
) -> float:
    """The similarity a near-duplicate decision uses: :func:`similarity`, but
    TEMPLATE (-1.0) for a filled-in template below SLOT_SIMILARITY (see
    module doc). ``weigh``: an :func:`aligned_weight` to use instead."""
    sim = similarity(a, b, threshold, weigh)
    return TEMPLATE if template_rejects(a, b, sim, threshold) else sim


def template_rejects(a: Prepared, b: Prepared, sim: float, threshold: float) -> bool:
    """Whether a pair of similarity ``sim`` (enough for ``threshold``) is still
    not a near duplicate: a filled-in template below SLOT_SIMILARITY."""
    return threshold <= sim < SLOT_SIMILARITY and filled_template(a, b)


def similarity(
    a: Prepared,
    b: Prepared,
    threshold: float = 0.0,
    weigh: Callable[[Prepared, Prepared], float] | None = None,
) -> float:
    """Fact-weighted word similarity in [0, 1] (see module doc).

    With ``threshold``, pairs that provably cannot reach it return 0.0 after
    a cheap C-level check of the unweighted similarity.
    """
    total = a.total + b.total
    if total == 0:
        return 1.0
    if a.words == b.words:
        return 1.0
    if (
        threshold > 0
        and Indel.normalized_similarity(a.words, b.words, score_cutoff=plain_needed(threshold)) == 0
    ):
        return 0.0
    return (weigh or aligned_weight)(a, b) / total


def upper_bound(a: Prepared, b: Prepared) -> float:
    """A cheap bound: aligned words weigh the same on both sides."""
    total = a.total + b.total
    return 1.0 if total == 0 else 2 * min(a.total, b.total) / total
