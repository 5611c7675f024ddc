"""Acceptance: dolma's exact paragraph dedup fixture (credit: AllenAI, Apache-2.0)."""

from __future__ import annotations

import gzip
import json

from conftest import FIXTURES

from dedup.api import check_texts
from dedup.settings import Settings

DOLMA = FIXTURES / "dolma"


def _load(name: str) -> list[dict]:
    with gzip.open(DOLMA / name, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_line_mode_flags_dolmas_43_spans() -> None:
    docs = _load("documents.jsonl.gz")
    expected = _load("expected_dedupe_paragraphs.jsonl.gz")
    texts = {f"doc{i:02d}.txt": d["text"] for i, d in enumerate(docs)}
    # dolma marks every repeated line, however short, and only exact copies.
    settings = Settings(split="line", min_words=0, min_chars=0, near=False)
    result = check_texts(texts, settings)
    got = set()
    for f in result.findings:
        index = int(f.path[3:5])
        starts = [0]
        for line in docs[index]["text"].split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        got.add((index, starts[f.line - 1], starts[f.end_line]))
    want = {
        (i, start, end)
        for i, doc in enumerate(expected)
        for start, end, _ in doc["attributes"]["bff_duplicate_paragraph_spans"]
    }
    assert len(want) == 43
    assert got == want
