"""The pre-commit hooks, for real: ``pre-commit try-repo`` on a temporary git repository.

The project is copied (tracked and untracked, non-ignored files, so
uncommitted work is tested too) into a temporary git repository with one
commit, so every ``try-repo`` call sees the same revision and the hook's
environment is built once per module (``PRE_COMMIT_HOME`` is module-scoped).
Building it installs dedup's dependencies from PyPI, so this needs network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from integration_helpers import PARA_A, PARA_B, PARA_C, ROOT, git, write

pytest.importorskip("pre_commit", reason="pip install pre-commit")  # listed in the test extra


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-commit git copy of this project (with uncommitted changes)."""
    target = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if not source.is_file() or rel.startswith(("tests/", "benchmarks/", "samples/")):
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEDUP_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        NO_COLOR="1",
    )
    env.pop("PYTHONPATH", None)
    return env


def try_repo(
    hook_repo: Path, home: Path, cwd: Path, hook: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` (it builds a fresh hook environment every time)."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--color", "never", *extra],
        cwd=cwd,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_hook(
    hook_repo: Path, home: Path, cwd: Path, hook: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run`` with a config naming the hook repository, as users install it.

    Unlike try-repo, this reuses the hook environment in ``home``.
    """
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    write(
        cwd / ".pre-commit-config.yaml",
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: dedup\n    args: [--select, DUP]\n"
        "  - id: dedup-fix\n    args: [--select, DUP]\n",
    )
    git(cwd, "add", ".pre-commit-config.yaml")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--color", "never", *extra],
        cwd=cwd,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_try_repo_dedup_and_dedup_fix(hook_repo: Path, pre_commit_home: Path, user_repo: Path) -> None:
    write(user_repo / "clean.md", f"{PARA_B}\n\n{PARA_C}\n")
    write(user_repo / "dup.md", f"{PARA_A}\n\n{PARA_C}\n\n{PARA_A}\n")
    write(user_repo / "code.py", f'"""{PARA_A}"""\n\n"""{PARA_A}"""\n')  # not an included type
    git(user_repo, "add", "-A")
    dirty = try_repo(hook_repo, pre_commit_home, user_repo, "dedup", "--all-files")
    assert dirty.returncode == 1, dirty.stdout + dirty.stderr
    assert "Failed" in dirty.stdout
    assert "DUP001  dup.md:5-5" in dirty.stdout
    assert "DUP001  dup.md:3-3" in dirty.stdout  # duplicate of clean.md's paragraph
    assert dirty.stdout.count("exact duplicate of") == 2
    assert "code.py" not in dirty.stdout
    assert "2 files checked" in dirty.stdout
    assert "\x1b[" not in dirty.stdout  # no colour under pre-commit

    fixed = try_repo(hook_repo, pre_commit_home, user_repo, "dedup-fix", "--all-files")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "Fixed 2 duplicate paragraph(s) in 1 file(s)" in fixed.stdout
    assert (user_repo / "dup.md").read_text() == f"{PARA_A}\n"
    assert (user_repo / "clean.md").read_text() == f"{PARA_B}\n\n{PARA_C}\n"
    assert (user_repo / "code.py").read_text() == f'"""{PARA_A}"""\n\n"""{PARA_A}"""\n'


def test_hooks_pass_clean_files_and_fix_only_once(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    write(user_repo / "clean.md", f"{PARA_B}\n\n{PARA_C}\n")
    git(user_repo, "add", "-A")
    clean = run_hook(hook_repo, pre_commit_home, user_repo, "dedup", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    write(user_repo / "notes.txt", f"{PARA_A}\r\n\r\n{PARA_B.upper()}\r\n\r\n{PARA_A}\r\n")
    git(user_repo, "add", "-A")
    first = run_hook(hook_repo, pre_commit_home, user_repo, "dedup-fix", "--all-files")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    # CRLF kept; the upper-case copy of clean.md's paragraph is an exact duplicate too
    assert (user_repo / "notes.txt").read_bytes() == f"{PARA_A}\r\n".encode()
    git(user_repo, "add", "-A")
    second = run_hook(hook_repo, pre_commit_home, user_repo, "dedup-fix", "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr


def test_staged_file_is_checked_against_the_rest_of_the_repository(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    write(user_repo / "docs" / "existing.md", f"{PARA_A}\n\n{PARA_B}\n")
    write(user_repo / "docs" / "other.md", f"{PARA_C}\n\n{PARA_C}\n")  # has its own duplicate
    git(user_repo, "add", "-A")
    git(user_repo, "commit", "-q", "-m", "base")
    write(user_repo / "new.md", f"Intro words that are unique to the new file here.\n\n{PARA_B}\n")
    git(user_repo, "add", "new.md")
    result = run_hook(hook_repo, pre_commit_home, user_repo, "dedup")  # staged files only
    assert result.returncode == 1, result.stdout + result.stderr
    assert "new.md:3" in result.stdout
    assert "kept    docs/existing.md:3" in result.stdout  # the committed copy is kept
    assert "other.md" not in result.stdout  # not passed by pre-commit: not reported
    assert "1 file checked (against 2 other files)" in result.stdout

    fixed = run_hook(hook_repo, pre_commit_home, user_repo, "dedup-fix")
    assert fixed.returncode == 1
    assert (user_repo / "new.md").read_text() == "Intro words that are unique to the new file here.\n"
    assert (user_repo / "docs" / "existing.md").read_text() == f"{PARA_A}\n\n{PARA_B}\n"
    assert (user_repo / "docs" / "other.md").read_text() == f"{PARA_C}\n\n{PARA_C}\n"


def test_excluded_files_pass(hook_repo: Path, pre_commit_home: Path, user_repo: Path) -> None:
    write(user_repo / "pyproject.toml", '[tool.dedup]\nextend-exclude = ["vendor/"]\n')
    write(user_repo / "vendor" / "copy.md", f"{PARA_A}\n\n{PARA_A}\n")
    git(user_repo, "add", "-A")
    result = run_hook(hook_repo, pre_commit_home, user_repo, "dedup", "--all-files", "--verbose")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no files checked: all 3 file(s) given are excluded" in result.stdout
