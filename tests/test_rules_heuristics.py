"""Gopher, C4, FineWeb and boilerplate rules: a failing and a passing input each."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import PROSE, codes, run

from dedup.rules.boilerplate import BoilerplateParagraph

ARTICLE = "\n\n".join([PROSE] * 1) + "\n"
NEWS = (Path(__file__).parent / "fixtures" / "quality" / "clean_news.txt").read_text()
CASES = [
    ("GQ001", "Too short to judge.\n", ARTICLE),
    ("GQ002", " ".join(["a b c d"] * 30) + " the and of.\n", ARTICLE),
    ("GQ003", PROSE + " " + "#tag " * 20 + "\n", ARTICLE),
    ("GQ004", "\n".join(f"- item {i} of the list and more" for i in range(30)) + "\n", ARTICLE),
    ("GQ005", "\n".join(f"Read the rest of story {i} and..." for i in range(30)) + "\n", ARTICLE),
    ("GQ006", PROSE + " " + " ".join(str(n) for n in range(400)) + "\n", ARTICLE),
    ("GQ007", " ".join(f"Widget{i} price list" for i in range(30)) + "\n", ARTICLE),
    ("GR001", (PROSE + "\n\n") * 3, NEWS),
    ("C4001", "Lorem ipsum dolor sit amet.\n\n" + PROSE, ARTICLE),
    ("C4002", PROSE + "\n\nconfig = {debug: true}\n", ARTICLE),
    ("C4003", PROSE + "\n\nPlease enable JavaScript to view the comments.\n", ARTICLE),
    ("C4004", PROSE + "\n\nThis site uses cookies. Read our privacy policy.\n", ARTICLE),
    ("C4005", PROSE + "\n\nMore from the council\n\n" + PROSE.replace("wet", "dry"), ARTICLE),
    ("C4006", PROSE + "\n\n" + "A" * 1001 + "\n", ARTICLE),
    ("FW001", "\n".join(f"Menu entry {i} for the shop and the cart" for i in range(60)) + "\n", ARTICLE),
    ("FW002", "\n".join(f"Tag {i} of the day." for i in range(60)) + "\n", ARTICLE),
    ("FW003", PROSE + "\nThe same line again and again.\nThe same line again and again.\n", ARTICLE),
    ("FW004", "\n".join(f"Item {i}" for i in range(60)) + "\n", ARTICLE),
    ("BP001", PROSE + "\n\nShare this article\n", ARTICLE),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bad_and_not_on_good(rule: str, bad: str, good: str) -> None:
    assert rule in codes(bad, rule, split="blank")
    assert codes(good, rule, split="blank") == []


def test_ratio_rules_skip_documents_below_min_words() -> None:
    # Fifteen words of bullets: GQ004 would fire, but the text is too short to judge.
    assert codes("- a list\n- of very\n- few words that\n- is short\n", "GQ004") == []


def test_thresholds_can_be_overridden_and_disabled() -> None:
    text = (PROSE + "\n\n") * 3
    assert codes(text, "GR001", split="blank") == ["GR001"]
    off = {
        key: None for key in ("dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac")
    }
    off.update({f"dup_{n}_gram_char_frac": None for n in range(5, 11)})
    off.update({f"top_{n}_gram_char_frac": None for n in range(2, 5)})
    assert run(text, "GR001", split="blank", thresholds={"GR001": off}) == []


def test_paragraph_findings_are_fixable_block_spans() -> None:
    text = PROSE + "\n\nShare this article\n"
    (finding,) = run(text, "BP001", split="blank")
    raw = text.encode()
    assert raw[finding.start : finding.stop] == b"Share this article\n"
    assert finding.line == finding.end_line == 3


@pytest.mark.parametrize(
    "line",
    [
        "Share this article",
        "Click here to subscribe",
        "All rights reserved.",
        "© 2024 Example Media Ltd. All rights reserved.",
        "Advertisement",
        "This website uses cookies to improve your experience.",
        "Accept all cookies",
        "Follow us on Twitter and Facebook",
        "Skip to main content",
        "Related stories",
        "Subscribe to our newsletter for weekly updates",
    ],
)
def test_boilerplate_list_matches(line: str) -> None:
    assert BoilerplateParagraph().match(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "The company said all rights reserved by the original contract had lapsed in May.",
        "She shared this article's findings with the committee.",
        "The advertisement campaign cost more than expected.",
    ],
)
def test_boilerplate_does_not_match_prose(line: str) -> None:
    assert BoilerplateParagraph().match(line) is None


def test_boilerplate_user_patterns_extend_the_list() -> None:
    rule = BoilerplateParagraph(params={"patterns": ("sent from my phone",)})
    assert rule.match("Sent from my phone") == "custom"
    assert BoilerplateParagraph().match("Sent from my phone") is None


def test_mission_article_fires_gopher_repetition_and_nothing_else_above_info() -> None:
    from pathlib import Path

    from dedup.models import Severity

    text = (Path(__file__).parent / "fixtures" / "mission_article.txt").read_bytes()
    findings = run(text, "ALL")
    above_info = [f for f in findings if f.severity > Severity.INFO]
    assert [f.rule for f in above_info] == ["GR001"]
    assert above_info[0].metrics["dup_para_frac"] == pytest.approx(4 / 11)
    assert "4 of 11 paragraphs" in above_info[0].message


def test_clean_news_story_has_no_warning() -> None:
    from pathlib import Path

    from dedup.models import Severity

    text = (Path(__file__).parent / "fixtures" / "quality" / "clean_news.txt").read_bytes()
    assert [f for f in run(text, "ALL") if f.severity > Severity.INFO] == []


def test_every_policy_phrase_holds_an_anchor() -> None:
    """C4004 skips a file without any of its anchors."""
    from dedup.rules.c4 import _POLICY_ANCHORS, POLICY_SUBSTRINGS

    assert all(any(a in phrase for a in _POLICY_ANCHORS) for phrase in POLICY_SUBSTRINGS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "{", "b{", "\n", "\r\n", "\r", "\n\n", " "]), max_size=30).map("".join))
def test_curly_bracket_line_is_the_first_line_holding_one(text: str) -> None:
    """C4002 reports the first physical line with a '{' (any line ending)."""
    from rules_helpers import document

    from dedup.rules.base import split_lines

    found = run(text, "C4002")
    lines = [line.number for line in split_lines(document(text)) if "{" in line.text]
    assert [(f.line, f.end_line) for f in found] == ([(lines[0], lines[0])] if lines else [])
