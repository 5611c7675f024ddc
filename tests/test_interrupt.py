"""Ctrl-C during a run with workers: one line, exit code 130, nothing left running."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _corpus(root: Path, megabytes: int) -> None:
    """Text files of ``megabytes`` MB in all: enough for a worker pool (the
    engine starts one from 8 MB) and a few seconds of work."""
    rng = random.Random(5)
    words = ["".join(rng.choices("abcdefghijklmnoprstuvwy", k=rng.randint(2, 9))) for _ in range(300)]
    paragraphs = [
        " ".join(rng.choice(words) for _ in range(rng.randint(20, 80))).capitalize() + "."
        for _ in range(3000)
    ]
    per_file = 300_000
    for i in range(megabytes * 1_000_000 // per_file + 1):
        chosen: list[str] = []
        size = 0
        while size < per_file:
            chosen.append(rng.choice(paragraphs))
            size += len(chosen[-1]) + 2
        (root / f"part{i:03d}.txt").write_text("\n\n".join(chosen) + "\n")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc/*/stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _command(*args: str, setup: str = "") -> list[str]:
    """The dedup command as a terminal starts it, SIGINT raising
    KeyboardInterrupt (a test runner may have started this process with
    SIGINT ignored), after ``setup`` (Python that patches it)."""
    script = "\n".join(
        [
            "import signal, sys",
            "signal.signal(signal.SIGINT, signal.default_int_handler)",
            setup,
            "from dedup.cli import run",
            "sys.argv = ['dedup', *sys.argv[1:]]",
            "run()",
        ]
    )
    return [sys.executable, "-c", script, *args]


def _run(setup: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        _command(*args, setup=setup), capture_output=True, timeout=120, env={**os.environ, **(env or {})}
    )


@pytest.mark.parametrize("delay", [0.0, 0.4])
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_ctrl_c_stops_a_run_with_workers(tmp_path: Path, delay: float) -> None:
    """Ctrl-C as the workers start, and while they work."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _corpus(corpus, 12)
    proc = subprocess.Popen(
        _command("check", "-j", "2", "-f", "json", str(corpus)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(_children(proc.pid)) >= 2, "the workers did not start"
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        # The workers hold the pipes too: they end with the command.
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert err.decode() == "dedup: error: interrupted\n"
    assert out == b""
    assert proc.returncode == 130


FINALIZER = """
import os, time
from pathlib import Path
import dedup.api as api
check_inputs = api.check_inputs


class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # Ctrl-C arrives here, where it cannot raise


def checked(*args, **kwargs):
    Finalized()
    time.sleep(10)  # (not reached: Ctrl-C, sent again, stops the run here)
    Path(os.environ["MARKER"]).write_text("checked")
    return check_inputs(*args, **kwargs)


api.check_inputs = checked
"""


def test_ctrl_c_that_lands_in_a_finalizer_still_stops_the_run(tmp_path: Path) -> None:
    """A KeyboardInterrupt raised in a finalizer (or a C callback) is only
    printed as "Exception ignored" and the run goes on; numba compiling its
    kernels on a first run is full of finalizers (seen in CI). The command
    sends such a Ctrl-C again until it stops the run."""
    (tmp_path / "a.txt").write_text("One paragraph.\n")
    marker = tmp_path / "marker"
    proc = _run(FINALIZER, "check", str(tmp_path / "a.txt"), env={"MARKER": str(marker)})
    assert proc.stderr.decode() == "dedup: error: interrupted\n"
    assert proc.returncode == 130
    assert not marker.exists()  # stopped there, not after the run


HELD = """
import os, time
from pathlib import Path
from dedup import cluster, engine

engine.POOL_MIN_BYTES = engine.KERNEL_MIN_BYTES = 0  # a pool and the kernels for small files
marker = Path(os.environ["MARKER"])


def warm_up(bands):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.3)  # loading compiled code: Ctrl-C waits until it is done
    marker.write_text("loaded")


cluster.warm_up = warm_up
"""


def test_ctrl_c_while_compiled_code_loads_waits_for_it(tmp_path: Path) -> None:
    """Ctrl-C while numba loads or compiles kernels would land in llvmlite's
    half-built objects (their finalizers fail, and the process may crash,
    leaving its workers without a parent: seen in CI). It is held until the
    loading is done, then stops the run."""
    files = []
    for i in range(3):
        path = tmp_path / f"f{i}.txt"
        path.write_text(f"Paragraph number {i} of a small file with a few words.\n")
        files.append(str(path))
    marker = tmp_path / "marker"
    proc = _run(HELD, "check", "-j", "2", *files, env={"MARKER": str(marker)})
    assert marker.read_text() == "loaded"
    assert proc.stderr.decode() == "dedup: error: interrupted\n"
    assert proc.returncode == 130


DEBRIS = """
import os, time
import dedup.api as api


class HalfBuilt:
    def __del__(self):
        raise AttributeError("'HalfBuilt' object has no attribute '_ptr'")


def checked(*args, **kwargs):
    debris = HalfBuilt()  # finalized once Ctrl-C has unwound this frame
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(10)


api.check_inputs = checked
"""


def test_what_ctrl_c_leaves_half_built_is_not_reported(tmp_path: Path) -> None:
    """Finalizers of objects that Ctrl-C left half-built fail on the way out
    ("Exception ignored in ..."): that is not news to someone who pressed
    Ctrl-C, and only the one line is shown."""
    (tmp_path / "a.txt").write_text("One paragraph.\n")
    proc = _run(DEBRIS, "check", str(tmp_path / "a.txt"))
    assert proc.stderr.decode() == "dedup: error: interrupted\n"
    assert proc.returncode == 130
