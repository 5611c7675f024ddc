from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import PROSE, codes, run

CASES = [
    # (rule, failing input, passing input)
    ("ENC001", PROSE.encode() + b"\n caf\xe9\n", PROSE.encode() + " café\n".encode()),
    ("ENC002", b"\xff\xfe" + "hello".encode("utf-16-le"), b"hello\n"),
    (
        "ENC003",
        "The caf\u00c3\u00a9 was closed \u00e2\u20ac\u201d again.\n",
        "The café was closed — again.\n",
    ),
    ("ENC004", "Broken \ufffd text here.\n", "Fine text here.\n"),
    ("ENC005", "First part.\n\ufeffSecond part.\n", "\ufeffFirst part.\nSecond part.\n"),
    ("TXT001", "A NUL\x00 byte and an ESC\x1b[0m code.\n", "A tab\tis fine.\fAnd form feed.\n"),
    ("TXT002", "zero\u200bwidth space\n", "\u0915\u094d\u200d\u0937 is a conjunct.\n"),
    ("TXT003", "one\r\ntwo\nthree\r\n", "one\r\ntwo\r\nthree\r\n"),
    ("TXT004", "trailing space \nclean\n", "no trailing\nspace here\n"),
    ("TXT005", "x" * 10_001 + "\n", "x" * 10_000 + "\n"),
    ("TXT006", " \n\t\n", "text\n"),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bad_and_not_on_good(rule: str, bad: str | bytes, good: str | bytes) -> None:
    assert codes(bad, rule) == [rule]
    assert codes(good, rule) == []


def test_invalid_utf8_reports_byte_offset_and_line() -> None:
    (finding,) = run(b"ok line\nbad \xff here\n", "ENC001")
    assert finding.metrics["byte_offset"] == 12
    assert finding.line == 2
    assert "byte offset 12" in finding.message


def test_empty_file_is_one_finding() -> None:
    (finding,) = run(b"", "TXT006")
    assert finding.message == "file is empty"


def test_per_line_rules_report_first_line_and_count() -> None:
    (finding,) = run("a \nb\nc \nd \n", "TXT004")
    assert (finding.line, finding.end_line) == (1, 4)
    assert finding.metrics["lines"] == 3


def test_mixed_line_endings_points_at_minority_lines() -> None:
    (finding,) = run(b"a\r\nb\r\nc\nd\r\n", "TXT003")
    assert finding.line == 3
    assert finding.metrics == {"crlf": 3.0, "lf": 1.0, "cr": 0.0}


def test_large_file_skips_heuristics_with_a_note() -> None:
    from rules_helpers import document

    from dedup.quality import check_quality
    from dedup.rules.registry import RuleSettings

    doc = document((PROSE + "\n\n") * 20)
    result = check_quality([doc], [[]], RuleSettings(select=("GQ", "TXT007"), max_heuristic_bytes=100))
    assert [f.rule for f in result.findings] == ["TXT007"]
    assert "words" not in result.metrics["doc.txt"]


def _mojibake_alphabet() -> str:
    """Every character ftfy's badness pattern names, plus ASCII letters,
    digits, punctuation and spaces."""
    import re as _re

    from ftfy.badness import BADNESS_RE

    named = set()
    for cls in _re.findall(r"\[([^\]]*)\]", BADNESS_RE.pattern):
        for lo, hi in _re.findall(r"(.)-(.)", cls):
            named.update(chr(c) for c in range(ord(lo), ord(hi) + 1))
        named.update(cls)
    named.update(_re.sub(r"\[[^\]]*\]|\\[sw]|[\s|().?^#]", "", BADNESS_RE.pattern))
    return "".join(sorted(named)) + "abcxyzABCXYZ019 .,;!?'\"-\n\t"


def test_mojibake_prefilter_is_active_with_the_installed_ftfy() -> None:
    from dedup.rules.hygiene import mojibake_prefilter

    prefilter = mojibake_prefilter()
    assert prefilter is not None
    assert prefilter.search("The caf\u00c3\u00a9 was closed")
    assert not prefilter.search("The café was closed — again, “she said”.")


@pytest.mark.parametrize("seed", range(5))
def test_mojibake_prefilter_finds_every_line_ftfy_finds(seed: int) -> None:
    """``is_bad(s)`` implies a prefilter match: random strings from the
    characters ftfy's pattern names, many of which are bad."""
    import random

    from ftfy.badness import is_bad

    from dedup.rules.hygiene import mojibake_prefilter

    prefilter = mojibake_prefilter()
    assert prefilter is not None
    alphabet = _mojibake_alphabet()
    rng = random.Random(seed)
    bad = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        if is_bad(text):
            bad += 1
            assert prefilter.search(text), repr(text)
    assert bad > 1000


def test_mojibake_prefilter_on_known_mojibake() -> None:
    from ftfy.badness import is_bad

    from dedup.rules.hygiene import mojibake_prefilter

    prefilter = mojibake_prefilter()
    assert prefilter is not None
    samples = [
        "cafÃ©",
        "donâ€™t",
        "Ã  la",
        "Ã la",
        "vÃ¤xt",
        "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
        "вЂ™",
        "ÎÏ‰",
        "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©",
        "Â£5",
        "a Â® b",
        "‚Äô",
        "ā€™",
        "Ã ",
        "×²",
        "Ù„Ù„",
        "‚âà",
        "Ο°Ο",
        "В°В",
        "Bœ.",
    ]
    found = 0
    for text in samples:
        for line in (text, "x" + text, text + " y"):
            if is_bad(line):
                found += 1
                assert prefilter.search(line), repr(line)
    assert found >= 3 * len(samples) - 6


@pytest.mark.parametrize("seed", range(5))
def test_per_line_rules_find_the_lines_a_full_scan_finds(seed: int) -> None:
    """Rules that look only at the lines their pattern matches in report the
    lines that testing every line reports, whatever the line endings."""
    import random

    from rules_helpers import document

    from dedup.rules.base import FileContext
    from dedup.rules.registry import RuleSettings, selected_rules

    rules = [r for r in selected_rules(RuleSettings(select=("ENC", "TXT"))) if hasattr(r, "line_pattern")]
    patterned = [r for r in rules if r.line_pattern() is not None]
    assert {r.code for r in patterned} == {"ENC004", "ENC005", "TXT001", "TXT002"}
    patterned += [r for r in rules if r.code in ("ENC003", "TXT004")]  # their own bad_lines
    pieces = ["a", "b ", "word", " ", "\t", "\u00a0", "\u3000", "\ufffd", "\ufeff", "\x00", "\x85", "\u200b"]
    pieces += ["\u200d", "é", "Ã©", "â€™", "×²", "\n", "\n", "\r\n", "\r", "\n\n"]
    rng = random.Random(seed)
    checked = 0
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        ctx = FileContext(document(text), [])
        assert ctx.line_count == len(ctx.lines)
        for rule in patterned:
            list(rule.check(ctx))  # rules set up their helpers in check()
            full = [line.number for line in ctx.lines if rule.bad(line.number, line.text)]
            assert rule.bad_lines(ctx) == full, (rule.code, text)
            if full:
                checked += 1
                assert rule.may_apply(ctx.text), (rule.code, text)
    assert checked > 100


def test_lines_matching_gives_numbers_and_texts_of_lines() -> None:
    import re

    from rules_helpers import document

    from dedup.rules.base import FileContext

    ctx = FileContext(document("one x\r\ntwo\rthree x x\n\nfive\nsix x"), [])
    assert ctx.lines_matching(re.compile("x")) == [(1, "one x"), (3, "three x x"), (6, "six x")]
    assert [(ln.number, ln.text) for ln in ctx.lines if "x" in ln.text] == ctx.lines_matching(re.compile("x"))
    assert ctx.lines_matching(re.compile("q")) == []


def test_longest_line_metric_is_that_of_the_lines() -> None:
    from rules_helpers import document

    from dedup.rules.base import FileContext
    from dedup.rules.registry import RuleSettings, selected_rules

    (rule,) = selected_rules(RuleSettings(select=("TXT005",)))
    for text in ["", "\n", "ab\r\nabcd\rabc\n", "abcde", "a\n\nabc\r"]:
        ctx = FileContext(document(text), [])
        list(rule.check(ctx))
        assert ctx.metrics["longest_line"] == max((len(ln.text) for ln in ctx.lines), default=0), text


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet="a\t\n\r\x0b\x0c\x00\x1b\x7f\x80\x85\x9f\xa0\xb0\u0100\u4e2d\U0001f642\ud800\udcc2\udc85"
    )
)
def test_control_character_quick_test_is_the_pattern(text: str) -> None:
    from dedup.rules.hygiene import _CONTROL, ControlCharacter

    assert ControlCharacter().may_apply(text) == (_CONTROL.search(text) is not None)


@pytest.mark.parametrize("seed", range(3))
def test_mojibake_windows_give_ftfys_answer(seed: int) -> None:
    """ENC003 searches ftfy's pattern only near the prefilter's matches: on
    long random lines of the characters the pattern names (and ordinary
    ones) the answer is ``is_bad``'s."""
    import random
    import re._parser as parser  # the analysed pattern's width, checked here

    from ftfy.badness import BADNESS_RE, is_bad

    from dedup.rules.hygiene import _BADNESS_REACH, bad_near_prefilter, mojibake_prefilter

    prefilter = mojibake_prefilter()
    assert prefilter is not None
    assert parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags).getwidth()[1] + 2 <= _BADNESS_REACH
    alphabet = _mojibake_alphabet() + "abc xyz.," * 8
    rng = random.Random(seed)
    bad = 0
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
        expected = is_bad(text)
        bad += expected
        assert bad_near_prefilter(prefilter, BADNESS_RE, text) == expected, repr(text)
    assert bad > 500
    assert re.search("\\^", BADNESS_RE.pattern)  # the one anchor: pos keeps it at the start


def test_mojibake_prefilter_comes_back_from_the_disk_cache_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prefilter's pattern is derived from ftfy once, then read from
    disk: the same pattern, keyed by ftfy's badness.py (another key, another
    file); an unreadable file is derived again."""
    from dedup import table_cache
    from dedup.rules import hygiene

    monkeypatch.setattr(table_cache, "cache_files", lambda name, key: [tmp_path / f"{name}-{key}.npz"])
    hygiene.mojibake_prefilter.cache_clear()
    try:
        derived = hygiene._prefilter_pattern()
        assert derived
        first = hygiene.mojibake_prefilter()
        (stored,) = tmp_path.glob("mojibake-*.npz")
        hygiene.mojibake_prefilter.cache_clear()
        again = hygiene.mojibake_prefilter()
        assert first is not None and again is not None
        assert first.pattern == again.pattern == derived
        stored.write_bytes(b"not a numpy file")
        hygiene.mojibake_prefilter.cache_clear()
        assert (hygiene.mojibake_prefilter() or re.compile("")).pattern == derived
    finally:
        hygiene.mojibake_prefilter.cache_clear()


def _imports(path: Path, tmp_path: Path) -> str:
    """``python -X importtime -m dedup check PATH``'s import log."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dedup", "check", str(path), "--select", "ENC003"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stderr


def test_ftfy_is_imported_only_for_a_line_the_prefilter_finds(tmp_path: Path) -> None:
    """``dedup check`` of a non-ASCII file without mojibake-like characters
    does not import ftfy (a sixth of a small file's start-up) once the
    prefilter is cached; a file with mojibake does, and it is reported."""
    clean = tmp_path / "clean.txt"
    clean.write_text("The café was closed — again, “she said”. It opened at nine.\n", encoding="utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_text("The caf\u00c3\u00a9 was closed, she said, and it opened at nine.\n", encoding="utf-8")
    _imports(clean, tmp_path)  # the first run may derive and store the prefilter
    assert " ftfy" not in _imports(clean, tmp_path)
    assert " ftfy.badness" in _imports(broken, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "check", str(broken), "--select", "ENC003", "--format", "concise"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ENC003" in done.stdout
