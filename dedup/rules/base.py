"""The rule base class and the per-file context rules read from.

A rule is a tiny class in the style of datatrove's ``BaseFilter``: class
attributes describe it (code, name, scope, default severity, thresholds,
explanation, source) and one method, :meth:`Rule.check`, yields
:class:`~dedup.models.Finding` values for one file. The registry builds each
rule with the resolved severity and thresholds, so ``check`` only reads
``self.severity`` and ``self.params``.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import filterfalse
from operator import mul
from typing import ClassVar

from dedup.models import Block, BlockKind, Document, Finding, Line, Severity
from dedup.rules import text as textstats

ParamValue = float | int | str | tuple[str, ...] | None


class Scope(enum.StrEnum):
    FILE = "file"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True)
class Param:
    """One documented threshold of a rule (``None`` disables that check)."""

    default: ParamValue
    help: str


def split_lines(doc: Document) -> list[Line]:
    """Physical lines of ``doc`` with byte spans into ``doc.raw``.

    Only ``\\n``, ``\\r\\n`` and ``\\r`` end a line (not U+2028 and friends).
    Byte offsets are exact for the UTF-8 text of ``doc.raw`` after the BOM;
    for undecodable input they are offsets into the decoded text's UTF-8 form.
    """
    lines: list[Line] = []
    raw = doc.text.encode("utf-8", "surrogateescape")
    offset = len(doc.bom)
    pos = 0
    number = 0
    size = len(raw)
    # The first CR at or after ``pos``: searched again only once passed, not
    # from every line to the end of a file that has no CR at all.
    cr = raw.find(b"\r")
    while pos < size:
        number += 1
        nl = raw.find(b"\n", pos)
        if cr != -1 and cr < pos:
            cr = raw.find(b"\r", pos)
        if cr != -1 and (nl == -1 or cr < nl):
            end = cr
            stop = cr + 2 if raw[cr + 1 : cr + 2] == b"\n" else cr + 1
        elif nl != -1:
            end, stop = nl, nl + 1
        else:
            end = stop = size
        content = raw[pos:end].decode("utf-8", "surrogateescape")
        lines.append(Line(number, content, offset + pos, offset + end, offset + stop))
        pos = stop
    return lines


class FileContext:
    """Everything a rule may read about one file; derived views are cached.

    ``metrics`` collects the numbers rules measured, reported per file.
    """

    def __init__(
        self,
        doc: Document,
        blocks: Sequence[Block],
        words_of: Callable[[str], list[str]] = textstats.simple_words,
        run_heuristics: bool = True,
    ) -> None:
        self.doc = doc
        self.blocks = blocks
        self.words_of = words_of
        self.run_heuristics = run_heuristics
        self.metrics: dict[str, float] = {}

    @property
    def path(self) -> str:
        return self.doc.path

    @cached_property
    def block_texts(self) -> list[str]:
        """``[b.text for b in blocks]``, without making Block objects when
        the blocks come from a table (:class:`dedup.table.TableBlocks`)."""
        texts = getattr(self.blocks, "texts", None)
        return texts if texts is not None else [b.text for b in self.blocks]

    @cached_property
    def block_kinds(self) -> list[BlockKind]:
        """``[b.kind for b in blocks]`` (see :attr:`block_texts`)."""
        kinds = getattr(self.blocks, "kinds", None)
        return kinds if kinds is not None else [b.kind for b in self.blocks]

    @cached_property
    def text_lower(self) -> str:
        """``text_lf.lower()``. A phrase in the lower-cased text of some
        block or line is in it: blocks and lines are pieces of ``text_lf``
        between line breaks, which lower-case the same in place."""
        return self.text_lf.lower()

    def has_lower(self, phrase: str) -> bool:
        """``phrase in text_lower`` for a lower-case ASCII phrase without a
        line break, without lower-casing the text when it can: the only
        characters beyond ASCII whose lower case holds an ASCII letter are
        "İ" ("i" and a combining dot) and the Kelvin sign ("k"); without
        them, the raw bytes with A-Z lower-cased (``bytes.lower``) hold the
        phrase exactly when the lower-cased text does."""
        found = self._has_lower.get(phrase)
        if found is None:
            if self._raw_lower is None:
                found = phrase in self.text_lower
            else:
                found = phrase.encode("ascii") in self._raw_lower
            self._has_lower[phrase] = found
        return found

    @cached_property
    def _has_lower(self) -> dict[str, bool]:
        """:meth:`has_lower`'s answers so far (rules share phrases)."""
        return {}

    @cached_property
    def _raw_lower(self) -> bytes | None:
        """The raw bytes with A-Z lower-cased, or None when the text holds
        "İ" or the Kelvin sign (see :meth:`has_lower`)."""
        text = self.doc.text
        if "\u0130" in text or "\u212a" in text:
            return None
        return self.doc.raw.lower()

    @property
    def text(self) -> str:
        return self.doc.text

    @cached_property
    def text_lf(self) -> str:
        """``text`` with CRLF and CR line endings turned into LF."""
        text = self.doc.text
        if "\r" not in text:
            return text
        return text.replace("\r\n", "\n").replace("\r", "\n")

    @cached_property
    def lines(self) -> list[Line]:
        return split_lines(self.doc)

    @cached_property
    def line_texts(self) -> list[str]:
        """The text of each of :attr:`lines`, without its line break and
        without the byte spans: ``text_lf`` split at ``\\n``, less the empty
        piece after a final line break."""
        texts = self.text_lf.split("\n")
        if texts[-1] == "" and len(texts) > 1:
            texts.pop()
        return texts

    @cached_property
    def splitlines(self) -> list[str]:
        """``text_lf.splitlines()``: lines as Gopher's bullet and ellipsis
        checks cut them (every Unicode line boundary)."""
        return self.text_lf.splitlines()

    @cached_property
    def nonblank_lines(self) -> list[str]:
        """:attr:`line_texts` less the whitespace-only lines
        (:func:`dedup.rules.text.nonblank_lines` of ``text_lf``)."""
        return list(filter(str.strip, self.line_texts))

    @cached_property
    def line_count(self) -> int:
        """``len(lines)``: a final line without a line break counts too."""
        text = self.text_lf
        return text.count("\n") + (not text.endswith("\n") if text else 0)

    @cached_property
    def token_arrays(self) -> textstats.TokenArrays | None:
        """The built-in tokenizer's words as arrays, when its compiled kernel
        is loaded (see :func:`dedup.rules.text.token_arrays`), else None."""
        if self.words_of is not textstats.simple_words:
            return None
        return textstats.token_arrays(self.doc.text)

    @cached_property
    def words(self) -> list[str]:
        arrays = self.token_arrays
        return arrays.words() if arrays is not None else self.words_of(self.doc.text)

    @cached_property
    def word_total(self) -> int:
        """``len(words)``."""
        arrays = self.token_arrays
        return len(arrays) if arrays is not None else len(self.words)

    @cached_property
    def word_counts(self) -> Counter[str]:
        """How often each distinct word occurs, in order of first occurrence;
        per-word tests run once per distinct word over these."""
        arrays = self.token_arrays
        return arrays.counts() if arrays is not None else Counter(self.words)

    @cached_property
    def word_ngrams(self) -> textstats.WordNgrams:
        """Gopher's n-gram statistics of :attr:`words`."""
        arrays = self.token_arrays
        return arrays.ngrams() if arrays is not None else textstats.WordNgrams(self.words)

    @cached_property
    def _symbols(self) -> set[str]:
        """The distinct words made of punctuation only."""
        punctuation = textstats.PUNCTUATION
        # Most words start with a letter or digit: no need to test the rest.
        return {w for w in self.word_counts if not w or (w[0] in punctuation and textstats.is_symbol(w))}

    @cached_property
    def content_words(self) -> list[str]:
        """Words that are not made of punctuation only (Gopher's words)."""
        symbols = self._symbols
        if not symbols:
            return list(self.words)
        return list(filterfalse(symbols.__contains__, self.words))

    @cached_property
    def _symbol_totals(self) -> tuple[int, int]:
        """How many words are symbols, and their characters."""
        arrays = self.token_arrays
        if arrays is not None:
            return arrays.symbol_totals()
        counts = self.word_counts
        symbols = self._symbols
        return sum(counts[w] for w in symbols), sum(len(w) * counts[w] for w in symbols)

    @cached_property
    def content_word_count(self) -> int:
        """``len(content_words)``, counted over the distinct words."""
        return self.word_total - self._symbol_totals[0]

    @cached_property
    def content_word_chars(self) -> int:
        """The characters of ``content_words``, counted over the distinct words."""
        arrays = self.token_arrays
        # The token arrays know the length of all the words joined.
        everything: int = (
            int(arrays.starts[-1])
            if arrays is not None
            else sum(map(mul, map(len, self.word_counts), self.word_counts.values()))
        )
        return everything - self._symbol_totals[1]

    @cached_property
    def letterless_word_count(self) -> int:
        """How many words have no alphabetic character."""
        arrays = self.token_arrays
        if arrays is not None:
            return arrays.letterless()
        counts = self.word_counts
        # Most words are all letters (str.isalpha, in C); the others are tested.
        return sum(counts[w] for w in filterfalse(str.isalpha, counts) if not textstats.has_letter(w))

    def distinct_words_of(self, words: Iterable[str]) -> int:
        """How many of the distinct ``words`` occur among the words."""
        arrays = self.token_arrays
        if arrays is not None:
            return arrays.distinct_of(words)
        return len(set(words).intersection(self.word_counts))

    def lines_matching(self, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        """``(number, text)`` of each line in which ``pattern`` matches, in
        order, without splitting the whole file into :attr:`lines`. The
        pattern must not match a line break. The numbers and texts are
        those of :attr:`lines`."""
        text = self.text_lf
        found: list[tuple[int, str]] = []
        number = 1
        counted = 0  # line breaks before this offset are in ``number``
        line_end = -1
        for match in pattern.finditer(text):
            position = match.start()
            if position <= line_end:
                continue  # in the line of the previous match
            start = text.rfind("\n", 0, position) + 1
            number += text.count("\n", counted, start)
            counted = start
            line_end = text.find("\n", position)
            if line_end == -1:
                line_end = len(text)
            found.append((number, text[start:line_end]))
        return found

    def line_of_offset(self, char_offset: int) -> int:
        """1-based line number (as :attr:`lines` numbers them) of a
        character offset into :attr:`text_lf`, without splitting the file
        into lines."""
        return self.text_lf.count("\n", 0, char_offset) + 1


class Rule:
    """Base class of every quality rule. Subclasses set the class attributes
    and implement :meth:`check`; they never print or read files."""

    code: ClassVar[str]
    name: ClassVar[str]
    scope: ClassVar[Scope]
    default_severity: ClassVar[Severity]
    summary: ClassVar[str]
    explanation: ClassVar[str]
    source: ClassVar[str]
    params: ClassVar[Mapping[str, Param]] = {}
    #: Content heuristics need words; they are skipped on files too large for
    #: them (see ``max-heuristic-bytes``) instead of taking minutes.
    heuristic: ClassVar[bool] = False
    #: Ratio heuristics are not applied to documents with fewer words than
    #: ``heuristic-min-words`` (Gopher's own minimum, 50): ratios over a
    #: handful of words are noise.
    gated: ClassVar[bool] = False
    #: Metadata-only entries (the duplicate rules) are listed but not run.
    runnable: ClassVar[bool] = True

    def __init__(
        self,
        severity: Severity | None = None,
        params: Mapping[str, ParamValue] | None = None,
    ) -> None:
        self.severity = severity or self.default_severity
        values = {key: p.default for key, p in self.params.items()}
        values.update(params or {})
        self.values: dict[str, ParamValue] = values

    def value(self, key: str) -> float | None:
        """A numeric threshold, or None when the user disabled it."""
        raw = self.values[key]
        if raw is None:
            return None
        if isinstance(raw, (int, float)):
            return float(raw)
        raise TypeError(f"{self.code}.{key} is not a number")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        raise NotImplementedError
        yield  # pragma: no cover

    # -- helpers for subclasses -------------------------------------------

    def file_finding(
        self,
        ctx: FileContext,
        message: str,
        metrics: Mapping[str, float] | None = None,
        line: int = 1,
        end_line: int | None = None,
    ) -> Finding:
        last = max(ctx.line_count, 1)
        return Finding(
            rule=self.code,
            severity=self.severity,
            path=ctx.path,
            line=line,
            end_line=end_line if end_line is not None else (line if line > 1 else last),
            message=message,
            metrics=dict(metrics or {}),
        )

    def block_finding(
        self,
        ctx: FileContext,
        block: Block,
        message: str,
        metrics: Mapping[str, float] | None = None,
    ) -> Finding:
        """A paragraph-scope finding; deleting the paragraph fixes it."""
        return Finding(
            rule=self.code,
            severity=self.severity,
            path=ctx.path,
            line=block.first_line,
            end_line=block.last_line,
            message=message,
            start=block.start,
            stop=block.stop,
            metrics=dict(metrics or {}),
        )


def ratio(part: float, whole: float) -> float:
    """``part / whole`` rounded for reports, 0 when ``whole`` is 0."""
    return part / whole if whole else 0.0


def line_list(numbers: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")
