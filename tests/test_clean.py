"""Cleaning: exact byte preservation, idempotence, diffs, atomic writes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_dedup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.api import check_texts, clean
from dedup.settings import Settings

PARAGRAPHS = [
    "The river rose two metres overnight and the old bridge was closed.",
    "Volunteers filled sandbags outside the town hall until late evening.",
    "Schools in the valley will stay shut until the water has gone down.",
    "The mayor thanked the fire brigade for their quick and calm response.",
]

paragraph = st.sampled_from(PARAGRAPHS) | st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    parts = draw(st.lists(paragraph, min_size=1, max_size=10))
    seps = draw(
        st.lists(
            st.sampled_from([newline, newline * 2, newline * 3]), min_size=len(parts), max_size=len(parts)
        )
    )
    trailing = draw(st.sampled_from(["", " ", "\t "]))
    body = "".join(
        p.replace("\n", " ").replace("\r", " ") + trailing + sep for p, sep in zip(parts, seps, strict=True)
    )
    if draw(st.booleans()):
        body = body.rstrip("\r\n")
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + body).encode("utf-8")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _is_subsequence(small: list[bytes], big: list[bytes]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=documents(), split=st.sampled_from(["auto", "blank", "line"]))
def test_kept_bytes_are_input_bytes_and_cleaning_is_idempotent(raw: bytes, split: str) -> None:
    cfg = Settings(split=split, min_words=1, min_chars=1)
    result = check_texts({"doc.txt": raw}, cfg)
    cleaned = clean(result).changes[0].cleaned
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    assert cleaned.startswith(bom)
    # Every kept line is an input line, in order, byte for byte.
    assert _is_subsequence(_lines(cleaned[len(bom) :]), _lines(raw[len(bom) :]))
    # No duplicates are left, and cleaning again changes nothing.
    again = check_texts({"doc.txt": cleaned}, cfg)
    assert again.findings == []
    assert clean(again).changes[0].cleaned == cleaned

    # Removing text never creates a longer run of blank lines than the input had.
    def longest_blank_run(data: bytes) -> int:
        best = run = 0
        for line in _lines(data):
            run = run + 1 if not line.strip() else 0
            best = max(best, run)
        return best

    assert longest_blank_run(cleaned[len(bom) :]) <= longest_blank_run(raw[len(bom) :])


def test_no_doubled_blank_lines_after_removal() -> None:
    text = "Alpha paragraph has words.\n\nBeta paragraph has words.\n\nAlpha paragraph has words.\n\nGamma paragraph has words.\n"
    result = check_texts({"a.txt": text})
    assert clean(result).changes[0].cleaned.decode() == (
        "Alpha paragraph has words.\n\nBeta paragraph has words.\n\nGamma paragraph has words.\n"
    )


def test_removal_at_end_takes_the_separator_before() -> None:
    text = "Alpha paragraph has words.\n\nAlpha paragraph has words.\n"
    result = check_texts({"a.txt": text})
    assert clean(result).changes[0].cleaned.decode() == "Alpha paragraph has words.\n"


def test_crlf_bom_and_trailing_spaces_survive(tmp_path: Path) -> None:
    raw = "\ufeffKeep me please, I am unique.  \r\n\r\nDup paragraph with enough words.\r\n\r\nDup paragraph with enough words.\r\n"
    src = tmp_path / "w.txt"
    src.write_bytes(raw.encode())
    run = run_dedup(["clean", str(src), "--in-place"])
    assert run.code == 0, run.stderr
    assert (
        src.read_bytes()
        == "\ufeffKeep me please, I am unique.  \r\n\r\nDup paragraph with enough words.\r\n".encode()
    )


def test_in_place_keeps_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    src = tmp_path / "x.txt"
    src.write_text(
        "Same words in this line.\nSame words in this line.\nA different sentence entirely, about cats.\n"
    )
    os.chmod(src, 0o640)
    unchanged = tmp_path / "y.txt"
    unchanged.write_text("Nothing repeated in this file at all.\n")
    before = unchanged.stat().st_mtime_ns
    run = run_dedup(["clean", str(tmp_path), "--in-place"])
    assert run.code == 0, run.stderr
    assert src.read_text() == "Same words in this line.\nA different sentence entirely, about cats.\n"
    assert stat.S_IMODE(src.stat().st_mode) == 0o640
    assert unchanged.stat().st_mtime_ns == before  # untouched files are not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt", "y.txt"]


def test_an_interrupted_write_leaves_the_file_and_no_temp_file(tmp_path: Path) -> None:
    """Ctrl-C in the middle of an in-place write: the old file stays whole
    and the temporary file is removed."""
    from dedup.rewrite import atomic_write

    target = tmp_path / "x.txt"
    target.write_bytes(b"old text\n")

    def chunks() -> Iterator[bytes]:
        yield b"new text, first half"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, chunks())
    assert target.read_bytes() == b"old text\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_diff_is_git_applyable_and_writes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(Path(__file__).parent.parent / "samples", repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    originals = {p: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    run = run_dedup(["clean", ".", "--diff"], cwd=repo)
    assert run.code == 1, run.stderr  # changes pending
    assert {p: p.read_bytes() for p in originals} == originals
    patch = tmp_path / "changes.diff"
    patch.write_bytes(run.stdout_bytes)
    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True)
    # Applying the diff gives exactly what --out writes.
    out = run_dedup(["clean", str(tmp_path / "copy"), "--out", str(tmp_path / "out")])
    assert out.code == 2  # missing input is an error
    shutil.copytree(Path(__file__).parent.parent / "samples", tmp_path / "copy")
    out = run_dedup(["clean", str(tmp_path / "copy"), "--out", str(tmp_path / "out")])
    assert out.code == 0, out.stderr
    for p in originals:
        assert p.read_bytes() == (tmp_path / "out" / p.name).read_bytes(), p.name
    assert run_dedup(["check", str(repo)]).code == 0


def test_report_dir_has_json_and_diff(tmp_path: Path) -> None:
    from conftest import MISSION

    run = run_dedup(["clean", str(MISSION), "--diff", "--report", str(tmp_path / "rep")])
    assert run.code == 1
    assert (tmp_path / "rep" / "changes.diff").read_bytes() == run.stdout_bytes
    import json

    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["summary"]["duplicate_paragraphs"] == 4


def test_stdin_to_stdout() -> None:
    run = run_dedup(["clean", "-"], stdin=b"Repeat this line of text.\nRepeat this line of text.\n")
    assert run.code == 0, run.stderr
    assert run.stdout_bytes == b"Repeat this line of text.\n"


def test_out_mirrors_tree(tmp_path: Path) -> None:
    src = tmp_path / "corpus"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Shared paragraph across two files here.\n")
    (src / "sub" / "b.txt").write_text("Shared paragraph across two files here.\nOwn line of file b here.\n")
    (src / "skip.bin").write_bytes(b"\x00\x01")
    run = run_dedup(["clean", str(src), "--out", str(tmp_path / "out")])
    assert run.code == 0, run.stderr
    assert (tmp_path / "out" / "a.txt").read_text() == "Shared paragraph across two files here.\n"
    assert (tmp_path / "out" / "sub" / "b.txt").read_text() == "Own line of file b here.\n"
    assert not (tmp_path / "out" / "skip.bin").exists()
