"""Run selected quality rules over one in-memory text (test helper)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dedup.models import Document, Finding
from dedup.quality import check_quality
from dedup.rules.registry import RuleSettings
from dedup.segment import segment
from dedup.sources import dominant_newline

PROSE = (
    "The committee met on a wet Thursday morning to decide what to do with the old "
    "railway station, which has been empty for most of the last decade. Members agreed "
    "that the building should be kept, and that the ground floor could become a market "
    "hall with space for local traders. The upper floor needs a new roof before it can be "
    "used, and the cost of that work will be shared with the regional heritage fund."
)


def document(content: str | bytes, path: str = "doc.txt") -> Document:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom) :].decode("utf-8", "surrogateescape")
    return Document(path, raw, text, "utf-8", bom, dominant_newline(raw))


def run(
    content: str | bytes,
    select: str,
    split: str = "auto",
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Finding]:
    doc = document(content)
    try:
        blocks = segment(doc, split)
    except UnicodeDecodeError:  # the segmenter needs valid UTF-8
        blocks = []
    settings = RuleSettings(select=(select,), thresholds=thresholds or {})
    return check_quality([doc], [blocks], settings).findings


def codes(content: str | bytes, select: str, split: str = "auto") -> list[str]:
    return [f.rule for f in run(content, select, split)]
