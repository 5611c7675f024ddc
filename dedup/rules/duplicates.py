"""Registry entries for the duplicate rules. Detection lives in the dedup
core (fingerprint .. cluster); these entries only make ``dedup rules`` and
``dedup rule DUP001`` describe them and let selection and severity apply."""

from __future__ import annotations

from collections.abc import Iterator

from dedup.models import Finding, Severity
from dedup.rules.base import FileContext, Rule, Scope


class _DuplicateRule(Rule):
    scope = Scope.PARAGRAPH
    default_severity = Severity.WARNING
    runnable = False
    source = "dedup."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        return iter(())


class ExactDuplicate(_DuplicateRule):
    code = "DUP001"
    name = "exact-duplicate"
    default_severity = Severity.ERROR
    summary = "Paragraph repeats an earlier paragraph"
    explanation = (
        "The paragraph is identical to an earlier one (in this file or another) after "
        "normalisation: Unicode NFKC, case folding, folded quotes and dashes, collapsed "
        "whitespace. The finding points at the kept copy. Paragraphs shorter than "
        "`min-words`/`min-chars` are never reported. Fix: `dedup clean` removes every "
        "copy but the kept one."
    )


class NearDuplicate(_DuplicateRule):
    code = "DUP002"
    name = "near-duplicate"
    summary = "Paragraph nearly repeats an earlier paragraph"
    explanation = (
        "The paragraph differs from an earlier one only by a few words: MinHash/LSH "
        "finds candidates (datasketch's scheme) and a word-level similarity of at least "
        "`threshold` confirms them. Paragraphs that differ mostly in names or numbers "
        "swapped for others of the same form are one template filled in twice ('X is a "
        "village in Y district'), not copies: they need a similarity of 0.92. The finding "
        "gives the similarity and the kept copy. "
        "Fix: `dedup clean` removes the later copies; review them first."
    )
    source = "Broder 1997, 'On the resemblance and containment of documents'; datasketch MinHash LSH."


DUPLICATE_RULES: tuple[type[Rule], ...] = (ExactDuplicate, NearDuplicate)
