"""Paragraph-level boilerplate: share buttons, cookie banners, copyright lines.

The list is curated from the boilerplate C4 and the Gopher/RefinedWeb line
filters target, written as anchored patterns that must match a whole short
paragraph, so that prose which merely mentions "all rights reserved" is not
flagged. Users add their own with the ``patterns`` threshold of BP001.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cached_property, lru_cache
from typing import ClassVar

from dedup.errors import DedupError
from dedup.models import Finding, Severity
from dedup.rules.base import FileContext, Param, Rule, Scope

#: (label, pattern) pairs. Each pattern must match the whole paragraph after
#: whitespace is collapsed and surrounding punctuation and bullets removed;
#: matching is case-insensitive.
BOILERPLATE_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "share prompt",
        (
            r"(?:share|tweet|email|print) (?:this|the) (?:article|story|page|post|video)"
            r"(?: (?:on|via|with) [\w ]+)?"
        ),
    ),
    (
        "share buttons",
        (
            r"(?:share|tweet|pin it|like|email|print|whatsapp|facebook|twitter|linkedin"
            r"|reddit)(?:[ |/•·,]+(?:share|tweet|pin it|like|email|print|whatsapp|facebook|twitter"
            r"|linkedin|reddit))*"
        ),
    ),
    (
        "subscribe prompt",
        (
            r"(?:click|tap) here to (?:subscribe|sign up|register|read more|download"
            r"|continue|learn more)\b.*"
        ),
    ),
    (
        "newsletter prompt",
        (
            r"(?:subscribe|sign up) (?:to|for) (?:our|the) (?:free )?"
            r"(?:daily |weekly )?(?:newsletter|mailing list|updates)\b.*"
        ),
    ),
    (
        "read more",
        (
            r"(?:read|continue reading|see) (?:more|the full (?:story|article))"
            r"(?: (?:here|below|at [\w. ]+))?"
        ),
    ),
    (
        "copyright",
        (
            r"(?:(?:copyright|©|\(c\))\s*)+(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?[\w&.,' -]{0,80}?"
            r"\ball rights reserved\b.*|(?:copyright|©)\s*\d{4}(?:\s*[-–]\s*\d{4})?[\w&.,' -]{0,60}"
        ),
    ),
    ("rights reserved", r"all rights reserved"),
    (
        "advertisement",
        (
            r"(?:advertisement|advertising|sponsored(?: content)?|ad|promoted"
            r"|story continues below(?: advertisement)?)"
        ),
    ),
    (
        "cookie notice",
        r".{0,120}\b(?:we|this (?:web)?site|our (?:web)?site|site) uses? cookies\b.*",
    ),
    (
        "cookie consent",
        r"(?:accept|allow|reject|manage) (?:all )?cookies|cookie (?:settings|preferences)",
    ),
    ("follow us", r"follow us on [\w, &]+"),
    (
        "skip link",
        r"skip to (?:main )?(?:content|navigation)|back to top|jump to (?:navigation|search)",
    ),
    (
        "related links",
        (
            r"(?:related|recommended|more|popular|trending) (?:articles|stories|posts"
            r"|links|reading|news)(?: from [\w ]+)?"
        ),
    ),
    (
        "javascript notice",
        (
            r"(?:please )?(?:you (?:must|need to) )?(?:enable|turn on|activate) "
            r"javascript\b.*"
        ),
    ),
    (
        "comments prompt",
        (
            r"(?:leave a (?:comment|reply)|comments? (?:are )?closed|\d+ comments?"
            r"|add (?:a|your) comment|log in to comment)"
        ),
    ),
)

#: For each built-in pattern, the words one of which starts every text it
#: matches (case-insensitively, as the patterns match), or None for the
#: cookie notice, which may start anywhere but contains "cookie". A
#: paragraph whose normalised text starts with none of these words (or a
#: digit, or "©") and has no "cookie" is matched by no built-in pattern:
#: one anchored regex rules most paragraphs out before any normalising.
#: ``tests/test_boilerplate.py`` generates texts that each pattern matches
#: and checks that the test lets them through.
FIRST_WORDS: dict[str, tuple[str, ...] | None] = {
    "share prompt": ("share", "tweet", "email", "print"),
    "share buttons": (
        *("share", "tweet", "pin", "like", "email", "print"),
        *("whatsapp", "facebook", "twitter", "linkedin", "reddit"),
    ),
    "subscribe prompt": ("click", "tap"),
    "newsletter prompt": ("subscribe", "sign"),
    "read more": ("read", "continue", "see"),
    "copyright": ("copyright", "©"),
    "rights reserved": ("all",),
    "advertisement": ("ad", "sponsored", "promoted", "story"),
    "cookie notice": None,
    "cookie consent": ("accept", "allow", "reject", "manage", "cookie"),
    "follow us": ("follow",),
    "skip link": ("skip", "back", "jump"),
    "related links": ("related", "recommended", "more", "popular", "trending"),
    "javascript notice": ("please", "you", "enable", "turn", "activate"),
    "comments prompt": ("leave", "comment", "add", "log", r"\d"),
}

_STRIP = " \t\"'“”‘’«»•·*-–—|:.!>()[]"
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _any_builtin_pattern() -> re.Pattern[str]:
    """One regex that fully matches where some built-in pattern does: most
    paragraphs are ruled out with one match instead of one per pattern."""
    return re.compile("|".join(f"(?:{source})" for _, source in BOILERPLATE_PATTERNS), re.IGNORECASE)


def _starts(words: list[str]) -> str:
    """A regex that matches where one of ``words`` starts (regex pieces,
    all plain text but ``\\d``), as a trie: the regex engine tries each
    alternative of an alternation in turn, so a shared start is tried once.
    A word with a shorter one as its start is left out."""
    pieces = [re.findall(r"\\d|.", w, re.DOTALL) for w in sorted(set(words))]
    kept = [p for p in pieces if not any(q != p and p[: len(q)] == q for q in pieces)]

    def trie(suffixes: list[list[str]]) -> str:
        groups: dict[str, list[list[str]]] = {}
        for s in suffixes:
            groups.setdefault(s[0], []).append(s[1:])
        alternatives = []
        for first, rest in groups.items():
            head = first if first == r"\d" else re.escape(first)
            tails = [r for r in rest if r]
            alternatives.append(head + (trie(tails) if tails else ""))
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return trie(kept)


@lru_cache(maxsize=1)
def _may_match() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The tests of :data:`FIRST_WORDS`: the first words after what
    :func:`_normalise` strips, and "cookie" anywhere."""
    words = [w for label, _ in BOILERPLATE_PATTERNS for w in FIRST_WORDS[label] or ()]
    stripped = "".join(re.escape(c) for c in _STRIP)
    start = re.compile(rf"[\s{stripped}]*{_starts(words)}", re.IGNORECASE)
    return start, re.compile("cookie", re.IGNORECASE)


def _may_have_cookie(ctx: FileContext) -> bool:
    """False when "cookie" does not occur in the file as the patterns match
    it: in any case, where case-insensitive matching also lets "ı" and "İ"
    match "i" (and "K", the Kelvin sign, "k"). The characters that match
    "c", "o" and "k" all lower-case to them, so without "cook" in the
    lower-cased text there is none; in ASCII text, "cookie" in it decides."""
    return ctx.has_lower("cookie" if ctx.text.isascii() else "cook")


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip(_STRIP)


class BoilerplateParagraph(Rule):
    code = "BP001"
    name = "boilerplate-paragraph"
    scope = Scope.PARAGRAPH
    default_severity = Severity.WARNING
    summary = "Website boilerplate paragraph (share, subscribe, cookies, copyright)"
    params: ClassVar[Mapping[str, Param]] = {
        "max_chars": Param(200, "Longer paragraphs are never reported."),
        "patterns": Param(
            (),
            "Extra regular expressions (Python syntax, case-insensitive) that a whole "
            "paragraph must match; added to the built-in list.",
        ),
    }
    explanation = (
        "Short paragraphs that are page furniture rather than content: 'Share this "
        "article', 'Click here to subscribe', 'All rights reserved', 'Advertisement', "
        "cookie banners, 'Follow us on ...', 'Skip to content', 'Related stories'. "
        "They survive HTML-to-text extraction and are repeated across thousands of "
        "pages. A pattern must match the whole paragraph (surrounding quotes, bullets "
        "and punctuation ignored), and only paragraphs up to `max_chars` are tested. "
        "The built-in list is in `dedup.rules.boilerplate.BOILERPLATE_PATTERNS`. Fix: "
        "`dedup clean --drop BP001`."
    )
    source = (
        "Curated by dedup after the line filters of C4 (Raffel et al. 2020), Gopher "
        "(Rae et al. 2021) and RefinedWeb (Penedo et al. 2023, arXiv:2306.01116)."
    )

    @cached_property
    def _patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        extra = self.values.get("patterns") or ()
        if isinstance(extra, str):
            extra = (extra,)
        if not isinstance(extra, (tuple, list)):
            raise DedupError(f"{self.code}.patterns must be a list of regular expressions")
        compiled = []
        for label, source in (*BOILERPLATE_PATTERNS, *(("custom", p) for p in extra)):
            try:
                compiled.append((label, re.compile(source, re.IGNORECASE)))
            except re.error as err:
                raise DedupError(f"{self.code}.patterns: invalid regex {source!r}: {err}") from None
        return compiled

    def match(self, text: str) -> str | None:
        """The label of the pattern that ``text`` matches, or None."""
        custom = self._patterns[len(BOILERPLATE_PATTERNS) :]
        start, cookie = _may_match()
        builtin = start.match(text) is not None or cookie.search(text) is not None
        if not builtin and not custom:
            return None
        normal = _normalise(text)
        if not normal:
            return None
        patterns = custom
        if builtin and _any_builtin_pattern().fullmatch(normal) is not None:
            patterns = self._patterns
        for label, pattern in patterns:
            if pattern.fullmatch(normal):
                return label
        return None

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        limit = self.value("max_chars")
        # Without custom patterns, a paragraph :data:`FIRST_WORDS` rules out
        # is not matched: only the others are given to match().
        quick = len(self._patterns) == len(BOILERPLATE_PATTERNS)
        start = _may_match()[0].match
        cookie = _may_match()[1].search if _may_have_cookie(ctx) else None
        for i, text in enumerate(ctx.block_texts):
            if limit is not None and len(text) > limit:
                continue
            if quick and start(text) is None and (cookie is None or cookie(text) is None):
                continue
            label = self.match(text)
            if label is not None:
                yield self.block_finding(ctx, ctx.blocks[i], f"boilerplate ({label})")


BOILERPLATE_RULES: tuple[type[Rule], ...] = (BoilerplateParagraph,)
