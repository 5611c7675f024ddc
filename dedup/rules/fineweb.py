"""FineWeb quality heuristics (Penedo et al. 2024).

Definitions follow datatrove 0.10.1's ``FineWebQualityFilter``: lines are
``\\n``-separated with whitespace-only lines dropped; a line "ends with
punctuation" when its last character is a sentence terminal. One difference:
we normalise CRLF and CR line endings to LF first, where datatrove would see
a trailing ``\\r`` and count every CRLF line as unpunctuated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from operator import itemgetter
from typing import ClassVar

from dedup.models import Finding, Severity
from dedup.rules import text as ts
from dedup.rules.base import FileContext, Param, Rule, Scope

FINEWEB = (
    "Penedo et al. 2024, 'The FineWeb Datasets: Decanting the Web for the Finest Text "
    "Data at Scale' (arXiv:2406.17557), section 3.3; reference implementation: "
    "datatrove 0.10.1 FineWebQualityFilter."
)


class _FineWebRule(Rule):
    scope = Scope.FILE
    default_severity = Severity.WARNING
    heuristic = True
    gated = True
    source = FINEWEB


class LinePunctuation(_FineWebRule):
    code = "FW001"
    name = "fineweb-line-punctuation"
    summary = "Too few lines end with sentence punctuation"
    params: ClassVar[Mapping[str, Param]] = {
        "min_ratio": Param(0.12, "Smallest fraction of lines ending in a terminal.")
    }
    explanation = (
        "The fraction of non-blank lines whose last character is a sentence terminal "
        "('.', '!', '?' and their equivalents in other scripts). Below 12% the text is "
        "a menu, a list of links or a table, not prose."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        lines = ctx.nonblank_lines
        if not lines:
            return
        # Lines are not blank: each has a last character.
        frac = sum(map(ts.TERMINAL_PUNCTUATION.__contains__, map(itemgetter(-1), lines))) / len(lines)
        ctx.metrics["line_punct_ratio"] = frac
        limit = self.value("min_ratio")
        if limit is not None and frac < limit:
            yield self.file_finding(
                ctx,
                f"only {100 * frac:.1f}% of lines end with punctuation (min {100 * limit:g}%)",
                {"ratio": frac},
            )


class ShortLines(_FineWebRule):
    code = "FW002"
    name = "fineweb-short-lines"
    summary = "Too many short lines"
    params: ClassVar[Mapping[str, Param]] = {
        "max_ratio": Param(0.67, "Largest fraction of short lines."),
        "short_line_length": Param(30, "A line of at most this many characters is short."),
    }
    explanation = (
        "The fraction of non-blank lines of at most 30 characters. Above 67% the text "
        "is navigation, a list of tags or a form, not running text."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        lines = ctx.nonblank_lines
        length = self.value("short_line_length")
        if not lines or length is None:
            return
        frac = sum(map(length.__ge__, map(len, lines))) / len(lines)
        ctx.metrics["short_line_ratio"] = frac
        limit = self.value("max_ratio")
        if limit is not None and frac > limit:
            yield self.file_finding(
                ctx,
                f"{100 * frac:.1f}% of lines are {length:g} characters or shorter (max {100 * limit:g}%)",
                {"ratio": frac},
            )


class DuplicateLineChars(_FineWebRule):
    code = "FW003"
    name = "fineweb-duplicate-line-chars"
    default_severity = Severity.INFO
    summary = "Characters in repeated lines"
    params: ClassVar[Mapping[str, Param]] = {
        "max_ratio": Param(0.01, "Largest share of characters in repeated lines.")
    }
    explanation = (
        "The characters of lines that repeat an earlier line, divided by all "
        "characters except newlines. FineWeb drops documents above 1%, which is far "
        "stricter than Gopher; since DUP001 and GR001 already report repeated "
        "paragraphs, this rule is `info` by default."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        lines = ctx.nonblank_lines
        size = len(ctx.text_lf) - ctx.text_lf.count("\n")
        if not lines or not size:
            return
        frac = ts.duplicates(lines)[1] / size
        ctx.metrics["dup_line_char_ratio"] = frac
        limit = self.value("max_ratio")
        if limit is not None and frac > limit:
            yield self.file_finding(
                ctx,
                f"repeated lines hold {100 * frac:.1f}% of the characters (max {100 * limit:g}%)",
                {"ratio": frac},
            )


class NewlineRatio(_FineWebRule):
    code = "FW004"
    name = "fineweb-newline-ratio"
    summary = "Too many line breaks per word"
    params: ClassVar[Mapping[str, Param]] = {"max_ratio": Param(0.3, "Most line breaks per word.")}
    explanation = (
        "Line breaks divided by words. Above 0.3 (a break every three words) the text "
        "is a list or a poem-like layout of fragments rather than paragraphs."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        words = ctx.word_total
        if not words:
            return
        frac = ctx.text_lf.count("\n") / words
        ctx.metrics["newline_word_ratio"] = frac
        limit = self.value("max_ratio")
        if limit is not None and frac > limit:
            yield self.file_finding(ctx, f"{frac:.2f} line breaks per word (max {limit:g})", {"ratio": frac})


FINEWEB_RULES: tuple[type[Rule], ...] = (
    LinePunctuation,
    ShortLines,
    DuplicateLineChars,
    NewlineRatio,
)
