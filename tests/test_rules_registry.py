from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MISSION, run_dedup

from dedup.errors import DedupError
from dedup.models import Severity
from dedup.rules.registry import ALL_RULES, FAMILIES, RuleSettings, get_rule, selected_rules


def codes(settings: RuleSettings) -> list[str]:
    return [r.code for r in selected_rules(settings, runnable_only=False)]


def test_every_rule_is_documented() -> None:
    for rule in ALL_RULES:
        assert rule.code[: len(rule.code) - 3] in FAMILIES or rule.code[:-3] in FAMILIES
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.summary and len(rule.explanation) > 80 and rule.source
        for param in rule.params.values():
            assert param.help


def test_selection_most_specific_wins() -> None:
    got = codes(RuleSettings(select=("GQ",), ignore=("GQ004",)))
    assert got == ["GQ001", "GQ002", "GQ003", "GQ005", "GQ006", "GQ007"]
    assert codes(RuleSettings(ignore=("GQ",), extend_select=("GQ001",))).count("GQ001") == 1
    assert "GQ002" not in codes(RuleSettings(ignore=("GQ",), extend_select=("GQ001",)))
    assert codes(RuleSettings(select=("gopher-repetition",))) == ["GR001"]
    assert codes(RuleSettings(select=("c4003,BP",))) == ["C4003", "BP001"]


def test_unknown_selectors_thresholds_and_severities_are_errors() -> None:
    with pytest.raises(DedupError, match="matches no rule"):
        RuleSettings(select=("XYZ",))
    with pytest.raises(DedupError, match="no threshold 'nope'"):
        RuleSettings(thresholds={"GQ001": {"nope": 1}})
    with pytest.raises(DedupError, match="must be a number"):
        RuleSettings(thresholds={"GQ001": {"min_words": "ten"}})
    with pytest.raises(DedupError, match="unknown severity"):
        RuleSettings(severity={"GQ": "fatal"})


def test_severity_and_threshold_overrides() -> None:
    settings = RuleSettings(
        select=("GQ001",), severity={"GQ": "error"}, thresholds={"gopher-word-count": {"min_words": 10}}
    )
    (rule,) = selected_rules(settings)
    assert rule.severity is Severity.ERROR
    assert rule.value("min_words") == 10
    assert get_rule("gq001") is get_rule("gopher-word-count")


def test_cli_rules_lists_every_code() -> None:
    run = run_dedup(["rules", "--format", "json"])
    assert run.code == 0, run.stderr
    assert [r["code"] for r in json.loads(run.stdout)] == [r.code for r in ALL_RULES]


def test_cli_rule_explains_one() -> None:
    run = run_dedup(["rule", "GR001"])
    assert run.code == 0
    assert "gopher-repetition" in run.stdout and "dup_para_frac = 0.3" in run.stdout
    bad = run_dedup(["rule", "NOPE1"])
    assert bad.code == 2 and "unknown rule" in bad.stderr


def test_cli_fail_on_and_select() -> None:
    # The mission article has an info finding only when GR and DUP are ignored.
    run = run_dedup(["check", str(MISSION), "--ignore", "DUP,GR", "-f", "json"])
    assert run.code == 0, run.stdout
    run = run_dedup(["check", str(MISSION), "--ignore", "DUP,GR", "--fail-on", "info", "-f", "json"])
    assert run.code == 1
    report = json.loads(run.stdout)
    metrics = report["quality"][str(MISSION)]
    assert metrics["paragraphs"] == 11 and metrics["words"] > 400


def test_cli_clean_drop_removes_boilerplate_paragraphs(tmp_path: Path) -> None:
    src = tmp_path / "page.txt"
    body = (
        "The bridge reopened on Monday after three months of repairs to its deck and railings.\n\n"
        "Share this article\n\n"
        "Drivers had used a diversion through the town centre while the work was done.\n"
    )
    src.write_text(body)
    run = run_dedup(["clean", str(src), "--diff", "--drop", "BP001"])
    assert run.code == 1, run.stderr
    assert "-Share this article" in run.stdout
    bad = run_dedup(["clean", str(src), "--diff", "--drop", "GR001"])
    assert bad.code == 2 and "file-scope" in bad.stderr
