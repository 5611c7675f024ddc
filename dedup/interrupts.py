"""Ctrl-C: it stops the command, wherever it lands, and waits while
compiled code loads.

Python raises KeyboardInterrupt wherever the main thread happens to be.
Two places need care. In a finalizer or a C callback it cannot propagate:
Python prints "Exception ignored" and goes on (:func:`stop_on_ctrl_c` sends
it again until it stops the run). In the middle of numba compiling or
loading a kernel it lands in llvmlite's half-built objects: their
finalizers then fail ("Exception ignored in ... OutputString.__del__") and
the process may even crash on its way out (seen in CI: a worker pool whose
parent vanished); :func:`held_interrupt` lets such a block finish first.
Both act only in the main thread (the only one Python delivers signals to).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: Seconds after a Ctrl-C lost in a finalizer before it is sent again.
RESEND_DELAY = 0.01


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def stop_on_ctrl_c(seen: list[bool], show_debris: Callable[[], bool]) -> Iterator[None]:
    """While the block runs, Ctrl-C raises KeyboardInterrupt as usual and
    is remembered (``seen[0]`` becomes True); one that lands in a finalizer
    or a C callback is sent again, 10 ms later from a timer thread (sent
    from the hook it would be raised in the hook, which cannot raise
    either), until it lands where it stops the run. What an interrupt
    leaves behind (a half-built object's finalizer failing after Ctrl-C)
    is not reported unless ``show_debris()``. Nothing changes where Ctrl-C
    is ignored or handled by the caller."""
    if not _in_main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_ctrl_c(signum: int, frame: object) -> None:
        seen[0] = True
        raise KeyboardInterrupt

    previous = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):
            again = threading.Timer(RESEND_DELAY, os.kill, (os.getpid(), signal.SIGINT))
            again.daemon = True
            again.start()
        elif not seen[0] or show_debris():
            previous(info)

    signal.signal(signal.SIGINT, on_ctrl_c)
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.unraisablehook = previous


@contextlib.contextmanager
def held_interrupt() -> Iterator[None]:
    """Ctrl-C during the block is raised when the block ends (where SIGINT
    has a Python handler; where it is ignored, nothing changes)."""
    previous = signal.getsignal(signal.SIGINT) if _in_main_thread() else None
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
