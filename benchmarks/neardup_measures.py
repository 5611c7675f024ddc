"""Candidate similarity measures for verifying near-duplicate paragraphs.

Every measure takes two :class:`Prepared` paragraphs and returns a similarity
in [0, 1]. Tokens are ``textkeys.words`` (NFKC, ``\\w+`` runs, casefolded).

``RECOMMENDED`` is the one the benchmark recommends (see
README_neardup.md): a word-level Indel similarity in which numbers weigh 4,
names (capitalised words other than function words) 3, other words 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein
from textkeys import NAME, NUMBER, fact_classes, words


@dataclass(frozen=True)
class Prepared:
    text: str
    tokens: list[str]
    classes: list[int]

    @classmethod
    def of(cls, text: str) -> Prepared:
        return cls(text, words(text), fact_classes(text))


Measure = Callable[[Prepared, Prepared], float]


def _jaccard(a: set[object], b: set[object]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def word_jaccard(n: int) -> Measure:
    def measure(a: Prepared, b: Prepared) -> float:
        return _jaccard(ngrams(a.tokens, n), ngrams(b.tokens, n))  # type: ignore[arg-type]

    measure.__name__ = f"jaccard_word{n}"
    return measure


def char5_jaccard(a: Prepared, b: Prepared) -> float:
    sa, sb = " ".join(a.tokens), " ".join(b.tokens)
    ga = {sa[i : i + 5] for i in range(max(1, len(sa) - 4))}
    gb = {sb[i : i + 5] for i in range(max(1, len(sb) - 4))}
    return _jaccard(ga, gb)  # type: ignore[arg-type]


def word_levenshtein(a: Prepared, b: Prepared) -> float:
    """1 - word edit distance / max(len): replace, insert, delete cost 1."""
    return float(Levenshtein.normalized_similarity(a.tokens, b.tokens))


def word_indel(a: Prepared, b: Prepared) -> float:
    """2 * LCS / (len a + len b) on words (difflib's ratio, exact LCS)."""
    return float(Indel.normalized_similarity(a.tokens, b.tokens))


def fact_weighted(name_weight: float, number_weight: float) -> Measure:
    """Weighted word Indel similarity: names and numbers weigh more.

    Words are ``textkeys.words``; a word weighs ``number_weight`` if it holds
    a digit, ``name_weight`` if it starts with a capital letter and is not a
    function word (``textkeys.FUNCTION_WORDS``), else 1. Align the two word
    sequences by a longest common subsequence (rapidfuzz ``Indel.opcodes``);
    similarity = (weight of the aligned words of a + weight of the aligned
    words of b) / (total weight of a + total weight of b). With both weights
    1 this is ``word_indel``.
    """
    table = {NAME: name_weight, NUMBER: number_weight}

    def measure(a: Prepared, b: Prepared) -> float:
        wa = [table.get(c, 1.0) for c in a.classes]
        wb = [table.get(c, 1.0) for c in b.classes]
        total = sum(wa) + sum(wb)
        if not total:
            return 1.0
        matched = 0.0
        for op in Indel.opcodes(a.tokens, b.tokens):
            if op.tag == "equal":
                matched += sum(wa[op.src_start : op.src_end])
                matched += sum(wb[op.dest_start : op.dest_end])
        return matched / total

    measure.__name__ = f"fact_weighted_n{name_weight:g}_d{number_weight:g}"
    return measure


RECOMMENDED = "fact_weighted_n3_d4"
RECOMMENDED_THRESHOLD = 0.92


MEASURES: dict[str, Measure] = {
    "word_levenshtein": word_levenshtein,
    "word_indel": word_indel,
    "jaccard_word1": word_jaccard(1),
    "jaccard_word2": word_jaccard(2),
    "jaccard_word3": word_jaccard(3),
    "jaccard_word5": word_jaccard(5),
    "jaccard_char5": char5_jaccard,
    "fact_weighted_n2_d2": fact_weighted(2.0, 2.0),
    "fact_weighted_n4_d4": fact_weighted(4.0, 4.0),
    "fact_weighted_n6_d8": fact_weighted(6.0, 8.0),
    RECOMMENDED: fact_weighted(3.0, 4.0),
}
