"""``github``: GitHub Actions workflow commands, one annotation per finding.

GitHub shows at most 10 annotations of each level per step, so at most
``LIMIT`` findings per level are annotated, the most important first
(severity, then the number of duplicated bytes); a notice says how many were
left out. The full list goes to the job summary (``$GITHUB_STEP_SUMMARY``),
which the CLI writes with :func:`dedup.formats.markdown.render_markdown`.
"""

from __future__ import annotations

from dedup.api import Result
from dedup.formats.common import importance, relative_posix, rule_info
from dedup.models import Finding, Severity
from dedup.report import summary_line

LIMIT = 10
COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    title = f"{f.rule} {rule_info(f.rule).name}"
    props = (
        f"file={escape_property(relative_posix(f.path))},line={f.line},endLine={f.end_line},"
        f"title={escape_property(title)}"
    )
    return f"::{COMMAND[f.severity]} {props}::{escape_data(f.message)}"


def render_github(result: Result, limit: int = LIMIT) -> str:
    shown: dict[Severity, int] = {}
    lines: list[str] = []
    left_out = 0
    for f in sorted(result.findings, key=importance):
        if shown.get(f.severity, 0) >= limit:
            left_out += 1
            continue
        shown[f.severity] = shown.get(f.severity, 0) + 1
        lines.append(annotation(f))
    for error in result.errors:
        props = [f"file={escape_property(relative_posix(error.path))}"] if error.path else []
        props.append("title=dedup")
        lines.append(f"::error {','.join(props)}::{escape_data(error.message)}")
    if left_out:
        lines.append(
            f"::notice title=dedup::{left_out} more finding(s) not annotated "
            "(GitHub shows 10 per level); see the job summary or the SARIF/JSON report"
        )
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
