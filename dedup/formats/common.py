"""What every machine format needs: rule descriptions, paths, ordering."""

from __future__ import annotations

import contextlib
import importlib
import os
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from dedup.models import Finding, Severity


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    description: str


# The duplicate rules; quality rules describe themselves in their registry.
BUILTIN_RULES = {
    "DUP001": RuleInfo(
        "DUP001",
        "exact-duplicate",
        "Paragraph is an exact duplicate of another paragraph",
        "The paragraph's normalised text (Unicode NFKC, case, quotes, dashes and whitespace "
        "folded) is identical to a paragraph kept elsewhere. Delete it (dedup check --fix) "
        "or keep it deliberately and record it in a baseline.",
    ),
    "DUP002": RuleInfo(
        "DUP002",
        "near-duplicate",
        "Paragraph is a near duplicate of another paragraph",
        "The paragraph's words are at least `threshold` similar (word-level edit similarity) "
        "to a paragraph kept elsewhere. Merge the two, or delete one "
        "(dedup check --fix --unsafe-fixes).",
    ),
}


def rule_info(code: str) -> RuleInfo:
    """Name and description of a rule code (a generic one for unknown codes)."""
    if code in BUILTIN_RULES:
        return BUILTIN_RULES[code]
    try:  # the quality-rule registry, when present
        rules_module = importlib.import_module("dedup.rules")
        lookup = getattr(rules_module, "rule_info", None)
        if callable(lookup):
            info = lookup(code)
            if isinstance(info, RuleInfo):
                return info
    except ImportError:
        pass
    return RuleInfo(code, code.lower(), f"dedup rule {code}", f"See 'dedup rule {code}'.")


def relative_posix(path: str) -> str:
    """``path`` relative to the current directory, with ``/`` separators."""
    if path == "-":
        return "stdin"
    if os.path.isabs(path):
        with contextlib.suppress(ValueError):
            path = os.path.relpath(path)
    return PurePath(os.path.normpath(path)).as_posix()


def uri(path: str) -> str:
    return quote(relative_posix(path), safe="/")


def importance(finding: Finding) -> tuple[int, int, str, int, int, str, str]:
    """Sort key, most important first: severity, then duplicated bytes."""
    size = (finding.stop - finding.start) if finding.start is not None and finding.stop is not None else 0
    return (-int(finding.severity), -size, *finding.sort_key())


SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
