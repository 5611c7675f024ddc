"""Every output format, from the real command: content, escaping, exit codes, --report, -o."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from integration_helpers import PARA_A, PARA_B, PARA_C, run_dedup, write

from dedup.api import check_texts
from dedup.formats import FORMATS, render
from dedup.formats.github import render_github
from dedup.models import Finding, Location, Severity
from dedup.report import finding_json, finding_to_dict


def _project(root: Path) -> None:
    write(root / "a.md", f"{PARA_A}\n\n{PARA_B}\n")
    write(root / "b, c.md", f"{PARA_C}\n\n{PARA_A}\n")


def test_every_format_renders_findings_and_exits_1(tmp_path: Path) -> None:
    _project(tmp_path)
    for fmt in FORMATS:
        out = run_dedup("check", ".", "--output-format", fmt, cwd=tmp_path)
        assert out.code == 1, (fmt, out.err)
        assert any(name in out.out for name in ("b, c.md", "b%2C c.md", "b%2C%20c.md")), fmt


def test_json_lines_is_one_finding_per_line(tmp_path: Path) -> None:
    _project(tmp_path)
    out = run_dedup("check", ".", "--format", "json-lines", cwd=tmp_path)
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert len(rows) == 1
    assert rows[0]["rule"] == "DUP001" and rows[0]["duplicate_of"] == {
        "path": "a.md",
        "line": 1,
        "end_line": 1,
    }


def test_github_annotations_escape_and_limit(tmp_path: Path) -> None:
    _project(tmp_path)
    summary = tmp_path / "summary.md"
    out = run_dedup(
        "check", ".", "--format", "github", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    first = out.out.splitlines()[0]
    assert (
        first
        == "::error file=b%2C c.md,line=3,endLine=3,title=DUP001 exact-duplicate::exact duplicate of a.md:1"
    )
    table = summary.read_text()
    assert "| Severity | Rule | Location | Message |" in table and "`b, c.md:3`" in table

    text = "\n\n".join(" ".join(f"w{i}x{j}" for j in range(8)) for i in range(12))
    many = check_texts({"x.txt": text, "y.txt": text})
    lines = render_github(many).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert "::notice title=dedup::2 more finding(s) not annotated" in lines[-2]


def test_gitlab_code_quality(tmp_path: Path) -> None:
    _project(tmp_path)
    issues = json.loads(run_dedup("check", ".", "--format", "gitlab", cwd=tmp_path).out)
    assert issues[0]["check_name"] == "DUP001" and issues[0]["severity"] == "major"
    assert issues[0]["location"] == {"path": "b, c.md", "lines": {"begin": 3, "end": 3}}
    text = f"{PARA_A}\n\n{PARA_A}\n\n{PARA_A}\n"
    fingerprints = [i["fingerprint"] for i in json.loads(render(check_texts({"t.txt": text}), "gitlab"))]
    assert len(fingerprints) == 2 and len(set(fingerprints)) == 2


def test_junit_and_markdown(tmp_path: Path) -> None:
    _project(tmp_path)
    write(tmp_path / "clean.txt", f"{PARA_B.upper()} but different words entirely here now.\n")
    xml = run_dedup("check", ".", "--format", "junit", cwd=tmp_path).out
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1"
    md = run_dedup("check", ".", "--format", "markdown", cwd=tmp_path).out
    assert "| 🔴 error | DUP001 | `b, c.md:3` | exact duplicate of a.md:1 |" in md


def test_report_writes_several_formats_and_output_file(tmp_path: Path) -> None:
    _project(tmp_path)
    out = run_dedup(
        "check", ".", "-o", "main.json", "--format", "json",
        "--report", "sarif=out/r.sarif", "--report", "junit=r.xml", cwd=tmp_path,
    )  # fmt: skip
    assert out.code == 1 and out.out == ""
    assert json.loads((tmp_path / "main.json").read_text())["summary"]["findings"] == 1
    assert json.loads((tmp_path / "out" / "r.sarif").read_text())["version"] == "2.1.0"
    assert ET.parse(tmp_path / "r.xml").getroot().tag == "testsuites"
    bad = run_dedup("check", ".", "--report", "sarif", cwd=tmp_path)
    assert bad.code == 2 and "--report takes FORMAT=PATH" in bad.err
    unknown = run_dedup("check", ".", "--report", "pdf=x.pdf", cwd=tmp_path)
    assert unknown.code == 2 and "unknown format 'pdf'" in unknown.err


def test_env_output_format_and_exit_zero(tmp_path: Path) -> None:
    _project(tmp_path)
    out = run_dedup("check", ".", "--exit-zero", cwd=tmp_path, env={"DEDUP_OUTPUT_FORMAT": "json-lines"})
    assert out.code == 0 and json.loads(out.out.splitlines()[0])["rule"] == "DUP001"
    bad = run_dedup("check", ".", "--format", "yaml", cwd=tmp_path)
    assert bad.code == 2 and "Traceback" not in bad.err


def test_colour_follows_flag_and_environment(tmp_path: Path) -> None:
    _project(tmp_path)
    assert "\x1b[" not in run_dedup("check", ".", cwd=tmp_path).out  # not a terminal
    assert "\x1b[" in run_dedup("check", ".", "--color", "always", cwd=tmp_path).out
    assert "\x1b[" in run_dedup("check", ".", cwd=tmp_path, env={"FORCE_COLOR": "1"}).out
    both = {"FORCE_COLOR": "1", "NO_COLOR": "1"}
    assert "\x1b[" not in run_dedup("check", ".", cwd=tmp_path, env=both).out
    assert "\x1b[" not in run_dedup("check", ".", "--color", "always", "--format", "json", cwd=tmp_path).out


def test_fix_diff_and_unsafe_fixes(tmp_path: Path) -> None:
    near = PARA_A.replace("today", "yesterday")
    write(tmp_path / "a.txt", f"{PARA_A}\r\n\r\n{PARA_B}\r\n\r\n{PARA_A}\r\n\r\n{near}\r\n")
    diff = run_dedup("check", "a.txt", "--diff", cwd=tmp_path)
    assert diff.code == 1 and diff.out.startswith("--- a/a.txt\n+++ b/a.txt\n")
    assert (tmp_path / "a.txt").read_bytes().count(PARA_A.encode()) == 2  # nothing written
    fixed = run_dedup("check", "a.txt", "--fix", "--format", "concise", cwd=tmp_path)
    assert fixed.code == 1 and "Fixed 1 duplicate paragraph(s) in 1 file(s)." in fixed.err
    assert (tmp_path / "a.txt").read_bytes() == f"{PARA_A}\r\n\r\n{PARA_B}\r\n\r\n{near}\r\n".encode()
    assert "a.txt:5:5: DUP002" in fixed.out  # near duplicate left, reported at its new line
    unsafe = run_dedup("check", "a.txt", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert unsafe.code == 1
    assert (tmp_path / "a.txt").read_bytes() == f"{PARA_A}\r\n\r\n{PARA_B}\r\n".encode()
    again = run_dedup("check", "a.txt", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert again.code == 0
    both = run_dedup("check", "a.txt", "--fix", "--diff", cwd=tmp_path)
    assert both.code == 2 and "choose one of --fix and --diff" in both.err


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_report_items_are_encoded_as_json_dumps_does(value: object) -> None:
    """The JSON report encodes items with one reused C encoder."""
    import json

    from dedup.report import _compact

    assert _compact(value) == json.dumps(value, ensure_ascii=False)


_TEXT = st.text(max_size=12)  # quotes, backslashes, control characters, any script


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from(["DUP001", "DUP002", "GQ001"]),
    severity=st.sampled_from(list(Severity)),
    path=_TEXT,
    lines=st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)),
    message=_TEXT,
    cluster=st.none() | _TEXT,
    similarity=st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.integers(0, 1),
    duplicate_of=st.none() | st.builds(Location, _TEXT, st.integers(0, 99), st.integers(0, 99)),
    span=st.none() | st.tuples(st.integers(0, 99), st.integers(0, 99)),
    column=st.none() | st.integers(1, 999),
    metrics=st.dictionaries(_TEXT, st.floats(allow_nan=False), max_size=3),
)
def test_json_findings_are_written_as_the_json_encoder_writes_them(
    rule: str,
    severity: Severity,
    path: str,
    lines: tuple[int, int],
    message: str,
    cluster: str | None,
    similarity: float | None,
    duplicate_of: Location | None,
    span: tuple[int, int] | None,
    column: int | None,
    metrics: dict[str, float],
) -> None:
    """The report writes each finding's JSON directly; it is what
    json.dumps makes of finding_to_dict, byte for byte."""
    finding = Finding(
        rule,
        severity,
        path,
        *lines,
        message,
        cluster,
        similarity,
        duplicate_of,
        *(span or (None, None)),
        column,
        fingerprint=message[:4],
        metrics=metrics,
    )
    assert finding_json(finding) == json.dumps(finding_to_dict(finding), ensure_ascii=False)


def test_json_report_streams_items_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings and clusters go out in batches; the report is the same
    whatever the batch size, and parses to the contract's items."""
    import dedup.report as report

    texts = {f"d{i}.txt": f"{PARA_A}\n\n{PARA_B}\n\n{PARA_C} {i}\n" for i in range(7)}
    result = check_texts(texts)
    whole = report.render_json(result)
    parsed = json.loads(whole)
    assert len(parsed["findings"]) == 12 and len(parsed["clusters"]) == 2
    for size in (1, 2, 5, 1000):
        monkeypatch.setattr(report, "JSON_BATCH", size)
        assert report.render_json(result) == whole
    empty = report.render_json(check_texts({"a.txt": f"{PARA_A}\n"}))
    assert '"findings": [],' in empty and json.loads(empty)["findings"] == []


@pytest.mark.parametrize("keep", ["first", "none"])
def test_json_clusters_are_written_as_the_json_encoder_writes_them(keep: str) -> None:
    """Clusters are written out directly too; each is json.dumps of the
    contract's cluster object, byte for byte (paths with quotes and any
    script, similarities below 1, no kept copy with --keep none)."""
    import dedup.report as report
    from dedup.settings import Settings

    edited = PARA_A.replace("the", "a", 1)
    texts = {
        'quote"d\\ dir/\u00e9t\u00e9.txt': f"{PARA_A}\n\n{PARA_B}\n",
        "tab\there \U0001f600.md": f"{edited}\n\n{PARA_B}\n\n{PARA_A}\n",
    }
    result = check_texts(texts, Settings(keep=keep))
    expected = [json.dumps(c, ensure_ascii=False) for c in report._clusters(result)]
    assert any(0 < m["similarity"] < 1 for c in report._clusters(result) for m in c["members"])
    assert all((c["kept"] is None) == (keep == "none") for c in report._clusters(result))
    assert list(report._clusters_json(result)) == expected
    for value in (1.0, 0.8765, 1e-7, 12345678912345.0, float("nan"), float("inf"), 1, True):
        assert report._number(value) == json.dumps(value)


def test_json_report_is_the_same_when_its_quoted_strings_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Paths, rule codes and severities are quoted once and kept in a table
    that is cleared when full; the report does not depend on it."""
    import dedup.report as report

    texts = {f"d{i}/\u00e9\\t.txt": f"{PARA_A}\n\n{PARA_B}\n" for i in range(6)}
    result = check_texts(texts)
    report._QUOTED.clear()
    whole = report.render_json(result)
    monkeypatch.setattr(report._QUOTED, "limit", 2)
    report._QUOTED.clear()
    assert report.render_json(result) == whole
    assert len(report._QUOTED) <= 2
    assert json.loads(whole)["findings"][0]["path"] == "d1/\u00e9\\t.txt"  # d0 holds the kept copies
