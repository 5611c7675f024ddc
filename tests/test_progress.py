"""The progress bar: on a terminal only, never in CI, pre-commit or with --quiet."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(6):
        (root / f"f{i}.txt").write_text(f"Paragraph number {i} has a handful of words in it.\n" * 3)
    return root


def _stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", *args],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    env.update(extra)
    return env


def test_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    out = _stderr_on_a_terminal(["check", str(_corpus(tmp_path)), "--select", "DUP"], _env())
    assert "files" in out and "paragraphs/s" in out


@pytest.mark.parametrize(
    ("extra_args", "env_extra"),
    [(["--quiet"], {}), ([], {"CI": "true"}), ([], {"PRE_COMMIT": "1"})],
)
def test_bar_is_silent(tmp_path: Path, extra_args: list[str], env_extra: dict[str, str]) -> None:
    out = _stderr_on_a_terminal(
        ["check", str(_corpus(tmp_path)), "--select", "DUP", *extra_args], _env(**env_extra)
    )
    assert "paragraphs/s" not in out


def test_bar_is_silent_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", "check", str(_corpus(tmp_path)), "--select", "DUP"],
        capture_output=True,
        env=_env(),
        timeout=60,
    )
    assert b"paragraphs/s" not in proc.stderr
