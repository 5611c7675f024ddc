"""Bad input: one clear line naming the file, exit 2, others still processed, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_dedup

GOOD = "A duplicated paragraph with enough words.\nA duplicated paragraph with enough words.\n"


def _one_error_line(stderr: str, needle: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert any(needle in line and line.startswith("dedup: error: ") for line in lines), stderr


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("latin1.txt", "caf\xe9 au lait\n".encode("latin-1"), "invalid UTF-8 at byte 3"),
        ("utf16.txt", "hello there\n".encode("utf-16"), "UTF-16"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "whitespace only"),
    ],
)
def test_bad_file_is_reported_and_others_still_processed(
    tmp_path: Path, name: str, content: bytes, needle: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    run = run_dedup(["check", str(bad), str(good), "--format", "concise"])
    assert run.code == 2
    _one_error_line(run.stderr, f"{bad}: ")
    _one_error_line(run.stderr, needle)
    assert f"{good}:2:2: DUP001" in run.stdout  # the good file was still checked


def test_missing_file_and_directory_without_text(tmp_path: Path) -> None:
    (tmp_path / "empty_dir").mkdir()
    run = run_dedup(["check", str(tmp_path / "nope.txt"), str(tmp_path / "empty_dir")])
    assert run.code == 2
    _one_error_line(run.stderr, "nope.txt: no such file or directory")
    _one_error_line(run.stderr, "empty_dir: directory has no files matching")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "x", "--bogus"], "No such option: --bogus"),
        (["check", "x", "--split", "sideways"], "--split"),
        (["check", "x", "--threshold", "2"], "--threshold"),
        (["check"], "Missing argument"),
        (["clean", "x"], "--out DIR, --in-place"),
        (["clean", "x", "--in-place", "--diff"], "choose one of"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_options(args: list[str], needle: str) -> None:
    run = run_dedup(args)
    assert run.code == 2
    _one_error_line(run.stderr, needle)


def test_huge_single_line_is_processed(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    line = ("word " * 2_000_000).encode()  # a 10 MB line
    big.write_bytes(line + b"\n\n" + line + b"\n")
    run = run_dedup(["check", str(big), "--format", "concise"])
    assert run.code == 1, run.stderr
    assert f"{big}:3:3: DUP001" in run.stdout


def test_debug_shows_traceback_for_errors(tmp_path: Path) -> None:
    run = run_dedup(["--debug", "clean", "x"])
    assert run.code == 2
    assert "Traceback" in run.stderr


def test_unwritable_output_is_a_clean_error(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text(GOOD)
    blocker = tmp_path / "out"
    blocker.write_text("a file where a directory should be")
    run = run_dedup(["clean", str(src), "--out", str(blocker)])
    assert run.code == 2
    assert "Traceback" not in run.stderr
    assert src.read_text() == GOOD


def test_fifo_is_never_read(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block forever
    (tmp_path / "good.txt").write_text(GOOD)
    walked = run_dedup(["check", str(tmp_path), "--select", "DUP", "--format", "concise"])
    assert walked.code == 1, walked.stderr  # the FIFO is skipped, the good file checked
    assert "pipe.txt" not in walked.stdout + walked.stderr
    named = run_dedup(["check", str(tmp_path / "pipe.txt"), str(tmp_path / "good.txt"), "--select", "DUP"])
    assert named.code == 2
    _one_error_line(named.stderr, "pipe.txt: not a regular file")


def test_the_command_writes_all_of_a_large_report_before_it_exits(tmp_path: Path) -> None:
    """``dedup`` leaves with os._exit once its work is done; everything it
    wrote to stdout (here far more than a pipe buffer holds) must be out."""
    import json

    paragraphs = [f"Paragraph number {i} says the same thing in its own words again." for i in range(3000)]
    (tmp_path / "a.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    run = run_dedup(["check", str(tmp_path), "--select", "DUP001", "-f", "json"])
    assert run.code == 1, run.stderr
    assert len(run.stdout_bytes) > 1 << 20
    assert len(json.loads(run.stdout)["findings"]) == 3000
