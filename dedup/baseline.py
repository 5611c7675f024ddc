"""Baselines: accept today's findings, fail only on new ones.

A baseline is a JSON file listing findings by path, rule and content
fingerprint (see ``Finding.fingerprint``), never by line number, so editing
elsewhere in a file, or moving the paragraph, keeps it matched. Matching
counts copies: a baseline with one ``DUP001`` for a paragraph in ``a.md``
accepts one such finding there, and a second new copy is reported.

Paths are stored relative to the baseline file's directory, so the baseline
works from any working directory. ``update`` rewrites the file from the
current findings: entries of checked files that no longer have the finding
are pruned; entries of files not checked in this run are kept while the file
exists (a pre-commit run sees only the staged files).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

from dedup import __version__
from dedup.api import Result
from dedup.errors import DedupError
from dedup.models import Finding
from dedup.rewrite import atomic_write

BASELINE_VERSION = 1


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    rule: str
    fingerprint: str
    line: int = 0  # informative only, never used to match
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.rule, self.fingerprint)


def _key_path(path: str, base: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return PurePath(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows
        return PurePath(absolute).as_posix()


def _entry(f: Finding, base: Path) -> Entry:
    return Entry(_key_path(f.path, base), f.rule, f.fingerprint or f.message, f.line, f.message)


def load(path: str | os.PathLike[str]) -> list[Entry]:
    """Read a baseline; a missing file is an error (create it with --update-baseline)."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DedupError("baseline not found; create it with --update-baseline", where) from None
    except OSError as exc:
        raise DedupError(f"cannot read baseline: {exc.strerror or exc}", where) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DedupError(f"baseline is not valid JSON: {exc}", where) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise DedupError(f"not a dedup baseline (version {BASELINE_VERSION}); regenerate it", where)
    entries: list[Entry] = []
    try:
        for item in data["findings"]:
            entries.append(
                Entry(
                    str(item["path"]),
                    str(item["rule"]),
                    str(item["fingerprint"]),
                    int(item.get("line", 0)),
                    str(item.get("message", "")),
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise DedupError(f"malformed baseline entry ({exc}); regenerate it", where) from None
    return entries


def split(
    findings: Sequence[Finding], entries: Iterable[Entry], baseline_path: str | os.PathLike[str]
) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings accepted by the baseline)."""
    base = Path(os.path.abspath(baseline_path)).parent
    budget = Counter(entry.key for entry in entries)
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        key = _entry(f, base).key
        if budget[key] > 0:
            budget[key] -= 1
            known.append(f)
        else:
            new.append(f)
    return new, known


def without_baselined(
    result: Result, entries: Iterable[Entry], baseline_path: str | os.PathLike[str]
) -> Result:
    """``result`` without the findings the baseline accepts (clusters follow)."""
    _, known = split(result.findings, entries, baseline_path)
    return replace(result, suppressed=result.suppressed | frozenset(known))


def update(
    result: Result, baseline_path: str | os.PathLike[str], previous: Iterable[Entry] = ()
) -> tuple[int, int]:
    """Write the baseline for ``result``; returns (entries written, entries pruned)."""
    base = Path(os.path.abspath(baseline_path)).parent
    checked = {_key_path(file.path, base) for file in result.checked_files}
    checked |= {_key_path(e.path, base) for e in result.errors if e.path}
    entries = [_entry(f, base) for f in result.findings]
    pruned = 0
    for entry in previous:
        if entry.path in checked or not (base / entry.path).exists():
            continue
        entries.append(entry)
    previous_count = Counter(e.key for e in previous)
    current_count = Counter(e.key for e in entries)
    pruned = sum((previous_count - current_count).values())
    entries.sort()
    data: dict[str, Any] = {
        "version": BASELINE_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "findings": [
            {
                "path": e.path,
                "rule": e.rule,
                "fingerprint": e.fingerprint,
                "line": e.line,
                "message": e.message,
            }
            for e in entries
        ],
    }
    atomic_write(baseline_path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(entries), pruned
