"""Candidate similarity measures for verifying near-duplicate paragraphs.

Every measure takes two :class:`Prepared` paragraphs and returns a similarity
in [0, 1]. Tokens are ``textkeys.words`` (NFKC, ``\\w+`` runs, casefolded).

``fact_weighted`` is the one the benchmark recommends (see
README_neardup.md): a word-level Indel similarity in which fact tokens
(numbers and capitalised words that do not open a sentence) weigh ``w`` and
every other word weighs 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein

from textkeys import fact_flags, words


@dataclass(frozen=True)
class Prepared:
    text: str
    tokens: list[str]
    facts: list[bool]

    @classmethod
    def of(cls, text: str) -> Prepared:
        return cls(text, words(text), fact_flags(text))


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


def fact_weighted(weight: float) -> Measure:
    """Weighted word Indel similarity: facts weigh ``weight``, other words 1.

    Align the two word sequences by a longest common subsequence (rapidfuzz
    ``Indel.opcodes``); similarity = (weight of the aligned words of a + weight
    of the aligned words of b) / (total weight of a + total weight of b).
    With ``weight == 1`` this is ``word_indel``.
    """

    def measure(a: Prepared, b: Prepared) -> float:
        wa = [weight if f else 1.0 for f in a.facts]
        wb = [weight if f else 1.0 for f in b.facts]
        total = sum(wa) + sum(wb)
        if not total:
            return 1.0
        matched = 0.0
        for op in Indel.opcodes(a.tokens, b.tokens):
            if op.tag == "equal":
                matched += sum(wa[op.src_start : op.src_end])
                matched += sum(wb[op.dest_start : op.dest_end])
        return matched / total

    measure.__name__ = f"fact_weighted_w{weight:g}"
    return measure


def differing_facts(a: Prepared, b: Prepared) -> int:
    """Fact tokens of a or b outside the LCS alignment (not a similarity)."""
    count = 0
    for op in Indel.opcodes(a.tokens, b.tokens):
        if op.tag != "equal":
            count += sum(a.facts[op.src_start : op.src_end])
            count += sum(b.facts[op.dest_start : op.dest_end])
    return count


MEASURES: dict[str, Measure] = {
    "word_levenshtein": word_levenshtein,
    "word_indel": word_indel,
    "jaccard_word1": word_jaccard(1),
    "jaccard_word2": word_jaccard(2),
    "jaccard_word3": word_jaccard(3),
    "jaccard_word5": word_jaccard(5),
    "jaccard_char5": char5_jaccard,
    "fact_weighted_w2": fact_weighted(2.0),
    "fact_weighted_w3": fact_weighted(3.0),
    "fact_weighted_w4": fact_weighted(4.0),
    "fact_weighted_w6": fact_weighted(6.0),
}
