"""Broken inputs: each gives a finding or a one-line error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_dedup
from rules_helpers import codes

BATTERY = {
    "invalid_utf8.txt": b"Fine first line.\nBroken \xff\xfe line.\n",
    "latin1_mojibake.txt": "Le caf\u00c3\u00a9 est ferm\u00c3\u00a9 aujourd\u00e2\u20ac\u2122hui.\n".encode(),
    "nul_bytes.txt": b"Some text\x00with NUL bytes\x00.\n",
    "crlf_lf_mix.txt": b"one\r\ntwo\nthree\r\n",
    "utf16_bom.txt": "\ufeffHello UTF-16 world.\n".encode("utf-16"),
    "empty.txt": b"",
}


@pytest.mark.parametrize("name", sorted(BATTERY))
def test_cli_never_tracebacks(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BATTERY[name])
    run = run_dedup(["check", str(path), "-f", "concise"])
    assert "Traceback" not in run.stderr
    assert run.code in (0, 1, 2)
    if run.code == 2:  # a clear one-line error naming the file
        assert run.stderr.count("\n") == 1 and name in run.stderr


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("invalid_utf8.txt", "ENC001"),
        ("latin1_mojibake.txt", "ENC003"),
        ("nul_bytes.txt", "TXT001"),
        ("crlf_lf_mix.txt", "TXT003"),
        ("utf16_bom.txt", "ENC002"),
        ("empty.txt", "TXT006"),
    ],
)
def test_library_gives_the_right_finding(name: str, rule: str) -> None:
    assert rule in codes(BATTERY[name], "ALL")


def test_cli_findings_for_decodable_problems(tmp_path: Path) -> None:
    for name, rule in (("latin1_mojibake.txt", "ENC003"), ("crlf_lf_mix.txt", "TXT003")):
        path = tmp_path / name
        path.write_bytes(BATTERY[name])
        run = run_dedup(["check", str(path), "-f", "concise", "--fail-on", "info"])
        assert rule in run.stdout, run.stdout + run.stderr


def test_50_mb_single_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word" * (50 * 1024 * 1024 // 4))
    run = run_dedup(["check", str(path), "-f", "concise", "--select", "TXT,ENC,C4006", "--fail-on", "info"])
    assert "Traceback" not in run.stderr
    assert run.code == 1, run.stderr
    assert "TXT005" in run.stdout and "TXT007" in run.stdout
