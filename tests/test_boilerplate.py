"""BP001's quick test (FIRST_WORDS) never rules out a paragraph that a
built-in pattern matches: texts are generated from each pattern itself."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.rules.boilerplate import (
    _STRIP,
    BOILERPLATE_PATTERNS,
    FIRST_WORDS,
    BoilerplateParagraph,
    _may_match,
    _normalise,
    _starts,
)

# What _normalise strips or collapses around a paragraph.
_AROUND = st.text(alphabet=_STRIP + "\n\t\u00a0\u2003", max_size=4)


def _reference(text: str) -> str | None:
    """BP001's match without the quick test: every pattern, in order."""
    normal = _normalise(text)
    if not normal:
        return None
    for label, source in BOILERPLATE_PATTERNS:
        if re.fullmatch(source, normal, re.IGNORECASE):
            return label
    return None


def _admitted(text: str) -> bool:
    start, cookie = _may_match()
    return start.match(text) is not None or cookie.search(text) is not None


def test_every_builtin_pattern_has_its_first_words() -> None:
    assert [label for label, _ in BOILERPLATE_PATTERNS] == list(FIRST_WORDS)


@settings(max_examples=1500, deadline=None)
@given(st.data())
def test_quick_test_admits_every_text_a_pattern_matches(data: st.DataObject) -> None:
    label, source = data.draw(st.sampled_from(BOILERPLATE_PATTERNS))
    body = data.draw(st.from_regex(re.compile(source, re.IGNORECASE), fullmatch=True))
    text = data.draw(_AROUND) + body + data.draw(_AROUND)
    expected = _reference(text)
    if expected is not None:
        assert _admitted(text), (label, text)
    assert BoilerplateParagraph().match(text) == expected


_PHRASES = (
    "share this article on Twitter all rights reserved © 2024 cookies we use "
    "click here to subscribe 12 comments read more the story continues below "
    "advertisement follow us sign up for our newsletter leave a reply"
)
_WORDS = st.sampled_from(_PHRASES.split())


@settings(max_examples=500, deadline=None)
@given(st.lists(_WORDS, max_size=8), _AROUND, _AROUND)
def test_match_agrees_with_every_pattern_tried(words: list[str], lead: str, trail: str) -> None:
    text = lead + " ".join(words) + trail
    assert BoilerplateParagraph().match(text) == _reference(text)


def test_custom_patterns_are_tried_on_every_paragraph() -> None:
    rule = BoilerplateParagraph(params={"patterns": ("sent from my [a-z]+",)})
    assert not _admitted("Sent from my phone")
    assert rule.match("Sent from my phone") == "custom"
    assert BoilerplateParagraph().match("Sent from my phone") is None


def test_starts_is_a_trie_of_the_words() -> None:
    pattern = re.compile(_starts(["read", "reddit", "re", "see", r"\d"]))
    assert pattern.pattern == r"(?:\d|re|see)"
    pattern = re.compile(_starts(["reddit", "read", "sponsored", "share"]))
    assert pattern.pattern == "(?:re(?:ad|ddit)|s(?:hare|ponsored))"
    for word in ("read", "reddit", "share", "sponsored"):
        assert pattern.match(word + " more")
    assert not pattern.match("red")


@pytest.mark.parametrize(
    "notice",
    [
        "We use COOKIES on this site.",  # ASCII: the lower-cased text is searched
        "This website uses cook\u0131es to work.",  # dotless i: the regex matches it
        "Diese Seite: this site uses cook\u0130es, s\u00fc\u00df.",
    ],
)
def test_check_finds_cookie_notices_in_ascii_and_other_text(notice: str) -> None:
    from rules_helpers import run

    text = f"The council met on Tuesday.\n\n{notice}\n\nShare this article\n"
    findings = run(text, "BP001")
    assert [f.message for f in findings] == ["boilerplate (cookie notice)", "boilerplate (share prompt)"]
    assert [f.line for f in findings] == [3, 5]
    assert [f.message for f in run(text.replace(notice, "Nothing here."), "BP001")] == [
        "boilerplate (share prompt)"
    ]


def test_the_letters_of_cook_match_only_what_lower_cases_to_them() -> None:
    """_may_have_cookie rules a file out when its lower-cased text lacks "cook"."""
    import sys

    for letter in "cok":
        pattern = re.compile(letter, re.IGNORECASE)
        for code in range(sys.maxunicode + 1):
            if pattern.fullmatch(chr(code)):
                assert chr(code).lower() == letter, hex(code)
