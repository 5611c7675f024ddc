"""Progress display on stderr for long runs (files, MB, paragraphs/s).

Silent when stderr is not a terminal, under ``--quiet``, in CI (``CI`` set)
and under pre-commit (``PRE_COMMIT`` set). rich is imported only when a bar
is actually shown, so short runs and hooks do not pay for it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dedup.engine import FileOutcome


def wanted(quiet: bool) -> bool:
    if quiet:
        return False
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("PRE_COMMIT"):
        return False
    return sys.stderr.isatty()


class _Bar:
    """Started on the first file of a run with at least two files."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bytes = 0
        self.paragraphs = 0
        self.bar: Any = None
        self.task: Any = None

    def update(self, outcome: FileOutcome, done: int, total: int) -> None:
        if total < 2:
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("[bold]dedup[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files  {task.fields[mb]:.1f} MB  {task.fields[rate]:,.0f} paragraphs/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("files", total=total, mb=0.0, rate=0.0)
        self.bytes += outcome.size
        self.paragraphs += len(outcome.table) if outcome.table is not None else 0
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.bar.update(self.task, completed=done, mb=self.bytes / 1e6, rate=self.paragraphs / elapsed)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[FileOutcome, int, int], None] | None]:
    """A callback for :func:`dedup.api.check_paths`, or None when silent."""
    if not wanted(quiet):
        yield None
        return
    bar = _Bar()
    try:
        yield bar.update
    finally:
        bar.stop()
