r"""Run the quality rules over documents: pure, no printing, no I/O.

>>> from dedup.models import Document
>>> from dedup.rules.registry import RuleSettings
>>> doc = Document("a.txt", b"Share this article\n", "Share this article\n")
>>> result = check_quality([doc], [[]], RuleSettings(select=("TXT", "GQ001")))
>>> [(f.rule, f.message) for f in result.findings]
[('GQ001', 'only 3 words (min 50)')]
>>> result.metrics["a.txt"]["words"]
3.0

The metrics dict per file holds the numbers the selected rules measured
(under the names documented in ``docs/rules.md``) plus ``bytes``, ``lines``
and ``paragraphs``, so a CI job can track them over time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from dedup.models import Block, Document, Finding, Severity
from dedup.rules.base import FileContext, Rule
from dedup.rules.registry import RuleSettings, selected_rules
from dedup.rules.text import tokenizer


@dataclass
class QualityResult:
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)


def check_quality(
    documents: Sequence[Document],
    blocks_by_doc: Mapping[int, Sequence[Block]] | Sequence[Sequence[Block]],
    settings: RuleSettings | None = None,
) -> QualityResult:
    """Apply the selected quality rules to every document.

    ``blocks_by_doc[i]`` are the paragraphs of ``documents[i]`` (from
    ``dedup.segment``); paragraph-scope rules report and fix whole blocks.
    """
    settings = settings or RuleSettings()
    rules = selected_rules(settings)
    words_of = tokenizer(settings.word_tokenizer)
    result = QualityResult()
    for index, doc in enumerate(documents):
        blocks = list(blocks_by_doc[index]) if _has(blocks_by_doc, index) else []
        findings, metrics = check_document(doc, blocks, rules, settings, words_of)
        result.findings.extend(findings)
        result.metrics[doc.path] = metrics
    result.findings.sort(key=Finding.sort_key)
    return result


def _has(blocks_by_doc: object, index: int) -> bool:
    if isinstance(blocks_by_doc, Mapping):
        return index in blocks_by_doc
    return isinstance(blocks_by_doc, Sequence) and index < len(blocks_by_doc)


def check_document(
    doc: Document,
    blocks: Sequence[Block],
    rules: Sequence[Rule],
    settings: RuleSettings,
    words_of: Callable[[str], list[str]] | None = None,
) -> tuple[list[Finding], dict[str, float]]:
    """Findings and metrics of one document (see :func:`check_quality`)."""
    tokenize = words_of or tokenizer(settings.word_tokenizer)
    too_big = doc.size > settings.max_heuristic_bytes
    ctx = FileContext(doc, blocks, tokenize, run_heuristics=not too_big)
    ctx.metrics.update(
        {
            "bytes": float(doc.size),
            "lines": float(ctx.line_count),
            "paragraphs": float(len(blocks)),
        }
    )
    findings: list[Finding] = []
    has_text = bool(doc.text.strip())
    enough_words: bool | None = None
    for rule in rules:
        if rule.heuristic:
            if not has_text:
                continue
            if too_big:
                continue
            if rule.gated:
                if enough_words is None:
                    enough_words = ctx.content_word_count >= settings.heuristic_min_words
                if not enough_words:
                    continue
        findings.extend(rule.check(ctx))
    if too_big:
        ctx.metrics["heuristics_skipped"] = 1.0
    return findings, ctx.metrics


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 when any finding is at least ``fail_on`` severe, else 0."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0
