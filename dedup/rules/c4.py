"""C4 heuristics (Raffel et al. 2020) as a linter.

C4 removes lines (those mentioning javascript or a cookie/terms policy,
lines without terminal punctuation) and drops whole pages (lorem ipsum, a
curly bracket). Here each becomes a rule: line removals are paragraph-scope
findings that ``dedup clean --drop`` can act on, page drops are file-scope
findings. Definitions follow datatrove 0.10.1's ``C4QualityFilter`` and the
TensorFlow Datasets ``c4_utils.py`` it reimplements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import compress
from typing import ClassVar

from dedup.models import BlockKind, Finding, Severity
from dedup.rules.base import FileContext, Param, Rule, Scope

C4 = (
    "Raffel et al. 2020, 'Exploring the Limits of Transfer Learning with a Unified "
    "Text-to-Text Transformer' (JMLR 21), section 2.2; reference implementations: "
    "tensorflow_datasets c4_utils.py and datatrove 0.10.1 C4QualityFilter."
)
CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
#: Every policy substring holds one of these: a file without any has no
#: policy notice (three searches of the whole text instead of six).
_POLICY_ANCHORS = ("terms of use", "privacy policy", "cookie")


def c4_line_reason(line: str, max_word_length: int = 1000) -> str | None:
    """Why C4 would remove ``line`` (datatrove's reason names), or None to keep.

    Checks run in C4's order; the first that applies wins. Page-level checks
    (lorem ipsum, curly bracket) are not line removals and are not included.
    """
    line = line.strip()
    words = line.split()
    if any(len(w) > max_word_length for w in words):
        return "too_long_word"
    line = CITATION.sub("", line)
    if not line.endswith(END_PUNCTUATION) or line.endswith("..."):
        return "no_terminal_punc"
    if len(words) < 3:
        return "too_few_words"
    lower = line.lower()
    if "javascript" in lower:
        return "javascript"
    if any(p in lower for p in POLICY_SUBSTRINGS):
        return "policy"
    return None


class _C4Rule(Rule):
    default_severity = Severity.INFO
    heuristic = True
    source = C4


class LoremIpsum(_C4Rule):
    code = "C4001"
    name = "lorem-ipsum"
    scope = Scope.FILE
    default_severity = Severity.WARNING
    summary = "Placeholder text ('lorem ipsum')"
    explanation = (
        "The phrase 'lorem ipsum' marks placeholder text that was never replaced. C4 "
        "drops every page containing it. Fix: write the real text."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        # The phrase has no line break: it is in a line exactly when it is
        # in the whole lower-cased text (see FileContext.text_lower).
        if not ctx.has_lower("lorem ipsum"):
            return
        for line in ctx.lines:
            if "lorem ipsum" in line.text.lower():
                yield self.file_finding(
                    ctx,
                    "placeholder text 'lorem ipsum'",
                    line=line.number,
                    end_line=line.number,
                )
                return


class CurlyBracket(_C4Rule):
    code = "C4002"
    name = "curly-bracket"
    scope = Scope.FILE
    summary = "Curly bracket in the text (code or template)"
    explanation = (
        "C4 drops every page that contains '{', which removes code and unrendered "
        "templates from natural-language data. In documentation code is normal, so "
        "this rule is `info` by default."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        first = ctx.text_lf.find("{")
        if first == -1:
            return
        number = ctx.line_of_offset(first)
        yield self.file_finding(ctx, "curly bracket '{' (code or template)", line=number, end_line=number)


def _prose_blocks(ctx: FileContext) -> Iterator[tuple[int, str]]:
    """The index and text of each block that is not code or a table."""
    for i, (text, kind) in enumerate(zip(ctx.block_texts, ctx.block_kinds, strict=True)):
        if kind is not BlockKind.CODE and kind is not BlockKind.TABLE:
            yield i, text


class JavascriptLine(_C4Rule):
    code = "C4003"
    name = "javascript-notice"
    scope = Scope.PARAGRAPH
    default_severity = Severity.WARNING
    params: ClassVar[Mapping[str, Param]] = {
        "max_chars": Param(300, "Only paragraphs up to this length are reported.")
    }
    summary = "'Enable JavaScript' notice"
    explanation = (
        "C4 removes every line that mentions 'javascript', which in crawled text is "
        "almost always a 'please enable JavaScript' notice. Prose about JavaScript "
        "is a normal topic, so only short paragraphs (at most `max_chars`) are "
        "reported. Fix: delete the paragraph (`dedup clean --drop C4003`)."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.has_lower("javascript"):
            return
        limit = self.value("max_chars")
        for i, text in _prose_blocks(ctx):
            if limit is not None and len(text) > limit:
                continue
            if "javascript" in text.lower():
                yield self.block_finding(ctx, ctx.blocks[i], "JavaScript notice")


class PolicyLine(_C4Rule):
    code = "C4004"
    name = "policy-notice"
    scope = Scope.PARAGRAPH
    default_severity = Severity.WARNING
    params: ClassVar[Mapping[str, Param]] = {
        "max_chars": Param(300, "Only paragraphs up to this length are reported.")
    }
    summary = "Cookie, privacy-policy or terms-of-use notice"
    explanation = (
        "C4 removes lines containing 'terms of use', 'privacy policy', 'cookie policy', "
        "'uses cookies', 'use of cookies' or 'use cookies': they are site chrome, not "
        "content. Only paragraphs up to `max_chars` are reported so that an article "
        "about privacy policies is not flagged. Fix: `dedup clean --drop C4004`."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not any(map(ctx.has_lower, _POLICY_ANCHORS)):
            return
        limit = self.value("max_chars")
        for i, text in _prose_blocks(ctx):
            if limit is not None and len(text) > limit:
                continue
            lower = text.lower()
            phrase = next((p for p in POLICY_SUBSTRINGS if p in lower), None)
            if phrase is not None:
                yield self.block_finding(ctx, ctx.blocks[i], f"policy notice ('{phrase}')")


class NoTerminalPunctuation(_C4Rule):
    code = "C4005"
    name = "no-terminal-punctuation"
    scope = Scope.PARAGRAPH
    summary = "Paragraph does not end with terminal punctuation"
    explanation = (
        "C4 keeps only lines that end in '.', '?', '!', or a closing quote (and not in "
        "'...'), after removing Wikipedia-style citation marks. Headings, captions "
        "and menu items fail this test, so it is `info` by default; headings "
        "recognised by the paragraph splitter are skipped."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        kinds = ctx.block_kinds
        for i, text in _prose_blocks(ctx):
            if kinds[i] is BlockKind.HEADING:
                continue
            line = CITATION.sub("", text.strip())
            if not line.endswith(END_PUNCTUATION) or line.endswith("..."):
                yield self.block_finding(ctx, ctx.blocks[i], "no terminal punctuation")


class LongWord(_C4Rule):
    code = "C4006"
    name = "long-word"
    scope = Scope.PARAGRAPH
    default_severity = Severity.WARNING
    params: ClassVar[Mapping[str, Param]] = {
        "max_word_length": Param(1000, "Longest word allowed, in characters.")
    }
    heuristic = False
    summary = "A 'word' of more than 1000 characters"
    explanation = (
        "C4 removes lines containing a whitespace-separated word longer than 1000 "
        "characters: base64 data, minified code, or text whose spaces were lost."
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        limit = self.value("max_word_length")
        if limit is None:
            return
        arrays = ctx.token_arrays
        if arrays is not None and arrays.longest_chunk <= limit:
            return  # no whitespace-separated piece of the text is that long
        texts = ctx.block_texts
        # No word is longer than its paragraph: only the longer ones are split.
        for i in compress(range(len(texts)), map(limit.__lt__, map(len, texts))):
            text = texts[i]
            longest = max(map(len, text.split()), default=0)
            if longest > limit:
                yield self.block_finding(
                    ctx,
                    ctx.blocks[i],
                    f"a {longest}-character word (max {limit:g})",
                    {"longest_word": longest},
                )


C4_RULES: tuple[type[Rule], ...] = (
    LoremIpsum,
    CurlyBracket,
    JavascriptLine,
    PolicyLine,
    NoTerminalPunctuation,
    LongWord,
)
