"""File discovery: include globs, excludes, .gitignore, --force-exclude, --show-files."""

from __future__ import annotations

from pathlib import Path

from integration_helpers import PARA_A, PARA_B, git, run_dedup, write

from dedup.api import check_paths
from dedup.discovery import discover
from dedup.settings import Settings


def _tree(root: Path) -> None:
    git(root, "init", "-q")
    write(root / "a.md", f"{PARA_A}\n")
    write(root / "docs" / "b.txt", f"{PARA_A}\n\n{PARA_B}\n")
    write(root / "docs" / "skip.py", f"{PARA_A}\n")
    write(root / "ignored" / "c.md", f"{PARA_A}\n")
    write(root / "logs" / "keep.md", f"{PARA_A}\n")
    write(root / "logs" / "drop.md", f"{PARA_A}\n")
    write(root / "build" / "out.md", f"{PARA_A}\n")
    write(root / "vendor" / "v.md", f"{PARA_A}\n")
    write(root / ".gitignore", "ignored/\nlogs/*\n!logs/keep.md\n")
    write(root / ".git" / "info" / "exclude", "docs/local.md\n")
    write(root / "docs" / "local.md", f"{PARA_A}\n")


def test_walk_respects_include_exclude_and_gitignore(tmp_path: Path, monkeypatch: object) -> None:
    _tree(tmp_path)
    found = discover([str(tmp_path)], Settings(extend_exclude=("vendor/",)), tmp_path)
    rel = sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in found.files)
    assert rel == ["a.md", "docs/b.txt", "logs/keep.md"]
    assert not found.errors
    everything = discover([str(tmp_path)], Settings(respect_gitignore=False, exclude=()), tmp_path)
    rel_all = {Path(f.path).relative_to(tmp_path).as_posix() for f in everything.files}
    assert {"ignored/c.md", "logs/drop.md", "build/out.md", "docs/local.md"} <= rel_all


def test_global_git_excludes_are_respected(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / ".config" / "git" / "ignore", "*.secret.md\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo / "a.md", f"{PARA_A}\n")
    write(repo / "b.secret.md", f"{PARA_A}\n")
    shown = run_dedup("check", "--show-files", ".", cwd=repo, env={"HOME": str(home), "XDG_CONFIG_HOME": ""})
    assert shown.code == 0
    assert shown.out.splitlines() == ["a.md"]


def test_explicit_files_are_read_unless_force_exclude(tmp_path: Path) -> None:
    _tree(tmp_path)
    listed = run_dedup("check", "--show-files", "build/out.md", "docs/skip.py", "a.md", cwd=tmp_path)
    assert listed.out.splitlines() == ["a.md", "build/out.md", "docs/skip.py"]
    forced = run_dedup(
        "check",
        "--show-files",
        "--force-exclude",
        "build/out.md",
        "docs/skip.py",
        "ignored/c.md",
        "a.md",
        cwd=tmp_path,
    )
    assert forced.out.splitlines() == ["a.md"]


def test_everything_excluded_is_said_not_silently_passed(tmp_path: Path) -> None:
    _tree(tmp_path)
    explicit = run_dedup("check", "--force-exclude", "build/out.md", cwd=tmp_path)
    assert explicit.code == 0
    assert "no files checked: all 1 file(s) given are excluded (build/out.md)" in explicit.err
    walked = run_dedup("check", "vendor", "--extend-exclude", "vendor/", cwd=tmp_path)
    assert walked.code == 2
    assert "vendor: every matching file (1) is excluded" in walked.err


def test_files_checked_count_is_always_printed(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = run_dedup("check", ".", "--format", "json", cwd=tmp_path)
    assert "4 files checked" in result.err
    human = run_dedup("check", ".", cwd=tmp_path)
    assert "4 files checked" in human.out


def test_library_check_paths_uses_discovery(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = check_paths([str(tmp_path)], Settings(), root=tmp_path)
    assert len(result.files) == 4  # a.md, docs/b.txt, logs/keep.md, vendor/v.md
    assert {f.rule for f in result.findings} == {"DUP001"}
