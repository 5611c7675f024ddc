"""Gopher quality and repetition heuristics (Rae et al. 2021, appendix A).

Definitions and thresholds follow the paper's Table A1 and datatrove 0.10.1's
``GopherQualityFilter`` / ``GopherRepetitionFilter``: words are word tokens,
"non-symbol" words contain at least one character that is not punctuation,
lines for the bullet and ellipsis checks are ``str.splitlines()``, lines for
the repetition check are ``\\n+``-separated. Paragraphs for the repetition
check are dedup's paragraphs (the ``split`` setting), which for blank-line
separated text are exactly Gopher's ``\\n\\n+`` paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from operator import methodcaller
from typing import ClassVar

from dedup.models import Finding, Severity
from dedup.rules import text as ts
from dedup.rules.base import FileContext, Param, Rule, Scope, ratio

GOPHER = (
    "Rae et al. 2021, 'Scaling Language Models: Methods, Analysis & Insights from "
    "Training Gopher', appendix A, table A1 (arXiv:2112.11446); reference "
    "implementation: datatrove 0.10.1 {}."
)


def _ns(ns: list[int]) -> str:
    """2, 3, 4 -> "2-4"; 5 -> "5"; 5, 7 -> "5/7"."""
    if len(ns) == 1:
        return str(ns[0])
    if ns == list(range(ns[0], ns[-1] + 1)):
        return f"{ns[0]}-{ns[-1]}"
    return "/".join(str(n) for n in ns)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


class _GopherRule(Rule):
    scope = Scope.FILE
    default_severity = Severity.WARNING
    heuristic = True
    gated = True
    source = GOPHER.format("GopherQualityFilter")


class WordCount(_GopherRule):
    code = "GQ001"
    name = "gopher-word-count"
    default_severity = Severity.INFO
    gated = False
    summary = "Too few or too many words"
    params: ClassVar[Mapping[str, Param]] = {
        "min_words": Param(50, "Fewest non-symbol words a document may have."),
        "max_words": Param(100_000, "Most non-symbol words a document may have."),
    }
    explanation = (
        "Counts the words that contain at least one non-punctuation character. Gopher "
        "drops documents with fewer than 50 or more than 100,000 such words: very "
        "short pages are navigation or stubs, very long ones are dumps. Short files "
        "are normal in a documentation tree, so this rule is `info` by default; raise "
        "it to `warning` for datasets. The other Gopher quality rules are not applied "
        "to documents below `min_words`, because their ratios are meaningless there."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        n = ctx.content_word_count
        ctx.metrics["words"] = float(n)
        low, high = self.value("min_words"), self.value("max_words")
        if low is not None and n < low:
            yield self.file_finding(ctx, f"only {n} words (min {low:g})", {"words": n})
        elif high is not None and n > high:
            yield self.file_finding(ctx, f"{n} words (max {high:g})", {"words": n})


class MeanWordLength(_GopherRule):
    code = "GQ002"
    name = "gopher-mean-word-length"
    summary = "Mean word length outside 3-10 characters"
    params: ClassVar[Mapping[str, Param]] = {
        "min_mean": Param(3, "Smallest mean word length (characters)."),
        "max_mean": Param(10, "Largest mean word length (characters)."),
    }
    explanation = (
        "The mean length of the non-symbol words. Natural English prose averages "
        "4-6 characters; below 3 suggests tables of numbers or tokenised junk, above "
        "10 suggests URLs, identifiers or concatenated words without spaces."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        count = ctx.content_word_count
        if not count:
            return
        mean = ctx.content_word_chars / count
        ctx.metrics["mean_word_length"] = mean
        low, high = self.value("min_mean"), self.value("max_mean")
        if (low is not None and mean < low) or (high is not None and mean > high):
            yield self.file_finding(
                ctx,
                f"mean word length {mean:.2f} outside [{low or 0:g}, {high or 0:g}]",
                {"mean_word_length": mean},
            )


class SymbolRatio(_GopherRule):
    code = "GQ003"
    name = "gopher-symbol-ratio"
    summary = "Too many '#' or ellipsis symbols per word"
    params: ClassVar[Mapping[str, Param]] = {"max_ratio": Param(0.1, "Most '#' (or ellipses) per word.")}
    explanation = (
        "The number of '#' characters, and separately of ellipses ('...' or '…'), "
        "divided by the number of words. Above 0.1 the text is hashtag spam or a "
        "list of truncated teasers."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        n = ctx.word_total
        if not n:
            return
        hashes = ctx.text_lf.count("#") / n
        ellipses = (ctx.text_lf.count("...") + ctx.text_lf.count("…")) / n
        ctx.metrics["hash_word_ratio"] = hashes
        ctx.metrics["ellipsis_word_ratio"] = ellipses
        limit = self.value("max_ratio")
        if limit is None:
            return
        if hashes > limit:
            yield self.file_finding(ctx, f"{hashes:.3f} '#' per word (max {limit:g})", {"ratio": hashes})
        if ellipses > limit:
            yield self.file_finding(
                ctx,
                f"{ellipses:.3f} ellipses per word (max {limit:g})",
                {"ratio": ellipses},
            )


class BulletLines(_GopherRule):
    code = "GQ004"
    name = "gopher-bullet-lines"
    summary = "Almost every line is a bullet point"
    params: ClassVar[Mapping[str, Param]] = {
        "max_ratio": Param(0.9, "Largest fraction of lines starting with a bullet.")
    }
    explanation = (
        "The fraction of lines that start with a bullet ('•' or '-') after leading "
        "whitespace. Above 90% the document is a list of links or keywords rather than "
        "text."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        lines = ctx.splitlines
        if not lines:
            return
        frac = 0.0
        if "-" in ctx.text_lf or "•" in ctx.text_lf:
            frac = sum(map(methodcaller("startswith", ("•", "-")), map(str.lstrip, lines))) / len(lines)
        ctx.metrics["bullet_lines_ratio"] = frac
        limit = self.value("max_ratio")
        if limit is not None and frac > limit:
            yield self.file_finding(
                ctx,
                f"{_pct(frac)} of lines are bullets (max {_pct(limit)})",
                {"ratio": frac},
            )


class EllipsisLines(_GopherRule):
    code = "GQ005"
    name = "gopher-ellipsis-lines"
    summary = "Too many lines end with an ellipsis"
    params: ClassVar[Mapping[str, Param]] = {
        "max_ratio": Param(0.3, "Largest fraction of lines ending in an ellipsis.")
    }
    explanation = (
        "The fraction of lines that end with '...' or '…'. Above 30% the page is a "
        "list of truncated teasers ('Read more...')."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        lines = ctx.splitlines
        if not lines:
            return
        frac = 0.0
        if "..." in ctx.text_lf or "…" in ctx.text_lf:
            frac = sum(map(methodcaller("endswith", ("...", "…")), map(str.rstrip, lines))) / len(lines)
        ctx.metrics["ellipsis_lines_ratio"] = frac
        limit = self.value("max_ratio")
        if limit is not None and frac > limit:
            yield self.file_finding(
                ctx,
                f"{_pct(frac)} of lines end with an ellipsis (max {_pct(limit)})",
                {"ratio": frac},
            )


class AlphaWords(_GopherRule):
    code = "GQ006"
    name = "gopher-alpha-words"
    default_severity = Severity.INFO
    summary = "Too few words contain a letter"
    params: ClassVar[Mapping[str, Param]] = {
        "min_ratio": Param(0.8, "Smallest fraction of words with a letter.")
    }
    explanation = (
        "The fraction of words (all tokens, punctuation included) with at least one "
        "alphabetic character. Below 80% the document is mostly numbers, symbols or "
        "markup. With datatrove's definition punctuation tokens count as words, so "
        "ordinary prose with many numbers and commas also falls below 80% (about 7% "
        "of English Wikipedia articles, measured with benchmarks/false_warnings.py); "
        "the rule is therefore `info` by default."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        total = ctx.word_total
        if not total:
            return
        frac = (total - ctx.letterless_word_count) / total
        ctx.metrics["alpha_words_ratio"] = frac
        limit = self.value("min_ratio")
        if limit is not None and frac < limit:
            yield self.file_finding(
                ctx,
                f"only {_pct(frac)} of words contain a letter (min {_pct(limit)})",
                {"ratio": frac},
            )


class StopWords(_GopherRule):
    code = "GQ007"
    name = "gopher-stop-words"
    summary = "Fewer than two English stop words"
    params: ClassVar[Mapping[str, Param]] = {
        "min_stop_words": Param(2, "Fewest distinct stop words the text must contain."),
        "stop_words": Param(tuple(sorted(ts.GOPHER_STOP_WORDS)), "The stop words (case-sensitive)."),
    }
    explanation = (
        "Counts how many distinct words of 'the, be, to, of, and, that, have, with' "
        "occur (case-sensitive, as in datatrove). English prose uses nearly all of "
        "them; a document with fewer than two is a list, a table, or not English."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        raw = self.values["stop_words"]
        stop = set(raw) if isinstance(raw, (tuple, list)) else set(ts.GOPHER_STOP_WORDS)
        found = ctx.distinct_words_of(stop)
        ctx.metrics["stop_words"] = float(found)
        limit = self.value("min_stop_words")
        if limit is not None and found < limit:
            yield self.file_finding(
                ctx,
                f"{found} distinct stop word(s) (min {limit:g})",
                {"stop_words": found},
            )


TOP_NGRAMS = ((2, 0.2), (3, 0.18), (4, 0.16))
DUP_NGRAMS = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


class Repetition(_GopherRule):
    code = "GR001"
    name = "gopher-repetition"
    source = GOPHER.format("GopherRepetitionFilter")
    summary = "The document repeats its own lines, paragraphs or n-grams"
    params: ClassVar[Mapping[str, Param]] = {
        "dup_para_frac": Param(0.3, "Largest fraction of paragraphs that repeat one."),
        "dup_para_char_frac": Param(0.2, "Largest fraction of characters in repeated paragraphs."),
        "dup_line_frac": Param(0.3, "Largest fraction of lines that repeat one."),
        "dup_line_char_frac": Param(0.2, "Largest fraction of characters in repeated lines."),
        **{
            f"top_{n}_gram_char_frac": Param(v, f"Largest character share of the top {n}-gram.")
            for n, v in TOP_NGRAMS
        },
        **{
            f"dup_{n}_gram_char_frac": Param(v, f"Largest character share of repeated {n}-grams.")
            for n, v in DUP_NGRAMS
        },
    }
    explanation = (
        "Gopher's repetition filter: the fraction of paragraphs and of lines that are "
        "exact repeats of an earlier one (by count and by characters), the character "
        "share of the most frequent 2-, 3- and 4-gram, and the character share of "
        "repeated 5- to 10-grams. One finding lists every threshold exceeded; the "
        "metrics give all the fractions. Duplicated paragraphs inside one file are "
        "the typical cause; DUP001 findings point at each copy and `dedup clean` "
        "removes them."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.text_lf
        if not text:
            return
        size = len(text)
        m: dict[str, float] = {}
        paragraphs = ctx.block_texts or ts.gopher_paragraphs(text)
        count, chars = ts.duplicates(paragraphs)
        m["dup_para_frac"] = ratio(count, len(paragraphs))
        m["dup_para_char_frac"] = chars / size
        reasons: list[str] = []
        reasons += self._repeats(
            "paragraph", count, len(paragraphs), "dup_para_frac", "dup_para_char_frac", m
        )
        lines = ts.gopher_lines(text)
        count, chars = ts.duplicates(lines)
        m["dup_line_frac"] = ratio(count, len(lines))
        m["dup_line_char_frac"] = chars / size
        reasons += self._repeats("line", count, len(lines), "dup_line_frac", "dup_line_char_frac", m)
        ngrams = ctx.word_ngrams
        over_top: list[int] = []
        for n, _ in TOP_NGRAMS:
            key = f"top_{n}_gram_char_frac"
            m[key] = ngrams.top_chars(n) / size
            if self._over(key, m):
                over_top.append(n)
        if over_top:
            worst = max(m[f"top_{n}_gram_char_frac"] for n in over_top)
            reasons.append(f"a single {_ns(over_top)}-gram covers up to {_pct(worst)}")
        over_dup: list[int] = []
        for n, _ in DUP_NGRAMS:
            key = f"dup_{n}_gram_char_frac"
            m[key] = ngrams.duplicated_chars(n) / size
            if self._over(key, m):
                over_dup.append(n)
        if over_dup:
            worst = max(m[f"dup_{n}_gram_char_frac"] for n in over_dup)
            reasons.append(f"repeated {_ns(over_dup)}-grams cover up to {_pct(worst)}")
        ctx.metrics.update(m)
        if reasons:
            yield self.file_finding(ctx, "repetitive text: " + "; ".join(reasons), m)

    def _repeats(
        self, unit: str, count: int, total: int, count_key: str, chars_key: str, m: dict[str, float]
    ) -> list[str]:
        """One reason for repeated paragraphs or lines, by count and/or by characters."""
        by_count, by_chars = self._over(count_key, m), self._over(chars_key, m)
        if by_count and by_chars:
            return [f"{count} of {total} {unit}s are repeats ({_pct(m[chars_key])} of the text)"]
        if by_count:
            return [f"{count} of {total} {unit}s are repeats"]
        if by_chars:
            return [f"repeated {unit}s hold {_pct(m[chars_key])} of the text"]
        return []

    def _over(self, key: str, measured: dict[str, float]) -> bool:
        limit = self.value(key)
        return limit is not None and measured[key] > limit


GOPHER_RULES: tuple[type[Rule], ...] = (
    WordCount,
    MeanWordLength,
    SymbolRatio,
    BulletLines,
    EllipsisLines,
    AlphaWords,
    StopWords,
    Repetition,
)
