"""Verification: the true similarity of a candidate pair of paragraphs.

What counts as a near duplicate must match what a reader means by "the same
paragraph, lightly edited", and must not match templated paragraphs that share
their wording but not their facts ("X is a village in Y district ...").

Measure: *fact-weighted word Indel similarity*.

- Words are the ``\\w+`` runs of the NFKC-normalised text, compared casefolded.
- Each word has a weight: {NUMBER_WEIGHT} if it holds a digit, {NAME_WEIGHT} if it
  starts with a capital letter (before casefolding), unless it is a function
  word that opens a sentence (a sentence-opening "The" is not a name, but
  "rated A-3 ... and A" and "Pay date is May 7" hold names), else 1. A word
  opens a sentence when it starts the text or the last non-space character
  before it is one of :data:`OPENERS` (sentence ends, quotes, brackets, list
  and heading marks).
- The two word sequences are aligned by a maximum-weight common subsequence
  (an alignment of equal words, in order, whose words weigh the most); the
  similarity is the weight of the aligned words of both sides over the total
  weight of both sides. An aligned pair counts twice its lighter side: "It"
  opening one text and inside the other is a name in one of them only. The
  same words in the same order are similarity 1. With every weight 1 this is
  the classic Indel (difflib-ratio) similarity.

Edits to ordinary words cost little; a different name or number - the slot a
template fills in - costs three or four times as much. On the labelled
benchmark (benchmarks/README_neardup.md) this separates light edits from
templated paragraphs better than word Levenshtein, Indel or any n-gram
Jaccard.

It also makes a name or number that was only dropped or added ("loans worth
$3.7m until 2006" / "loans worth until 2006"), or typed over with an ordinary
word, cost as much as a different one, which is not what sets two fillings
of a template apart. So a pair has a second reading, the *slot-weighted
similarity* (:func:`slot_similarity`): the words aligned by edit distance
(a changed word is a substitution), every differing word costing 1 except
facts put in place of other facts (a name or number for another), which
cost their weights, and facts dropped or added by more than a slip (in a
longer change, or more than one slip in 15 words). Titles and headings
(under 15 words) have no such reading. The verified similarity is the larger
of the two readings.

One decision rule sits on top of the measure (:func:`verified`): a pair whose
differences are mostly facts swapped for facts of the same form, more of
them than a light edit touches ("Kajana is a ward ..." / "Janda is a ward
...", "opened in 1931 and rebuilt in 1950" / "opened in 1958 and rebuilt in
1972": :func:`filled_template`), is one template filled in twice, and is a
near duplicate only from SLOT_SIMILARITY (0.92) up, i.e. when the differing
facts are a small part of a long paragraph. A random light edit rarely
swaps a fact for a fact of the same form. Clustering uses the same notion
to keep two different fillings of one template out of one cluster
(:func:`dedup.cluster._leaders`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, groupby
from operator import ne

from rapidfuzz.distance import Indel, Levenshtein

from dedup.memo import Memo

NAME_WEIGHT = 3.0
NUMBER_WEIGHT = 4.0
# Below this similarity a filled-in template (see filled_template) is not a near duplicate.
SLOT_SIMILARITY = 0.92
# A light edit touches at most one word in this many (2 in 30).
LIGHT_EDIT_WORDS = 15

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


#: A casefolded word, or its 64-bit FNV-1a hash (:func:`word_hash`, as the
#: compiled verification computes them): the comparisons only ask whether
#: two words are equal and whether a word is a number word.
Word = str | int


# FNV-1a, 64 bits: the word hash here and in the compiled verification.
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def word_hash(word: str) -> int:
    """FNV-1a of the word's UTF-8 bytes, 64 bits (:data:`Word`)."""
    h = FNV_OFFSET
    for byte in word.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


@dataclass(frozen=True)
class Prepared:
    """A paragraph ready for comparison: casefolded words (or their hashes,
    see :data:`Word`) and their weights."""

    words: tuple[Word, ...]
    weights: tuple[float, ...]
    total: float


_DIGIT = re.compile(r"\d")
_MAX_WEIGHT = max(NAME_WEIGHT, NUMBER_WEIGHT)


def _weight(word: str) -> float:
    """A word's weight where it does not open a sentence: a capitalised word
    there is a name even if it is a function word ("rated A-3 ... and A",
    "Pay date is May 7", "The Hague")."""
    if _DIGIT.search(word):
        return NUMBER_WEIGHT
    if word[0].isupper():
        return NAME_WEIGHT
    return 1.0


def _word(word: str) -> tuple[str, float, float]:
    """A word's comparison form, its weight inside a sentence and its weight
    opening one."""
    folded = word.casefold()
    weight = _weight(word)
    opening = 1.0 if weight == NAME_WEIGHT and folded in FUNCTION_WORDS else weight
    return folded, weight, opening


# _word of every word seen: words repeat, so each is computed once.
_WORDS: Memo[str, tuple[str, float, float]] = Memo(_word, 1 << 18)


# A word opens a sentence (or a quote, a bracket, a list item, a heading) when
# nothing precedes it in the text or the last non-space character before it
# is one of these.
OPENERS = frozenset(".!?:;\"'([{#*->|\u201c\u2018\u201e\u00ab\u00bf\u00a1\u2022\u2013\u2014")
# Splits a text into gaps (even items) and words (odd items).
_SPLIT = re.compile(r"(\w+)")


def prepare(text: str) -> Prepared:
    parts = _SPLIT.split(unicodedata.normalize("NFKC", text))
    if len(parts) == 1:
        return Prepared((), (), 0)
    words, inside, opening = zip(*map(_WORDS.__getitem__, parts[1::2]), strict=True)
    weights = inside
    if inside != opening:
        # Only capitalised function words differ; look at what precedes them.
        changed = list(inside)
        for i in compress(range(len(inside)), map(ne, inside, opening)):
            gap = parts[2 * i].rstrip()
            if gap[-1:] in OPENERS or (i == 0 and not gap):
                changed[i] = opening[i]
        weights = tuple(changed)
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
    """Weight of a maximum-weight common subsequence, an aligned pair of
    words counting twice the lighter of its two weights (so the aligned
    weight never exceeds twice the lighter side's total, which
    :func:`upper_bound` relies on).

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
                diagonal = previous[j - 1] + 2 * (weight if weight < other_weight else other_weight)
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
    only_a, only_b = _unmatched([a.words[i] for i in left_a], [b.words[j] for j in left_b])
    if not only_a or not only_b:
        return False
    fact_a = {a.words[i] for i in left_a if a.weights[i] > 1.0}
    fact_b = {b.words[j] for j in left_b if b.weights[j] > 1.0}
    facts_a = sum(w in fact_a for w in only_a)
    facts_b = sum(w in fact_b for w in only_b)
    return 2 * facts_a >= len(only_a) and 2 * facts_b >= len(only_b)


def _unmatched(a: list[Word], b: list[Word]) -> tuple[list[Word], list[Word]]:
    """The words of ``a`` and of ``b`` left when each word of one is matched
    with an equal word of the other (as often as both have it): the
    multiset differences, as lists (in no particular order). A few words
    each, usually: matched by removal, not with Counters (they were a fifth
    of clustering a 1 GB corpus)."""
    if len(a) * len(b) > 256:
        left_a = Counter(a)
        left_a.subtract(b)
        left_b = Counter(b)
        left_b.subtract(a)
        return [w for w, n in left_a.items() for _ in range(n)], [
            w for w, n in left_b.items() for _ in range(n)
        ]
    rest = list(b)
    only_a = []
    for word in a:
        if word in rest:
            rest.remove(word)
        else:
            only_a.append(word)
    return only_a, rest


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
# ... and as hashes (:data:`Word`).
_NUMBER_KEYS: frozenset[Word] = NUMBER_WORDS | frozenset(map(word_hash, NUMBER_WORDS))


def _slot_shape(word: Word, weight: float) -> str | None:
    """The form of a fact word, for :func:`slot_differences`: "9" for a
    number ("1934", "16", "500"), "#" for a number word, "N" for a name;
    other words have none."""
    if weight == NUMBER_WEIGHT:
        return "9"
    if word in _NUMBER_KEYS:
        return "#"
    if weight == NAME_WEIGHT:
        return "N"
    return None


def slot_differences(a: Prepared, b: Prepared) -> tuple[list[str], int]:
    """Differences of ``a`` and ``b``: facts swapped for facts, and how many
    other words differ.

    Aligns the words (Levenshtein, so a changed word is a substitution) and
    looks at the words replaced position by position (a replaced run of equal
    length). A replaced word is a swapped fact, reported by its form, when

    - it is a name replaced by a name, a number by a number, or a number word
      by a number word (:func:`_slot_shape`: "N", "9", "#"); or
    - the same word is replaced by the same word in two places ("S Carinae
      and s Carinae" / "U Carinae and u Carinae"), or two words trade places
      further apart than neighbours ("the men ... the women's" / "the women
      ... the men's"), form "=": a fact changed wherever it is stated, which
      a random edit does not do.

    Every other differing word (insertion, deletion, changed ordinary word, a
    name become a number, two neighbours transposed) counts as other.
    """
    other = 0
    replaced: list[tuple[int, int]] = []
    for op in Levenshtein.opcodes(a.words, b.words):
        if op.tag == "equal":
            continue
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            other += max(op.src_end - op.src_start, op.dest_end - op.dest_start)
            continue
        replaced.extend(zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True))
    where: dict[tuple[Word, Word], list[int]] = {}
    for i, j in replaced:
        where.setdefault((a.words[i], b.words[j]), []).append(i)
    swaps: list[str] = []
    for i, j in replaced:
        x, y = a.words[i], b.words[j]
        shape = _slot_shape(x, a.weights[i])
        if any(abs(i - k) == 1 for k in where.get((y, x), ())):
            other += 1  # two neighbours transposed ("Armco Inc" / "Inc Armco")
        elif shape is not None and shape == _slot_shape(y, b.weights[j]):
            swaps.append(shape)
        elif len(where[x, y]) >= 2 or any(abs(i - k) > 1 for k in where.get((y, x), ())):
            swaps.append("=")
        else:
            other += 1
    return swaps, other


def filled_template(a: Prepared, b: Prepared) -> bool:
    """Whether ``a`` and ``b`` are one template filled in twice.

    True when facts swapped for facts of the same form
    (:func:`slot_differences`) make up a good part of their differences (at
    least half as many as the other differing words) and more than a light
    edit would touch: two or more swaps, one swap in a paragraph of at most
    15 words (2 words in 30, the upper end of a light edit), or one swap and
    a subject named in several words replaced as a whole
    (:func:`_other_subject`). "Kajana is a ward ..." / "Janda is a ward ..."
    and "see Miss New Mexico Teen USA" / "... New York ..." are fillings; one
    name put in place of another in a paragraph of 30 words is as likely a
    light edit, and is left to the similarity threshold.
    """
    # The alignment depends on the order; either order showing it is enough.
    return _filled(a, b) or _filled(b, a)


def _filled(a: Prepared, b: Prepared) -> bool:
    swaps, other = slot_differences(a, b)
    if not swaps or 2 * len(swaps) < other:
        return False
    return (
        len(swaps) >= 2
        or LIGHT_EDIT_WORDS * len(swaps) >= max(len(a.words), len(b.words))
        or _other_subject(a, b)
    )


def _subject(p: Prepared) -> tuple[Word, ...]:
    """The paragraph's first run of names: usually what it is about."""
    start = next((i for i, w in enumerate(p.weights) if w == NAME_WEIGHT), len(p.weights))
    stop = start
    while stop < len(p.weights) and p.weights[stop] == NAME_WEIGHT:
        stop += 1
    return p.words[start:stop]


def _other_subject(a: Prepared, b: Prepared) -> bool:
    """Whether the two are about different things named in several words
    ("Norfolk Island competed ..." / "Trinidad and Tobago competed ..."):
    their subjects share no word and one has two or more. A light edit
    changes one word of a name, not all of it."""
    subject_a, subject_b = _subject(a), _subject(b)
    return (
        bool(subject_a and subject_b)
        and max(len(subject_a), len(subject_b)) >= 2
        and not set(subject_a) & set(subject_b)
    )


# verified()'s answer for a filled-in template: below any threshold.
TEMPLATE = -1.0


def verified(
    a: Prepared,
    b: Prepared,
    threshold: float,
    weigh: Callable[[Prepared, Prepared], float] | None = None,
) -> float:
    """The similarity a near-duplicate decision uses: :func:`pair_similarity`
    (the larger of the two readings), but TEMPLATE (-1.0) for a
    filled-in template below SLOT_SIMILARITY (see module doc). ``weigh``: an
    :func:`aligned_weight` to use instead."""
    sim = pair_similarity(a, b, threshold, weigh)
    return TEMPLATE if template_rejects(a, b, sim, threshold) else sim


def pair_similarity(
    a: Prepared,
    b: Prepared,
    threshold: float = 0.0,
    weigh: Callable[[Prepared, Prepared], float] | None = None,
) -> float:
    """The larger of :func:`similarity` and :func:`slot_similarity` (the
    latter only computed when the former is below ``threshold``)."""
    sim = similarity(a, b, threshold, weigh)
    return max(sim, slot_similarity(a, b, threshold)) if sim < threshold or threshold == 0 else sim


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
    """A cheap bound of :func:`verified`'s similarity: an aligned pair counts
    twice its lighter side (the same words are similarity 1 whatever their
    weights), and :func:`slot_similarity` (LIGHT_EDIT_WORDS words or more)
    is at most the unweighted similarity, at most ``2 m / (m + n)`` for word
    counts ``m <= n``."""
    total = a.total + b.total
    if total == 0 or a.words == b.words:
        return 1.0
    weighted = 2 * min(a.total, b.total) / total
    m, n = sorted((len(a.words), len(b.words)))
    return max(weighted, 2 * m / (m + n)) if m >= LIGHT_EDIT_WORDS else weighted


# slot_similarity computes nothing for pairs whose unweighted similarity is
# this much below the threshold (its upper bound); the compiled verification
# flags the pairs to compute with the same margin, so that rounding cannot
# make the two disagree.
SLOT_MARGIN = 1e-9

# A run of differing words longer than this (on either side) is a change, not
# a slip: the facts it drops or adds keep their weight in the slot reading.
SLIP_WORDS = 3


def slot_similarity(a: Prepared, b: Prepared, threshold: float = 0.0) -> float:
    """Slot-weighted word similarity in [0, 1] (see module doc).

    The words are aligned by Levenshtein distance (rapidfuzz). Aligned words
    count 2 (one per side), differing words cost 1 each. The differing facts
    (names, numbers, number words: :func:`_slot_shape`) of one side are then
    paired, in order, with those of the other, less the words that differ on
    both sides (they only moved); a paired fact costs its weight instead of
    1 (a fact dropped in one place and another added elsewhere is a changed
    fact too). The facts left over were dropped or added: in a run of at
    most SLIP_WORDS differing words (a slip: "$3.7m" dropped) they cost 1,
    for up to one slip per LIGHT_EDIT_WORDS words of the longer paragraph
    (the heaviest slips), as a light edit touches; other facts dropped or
    added ("... exceed 36 degrees. Winters are around 17 degrees." dropped)
    cost their weight. The result is the aligned count over the aligned
    count plus the costs, at most the unweighted Indel similarity.

    Paragraphs of fewer than LIGHT_EDIT_WORDS words have no slot reading
    (0.0): in a title or a heading a name is what it is about ("University of
    British Columbia Okanagan" / "University of British Columbia."), and one
    word is already more than a light edit. With ``threshold``, pairs whose
    unweighted similarity is below it return 0.0 (they cannot reach it).
    """
    if a.words == b.words:
        return 1.0
    if min(len(a.words), len(b.words)) < LIGHT_EDIT_WORDS or (
        threshold > 0
        and Indel.normalized_similarity(a.words, b.words, score_cutoff=threshold - SLOT_MARGIN) == 0
    ):
        return 0.0
    # An alignment is one of several of the same cost, and which one depends
    # on the order of the two: both orders are read, so the pair's reading
    # does not.
    return max(_slot_reading(a, b), _slot_reading(b, a))


def _slot_reading(a: Prepared, b: Prepared) -> float:
    aligned = 0
    # The runs of differing words: their positions in a and in b.
    runs: list[tuple[list[int], list[int]]] = []
    for equal, ops in groupby(Levenshtein.opcodes(a.words, b.words), key=lambda op: op.tag == "equal"):
        if equal:
            aligned += sum(2 * (op.src_end - op.src_start) for op in ops)
        else:
            ops_in_run = list(ops)
            runs.append(
                (
                    [i for op in ops_in_run for i in range(op.src_start, op.src_end)],
                    [j for op in ops_in_run for j in range(op.dest_start, op.dest_end)],
                )
            )
    # Words left on both sides only moved ("Armco Inc" / "Inc Armco").
    moved = {a.words[i] for run, _ in runs for i in run} & {b.words[j] for _, run in runs for j in run}
    cost = float(sum(len(run_a) + len(run_b) for run_a, run_b in runs))
    facts_a = _facts(a, [run_a for run_a, _ in runs], moved)
    facts_b = _facts(b, [run_b for _, run_b in runs], moved)
    paired = min(len(facts_a), len(facts_b))
    for (weight_a, _), (weight_b, _) in zip(facts_a, facts_b, strict=False):
        cost += weight_a + weight_b - 2
    # Facts dropped or added: in a slip (a run of at most SLIP_WORDS), one
    # slip in LIGHT_EDIT_WORDS words costs what its words cost (the heaviest
    # slips); in a longer change, or beyond that many slips, their weight.
    extra: dict[int, float] = {}
    for weight, run in facts_a[paired:] + facts_b[paired:]:
        extra[run] = extra.get(run, 0.0) + weight - 1
    slip = [max(len(run_a), len(run_b)) <= SLIP_WORDS for run_a, run_b in runs]
    cost += sum(value for run, value in extra.items() if not slip[run])
    slips = sorted((value for run, value in extra.items() if slip[run]), reverse=True)
    cost += sum(slips[max(len(a.words), len(b.words)) // LIGHT_EDIT_WORDS :])
    return aligned / (aligned + cost)


def _facts(p: Prepared, runs: list[list[int]], moved: set[Word]) -> list[tuple[float, int]]:
    """The weights of the facts in ``p``'s runs of differing words (positions)
    that are not in ``moved``, in order, each with the number of its run."""
    return [
        (p.weights[i], number)
        for number, run in enumerate(runs)
        for i in run
        if p.words[i] not in moved and _slot_shape(p.words[i], p.weights[i]) is not None
    ]
