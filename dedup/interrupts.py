"""Ctrl-C held back while compiled code loads.

A KeyboardInterrupt raised in the middle of numba compiling or loading a
kernel lands in llvmlite's half-built objects: their finalizers then fail
("Exception ignored in ... OutputString.__del__") and the process may even
crash on its way out (seen in CI: a worker pool whose parent vanished).
:func:`held_interrupt` lets such a block finish and raises the
KeyboardInterrupt right after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def held_interrupt() -> Iterator[None]:
    """Ctrl-C during the block is raised when the block ends. Only in the
    main thread (the only one Python delivers signals to), and only where
    SIGINT has a Python handler (not where it is ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            os.kill(os.getpid(), signal.SIGINT)  # now, to the usual handler
