"""Our Gopher / FineWeb / C4 statistics equal datatrove's.

Compared against datatrove 0.10.1 (with spaCy 3.8 for its English word
tokenizer). Install for these tests:
``pip install datatrove==0.10.1 spacy==3.8.18 regex``. Neither is a runtime
dependency of dedup.

datatrove's filters return keep/drop, not numbers, so the numbers are
recomputed with datatrove's own helper functions in the order its filter code
uses them, and the keep/drop decision of each filter is compared with whether
our rule family reports a finding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rules_helpers import document

datatrove = pytest.importorskip("datatrove")
pytest.importorskip("spacy")

from datatrove.data import Document as DTDocument  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.filters.gopher_repetition_filter import (  # noqa: E402
    find_all_duplicate,
    find_duplicates,
    find_top_duplicate,
    get_n_grams,
)
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION, split_into_words  # noqa: E402

from dedup.quality import check_quality  # noqa: E402
from dedup.rules import text as ts  # noqa: E402
from dedup.rules.c4 import c4_line_reason  # noqa: E402
from dedup.rules.registry import RuleSettings  # noqa: E402
from dedup.segment import segment  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "quality"
DATATROVE_VERSION = "0.10.1"

OWN_TEXTS = [
    (FIXTURES / "clean_news.txt").read_text(encoding="utf-8"),
    # repetitive: repeated paragraphs and lines
    ("The gate is closed on Sundays and bank holidays.\n\n" * 4)
    + "Visitors can still walk along the harbour wall, which is open all year.\n",
    # list-like: bullets, short lines, ellipses, hashes
    "\n".join(f"- #{i} Read more about item {i} and the offer..." for i in range(40)) + "\n",
]
CCNET_TEXTS = [
    json.loads(line)["text"]
    for line in (FIXTURES / "ccnet_docs.jsonl").read_text(encoding="utf-8").splitlines()
]
TEXTS = OWN_TEXTS + CCNET_TEXTS


def test_datatrove_version() -> None:
    from importlib.metadata import version

    assert version("datatrove") == DATATROVE_VERSION


def test_punctuation_sets_are_datatrove_s() -> None:
    assert set(ts.PUNCTUATION) == set(PUNCTUATION_SET)
    assert set(ts.TERMINAL_PUNCTUATION) == set(TERMINAL_PUNCTUATION)


def datatrove_metrics(text: str) -> dict[str, float]:
    """The numbers datatrove's Gopher and FineWeb filters compare to thresholds."""
    words = split_into_words(text, "en")
    content = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    lines = text.splitlines()
    m: dict[str, float] = {
        "words": len(content),
        "mean_word_length": float(np.mean([len(w) for w in content])),
        "hash_word_ratio": text.count("#") / len(words),
        "ellipsis_word_ratio": (text.count("...") + text.count("…")) / len(words),
        "bullet_lines_ratio": sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines),
        "ellipsis_lines_ratio": sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines),
        "alpha_words_ratio": sum(any(c.isalpha() for c in w) for w in words) / len(words),
        "stop_words": len({"the", "be", "to", "of", "and", "that", "have", "with"} & set(words)),
    }
    import re

    paragraphs = re.split(r"\n{2,}", text.strip())
    count, chars = find_duplicates(paragraphs)
    m["dup_para_frac"] = count / len(paragraphs)
    m["dup_para_char_frac"] = chars / len(text)
    line_split = re.split("\n+", text)
    count, chars = find_duplicates(line_split)
    m["dup_line_frac"] = count / len(line_split)
    m["dup_line_char_frac"] = chars / len(text)
    for n in (2, 3, 4):
        grams = get_n_grams(words, n)
        m[f"top_{n}_gram_char_frac"] = find_top_duplicate(grams) / len(text) if grams else 0.0
    for n in range(5, 11):
        m[f"dup_{n}_gram_char_frac"] = find_all_duplicate(words, n) / len(text)
    fw_lines = [ln for ln in text.split("\n") if ln.strip() != ""]
    m["line_punct_ratio"] = sum(ln.endswith(tuple(TERMINAL_PUNCTUATION)) for ln in fw_lines) / len(fw_lines)
    m["short_line_ratio"] = sum(len(ln) <= 30 for ln in fw_lines) / len(fw_lines)
    m["dup_line_char_ratio"] = find_duplicates(fw_lines)[1] / len(text.replace("\n", ""))
    m["newline_word_ratio"] = text.count("\n") / len(words)
    return m


WORD_METRICS = {
    "words",
    "mean_word_length",
    "hash_word_ratio",
    "ellipsis_word_ratio",
    "alpha_words_ratio",
    "stop_words",
    "newline_word_ratio",
    *(f"top_{n}_gram_char_frac" for n in (2, 3, 4)),
    *(f"dup_{n}_gram_char_frac" for n in range(5, 11)),
}


def our_metrics(text: str, tokenizer: str) -> dict[str, float]:
    doc = document(text)
    settings = RuleSettings(select=("GQ", "GR", "FW"), word_tokenizer=tokenizer, heuristic_min_words=0)
    return check_quality([doc], [segment(doc, "blank")], settings).metrics["doc.txt"]


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_metrics_equal_datatrove_with_spacy_tokenizer(index: int) -> None:
    text = TEXTS[index]
    want = datatrove_metrics(text)
    got = our_metrics(text, "spacy")
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_metrics_with_builtin_tokenizer(index: int) -> None:
    """Line and character metrics always equal datatrove's; word metrics do
    whenever the built-in tokenizer splits like spaCy (most documents)."""
    text = TEXTS[index]
    want = datatrove_metrics(text)
    got = our_metrics(text, "simple")
    same_tokens = ts.simple_words(text) == split_into_words(text, "en")
    for key, value in want.items():
        if key in WORD_METRICS and not same_tokens:
            continue
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_builtin_tokenizer_agrees_on_most_fixtures() -> None:
    agree = sum(ts.simple_words(t) == split_into_words(t, "en") for t in TEXTS)
    assert agree >= len(TEXTS) - 2


def _dt_keeps(filter_: Any, text: str) -> bool:
    outcome = filter_.filter(DTDocument(text=text, id="x"))
    return outcome is True


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_filter_decisions_match(index: int) -> None:
    text = TEXTS[index]
    spacy = {"word_tokenizer": "spacy", "heuristic_min_words": 0}
    # GQ001 reports short documents; datatrove drops them. Other GQ rules
    # follow the same thresholds.
    ours = check_quality(
        [document(text)], [segment(document(text), "blank")], RuleSettings(select=("GQ",), **spacy)
    ).findings
    assert (not ours) == _dt_keeps(GopherQualityFilter(), text)
    ours = check_quality(
        [document(text)], [segment(document(text), "blank")], RuleSettings(select=("GR",), **spacy)
    ).findings
    assert (not ours) == _dt_keeps(GopherRepetitionFilter(), text)
    ours = check_quality(
        [document(text)], [segment(document(text), "blank")], RuleSettings(select=("FW",), **spacy)
    ).findings
    assert (not ours) == _dt_keeps(FineWebQualityFilter(), text)


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_c4_line_reasons_match_datatrove_counters(index: int) -> None:
    text = TEXTS[index]
    filter_ = C4QualityFilter(min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False)
    stats: dict[str, int] = {}
    filter_.stat_update = lambda *keys, value=1, unit=None: [  # type: ignore[method-assign]
        stats.__setitem__(k, stats.get(k, 0) + value) for k in keys
    ]
    filter_.filter(DTDocument(text=text, id="x"))
    ours: dict[str, int] = {}
    for line in text.splitlines():
        reason = c4_line_reason(line)
        key = f"line-filter-{reason}" if reason else "line-kept"
        ours[key] = ours.get(key, 0) + 1
    theirs = {k: v for k, v in stats.items() if k != "line-total"}
    assert ours == theirs
