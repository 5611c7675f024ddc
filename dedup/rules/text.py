"""Text statistics shared by the quality rules, defined as datatrove defines them.

The published heuristics (Gopher, C4, FineWeb) are only comparable across
tools if "word", "line", "paragraph" and "punctuation" mean the same thing.
We follow datatrove 0.10.1 (huggingface/datatrove, Apache-2.0) exactly for
lines, paragraphs and the punctuation set, and approximate its English word
tokenizer (spaCy's rule-based ``spacy.blank("en")`` tokenizer) with a small
pure-Python tokenizer. Set ``word-tokenizer = "spacy"`` to use spaCy itself
(if installed) and get datatrove's numbers to the last digit.
``tests/test_rules_datatrove.py`` checks both claims against datatrove.

Nothing here is imported at start-up except by the rules; no heavy imports.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property, lru_cache
from itertools import accumulate, chain, compress
from typing import Any, overload

from dedup.errors import DedupError
from dedup.memo import Memo

# Characters that make a token a "symbol" rather than a word (Gopher's
# non-symbol words). ASCII punctuation, C0/C1 controls other than tab and
# newline, common typographic punctuation, and every sentence terminal.
# This is the same set as datatrove's PUNCTUATION_SET (checked by a test).
_TYPOGRAPHIC = "«´»–—’“”„…∶━►、。〈〉《》「」【】！％（），．１：；？～"
_CONTROLS = "".join(chr(c) for c in (*range(9), *range(11, 32), *range(127, 160)))
# Unicode's Sentence_Terminal property (UCD 15), as code-point ranges.
_SENTENCE_TERMINAL_RANGES: tuple[tuple[int, int], ...] = (
    (0x21, 0x21),
    (0x2E, 0x2E),
    (0x3F, 0x3F),
    (0x589, 0x589),
    (0x61D, 0x61F),
    (0x6D4, 0x6D4),
    (0x700, 0x702),
    (0x7F9, 0x7F9),
    (0x837, 0x837),
    (0x839, 0x839),
    (0x83D, 0x83E),
    (0x964, 0x965),
    (0x104A, 0x104B),
    (0x1362, 0x1362),
    (0x1367, 0x1368),
    (0x166E, 0x166E),
    (0x1735, 0x1736),
    (0x17D4, 0x17D6),
    (0x17D9, 0x17DA),
    (0x1803, 0x1803),
    (0x1809, 0x1809),
    (0x1944, 0x1945),
    (0x1AA8, 0x1AAB),
    (0x1B5A, 0x1B5B),
    (0x1B5E, 0x1B5F),
    (0x1B7D, 0x1B7E),
    (0x1C3B, 0x1C3C),
    (0x1C7E, 0x1C7F),
    (0x203C, 0x203D),
    (0x2047, 0x2049),
    (0x2E2E, 0x2E2E),
    (0x2E3C, 0x2E3C),
    (0x2E53, 0x2E54),
    (0x3002, 0x3002),
    (0xA4FF, 0xA4FF),
    (0xA60E, 0xA60F),
    (0xA6F3, 0xA6F3),
    (0xA6F7, 0xA6F7),
    (0xA876, 0xA877),
    (0xA8CE, 0xA8CF),
    (0xA92F, 0xA92F),
    (0xA9C8, 0xA9C9),
    (0xAA5D, 0xAA5F),
    (0xAAF0, 0xAAF1),
    (0xABEB, 0xABEB),
    (0xFE52, 0xFE52),
    (0xFE56, 0xFE57),
    (0xFF01, 0xFF01),
    (0xFF0E, 0xFF0E),
    (0xFF1F, 0xFF1F),
    (0xFF61, 0xFF61),
    (0x10A56, 0x10A57),
    (0x10F55, 0x10F59),
    (0x10F86, 0x10F89),
    (0x11047, 0x11048),
    (0x110BE, 0x110C1),
    (0x11141, 0x11143),
    (0x111C5, 0x111C6),
    (0x111CD, 0x111CD),
    (0x111DE, 0x111DF),
    (0x11238, 0x11239),
    (0x1123B, 0x1123C),
    (0x112A9, 0x112A9),
    (0x1144B, 0x1144C),
    (0x115C2, 0x115C3),
    (0x115C9, 0x115D7),
    (0x11641, 0x11642),
    (0x1173C, 0x1173E),
    (0x11944, 0x11944),
    (0x11946, 0x11946),
    (0x11A42, 0x11A43),
    (0x11A9B, 0x11A9C),
    (0x11C41, 0x11C42),
    (0x11EF7, 0x11EF8),
    (0x11F43, 0x11F44),
    (0x16A6E, 0x16A6F),
    (0x16AF5, 0x16AF5),
    (0x16B37, 0x16B38),
    (0x16B44, 0x16B44),
    (0x16E98, 0x16E98),
    (0x1BC9F, 0x1BC9F),
    (0x1DA88, 0x1DA88),
)
TERMINAL_PUNCTUATION: frozenset[str] = frozenset(
    chr(c) for lo, hi in _SENTENCE_TERMINAL_RANGES for c in range(lo, hi + 1)
)
PUNCTUATION: frozenset[str] = frozenset(
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + _TYPOGRAPHIC + _CONTROLS
).union(TERMINAL_PUNCTUATION)

# Gopher's stop words (Rae et al. 2021, appendix A).
GOPHER_STOP_WORDS: frozenset[str] = frozenset(("the", "be", "to", "of", "and", "that", "have", "with"))

_PARAGRAPH_BREAK = re.compile(r"\n{2,}")


def gopher_paragraphs(text: str) -> list[str]:
    """Paragraphs as Gopher/datatrove cut them: ``\\n\\n+`` after stripping."""
    return _PARAGRAPH_BREAK.split(text.strip())


def gopher_lines(text: str) -> list[str]:
    """Lines as Gopher/datatrove's repetition filter cuts them: ``\\n+``.

    Same as ``re.split(r"\\n+", text)`` (tested), four times faster: the
    empty pieces between consecutive newlines go, the first and last stay.
    """
    parts = text.split("\n")
    if len(parts) <= 2:
        return parts
    return [parts[0], *filter(None, parts[1:-1]), parts[-1]]


def nonblank_lines(text: str) -> list[str]:
    """Lines as FineWeb cuts them: split on ``\\n``, whitespace-only dropped."""
    return [line for line in text.split("\n") if line.strip()]


def is_symbol(word: str) -> bool:
    """A token made only of punctuation characters."""
    return all(ch in PUNCTUATION for ch in word)


_ASCII_LETTER = re.compile("[A-Za-z]")


def has_letter(word: str) -> bool:
    """Whether some character of ``word`` is alphabetic (``str.isalpha``);
    an ASCII word is searched for an ASCII letter in one call."""
    if word.isalpha():
        return True
    if word.isascii():
        return _ASCII_LETTER.search(word) is not None
    return any(c.isalpha() for c in word)


def duplicates(items: Sequence[str]) -> tuple[int, int]:
    """(count, characters) of items that repeat an earlier item: all of
    them less one copy of each distinct item."""
    distinct = set(items)
    return len(items) - len(distinct), sum(map(len, items)) - sum(map(len, distinct))


def top_ngram_chars(words: Sequence[str], n: int) -> int:
    """Characters covered by the most frequent word n-gram (joined by spaces),
    times its count; 0 when the text has fewer than ``n`` words."""
    if len(words) < n:
        return 0
    counts = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    # most_common breaks ties by first insertion, as datatrove does.
    gram, count = counts.most_common(1)[0]
    return len(gram) * count


def duplicated_ngram_chars(words: Sequence[str], n: int) -> int:
    """Characters in word n-grams that repeat an earlier n-gram, skipping over
    a repeated n-gram so overlapping repeats are not counted twice (Gopher).
    Like datatrove, n-grams are joined without separator for this count."""
    return _skipping_walk(["".join(words[i : i + n]) for i in range(len(words) - n + 1)], n)


class WordNgrams:
    """:func:`top_ngram_chars` and :func:`duplicated_ngram_chars` of one word
    list for many ``n``, with the same results, computed with NumPy.

    The words are joined into one string whose prefix hashes give every
    n-gram a 64-bit key in O(1); n-grams with equal keys are grouped by one
    sort. Only n-grams whose key occurs more than once need Python work, and
    those are compared as strings, so a hash collision cannot change a
    result (for the top n-gram it makes the method fall back to the plain
    function above). Short word lists use the plain functions directly.

    When the kernels are loaded, :mod:`dedup.rules.ngram_kernel` computes
    both numbers from the same prefix hashes for word lists of any length,
    in linear time, and the plain functions run only after a collision.
    """

    #: Below this many words the plain functions are faster.
    min_words = 2000

    #: From this many words, when the word ids are known, the compiled top
    #: n-gram looks only among the n-grams of frequent words (see
    #: :meth:`_frequent_positions`).
    bound_words = 10_000

    def __init__(self, words: Sequence[str], hashed: _HashedWords | None = None, ids: Any = None) -> None:
        """``ids``: each word's id (equal words, equal ids), when known."""
        self.words = words
        self._hashed = hashed
        self._ids = ids
        self._joined: dict[str, tuple[str, list[int]]] = {}
        #: Per n done by the compiled top n-gram over every position that
        #: can repeat: where the n-grams that occur more than once start.
        self._repeated: dict[int, Any] = {}

    @property
    def hashed(self) -> _HashedWords:
        if self._hashed is None:
            self._hashed = _HashedWords(self.words)
        return self._hashed

    def _grams(self, n: int, separator: str) -> list[str]:
        """Every n-gram joined by ``separator``: slices of all the words
        joined by it (the n-gram from word i ends one separator before word
        i + n starts)."""
        joined = self._joined.get(separator)
        if joined is None:
            joined = self._joined[separator] = _joined(self.words, separator)
        text, starts = joined
        stops = map((-len(separator)).__add__, starts[n:])
        return list(map(text.__getitem__, map(slice, starts, stops)))

    def top_chars(self, n: int) -> int:
        """Same as ``top_ngram_chars(words, n)``."""
        if len(self.words) < n:
            return 0
        kernel = _ngram_kernel()
        if kernel is not None:
            hashed = self.hashed
            chars: int = -1 if hashed.has_space else self._top_kernel(kernel, n)
            return top_ngram_chars(self.words, n) if chars < 0 else chars
        if len(self.words) < self.min_words:
            gram, count = Counter(self._grams(n, " ")).most_common(1)[0]
            return len(gram) * count
        found = self.hashed.top_chars(n)
        return top_ngram_chars(self.words, n) if found is None else found

    def _top_kernel(self, kernel: Any, n: int) -> int:
        """The compiled top n-gram, looking only among the n-grams of
        frequent words (long texts with word ids), or else only where an
        (n-1)-gram that repeats is followed by one that repeats when
        ``n - 1`` was done."""
        import numpy as np

        codes, starts, word_keys = self.hashed.top_arrays
        if self._ids is not None and len(self._ids) >= self.bound_words:
            found: int = kernel.top_chars_among(codes, starts, word_keys, n, self._frequent_positions(n))[0]
            return found
        shorter = self._repeated.get(n - 1)
        if shorter is None:
            candidates = np.arange(len(self.words) - n + 1, dtype=np.int64)
        else:
            repeats = np.zeros(len(self.words) + 1, dtype=np.bool_)
            repeats[shorter] = True
            candidates = shorter[repeats[shorter + 1]]
        chars, repeated = kernel.top_chars_among(codes, starts, word_keys, n, candidates)
        if chars >= 0:
            self._repeated[n] = repeated
        return int(chars)

    @cached_property
    def _frequencies(self) -> tuple[Any, Any]:
        """How often each word id occurs, and each word's count."""
        import numpy as np

        counts = np.bincount(self._ids)
        return counts, counts[self._ids]

    def _frequent_positions(self, n: int) -> Any:
        """Where the n-grams start whose words each occur at least as often
        as some n-gram does. An n-gram occurs at most as often as its least
        frequent word, so the most frequent n-gram (and every n-gram tied
        with it) starts at one of them. The n-gram counted is found from the
        most frequent word, following its most frequent next word n - 1
        times; its occurrences are counted exactly, by word ids."""
        import numpy as np

        ids = self._ids
        counts, frequency = self._frequencies
        count = len(ids) - n + 1
        positions = np.flatnonzero(ids[:count] == counts.argmax())
        for k in range(1, n):
            if not len(positions):
                break
            following = ids[positions + k]
            positions = positions[following == np.bincount(following).argmax()]
        least = len(positions)
        smallest = frequency[:count].copy()
        for k in range(1, n):
            np.minimum(smallest, frequency[k : k + count], out=smallest)
        return np.flatnonzero(smallest >= least)

    def duplicated_chars(self, n: int) -> int:
        """Same as ``duplicated_ngram_chars(words, n)``."""
        if len(self.words) < n:
            return 0
        kernel = _ngram_kernel()
        if kernel is not None:
            found: int = kernel.repeated_chars(*self.hashed.arrays, n)
            return duplicated_ngram_chars(self.words, n) if found < 0 else found
        if len(self.words) < self.min_words:
            grams = self._grams(n, "")
            # Most texts repeat no n-gram, which one set shows.
            return 0 if len(set(grams)) == len(grams) else _skipping_walk(grams, n)
        return self.hashed.duplicated_chars(n)


def _joined(words: Sequence[str], separator: str) -> tuple[str, list[int]]:
    """The words joined by ``separator``, and where each word starts (plus
    one entry past the end, as if a separator followed the last word)."""
    step = len(separator)
    starts = list(accumulate(map(step.__add__, map(len, words)), initial=0))
    return separator.join(words), starts


def _skipping_walk(grams: Sequence[str], n: int) -> int:
    """:func:`duplicated_ngram_chars` over the n-grams already joined."""
    seen: set[str] = set()
    repeated = 0
    idx = 0
    while idx < len(grams):
        gram = grams[idx]
        if gram in seen:
            repeated += len(gram)
            idx += n
        else:
            seen.add(gram)
            idx += 1
    return repeated


_HASH_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_HASH_BASE_INVERSE = pow(_HASH_BASE, -1, 1 << 64)
_LENGTH_MIX = 0x9E3779B97F4A7C15
# B**k and B**-k (mod 2**64) for k below the cached size, shared by all
# documents; texts longer than _MAX_CACHED_POWERS get their own.
_MAX_CACHED_POWERS = 1 << 22
_cached_powers: list[Any] = []


def _powers(size: int) -> tuple[Any, Any]:
    """Arrays of B**k and B**-k modulo 2**64 for k in 0..size."""
    import numpy as np

    if _cached_powers and len(_cached_powers[0]) > size:
        return _cached_powers[0], _cached_powers[1]
    length = max(size + 1, 1 << 16)
    if size < _MAX_CACHED_POWERS:
        length = min(max(length, 2 * len(_cached_powers[0]) if _cached_powers else 0), _MAX_CACHED_POWERS)
    powers = np.full(length, _HASH_BASE, dtype=np.uint64)
    inverse_powers = np.full(length, _HASH_BASE_INVERSE, dtype=np.uint64)
    powers[0] = inverse_powers[0] = 1
    # Integer overflow wraps around: this is arithmetic modulo 2**64.
    np.cumprod(powers, out=powers)
    np.cumprod(inverse_powers, out=inverse_powers)
    if length <= _MAX_CACHED_POWERS:
        _cached_powers[:] = [powers, inverse_powers]
    return powers, inverse_powers


class _HashedWords:
    """The words joined without separator, the character span of each word,
    and prefix sums ``P[k] = sum(c[j] * B**-j for j < k)`` (mod 2**64), so
    that ``h(text[a:b]) = (P[b] - P[a]) * B**a = sum(c[j] * B**-(j-a))`` is a
    hash of the span that does not depend on where it starts. Hashes of
    concatenations follow from those of the parts: ``h(s + t) = h(s) +
    B**-len(s) * h(t)``, which gives the hashes of space-joined n-grams too.
    """

    def __init__(
        self, words: Sequence[str], joined: Any = None, starts: Any = None, prefix: Any = None
    ) -> None:
        """``joined`` (code points of the words joined without separator),
        ``starts`` (where each word starts in it, one more entry for the
        end) and ``prefix`` (the prefix sums) are computed from ``words``
        unless given (see :class:`TokenArrays`)."""
        import numpy as np

        self.words = words
        if joined is None or starts is None:
            joined, starts, _ = _code_spans(words)
        self.codes = joined
        self.starts = starts
        self.lengths = np.diff(starts)
        size = len(joined)
        # Space-joined n-grams are up to one character per word longer.
        self.powers, self.inverse_powers = _powers(size + len(words))
        if prefix is None:
            codes = joined.astype(np.uint64)
            np.multiply(codes, self.inverse_powers[:size], out=codes)
            prefix = np.zeros(size + 1, dtype=np.uint64)
            np.cumsum(codes, out=prefix[1:])
        self.prefix = prefix

    @cached_property
    def text(self) -> str:
        """The words joined without separator."""
        return str(self.codes.tobytes().decode("utf-32-le", "surrogatepass"))

    @property
    def arrays(self) -> tuple[Any, Any, Any, Any]:
        """The inputs of :func:`dedup.rules.ngram_kernel.repeated_chars`."""
        return self.codes, self.starts, self.prefix, self.powers

    @cached_property
    def has_space(self) -> bool:
        """Whether some word holds a space (then space-joined n-grams of
        different words can be equal strings)."""
        return bool((self.codes == ord(" ")).any())

    @cached_property
    def top_arrays(self) -> tuple[Any, Any, Any]:
        """The inputs of :func:`dedup.rules.ngram_kernel.top_chars`, the
        word keys computed once for every n."""
        from dedup.rules import ngram_kernel

        return self.codes, self.starts, ngram_kernel.word_keys(self.prefix, self.powers, self.starts)

    def _keys(self, n: int) -> tuple[Any, Any, Any]:
        """Start, end and hash key of every n-gram joined without separator."""
        import numpy as np

        first = self.starts[: len(self.starts) - n]
        last = self.starts[n:]
        with np.errstate(over="ignore"):
            keys = (self.prefix[last] - self.prefix[first]) * self.powers[first]
            keys ^= (last - first).astype(np.uint64) * np.uint64(_LENGTH_MIX)
        return first, last, keys

    def _spaced_keys(self, n: int) -> tuple[Any, Any]:
        """Length and hash key of every n-gram joined by spaces."""
        import numpy as np

        count = len(self.words) - n + 1
        starts = self.starts
        with np.errstate(over="ignore"):
            word_hashes = (self.prefix[starts[1:]] - self.prefix[starts[:-1]]) * self.powers[starts[:-1]]
            hashes = word_hashes[:count].copy()
            lengths = self.lengths[:count].copy()
            for k in range(1, n):
                # h(gram + " " + word) = h(gram) + B**-len(gram) * (h(" ") + B**-1 * h(word))
                tail = np.uint64(ord(" ")) + np.uint64(_HASH_BASE_INVERSE) * word_hashes[k : k + count]
                hashes += self.inverse_powers[lengths] * tail
                lengths += 1 + self.lengths[k : k + count]
            hashes ^= lengths.astype(np.uint64) * np.uint64(_LENGTH_MIX)
        return lengths, hashes

    def top_chars(self, n: int) -> int | None:
        """Characters of the most frequent space-joined n-gram times its
        count (ties: the first to occur), or None on a hash collision."""
        import numpy as np

        lengths, keys = self._spaced_keys(n)
        buckets = _KeyBuckets(keys)
        # Only keys in buckets at least as full as `least` can occur `least`
        # times; start high (few positions to sort) and lower it until some
        # key occurs that often: the most frequent key is then among them.
        least = max(buckets.fullest // 4, 2)
        while True:
            positions, run_lengths = buckets.runs(least)
            if len(positions) or least == 2:
                break
            least = max(least // 4, 2)
        if not len(positions):  # every n-gram occurs once: the first wins
            return int(lengths[0])
        most = int(run_lengths.max())
        run_starts = np.cumsum(run_lengths) - run_lengths
        # Runs list their positions in increasing order.
        tops = run_starts[run_lengths == most]
        top = tops[np.argmin(positions[tops])]
        members = positions[top : top + most].tolist()
        words = self.words
        gram = " ".join(words[members[0] : members[0] + n])
        for member in members:
            if " ".join(words[member : member + n]) != gram:
                return None
        return len(gram) * most

    def duplicated_chars(self, n: int) -> int:
        """Characters of n-grams repeating an earlier visited n-gram (Gopher's
        skipping walk)."""
        import numpy as np

        first, last, keys = self._keys(n)
        # An n-gram whose key no other n-gram has is unique, so the walk
        # learns nothing from it and just steps on: only the n-grams with a
        # shared key are walked, compared as strings (so a hash collision
        # costs time, never exactness).
        repeatable = np.sort(_KeyBuckets(keys).runs(2)[0])
        text = self.text
        seen: set[str] = set()
        repeated = 0
        idx = 0
        for position, a, b in zip(
            repeatable.tolist(), first[repeatable].tolist(), last[repeatable].tolist(), strict=True
        ):
            if position < idx:
                continue  # skipped over by a repeat
            gram = text[a:b]
            if gram in seen:
                repeated += b - a
                idx = position + n
            else:
                seen.add(gram)
                idx = position + 1
        return repeated


def _code_spans(strings: Sequence[str]) -> tuple[Any, Any, Any]:
    """``strings`` joined as code points, with where each starts (one more
    entry for the end) and each one's length."""
    import numpy as np

    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return codes, offsets, lengths


class _Vocab:
    """The distinct tokens of :func:`token_arrays`, by id, as strings made
    on demand: id ``k`` is the plain token group ``order[k]`` (a slice of
    ``text``) or, from ``len(starts)`` on, one of ``extra``."""

    def __init__(
        self,
        text: str,
        codes: Any,
        starts: Any,
        ends: Any,
        table: tuple[Any, Any],
        extra: list[str],
        order: Any,
    ) -> None:
        """``codes``: the code points of ``text``; ``table``: the plain
        tokens' (:func:`dedup.rules.token_kernel.lookup`)."""
        self.text = text
        self.codes = codes
        self.keys, self.slots = table
        self.starts = starts
        self.ends = ends
        self.extra = extra
        self.order = order

    def __getitem__(self, k: int) -> str:
        old = int(self.order[k])
        if old < len(self.starts):
            return self.text[int(self.starts[old]) : int(self.ends[old])]
        return self.extra[old - len(self.starts)]

    def count_of(self, words: Iterable[str]) -> int:
        """How many of the distinct ``words`` are tokens: looked up in the
        plain tokens' table (``keys``, ``slots``) and among ``extra``."""
        from dedup.rules import token_kernel

        wanted = [w for w in set(words) if w]  # a token is never empty
        queries, offsets, _ = _code_spans(wanted)
        found = token_kernel.lookup(
            self.codes, self.starts, self.ends, self.keys, self.slots, queries, offsets
        )
        extra = set(self.extra)
        return sum(g >= 0 or w in extra for w, g in zip(wanted, found.tolist(), strict=True))

    def all(self) -> list[str]:
        plain = list(map(self.text.__getitem__, map(slice, self.starts.tolist(), self.ends.tolist())))
        plain += self.extra
        return list(map(plain.__getitem__, self.order.tolist()))


class TokenArrays:
    """The word tokens of one text as arrays (:func:`token_arrays`): the
    token sequence as ids of the distinct tokens (numbered in order of
    first occurrence), where each token starts among the tokens joined
    without separator, and per distinct token whether it is a symbol
    (punctuation only) and whether it has a letter. The distinct tokens'
    strings (:attr:`vocab`) are made only when something reads them: the
    rules' counts come from the arrays."""

    def __init__(
        self,
        vocab: _Vocab,
        ids: Any,
        codes: Any,
        starts: Any,
        longest_chunk: int,
        lengths: Any,
        flags: Any = None,
    ) -> None:
        """``lengths``: of each distinct token, by id; ``flags``: per id,
        :data:`dedup.rules.token_kernel.SYMBOL` and ``LETTER`` bits (None:
        the strings are tested)."""
        self._vocab = vocab
        self.ids = ids
        self.starts = starts
        self._codes = codes
        self._lengths = lengths
        self._flags = flags
        #: The length of the longest ``str.split()`` piece of the text.
        self.longest_chunk = longest_chunk

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def vocab(self) -> list[str]:
        """The distinct tokens, in order of first occurrence."""
        return self._vocab.all()

    @cached_property
    def frequencies(self) -> Any:
        """How often each distinct token occurs, by id."""
        import numpy as np

        return np.bincount(self.ids, minlength=len(self._lengths))

    def words(self) -> list[str]:
        """The tokens, as :func:`simple_words` gives them."""
        return list(map(self.vocab.__getitem__, self.ids.tolist()))

    def counts(self) -> Counter[str]:
        """``Counter(words)``, in the same order."""
        counter: Counter[str] = Counter()
        # One pass, no intermediate dict.
        dict.update(counter, zip(self.vocab, self.frequencies.tolist(), strict=True))
        return counter

    def _flagged(self, bit: int) -> Any:
        """Which distinct tokens have flag ``bit``, by id."""
        import numpy as np

        from dedup.rules import token_kernel

        if self._flags is None:
            test = is_symbol if bit == token_kernel.SYMBOL else has_letter
            return np.fromiter(map(test, self.vocab), dtype=np.bool_, count=len(self.vocab))
        return (self._flags & bit) != 0

    def symbol_totals(self) -> tuple[int, int]:
        """How many tokens are symbols (punctuation only, :func:`is_symbol`)
        and their characters."""
        from dedup.rules import token_kernel

        symbols = self._flagged(token_kernel.SYMBOL)
        counts = self.frequencies[symbols]
        return int(counts.sum()), int((counts * self._lengths[symbols]).sum())

    def letterless(self) -> int:
        """How many tokens have no alphabetic character (``str.isalpha``)."""
        from dedup.rules import token_kernel

        return int(self.frequencies[~self._flagged(token_kernel.LETTER)].sum())

    def distinct_of(self, words: Iterable[str]) -> int:
        """How many of ``words`` (distinct strings) are tokens of the text,
        found without making the tokens' strings."""
        if "vocab" in self.__dict__:
            return len(set(words).intersection(self.vocab))
        return self._vocab.count_of(words)

    def ngrams(self) -> WordNgrams:
        """``WordNgrams(self.words())``, the word list made only if a
        fallback reads it: the tokens of each chunk spell it, so the tokens
        joined without separator are the text without its whitespace, and
        the compiled kernel computes their prefix hashes in one pass (no
        token holds a space)."""
        from dedup.rules import ngram_kernel

        words = _LazyWords(self)
        size = int(self.starts[-1])
        inverse = _powers(size + len(words))[1]
        joined, prefix = ngram_kernel.joined_prefix(self._codes, _space_table(), inverse)
        hashed = _HashedWords(words, joined, self.starts, prefix)
        hashed.has_space = False
        return WordNgrams(words, hashed, self.ids)


class _LazyWords(Sequence[str]):
    """:meth:`TokenArrays.words` as a sequence whose list is made when an
    item is first read (its length is known without it)."""

    def __init__(self, arrays: TokenArrays) -> None:
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays)

    @cached_property
    def _words(self) -> list[str]:
        return self._arrays.words()

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._words[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)


@lru_cache(maxsize=1)
def _space_table() -> Any:
    """Whether each code point up to U+3000, the last one, is whitespace
    for ``str.split()``."""
    import numpy as np

    return np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)


@lru_cache(maxsize=1)
def _exception_hashes() -> tuple[Any, Any]:
    """Hash sets of the bare contractions and of the abbreviations: a
    plain chunk whose letters hash to one of them goes to Python."""
    from dedup.rules.token_kernel import fnv, hash_set

    return hash_set({fnv(k) for k in _BARE_CONTRACTIONS}), hash_set({fnv(k) for k in _ABBREVIATIONS})


#: The tokenizer's work array, kept for the next text (see
#: :func:`dedup.rules.token_kernel.tokenize`) when the text has at most
#: this many code points (8 MB of int64 per million).
_SCRATCH_KEEP = 1 << 21
_scratch_kept: list[Any] = []


def _scratch(size: int) -> Any:
    """A work array for :func:`dedup.rules.token_kernel.tokenize` on a text
    of ``size`` code points. Threads may share it: the kernel holds the GIL
    while it runs and returns copies, so no two calls use it at once."""
    import numpy as np

    from dedup.rules.token_kernel import scratch_size

    needed = scratch_size(size)
    if _scratch_kept and len(_scratch_kept[0]) >= needed:
        return _scratch_kept[0]
    scratch = np.empty(needed, dtype=np.int64)
    if size <= _SCRATCH_KEEP:
        _scratch_kept[:] = [scratch]
    return scratch


def token_arrays(text: str) -> TokenArrays | None:
    """:func:`simple_words` of ``text`` as :class:`TokenArrays`, or None
    when the kernels are not loaded (see :func:`_ngram_kernel`).

    :mod:`dedup.rules.token_kernel` tokenizes the plain chunks (most of
    them) and groups equal tokens; the other chunks are grouped too, and
    one copy of each is tokenized here through the chunk cache. Their
    distinct tokens are looked up among the plain tokens (the same string
    is the same id) and the rest get new ids. No string is made for a
    plain token. None too in the (never seen) case of a chunk whose tokens
    do not spell it.
    """
    if _ngram_kernel() is None:
        return None
    import numpy as np

    from dedup.rules import token_kernel

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    symbol, letter = _flag_tables()
    found = token_kernel.tokenize(codes, _space_table(), letter, *_exception_hashes(), _scratch(len(codes)))
    refs, counts, token_groups, token_starts, token_ends, other_starts, other_ends, longest, keys, slots = (
        found
    )
    others = list(map(text.__getitem__, map(slice, other_starts.tolist(), other_ends.tolist())))
    tokens = list(map(_CHUNK_CACHE.__getitem__, others))
    if list(map("".join, tokens)) != others:
        return None
    flat = list(chain.from_iterable(tokens))
    distinct = list(dict.fromkeys(flat))
    joined, offsets, distinct_lengths = _code_spans(distinct)
    groups = token_kernel.lookup(codes, token_starts, token_ends, keys, slots, joined, offsets)
    new = groups < 0
    plain = len(token_starts)
    groups[new] = np.arange(plain, plain + int(new.sum()), dtype=np.int64)
    extra = list(compress(distinct, new.tolist()))
    index = dict(zip(distinct, groups.tolist(), strict=True))
    other_ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    other_offsets = np.zeros(len(others) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)), out=other_offsets[1:])
    lengths = np.concatenate((token_ends - token_starts, distinct_lengths[new]))
    ids, order, starts = token_kernel.assemble(refs, counts, token_groups, other_offsets, other_ids, lengths)
    flags = None
    if not len(codes) or int(codes.max()) < len(letter):  # else: flags from the strings
        plain_flags = token_kernel.token_flags(codes, token_starts, token_ends, symbol, letter)
        # The other chunks' new tokens are pieces of the text too.
        extra_flags = token_kernel.token_flags(joined, offsets[:-1][new], offsets[1:][new], symbol, letter)
        flags = np.concatenate((plain_flags, extra_flags))[order]
    vocab = _Vocab(text, codes, token_starts, token_ends, (keys, slots), extra, order)
    return TokenArrays(vocab, ids, codes, starts, longest, lengths[order], flags)


@lru_cache(maxsize=1)
def _flag_tables() -> tuple[Any, Any]:
    """Per code point, whether it is punctuation (:data:`PUNCTUATION`) and
    whether it is alphabetic (``str.isalpha``), for the first four planes
    (:func:`token_arrays` tests the strings of a text with characters
    beyond them)."""
    import numpy as np

    symbol = np.zeros(max(map(ord, PUNCTUATION)) + 1, dtype=np.bool_)
    symbol[list(map(ord, PUNCTUATION))] = True
    size = 0x40000
    characters = "".join(map(chr, range(size)))
    letter = np.fromiter(map(str.isalpha, characters), dtype=np.bool_, count=size)
    return symbol, letter


def _ngram_kernel() -> Any:
    """The compiled n-gram statistics (:mod:`dedup.rules.ngram_kernel`) when
    the kernels are already loaded (:func:`dedup.jit.loaded`), else None."""
    if "dedup.jit" not in sys.modules:
        return None
    from dedup.jit import loaded

    if not loaded():
        return None
    try:
        from dedup.rules import ngram_kernel
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return ngram_kernel


class _KeyBuckets:
    """Keys counted by their top bits, so that most keys that occur fewer
    than some number of times are ruled out before any sorting."""

    def __init__(self, keys: Any) -> None:
        import numpy as np

        self.keys = keys
        bits = min(max(len(keys).bit_length() + 3, 8), 24)
        buckets = (keys >> np.uint64(64 - bits)).astype(np.intp)
        self.bucket_sizes = np.bincount(buckets, minlength=1 << bits)[buckets]
        self.fullest = int(self.bucket_sizes.max()) if len(keys) else 0

    def runs(self, least: int) -> tuple[Any, Any]:
        """The positions whose key occurs at least ``least`` times, grouped
        by key (each run in increasing position order), and the length of
        each run."""
        import numpy as np

        maybe = np.flatnonzero(self.bucket_sizes >= least)
        candidate_keys = self.keys[maybe]
        order = np.argsort(candidate_keys, kind="stable")
        sorted_keys = candidate_keys[order]
        new_run = np.ones(len(sorted_keys), dtype=bool)
        new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
        run_lengths = np.diff(np.append(np.flatnonzero(new_run), len(sorted_keys)))
        kept = run_lengths >= least
        positions = maybe[order][np.repeat(kept, run_lengths)]
        return positions, run_lengths[kept]


# --- word tokenizer -------------------------------------------------------
#
# A pure-Python approximation of spaCy's English rule-based tokenizer, which
# datatrove uses for English: split on whitespace, peel leading punctuation,
# peel trailing punctuation (and 's, n't, 're ... clitics), keep known
# abbreviations whole, then split infixes (hyphens between letters, ellipses).

_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉⟦⟧"
_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_CURRENCY_PREFIX = re.compile(r"^(?:US|[AC])\$")
_PREFIX_CHARS = frozenset(_QUOTES + _PUNCT + _CURRENCY + "§%=—–")
_SUFFIX_CHARS = frozenset(_QUOTES + _PUNCT + "—–")
_CLITIC_SUFFIXES = ("'s", "'S", "’s", "’S")
_ELLIPSIS_PREFIX = re.compile(r"^(?:\.\.+|…)")
_ELLIPSIS_SUFFIX = re.compile(r"(?:\.\.+|…)$")
_UNITS = [
    "km",
    "m",
    "cm",
    "mm",
    "kg",
    "g",
    "mg",
    "lb",
    "oz",
    "ft",
    "yd",
    "mph",
    "kmh",
    "km/h",
    "m/s",
    "MB",
    "KB",
    "GB",
    "TB",
    "mb",
    "kb",
    "gb",
    "tb",
    "%",
    "K",
    "M",
    "G",
    "T",
    "hPa",
    "Pa",
    "ha",
    "nm",
]
_UNIT_SUFFIX = re.compile(r"(?<=[0-9])(?:" + "|".join(_UNITS) + ")$")
# Cheap tests that rule out the regular expressions for most tokens.
_UNIT_LAST_CHARS = frozenset(unit[-1] for unit in _UNITS)
_ELLIPSIS_OR_CURRENCY_FIRST = frozenset(".…UAC")
_INFIX = re.compile(
    r"\.\.+|…"
    r"|(?<=[0-9])[+\-*^](?=[0-9-])"
    r"|(?<=[^\W\d_])(?:---|--|——|-|–|—|~)(?=[^\W\d_])"
    r"|(?<=[0-9])(?:---|--|——|-|–|—|~)(?=[^\W\d_])"
    r"|(?<=[a-z'\"”“`‘´’])\.(?=[A-Z'\"”“`‘´’])"
    r"|(?<=[^\W\d_]),(?=[^\W\d_])"
    r"|(?<=[^\W_])[:<>=/](?=[^\W\d_])"
)
_URL = re.compile(r"^(?:(?:https?|ftp)://|www\.)\S+$|^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$", re.IGNORECASE)
_ABBREVIATIONS = frozenset(
    [
        "Mr.",
        "Mrs.",
        "Ms.",
        "Dr.",
        "Prof.",
        "St.",
        "Mt.",
        "Jr.",
        "Sr.",
        "Rev.",
        "Gen.",
        "Gov.",
        "Sen.",
        "Rep.",
        "Adm.",
        "Inc.",
        "Ltd.",
        "Co.",
        "Corp.",
        "Bros.",
        "co.",
        "vs.",
        "v.s.",
        "e.g.",
        "i.e.",
        "E.g.",
        "I.e.",
        "E.G.",
        "I.E.",
        "a.m.",
        "p.m.",
        "Jan.",
        "Feb.",
        "Mar.",
        "Apr.",
        "Jun.",
        "Jul.",
        "Aug.",
        "Sep.",
        "Sept.",
        "Oct.",
        "Nov.",
        "Dec.",
        "Ala.",
        "Ariz.",
        "Ark.",
        "Calif.",
        "Colo.",
        "Conn.",
        "Del.",
        "Fla.",
        "Ga.",
        "Ill.",
        "Ind.",
        "Kan.",
        "Kans.",
        "Ky.",
        "La.",
        "Md.",
        "Mass.",
        "Mich.",
        "Minn.",
        "Miss.",
        "Mo.",
        "Mont.",
        "Neb.",
        "Nebr.",
        "Nev.",
        "Okla.",
        "Ore.",
        "Pa.",
        "Tenn.",
        "Va.",
        "Wash.",
        "Wis.",
        "D.C.",
        "N.C.",
        "N.D.",
        "N.H.",
        "N.J.",
        "N.M.",
        "N.Y.",
        "S.C.",
        "Ph.D.",
        "U.S.",
        "U.K.",
        "U.N.",
        "E.U.",
    ]
)
_NEG_VERBS = frozenset(
    [
        "ai",
        "are",
        "ca",
        "could",
        "did",
        "does",
        "do",
        "had",
        "has",
        "have",
        "is",
        "might",
        "must",
        "need",
        "sha",
        "should",
        "was",
        "were",
        "wo",
        "would",
    ]
)
_PRONOUNS = frozenset(
    [
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "that",
        "there",
        "this",
        "who",
        "what",
        "where",
        "when",
        "why",
        "how",
        "here",
        "let",
    ]
)
# Contractions written without the apostrophe, which spaCy also splits.
_BARE_CONTRACTIONS: dict[str, tuple[str, str]] = {
    **{
        v + "nt": (v, "nt")
        for v in [
            "do",
            "does",
            "did",
            "is",
            "are",
            "was",
            "were",
            "has",
            "have",
            "had",
            "could",
            "should",
            "would",
            "must",
            "need",
            "ai",
        ]
    },
    "cant": ("ca", "nt"),
    "wont": ("wo", "nt"),
    "cannot": ("can", "not"),
    "gonna": ("gon", "na"),
    "gotta": ("got", "ta"),
    "im": ("i", "m"),
    "ive": ("i", "ve"),
    "id": ("i", "d"),
    **{p + c: (p, c) for p in ("you", "they", "we") for c in ("re", "ve", "ll", "d")},
    "hes": ("he", "s"),
    "shes": ("she", "s"),
    "hed": ("he", "d"),
    "thats": ("that", "s"),
    "whats": ("what", "s"),
    "whos": ("who", "s"),
    "theres": ("there", "s"),
    "itll": ("it", "ll"),
    "itd": ("it", "d"),
}
del _BARE_CONTRACTIONS["were"], _BARE_CONTRACTIONS["well"]  # words, not contractions
_TIME = re.compile(r"^(?:[1-9]|1[0-2])(?:am|pm|a\.m\.|p\.m\.)$")
_MODALS = frozenset(["could", "would", "should", "might", "must"])
_CONTRACTION = re.compile(r"^(?P<base>[A-Za-z]+)(?P<clitic>n['’]t|['’](?:m|re|ve|ll|d))$", re.IGNORECASE)


def _special(token: str) -> list[str] | None:
    """Tokens for an exception string, or None when ``token`` is not one."""
    if token in _ABBREVIATIONS or token in ("and/or", "w/o"):
        return [token]
    bare = _BARE_CONTRACTIONS.get(token.lower())
    if bare is not None:
        cut = len(bare[0])
        return [token[:cut], token[cut:]]
    # Every rule below needs a leading digit, two characters or an apostrophe.
    if not ("1" <= token[:1] <= "9" or len(token) == 2 or "'" in token or "’" in token):
        return None
    if _TIME.match(token):
        cut = 1 if token[1].isalpha() else 2
        return [token[:cut], token[cut:]]
    if len(token) == 2 and token[1] == "." and token[0].isalpha():
        return [token]  # initials: "F." in "John F. Kennedy"
    match = _CONTRACTION.match(token)
    if match:
        base, clitic = match["base"], match["clitic"]
        lower = base.lower()
        if clitic.lower().startswith("n") and lower in _NEG_VERBS:
            return [base, clitic]
        if not clitic.lower().startswith("n") and (lower in _PRONOUNS or lower in _MODALS):
            return [base, clitic]
    return None


def _peel_suffix(token: str) -> int:
    """Length of the suffix to peel off ``token`` (0 for none)."""
    match = _ELLIPSIS_SUFFIX.search(token) if token[-1] in ".…" else None
    if match and match.start() > 0:
        return len(token) - match.start()
    last = token[-1]
    if last in _SUFFIX_CHARS:
        return 1
    if token.endswith(_CLITIC_SUFFIXES) and len(token) > 2:
        return 2
    if last == "." and len(token) > 1:
        prev = token[-2]
        if prev.isdigit() or prev.islower() or prev in "%²-+" or prev in _PUNCT or prev in _QUOTES:
            return 1
        if len(token) > 2 and prev.isupper() and token[-3].isupper():
            return 1
    if last == "+" and len(token) > 1 and token[-2].isdigit():
        return 1
    unit = _UNIT_SUFFIX.search(token) if token[-1] in _UNIT_LAST_CHARS else None
    if unit:
        return len(token) - unit.start()
    currency = token[-1] in _CURRENCY and len(token) > 1 and token[-2].isdigit()
    return 1 if currency else 0


def _peel_prefix(token: str) -> int:
    match = None
    if token[0] in _ELLIPSIS_OR_CURRENCY_FIRST:
        match = _ELLIPSIS_PREFIX.match(token) or _CURRENCY_PREFIX.match(token)
    if match:
        return match.end()
    first = token[0]
    if first in _PREFIX_CHARS:
        return 1
    if first == "+" and not token[1:2].isdigit():
        return 1
    return 0


def _split_chunk(chunk: str) -> list[str]:
    prefixes: list[str] = []
    suffixes: list[str] = []
    rest = chunk
    while rest:
        special = _special(rest)
        if special is not None or _URL.match(rest):
            break
        size = len(rest)
        pre = _peel_prefix(rest)
        if pre and pre < len(rest) and _special(rest[pre:]) is not None:
            prefixes.append(rest[:pre])
            rest = rest[pre:]
            break
        suf = _peel_suffix(rest[pre:]) if pre < len(rest) else 0
        if suf and _special(rest[: len(rest) - suf]) is not None:
            suffixes.append(rest[len(rest) - suf :])
            rest = rest[: len(rest) - suf]
            break
        if pre and suf and pre + suf <= len(rest):
            prefixes.append(rest[:pre])
            suffixes.append(rest[len(rest) - suf :])
            rest = rest[pre : len(rest) - suf]
        elif pre:
            prefixes.append(rest[:pre])
            rest = rest[pre:]
        elif suf:
            suffixes.append(rest[len(rest) - suf :])
            rest = rest[: len(rest) - suf]
        if len(rest) == size:
            break
    middle: list[str] = []
    if rest:
        special = _special(rest)
        if special is not None:
            middle = special
        elif _URL.match(rest):
            middle = [rest]
        else:
            start = 0
            for infix in _INFIX.finditer(rest):
                if infix.start() == 0:
                    continue
                middle.append(rest[start : infix.start()])
                middle.append(infix.group())
                start = infix.end()
            middle.append(rest[start:])
    tokens = prefixes + [m for m in middle if m] + suffixes[::-1]
    # spaCy re-joins exception strings that affix splitting cut apart: the
    # "m." of "3m." is one token, as is "U.S." of "(U.S.".
    merged: list[str] = []
    for token in tokens:
        if merged and token == "." and _special(merged[-1] + token) == [merged[-1] + token]:
            merged[-1] += token
        else:
            merged.append(token)
    return merged


# Most chunks are a word (maybe joined to others by hyphens or dashes, maybe
# with 's) or a number (or a range of numbers), maybe with an opening bracket
# or quote and closing punctuation; for them the rules above reduce to this
# pattern (checked against ``_split_chunk`` on the shared corpora and on
# generated chunks by tests/test_rules_text.py). The words' letters are
# ``str.isalpha``; a word with other than ASCII letters takes no clitic or
# dot here.
_PLAIN_CHUNK = re.compile(
    r"([(\"“‘])?"  # opening bracket or quote
    r"(?:([^\W\d_]+(?:[-–—][^\W\d_]+)*)|([0-9]+(?:[.,][0-9]+)*(?:-[0-9]+(?:[.,][0-9]+)*)*))"  # word | number
    r"(['’][sS])?"  # possessive clitic
    r"(\.)?"
    r"((?:[,;:!?)\"”]\.?){0,3})"  # closing punctuation
)
_DASHES = re.compile("([-–—])")


def _plain_tokens(chunk: str) -> tuple[str, ...] | None:
    """Tokens of a plain chunk, or None when the full rules are needed."""
    if chunk.isalpha() and chunk.isascii():
        return None if chunk.lower() in _BARE_CONTRACTIONS else (chunk,)
    match = _PLAIN_CHUNK.fullmatch(chunk)
    if match is None:
        return None
    opener, letters, number, clitic, dot, closers = match.groups()
    if letters is None:
        if clitic:
            return None
    elif not _DASHES.sub("", letters).isascii():
        # Only letters (not every word character, "²"), and none whose
        # lower case is ASCII (U+0130, U+212A).
        if (
            clitic
            or dot
            or not _DASHES.sub("", letters).isalpha()
            or "\u0130" in letters
            or "\u212a" in letters
        ):
            return None
    elif letters.lower() in _BARE_CONTRACTIONS:
        return None
    elif dot:
        # "Mr.", "F.", "USA." and "www.)" have their own rules; "word." splits.
        last = _DASHES.split(letters)[-1]
        if clitic:
            if clitic[1] != "s":
                return None
        elif len(last) < 2 or not last[-1].islower() or last + "." in _ABBREVIATIONS or last == "www":
            return None
    tokens: list[str] = [opener] if opener else []
    core = letters if letters is not None else number
    tokens += _DASHES.split(core) if "-" in core or "–" in core or "—" in core else [core]
    if clitic:
        tokens.append(clitic)
    if dot:
        tokens.append(dot)
    tokens.extend(closers)
    return tuple(tokens)


def chunk_tokens(chunk: str) -> tuple[str, ...]:
    """Tokens of one whitespace-free chunk (uncached)."""
    plain = _plain_tokens(chunk)
    return plain if plain is not None else tuple(_split_chunk(chunk))


# Tokens per chunk, computed on first use. A chunk's tokens depend on the
# chunk alone, and the chunks of a text repeat heavily (35,000 distinct
# chunks in 160,000 in 1 MB of Wikipedia), so each is tokenized once.
_CHUNK_CACHE: Memo[str, tuple[str, ...]] = Memo(chunk_tokens, 1 << 17)


def simple_words(text: str) -> list[str]:
    """Word tokens of ``text`` with the built-in spaCy-like tokenizer."""
    return list(chain.from_iterable(map(_CHUNK_CACHE.__getitem__, text.split())))


@lru_cache(maxsize=1)
def _spacy_tokenizer() -> Callable[[str], list[str]]:
    try:
        import spacy
    except ImportError:
        raise DedupError(
            "word-tokenizer 'spacy' needs spaCy: pip install spacy "
            "(or use the built-in word-tokenizer 'simple')"
        ) from None
    nlp = spacy.blank("en")

    def tokenize(text: str) -> list[str]:
        nlp.max_length = len(text) + 10
        return [t.text.strip() for t in nlp.make_doc(text) if t.text.strip()]

    return tokenize


WORD_TOKENIZERS = ("simple", "spacy")


def tokenizer(name: str) -> Callable[[str], list[str]]:
    """The word tokenizer called ``name`` (see :data:`WORD_TOKENIZERS`)."""
    if name == "simple":
        return simple_words
    if name == "spacy":
        return _spacy_tokenizer()
    raise DedupError(f"unknown word-tokenizer {name!r}: use one of {', '.join(WORD_TOKENIZERS)}")
