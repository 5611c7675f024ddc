"""Rule settings in config files: select/ignore, severity, per-rule thresholds,
fail-on; CLI precedence; `dedup config` origins; `dedup clean` reads config.

Every test runs the real `dedup` command in a temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from integration_helpers import PARA_A, Run, run_dedup, write

from dedup.config import resolve
from dedup.rules.registry import RuleSettings

# Eight words: GQ001 (gopher-word-count, default min 50, severity info) fires;
# the trailing spaces make TXT004 (trailing-whitespace, info) fire.
SHORT = "Hello there world, this is a short text.  \n"


def check(tmp_path: Path, *args: str) -> Run:
    return run_dedup("check", "a.txt", *args, cwd=tmp_path, as_given=True)


def rules_found(run: Run) -> dict[str, str]:
    """Rule code -> severity of each finding of a JSON report."""
    assert run.code in (0, 1), run.err
    return {f["rule"]: f["severity"] for f in json.loads(run.out)["findings"]}


def pyproject(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "pyproject.toml", "[tool.dedup]\n" + body)


def test_select_and_ignore_from_the_file(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", SHORT)
    pyproject(tmp_path, 'select = ["GQ001", "TXT"]\nignore = ["TXT004"]\n')
    assert rules_found(check(tmp_path, "-f", "json")) == {"GQ001": "info"}
    pyproject(tmp_path, 'select = ["TXT"]\n')
    assert rules_found(check(tmp_path, "-f", "json")) == {"TXT004": "info"}
    pyproject(tmp_path, 'select = ["gopher-word-count"]\nextend-select = ["TXT004"]\n')
    assert rules_found(check(tmp_path, "-f", "json")) == {"GQ001": "info", "TXT004": "info"}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("", "only 8 words (min 50)"),
        ("min_words = 20", "only 8 words (min 20)"),
        ("min-words = 20", "only 8 words (min 20)"),  # kebab case works too
        ("min_words = 5", None),
        ('min_words = "off"', None),
    ],
)
def test_per_rule_threshold_changes_the_finding(tmp_path: Path, table: str, expected: str | None) -> None:
    write(tmp_path / "a.txt", SHORT)
    write(tmp_path / "dedup.toml", f'select = ["GQ001"]\n[rules.GQ001]\n{table}\n')
    run = check(tmp_path, "-f", "json")
    messages = [f["message"] for f in json.loads(run.out)["findings"]]
    assert messages == ([expected] if expected else []), run.err


def test_rule_table_by_name_and_list_thresholds(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"{PARA_A}\n\nBuy now and save big\n")
    write(tmp_path / "dedup.toml", 'select = ["BP001"]\n')
    assert rules_found(check(tmp_path, "-f", "json")) == {}
    write(
        tmp_path / "dedup.toml",
        'select = ["BP001"]\n[rules.boilerplate-paragraph]\npatterns = ["buy now.*"]\n',
    )
    assert rules_found(check(tmp_path, "-f", "json")) == {"BP001": "warning"}


def test_severity_override_and_fail_on_set_the_exit_code(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", SHORT)
    pyproject(tmp_path, 'select = ["GQ001"]\n')
    assert check(tmp_path).code == 0  # info is below the default fail-on (warning)
    pyproject(tmp_path, 'select = ["GQ001"]\n[tool.dedup.severity]\nGQ = "warning"\n')
    assert check(tmp_path).code == 1
    pyproject(tmp_path, 'select = ["GQ001"]\nfail-on = "error"\n[tool.dedup.severity]\nGQ = "warning"\n')
    assert check(tmp_path).code == 0
    pyproject(
        tmp_path,
        'select = ["GQ001"]\nfail-on = "error"\n[tool.dedup.severity]\nGQ = "warning"\nGQ001 = "error"\n',
    )
    run = check(tmp_path, "-f", "json")
    assert run.code == 1
    assert rules_found(run) == {"GQ001": "error"}  # the most specific selector wins
    pyproject(tmp_path, 'select = ["GQ001"]\nfail-on = "info"\n')
    assert check(tmp_path).code == 1


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        ("[rules.GQ999]\nmin_words = 1\n", "'rules.GQ999'", "unknown rule 'GQ999'"),
        ("[rules.GQ001]\nnope = 1\n", "'rules.GQ001.nope'", "GQ001 has no threshold 'nope'"),
        ('[rules.GQ001]\nmin_words = "ten"\n', "'rules.GQ001.min_words'", "must be a number"),
        ("[rules.GQ001]\nmin_words = true\n", "'rules.GQ001.min_words'", "must be a number"),
        ("[rules]\nGQ001 = 3\n", "'rules.GQ001'", "must be a table of thresholds"),
        ("rules = 3\n", "'rules'", "must be a table"),
        ('[severity]\nGQ = "fatal"\n', "'severity.GQ'", "unknown severity 'fatal'"),
        ("[severity]\nGQ = 1\n", "'severity.GQ'", "must be a string"),
        ('[severity]\nXYZ = "error"\n', "severity: 'XYZ'", "matches no rule"),
        ('fail-on = "fatal"\n', "'fail-on'", "unknown severity 'fatal'"),
        ('select = ["XYZ"]\n', "select: 'XYZ'", "matches no rule"),
        ('select = "GQ"\n', "'select'", "must be a list of strings"),
        ('word-tokenizer = "nltk"\n', "'word-tokenizer'", "unknown word-tokenizer 'nltk'"),
        ("selct = []\n", "unknown key 'selct'", "did you mean 'select'?"),
    ],
)
def test_bad_rule_config_is_one_line_naming_file_and_key(
    tmp_path: Path, body: str, key: str, reason: str
) -> None:
    write(tmp_path / "a.txt", SHORT)
    config = write(tmp_path / "dedup.toml", body)
    for command in (("check", "a.txt"), ("clean", "--diff", "a.txt"), ("config",)):
        run = run_dedup(*command, cwd=tmp_path, as_given=True)
        assert run.code == 2, (command, run.err)
        lines = run.err.strip().splitlines()
        assert len(lines) == 1, run.err
        assert lines[0].startswith(f"dedup: error: {config.resolve()}: ")
        assert key in lines[0] and reason in lines[0]
        assert "Traceback" not in run.err


def test_command_line_overrides_the_file(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", SHORT)
    pyproject(tmp_path, 'select = ["GQ001"]\nignore = ["TXT004"]\nfail-on = "info"\n')
    # --select replaces the file's whole selection (its ignore too), like ruff.
    assert rules_found(check(tmp_path, "-f", "json", "--select", "TXT004")) == {"TXT004": "info"}
    # --extend-select and --ignore add to the file's lists.
    assert rules_found(check(tmp_path, "-f", "json", "--extend-select", "TXT005")) == {"GQ001": "info"}
    both = check(tmp_path, "-f", "json", "--extend-select", "TXT00", "--ignore", "GQ001")
    assert rules_found(both) == {}  # TXT004 stays ignored by the file, GQ001 by the command line
    # Selectors of both are pooled and the most specific one wins, on a tie ignore.
    ignored_prefix = check(tmp_path, "-f", "json", "--extend-select", "TXT004", "--ignore", "GQ")
    assert rules_found(ignored_prefix) == {"GQ001": "info"}
    assert check(tmp_path).code == 1
    assert check(tmp_path, "--fail-on", "warning").code == 0


def test_dedup_config_shows_rule_settings_and_their_origin(tmp_path: Path) -> None:
    config = pyproject(
        tmp_path,
        'select = ["GQ"]\nextend-select = ["TXT004"]\nheuristic-min-words = 20\n'
        '[tool.dedup.severity]\nGQ001 = "error"\n'
        '[tool.dedup.rules.GQ001]\nmin-words = 20\nmax_words = "off"\n',
    ).resolve()
    run = run_dedup("config", cwd=tmp_path)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert f'select = ["GQ"]  # {config}' in lines
    assert f"heuristic-min-words = 20  # {config}" in lines
    assert f'severity = {{ GQ001 = "error" }}  # {config}' in lines
    assert f'rules = {{ GQ001 = {{ min_words = 20, max_words = "off" }} }}  # {config}' in lines
    assert 'fail-on = "warning"  # default' in lines
    assert "ignore = []  # default" in lines
    shown = run_dedup(
        "check", ".", "--show-settings", "--extend-select", "TXT005", "--fail-on", "info", cwd=tmp_path
    )
    assert f'extend-select = ["TXT004", "TXT005"]  # {config} + command line' in shown.out.splitlines()
    assert 'fail-on = "info"  # command line' in shown.out.splitlines()
    replaced = run_dedup("check", ".", "--show-settings", "--select", "DUP", cwd=tmp_path)
    assert 'select = ["DUP"]  # command line' in replaced.out.splitlines()
    assert "extend-select = []  # command line" in replaced.out.splitlines()


def test_resolve_builds_rule_settings(tmp_path: Path) -> None:
    write(tmp_path / "dedup.toml", 'ignore = ["BP"]\n[rules.GQ001]\nmin-words = 7\n')
    resolved = resolve({"extend_select": ("TXT004",)}, start=tmp_path)
    assert resolved.rules == RuleSettings(
        ignore=("BP",), extend_select=("TXT004",), thresholds={"GQ001": {"min_words": 7}}
    )
    assert resolved.rules.thresholds == {"GQ001": {"min_words": 7}}
    assert resolve({}, start=tmp_path, isolated=True).rules.thresholds == {}


# -- dedup clean -------------------------------------------------------------


def clean_diff(tmp_path: Path, *args: str) -> Run:
    run = run_dedup("clean", "--diff", "a.txt", *args, cwd=tmp_path)
    assert run.code in (0, 1), run.err
    return run


def removed(run: Run) -> list[str]:
    return [line[1:] for line in run.out.splitlines() if line.startswith("-") and not line.startswith("---")]


def test_clean_honours_split_from_the_config_file(tmp_path: Path) -> None:
    # Two paragraphs; the second is hard-wrapped and its first line repeats
    # the first paragraph (auto split keeps the wrapped lines together).
    line = "The quick brown fox jumps over the lazy dog near the river bank"
    write(tmp_path / "a.txt", f"{line}\n\n{line}\nand then it rested in the shade of the old oak.\n")
    assert removed(clean_diff(tmp_path)) == []
    write(tmp_path / "dedup.toml", 'split = "line"\n')
    assert removed(clean_diff(tmp_path)) == [line]
    assert removed(clean_diff(tmp_path, "--split", "blank")) == []  # the command line wins
    assert removed(clean_diff(tmp_path, "--isolated")) == []


def test_clean_honours_keep_and_threshold_from_the_config_file(tmp_path: Path) -> None:
    near = PARA_A.replace("dog", "cat")  # similarity 0.93 with PARA_A
    write(tmp_path / "a.txt", f"{PARA_A}\n\n{near}\n")
    assert removed(clean_diff(tmp_path)) == ["", near]
    write(tmp_path / "pyproject.toml", "[tool.dedup]\nthreshold = 0.95\n")
    assert removed(clean_diff(tmp_path)) == []
    write(tmp_path / "pyproject.toml", '[tool.dedup]\nkeep = "none"\n')
    assert removed(clean_diff(tmp_path)) == [PARA_A, "", near]
    shown = run_dedup("clean", "a.txt", "--show-settings", cwd=tmp_path)
    assert f'keep = "none"  # {(tmp_path / "pyproject.toml").resolve()}' in shown.out.splitlines()


def test_clean_drop_uses_the_configured_thresholds(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"{PARA_A}\n\nBuy now and save big\n")
    assert removed(clean_diff(tmp_path, "--drop", "BP001")) == []
    write(tmp_path / "dedup.toml", '[rules.BP001]\npatterns = ["buy now.*"]\n')
    assert removed(clean_diff(tmp_path, "--drop", "BP001")) == ["", "Buy now and save big"]
    # The file's selection is for check: clean removes duplicates and --drop only.
    write(tmp_path / "dedup.toml", 'select = ["BP001"]\n[rules.BP001]\npatterns = ["buy now.*"]\n')
    assert removed(clean_diff(tmp_path)) == []


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    from dedup.rules import docs

    path = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert path.read_text(encoding="utf-8") == docs.render(), (
        "docs/rules.md is out of date: python -m dedup.rules.docs > docs/rules.md"
    )
