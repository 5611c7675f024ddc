"""Tokenisation shared by the near-duplicate benchmark scripts.

``words`` is the comparison tokenisation the measures use (NFKC, casefold,
``\\w+`` runs). ``fact_tokens`` and ``template_mask`` serve the templated
negatives: a *fact token* is a word holding a digit or starting with a capital
letter, except capitalised function words (numbers, names, places), the slots a template fills in; the *template
mask* is the word sequence with every run of fact tokens folded into one
placeholder, the part two templated paragraphs share.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Comparison tokens: ``\\w+`` runs of the NFKC-normalised, casefolded text."""
    return [w.casefold() for w in WORD.findall(unicodedata.normalize("NFKC", text))]


def is_fact(raw_word: str) -> bool:
    """A number or a capitalised word (before casefolding)."""
    return raw_word[:1].isupper() or any(ch.isdigit() for ch in raw_word)


def raw_words(text: str) -> list[str]:
    """``\\w+`` runs of the NFKC text, case kept (``words`` casefolds these)."""
    return WORD.findall(unicodedata.normalize("NFKC", text))


# Function words that start sentences ("The", "It", "In") are not names; the
# list is dedup's own, so the benchmark measures what dedup verifies with.
from dedup.verify import FUNCTION_WORDS  # noqa: E402


def fact_flags(text: str) -> list[bool]:
    """Per word of ``words(text)``: is it a fact token?

    A fact token holds a digit, or starts with a capital letter and is not a
    function word (so a sentence-opening "The", "It", "In" is not a name).
    """
    return [
        any(ch.isdigit() for ch in w) or (w[:1].isupper() and w.casefold() not in FUNCTION_WORDS)
        for w in raw_words(text)
    ]


PLAIN, NAME, NUMBER = 0, 1, 2


def fact_classes(text: str) -> list[int]:
    """Per word of ``words(text)``: NUMBER (holds a digit), NAME (capitalised,
    not a function word) or PLAIN."""
    return [
        NUMBER
        if any(ch.isdigit() for ch in w)
        else NAME
        if w[:1].isupper() and w.casefold() not in FUNCTION_WORDS
        else PLAIN
        for w in raw_words(text)
    ]


def fact_tokens(text: str) -> Counter[str]:
    """Multiset of fact tokens (casefolded) of a paragraph."""
    return Counter(w.casefold() for w, f in zip(raw_words(text), fact_flags(text), strict=True) if f)


def template_mask(text: str) -> list[str]:
    """Words with numbers -> ``#``, capitalised runs -> ``C`` (runs folded)."""
    out: list[str] = []
    for w in raw_words(text):
        if any(ch.isdigit() for ch in w):
            slot = "#"
        elif w[:1].isupper():
            slot = "C"
        else:
            slot = w.casefold()
        if out and slot in ("#", "C") and out[-1] == slot:
            continue
        out.append(slot)
    return out


class TokenCodec:
    """Maps each distinct token to one code point, so rapidfuzz's string
    metrics (Levenshtein, Indel, ...) run on word sequences at C speed."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, tokens: list[str]) -> str:
        ids = self.ids
        # Skip the surrogate block: those code points cannot live in a str.
        return "".join(chr(0x10000 + ids.setdefault(t, len(ids))) for t in tokens)
