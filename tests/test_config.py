"""Config files: discovery, kebab-case keys, validation, origins, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration_helpers import PARA_A, run_dedup, write

from dedup.config import find_config, resolve, values_from_table
from dedup.errors import DedupError
from dedup.settings import Settings


def test_closest_config_wins_and_dedup_toml_beats_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.dedup]\nmin-words = 7\n")
    write(tmp_path / "sub" / "dedup.toml", "min-words = 9\n")
    write(tmp_path / "sub" / "pyproject.toml", "[tool.dedup]\nmin-words = 8\n")
    write(tmp_path / "other" / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.dedup]
    assert find_config(tmp_path / "sub") == (tmp_path / "sub" / "dedup.toml").resolve()
    assert find_config(tmp_path / "other") == (tmp_path / "pyproject.toml").resolve()
    resolved = resolve({}, start=tmp_path / "sub")
    assert resolved.settings.min_words == 9
    assert resolved.origins["min_words"] == str((tmp_path / "sub" / "dedup.toml").resolve())
    assert resolved.origins["threshold"] == "default"
    assert resolved.root == (tmp_path / "sub").resolve()


def test_command_line_beats_environment_beats_config(tmp_path: Path) -> None:
    write(tmp_path / ".dedup.toml", 'output-format = "json"\nthreshold = 0.9\nextend-exclude = ["a/"]\n')
    env = {"DEDUP_OUTPUT_FORMAT": "sarif"}
    resolved = resolve({"threshold": None}, start=tmp_path, environ=env)
    assert resolved.settings.output_format == "sarif"
    assert resolved.origins["output_format"] == "environment DEDUP_OUTPUT_FORMAT"
    assert resolved.settings.threshold == 0.9
    resolved = resolve({"output_format": "github", "extend_exclude": ("b/",)}, start=tmp_path, environ=env)
    assert resolved.settings.output_format == "github"
    assert resolved.origins["output_format"] == "command line"
    assert resolved.settings.extend_exclude == ("a/", "b/")
    assert resolved.origins["extend_exclude"].endswith("+ command line")
    assert resolve({}, start=tmp_path, isolated=True).settings.threshold == Settings().threshold


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"min_words": 3}, "unknown key 'min_words' (did you mean 'min-words'?)"),
        ({"bogus": 1}, "unknown key 'bogus'"),
        ({"min-words": "3"}, "'min-words' must be an integer, got '3'"),
        ({"near": 1}, "'near' must be true or false"),
        ({"include": "*.md"}, "'include' must be a list of strings"),
        ({"threshold": True}, "'threshold' must be a number"),
    ],
)
def test_bad_keys_and_types_name_the_key_and_file(table: dict[str, object], expected: str) -> None:
    with pytest.raises(DedupError) as info:
        values_from_table(table, Path("conf/dedup.toml"))
    assert expected in info.value.message
    assert info.value.path == "conf/dedup.toml"


def test_values_are_converted_by_field_type() -> None:
    values = values_from_table({"threshold": 1, "include": ["*.md"], "near": False}, Path("x.toml"))
    assert values == {"threshold": 1.0, "include": ("*.md",), "near": False}


def test_cli_reports_config_errors_in_one_line(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", f"{PARA_A}\n")
    write(tmp_path / "pyproject.toml", "[tool.dedup]\nthreshold = 2.0\nmin-words = 3\n")
    bad_value = run_dedup("check", "a.txt", cwd=tmp_path)
    assert bad_value.code == 2
    assert bad_value.err.strip().splitlines() == [
        f"dedup: error: {(tmp_path / 'pyproject.toml').resolve()}: threshold must be in (0, 1], got 2.0"
    ]
    write(tmp_path / "pyproject.toml", "[tool.dedup]\nthreshold = \n")
    bad_toml = run_dedup("check", "a.txt", cwd=tmp_path)
    assert bad_toml.code == 2
    assert "invalid TOML" in bad_toml.err and "line 2" in bad_toml.err
    assert "Traceback" not in bad_toml.err
    missing = run_dedup("check", "a.txt", "--config", "nope.toml", cwd=tmp_path)
    assert missing.code == 2 and "nope.toml: config file not found" in missing.err


def test_config_command_and_show_settings_print_origins(tmp_path: Path) -> None:
    write(tmp_path / "dedup.toml", "min-words = 6\n")
    shown = run_dedup("config", cwd=tmp_path)
    assert shown.code == 0
    config_path = str((tmp_path / "dedup.toml").resolve())
    assert f"min-words = 6  # {config_path}" in shown.out
    assert f"threshold = {Settings().threshold}  # default" in shown.out
    flag = run_dedup("check", ".", "--show-settings", "--threshold", "0.7", cwd=tmp_path)
    assert flag.code == 0
    assert "threshold = 0.7  # command line" in flag.out
    explicit = run_dedup("config", "--config", "dedup.toml", cwd=tmp_path)
    assert "# config file: dedup.toml" in explicit.out


def test_config_changes_what_check_finds(tmp_path: Path) -> None:
    short = "Too short to count.\n\nToo short to count.\n"
    write(tmp_path / "a.txt", short)
    assert run_dedup("check", "a.txt", cwd=tmp_path).code == 0  # 4 words but < 20 chars
    write(tmp_path / ".dedup.toml", "min-chars = 5\n")
    found = run_dedup("check", "a.txt", cwd=tmp_path)
    assert found.code == 1 and "DUP001" in found.out
