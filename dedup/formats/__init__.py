"""Output formats: each is a function ``Result -> str``.

Reports read findings; they never compute them. ``full`` and ``concise``
are for people (and may be coloured); the others are machine contracts:

``json``        the documented JSON object (see :mod:`dedup.report`)
``json-lines``  one JSON object per finding, same keys as ``json`` findings
``sarif``       SARIF 2.1.0 (GitHub code scanning, VS Code SARIF viewer)
``github``      GitHub Actions workflow commands (annotations)
``gitlab``      GitLab Code Quality report
``junit``       JUnit XML (one test case per finding, one per clean file)
``markdown``    a Markdown table (also the GitHub step summary)

Modules are imported on demand so the start-up path stays short.
"""

from __future__ import annotations

from collections.abc import Iterator

from dedup.api import Result
from dedup.settings import OUTPUT_FORMATS

FORMATS = OUTPUT_FORMATS
HUMAN_FORMATS = ("full", "concise")


def render_chunks(result: Result, fmt: str, *, color: bool = False) -> Iterator[str]:
    """``result`` in format ``fmt``, in pieces (JSON is streamed item by item)."""
    if fmt == "json":
        from dedup.report import iter_json

        yield from iter_json(result)
    else:
        yield render(result, fmt, color=color)


def render(result: Result, fmt: str, *, color: bool = False) -> str:
    """``result`` rendered in output format ``fmt``."""
    if fmt == "full":
        from dedup.report import render_full

        return render_full(result, color=color)
    if fmt == "concise":
        from dedup.report import render_concise

        return render_concise(result, color=color)
    if fmt == "json":
        from dedup.report import render_json

        return render_json(result)
    if fmt == "json-lines":
        from dedup.formats.json_lines import render_json_lines

        return render_json_lines(result)
    if fmt == "sarif":
        from dedup.formats.sarif import render_sarif

        return render_sarif(result)
    if fmt == "github":
        from dedup.formats.github import render_github

        return render_github(result)
    if fmt == "gitlab":
        from dedup.formats.gitlab import render_gitlab

        return render_gitlab(result)
    if fmt == "junit":
        from dedup.formats.junit import render_junit

        return render_junit(result)
    if fmt == "markdown":
        from dedup.formats.markdown import render_markdown

        return render_markdown(result)
    raise ValueError(f"unknown format {fmt!r}")
