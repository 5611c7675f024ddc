"""Comparison keys: what two paragraphs must share to count as the same.

The key is used only for comparison; the text written out is never changed.

``normalize(text)``:
  1. Unicode NFKC (full-width forms, ligatures, ``…`` -> ``...``, NBSP -> space);
  2. casefold;
  3. typographic quotes fold to ``'`` / ``"``, dashes and minus signs to ``-``;
  4. runs of whitespace (including line breaks inside a paragraph) collapse to
     one space; leading and trailing whitespace is dropped.

Punctuation is kept in the key, so ``Yes.`` and ``Yes!`` are different exact
keys. Near-duplicate matching works on *words* instead: ``words(key)`` is the
list of maximal runs of letters, digits, ``_`` and any non-ASCII character,
which ignores punctuation entirely.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as apostrophe
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero width space
        "\u200c": None,  # zero width non-joiner
        "\u200d": None,  # zero width joiner
        "\u2060": None,  # word joiner
        "\ufeff": None,  # BOM / zero width no-break space
    }
)
_SPACE_RE = re.compile(r"\s+")
# Same definition as the byte-level tokenizer in fingerprint.py: ASCII
# letters, digits, underscore, or any non-ASCII character.
WORD_RE = re.compile(r"[0-9A-Za-z_\u0080-\U0010ffff]+")


def normalize(text: str) -> str:
    """The comparison key of ``text`` (see module doc)."""
    if text.isascii():
        key = text.lower().translate(_FOLD)
    else:
        key = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return _SPACE_RE.sub(" ", key).strip()


def words(key: str) -> list[str]:
    """Word tokens of a normalised key; punctuation is ignored."""
    return WORD_RE.findall(key)
