"""``gitlab``: a GitLab Code Quality report (a JSON array of issues).

Each issue has ``description``, ``check_name`` (the rule code),
``fingerprint`` (unique per issue: the content fingerprint, path and
occurrence), ``severity`` (error: major, warning: minor, info: info) and
``location.path`` / ``location.lines.begin``/``end``. See
https://docs.gitlab.com/ee/ci/testing/code_quality.html#code-quality-report-format
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dedup.api import Result
from dedup.formats.common import relative_posix
from dedup.models import Severity

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def to_gitlab_list(result: Result) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for f in result.findings:
        path = relative_posix(f.path)
        basis = f"{f.rule}\0{path}\0{f.fingerprint or f.message}"
        occurrence = seen.get(basis, 0)
        seen[basis] = occurrence + 1
        fingerprint = hashlib.md5(f"{basis}\0{occurrence}".encode(), usedforsecurity=False).hexdigest()
        issues.append(
            {
                "type": "issue",
                "description": f"{f.rule}: {f.message}",
                "check_name": f.rule,
                "categories": ["Duplication"] if f.cluster is not None else ["Style"],
                "fingerprint": fingerprint,
                "severity": SEVERITY[f.severity],
                "location": {"path": path, "lines": {"begin": f.line, "end": f.end_line}},
            }
        )
    return issues


def render_gitlab(result: Result) -> str:
    return json.dumps(to_gitlab_list(result), indent=2, ensure_ascii=False) + "\n"
