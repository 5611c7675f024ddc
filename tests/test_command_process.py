"""The ``dedup`` command's own process: what it starts besides its work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the command, and reports just before the process leaves (dedup.cli.run
# ends with os._exit) its threads and OPENBLAS_NUM_THREADS.
_SCRIPT = """
import os, sys
leave = os._exit
def report(code):
    threads = len(os.listdir("/proc/self/task"))
    print(f"threads={threads} blas={os.environ.get('OPENBLAS_NUM_THREADS')}", file=sys.stderr)
    leave(code)
os._exit = report
from dedup.cli import run
sys.argv = ["dedup", *sys.argv[1:]]
run()
"""


def _threads_and_blas(path: Path, env: dict[str, str]) -> tuple[int, str]:
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, "check", "-j", "1", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environ, **env},
    )
    assert proc.returncode == 1, proc.stderr  # the file has a duplicate
    line = proc.stderr.strip().splitlines()[-1]
    threads, blas = (part.split("=", 1)[1] for part in line.split())
    return int(threads), blas


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_the_command_starts_no_blas_threads(tmp_path: Path) -> None:
    """numpy's OpenBLAS would start a spinning thread per extra core when
    numpy is imported; dedup never calls BLAS, so its command asks for
    none, and a check of one file runs on one thread. A value the user
    set is left alone."""
    path = tmp_path / "a.txt"
    path.write_text("The same paragraph of several words.\n\nThe same paragraph of several words.\n")
    threads, blas = _threads_and_blas(path, {})
    assert (threads, blas) == (1, "1")
    _, blas = _threads_and_blas(path, {"OPENBLAS_NUM_THREADS": "3"})
    assert blas == "3"
