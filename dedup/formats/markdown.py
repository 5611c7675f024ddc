"""``markdown``: a summary line and a table of findings (also the GitHub step summary)."""

from __future__ import annotations

from dedup.api import Result
from dedup.models import Finding
from dedup.report import summary_line

ICON = {"error": "🔴", "warning": "🟡", "info": "🔵"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _location(f: Finding) -> str:
    lines = f"{f.line}" if f.line == f.end_line else f"{f.line}-{f.end_line}"
    return f"`{_cell(f.path)}:{lines}`"


def render_markdown(result: Result, title: str = "dedup") -> str:
    out = [f"## {title}", "", summary_line(result), ""]
    if result.findings:
        out += ["| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f in result.findings:
            label = f.severity.label
            out.append(f"| {ICON[label]} {label} | {f.rule} | {_location(f)} | {_cell(f.message)} |")
        out.append("")
    else:
        out += ["No findings.", ""]
    if result.errors:
        out += ["### Inputs that could not be read", ""]
        out += [f"- `{_cell(e.path or '-')}`: {_cell(e.message)}" for e in result.errors]
        out.append("")
    return "\n".join(out)
