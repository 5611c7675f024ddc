"""``check --fix`` and ``--diff``: which findings are fixed, and the new bytes.

Only exact duplicates (``DUP001``) are safe to delete: the kept copy says
the same thing. Near duplicates (``DUP002``) differ in some words, so
deleting one can lose information; they are fixed only with
``--unsafe-fixes``. Fixing deletes whole paragraphs through
:mod:`dedup.rewrite` (byte-preserving, blank-line aware).
"""

from __future__ import annotations

from dataclasses import dataclass

from dedup.api import FileResult, Result
from dedup.models import Finding
from dedup.rewrite import clean_bytes, deleted_lines, unified_diff

SAFE_RULES = frozenset({"DUP001"})


@dataclass(frozen=True)
class FileFix:
    file: FileResult
    fixed: list[Finding]
    cleaned: bytes
    diff: bytes


def is_fixed(finding: Finding, unsafe: bool) -> bool:
    return finding.fixable and (unsafe or finding.rule in SAFE_RULES)


def plan(result: Result, unsafe: bool = False) -> list[FileFix]:
    """The change to every checked file that has fixable findings."""
    by_path: dict[str, list[Finding]] = {}
    for f in result.findings:
        if is_fixed(f, unsafe):
            by_path.setdefault(f.path, []).append(f)
    fixes: list[FileFix] = []
    for file in result.checked_files:
        fixed = by_path.get(file.path)
        if not fixed or file.path == "-":
            continue
        spans = {(f.start, f.stop) for f in fixed}
        blocks = [b for b in file.blocks if (b.start, b.stop) in spans]
        delete = deleted_lines(file.lines, blocks)
        diff = unified_diff(file.doc, file.lines, delete, file.path)
        if diff:
            fixes.append(FileFix(file, fixed, clean_bytes(file.doc, file.lines, delete), diff))
    return fixes
