"""File discovery: include globs, excludes, .gitignore, --force-exclude, --show-files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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


_SEGMENTS = st.sampled_from(["a", "b.md", "*.txt", "**", "c*", "?", "[ab]", "docs", ".git", "x y"])


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(
        st.builds(
            lambda negate, lead, parts, trail: ("!" if negate else "") + lead + "/".join(parts) + trail,
            st.booleans(),
            st.sampled_from(["", "/", "#", "\\\\#"]),
            st.lists(_SEGMENTS, min_size=1, max_size=3),
            st.sampled_from(["", "/", "/**"]),
        ),
        max_size=6,
    ),
    paths=st.lists(
        st.lists(
            st.sampled_from(["a", "b.md", "c.txt", "docs", ".git", "cx", "x y", "ab.txt"]),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_joined_patterns_match_as_pathspec_does(patterns: list[str], paths: list[list[str]]) -> None:
    """Patterns joined into one expression (no negation) or left to
    pathspec (some negation) match every path as pathspec does."""
    import pathspec

    from dedup.discovery import Patterns

    mine = Patterns(patterns)
    theirs = pathspec.GitIgnoreSpec.from_lines(patterns)
    for parts in paths:
        for path in ("/".join(parts), "/".join(parts) + "/"):
            assert mine.match_file(path) == theirs.match_file(path), (patterns, path)


def test_walk_gives_relative_paths_and_excludes_below_the_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files found by walking keep the path as given, their path below the
    argument, and excludes apply to their path below the project root."""
    write(tmp_path / "corpus" / "a.txt", f"{PARA_A}\n")
    write(tmp_path / "corpus" / "sub" / "deeper" / "b.txt", f"{PARA_A}\n")
    write(tmp_path / "corpus" / "sub" / "skip.txt", f"{PARA_A}\n")
    write(tmp_path / "corpus" / "notes.log", f"{PARA_A}\n")
    monkeypatch.chdir(tmp_path)
    found = discover(["corpus/./sub/../"], Settings(extend_exclude=("corpus/sub/skip.txt",)), tmp_path)
    assert [(f.path, f.root, f.relative) for f in found.files] == [
        ("corpus/a.txt", "corpus/./sub/../", "a.txt"),
        ("corpus/sub/deeper/b.txt", "corpus/./sub/../", "sub/deeper/b.txt"),
    ]
    assert found.excluded == ["corpus/sub/skip.txt"]
    inside = discover(["."], Settings(exclude=("sub/",)), tmp_path / "corpus")
    assert [f.relative for f in inside.files] == ["corpus/a.txt"]  # (sub/ is below the root)


def test_walk_ignores_what_git_ignores(tmp_path: Path) -> None:
    """Nested .gitignore files, negations, directory patterns and anchored
    patterns: the files a walk finds are the untracked files git does not
    ignore (``git ls-files --others --exclude-standard``), include globs applied."""
    import subprocess

    git(tmp_path, "init", "-q")
    files = [
        "a.md",
        "keep.log.md",
        "drop.md",
        "docs/b.md",
        "docs/drop.md",
        "docs/inner/c.md",
        "docs/inner/keep.md",
        "docs/inner/deep/d.md",
        "notes/x.md",
        "notes/y.md",
        "build/out.md",
        "src/build/in.md",
        "data/raw/e.md",
        "data/raw/f.md",
    ]
    for name in files:
        write(tmp_path / name, f"{PARA_A}\n")
    write(tmp_path / ".gitignore", "drop.md\n/build/\nnotes/*\n!notes/y.md\n*.log.md\n")
    write(tmp_path / "docs" / ".gitignore", "inner/*.md\n!inner/keep.md\n")
    write(tmp_path / "docs" / "inner" / ".gitignore", "deep/\n")
    write(tmp_path / "data" / ".gitignore", "raw/e.md\n")
    write(tmp_path / ".git" / "info" / "exclude", "src/build/in.md\n")
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = sorted(name for name in listed if name.endswith(".md"))
    assert "notes/y.md" in expected and "docs/inner/keep.md" in expected  # (the negations hold)
    found = discover([str(tmp_path)], Settings(), tmp_path)
    assert sorted(f.relative for f in found.files) == expected
