"""Baselines: known findings are ignored by content, new ones fail, gone ones are pruned."""

from __future__ import annotations

import json
from pathlib import Path

from integration_helpers import PARA_A, PARA_B, PARA_C, run_dedup, write

from dedup import baseline
from dedup.api import check_texts


def test_baseline_survives_edits_elsewhere_and_catches_new_duplicates(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "a.md", f"{PARA_A}\n\n{PARA_B}\n\n{PARA_A}\n")
    made = run_dedup("check", "docs", "--baseline", "dedup-baseline.json", "--update-baseline", cwd=tmp_path)
    assert made.code == 0, made.err
    assert "1 finding(s) recorded, 0 pruned" in made.err
    data = json.loads((tmp_path / "dedup-baseline.json").read_text())
    assert [(e["path"], e["rule"]) for e in data["findings"]] == [("docs/a.md", "DUP001")]

    # lines move: still matched by content
    write(
        tmp_path / "docs" / "a.md",
        f"New intro paragraph with plenty of words.\n\n{PARA_A}\n\n{PARA_B}\n\n{PARA_A}\n",
    )
    assert run_dedup("check", "docs", "--baseline", "dedup-baseline.json", cwd=tmp_path).code == 0
    # works from another directory too (paths are relative to the baseline)
    assert run_dedup("check", ".", "--baseline", "../dedup-baseline.json", cwd=tmp_path / "docs").code == 0

    # a third copy of the same paragraph is new
    write(tmp_path / "docs" / "a.md", f"{PARA_A}\n\n{PARA_B}\n\n{PARA_A}\n\n{PARA_A}\n")
    new = run_dedup("check", "docs", "--baseline", "dedup-baseline.json", "--format", "concise", cwd=tmp_path)
    assert new.code == 1
    assert new.out.count("DUP001") == 1


def test_update_prunes_findings_that_disappeared(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"{PARA_A}\n\n{PARA_A}\n\n{PARA_B}\n\n{PARA_B}\n")
    run_dedup("check", ".", "--baseline", "b.json", "--update-baseline", cwd=tmp_path)
    assert len(json.loads((tmp_path / "b.json").read_text())["findings"]) == 2
    write(tmp_path / "a.md", f"{PARA_A}\n\n{PARA_B}\n\n{PARA_B}\n")
    updated = run_dedup("check", ".", "--baseline", "b.json", "--update-baseline", cwd=tmp_path)
    assert "1 finding(s) recorded, 1 pruned" in updated.err
    assert [e["message"] for e in json.loads((tmp_path / "b.json").read_text())["findings"]] == [
        "exact duplicate of a.md:3"
    ]


def test_update_keeps_entries_of_files_not_checked(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"{PARA_A}\n\n{PARA_A}\n")
    write(tmp_path / "b.md", f"{PARA_C}\n\n{PARA_C}\n")
    run_dedup("check", ".", "--baseline", "b.json", "--update-baseline", cwd=tmp_path)
    run_dedup("check", "a.md", "--baseline", "b.json", "--update-baseline", cwd=tmp_path)
    paths = [e["path"] for e in json.loads((tmp_path / "b.json").read_text())["findings"]]
    assert paths == ["a.md", "b.md"]


def test_bad_baselines_are_one_line_errors(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"{PARA_A}\n")
    missing = run_dedup("check", "a.md", "--baseline", "none.json", cwd=tmp_path)
    assert (
        missing.code == 2 and "none.json: baseline not found; create it with --update-baseline" in missing.err
    )
    write(tmp_path / "bad.json", "{")
    broken = run_dedup("check", "a.md", "--baseline", "bad.json", cwd=tmp_path)
    assert broken.code == 2 and "not valid JSON" in broken.err and "Traceback" not in broken.err
    alone = run_dedup("check", "a.md", "--update-baseline", cwd=tmp_path)
    assert alone.code == 2 and "--update-baseline needs --baseline FILE" in alone.err


def test_library_split() -> None:
    result = check_texts({"t.md": f"{PARA_A}\n\n{PARA_A}\n\n{PARA_A}\n"})
    entries = [baseline.Entry("t.md", "DUP001", result.findings[0].fingerprint)]
    new, known = baseline.split(result.findings, entries, "b.json")  # paths relative to cwd
    assert len(known) == 1 and len(new) == 1


def test_summary_counts_only_new_duplicates(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "a.md", f"{PARA_A}\n\n{PARA_B}\n\n{PARA_A}\n")
    assert run_dedup("check", "docs", "--baseline", "b.json", "--update-baseline", cwd=tmp_path).code == 0
    write(tmp_path / "docs" / "a.md", f"{PARA_A}\n\n{PARA_B}\n\n{PARA_A}\n\n{PARA_B}\n")
    out = run_dedup("check", "docs", "--baseline", "b.json", "--format", "json", cwd=tmp_path)
    assert out.code == 1
    summary = json.loads(out.out)["summary"]
    assert (
        summary["duplicate_paragraphs"] == 1
    )  # the new PARA_B copy; the accepted PARA_A copy is not counted
    assert summary["findings"] == 1
