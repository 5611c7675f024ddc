"""Verification: the true similarity of candidate pairs.

Similarity is word-level edit similarity on the normalised words of the two
paragraphs: ``1 - d / max(len(a), len(b))`` where ``d`` is the Levenshtein
distance counted in words (insert, delete or replace one word costs 1). It
reads as "the fraction of words you would keep": a copy with 3 words edited
out of 30 scores 0.9. rapidfuzz computes it in C++ on token sequences.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Word-level edit similarity in [0, 1] (1.0 = same words in same order)."""
    if not a and not b:
        return 1.0
    return float(Levenshtein.normalized_similarity(a, b))


def length_compatible(len_a: int, len_b: int, threshold: float) -> bool:
    """Cheap pre-filter: the similarity cannot reach ``threshold`` otherwise."""
    longer = max(len_a, len_b)
    return longer == 0 or min(len_a, len_b) / longer >= threshold
