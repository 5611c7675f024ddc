"""Acceptance: the mission article (title and last three paragraphs doubled)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import MISSION, run_dedup

from dedup.api import check_paths


def test_exactly_four_exact_duplicates() -> None:
    result = check_paths([str(MISSION)])
    got = [
        (f.rule, f.line, f.end_line, f.duplicate_of.line if f.duplicate_of else None) for f in result.findings
    ]
    assert got == [
        ("DUP001", 4, 4, 2),
        ("DUP001", 10, 10, 7),
        ("DUP001", 11, 11, 8),
        ("DUP001", 12, 12, 9),
    ]
    assert all(f.similarity == 1.0 for f in result.findings)
    assert result.summary.paragraphs == 11


def test_cli_json_contract(tmp_path: Path) -> None:
    run = run_dedup(["check", str(MISSION), "--format", "json"])
    assert run.code == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["version"] == 1
    assert report["summary"]["duplicate_paragraphs"] == 4
    assert report["summary"]["files"] == 1
    # Quality findings (GR001, info-level ones) come first by line; the
    # duplicate contract is checked on the first DUP001 finding.
    first = next(f for f in report["findings"] if f["rule"] == "DUP001")
    for key in (
        "rule",
        "severity",
        "path",
        "line",
        "end_line",
        "message",
        "cluster",
        "similarity",
        "duplicate_of",
    ):
        assert key in first
    assert first["path"] == str(MISSION)  # as given on the command line
    assert first["duplicate_of"] == {"path": str(MISSION), "line": 2, "end_line": 2}


def test_clean_keeps_lines_1_to_3_and_5_to_9_byte_for_byte(tmp_path: Path) -> None:
    src = tmp_path / "article.txt"
    shutil.copy(MISSION, src)
    raw_lines = MISSION.read_bytes().splitlines(keepends=True)
    run = run_dedup(["clean", str(src), "--out", str(tmp_path / "out")])
    assert run.code == 0, run.stderr
    cleaned = (tmp_path / "out" / "article.txt").read_bytes()
    assert cleaned == b"".join(raw_lines[0:3] + raw_lines[4:9])
    assert src.read_bytes() == MISSION.read_bytes()  # input untouched
    again = run_dedup(["check", str(tmp_path / "out")])
    assert again.code == 0, again.stdout


def test_json_text_parses_to_the_contract_dict() -> None:
    from dedup.report import render_json, to_json_dict
    from dedup.rules.registry import RuleSettings

    result = check_paths([str(MISSION.parent.parent.parent / "samples")], rules=RuleSettings())
    assert json.loads(render_json(result)) == json.loads(json.dumps(to_json_dict(result)))
