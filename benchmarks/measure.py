"""Run a command and measure its wall time and peak memory.

Peak RSS is measured two ways:

- ``peak_rss``: the largest *sum* of the resident set sizes of the process
  and all its descendants (worker processes included), polled every 20 ms
  with psutil. Polling can miss a spike shorter than the interval.
- ``max_rss``: ``ru_maxrss`` of the child from ``os.wait4`` (the kernel's
  exact high-water mark of the largest single process in the tree).

The larger of the two is reported as the peak. Pages a forked process
shares with its parent count in both RSS figures, so a tree that forks
(the worker pool; the command's helpers of ``dedup.forked``) is overstated:

- ``peak_pss``: the largest sum of the proportional set sizes (a shared page
  counted once, split between its sharers) over the tree, polled every
  200 ms where the system reports it (Linux), else 0: the tree's real
  memory.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import psutil

REPO = Path(__file__).resolve().parent.parent
VENV_DEDUP = Path(sys.executable).parent / "dedup"


class RunFailed(RuntimeError):
    """The measured command exited with a code other than 0 or 1."""


@dataclass
class Measurement:
    wall: float
    peak_rss: int  # bytes, max(polled tree sum, ru_maxrss)
    tree_rss: int
    max_rss: int
    exit_code: int
    peak_pss: int = 0  # bytes, polled tree sum of PSS (0 where not reported)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pss(process: psutil.Process) -> int:
    try:
        return int(getattr(process.memory_full_info(), "pss", 0))
    except (psutil.Error, OSError):
        return 0


def _poll_tree(proc: psutil.Process, stop: threading.Event, peak: list[int]) -> None:
    """``peak[0]``: the largest RSS sum (every 20 ms); ``peak[1]``: the largest PSS sum (every 200 ms)."""
    polls = 0
    while not stop.is_set():
        try:
            children = proc.children(recursive=True)
            total = proc.memory_info().rss
            for child in children:
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            if polls % 10 == 0:
                peak[1] = max(peak[1], _pss(proc) + sum(map(_pss, children)))
        except psutil.Error:
            break
        polls += 1
        peak[0] = max(peak[0], total)
        stop.wait(0.02)


def run_measured(
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    stdout: IO[bytes] | int | None = subprocess.DEVNULL,
    cwd: str | Path | None = None,
    mem_limit: int | None = None,
) -> Measurement:
    """Run ``cmd``; ``mem_limit`` (bytes of address space, RLIMIT_AS) makes a
    runaway run fail with MemoryError instead of waking the OOM killer on a
    shared machine."""

    def limit() -> None:
        if mem_limit:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    start = time.perf_counter()
    child = subprocess.Popen(
        list(cmd),
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=cwd,
        preexec_fn=limit if mem_limit else None,
    )
    peak = [0, 0]
    stop = threading.Event()
    poller = threading.Thread(target=_poll_tree, args=(psutil.Process(child.pid), stop, peak), daemon=True)
    poller.start()
    assert child.stderr is not None
    err = child.stderr.read()  # drain, so a chatty child cannot block
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    poller.join()
    code = child.returncode
    if code not in (0, 1):
        sys.stderr.write(err.decode("utf-8", "replace")[-3000:])
        raise RunFailed(f"command failed with exit code {code}: {' '.join(cmd)}")
    max_rss = usage.ru_maxrss * 1024
    return Measurement(wall, max(peak[0], max_rss), peak[0], max_rss, code, peak[1])


def dedup_command(src: str) -> tuple[list[str], dict[str, str]]:
    """The dedup command and environment for ``src``.

    ``src`` is ``installed`` (the ``dedup`` script of this venv, i.e. whatever
    the editable install points at) or a source tree run as ``python -m
    dedup`` with ``PYTHONPATH`` set to it.
    """
    env = dict(os.environ)
    if src == "installed":
        import dedup

        _byte_compile(Path(dedup.__file__).resolve().parent)
        return [str(VENV_DEDUP)], env
    env["PYTHONPATH"] = str(Path(src).resolve())
    _byte_compile(Path(src).resolve() / "dedup")
    return [sys.executable, "-m", "dedup"], env


def _byte_compile(package: Path) -> None:
    """Write the package's bytecode, as ``pip install`` does: a source tree
    run where PYTHONDONTWRITEBYTECODE is set (as on this machine) would
    otherwise compile every dedup module from source in every measured run
    (0.04 s of start-up, more with the workers' modules)."""
    import compileall

    compileall.compile_dir(str(package), quiet=2)


def describe_source(src: str) -> str:
    """Which dedup code a run measured: path, commit, dirty or clean."""
    if src == "installed":
        import dedup

        path = Path(dedup.__file__).resolve().parent.parent
    else:
        path = Path(src).resolve()
    try:
        commit = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(path), "status", "--porcelain", "--", "dedup"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(path)
    return f"{path} @ {commit}{' + uncommitted changes in dedup/' if dirty else ''}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {ram:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"
