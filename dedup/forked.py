"""Work shared with a forked child process, in the ``dedup`` command only.

After the table pass the command's process works alone (LSH, verification,
clustering, findings), while the machine's other cores idle. Stages made of
independent parts can give half of them to a child forked for the purpose:
the child inherits every array and object of the run without copying them,
does its half and hands back a small pickled result through a temporary
file (:class:`Forked`); or the two take the parts one at a time until none
is left (:func:`share_out`). Only the command's own process forks
(:data:`dedup.OWN_PROCESS`): a library user's process may hold threads and
locks a fork would copy mid-use. If the child cannot be started or fails, this process does the
work itself, so the result never depends on the child.

Every fork of the package (this helper, the engine's worker pool) first
waits for work that an earlier, failed run left running in a thread
(:func:`leave_running`, :func:`settle`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import dedup

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")

# Work still going on in another thread of this process: the clustering of
# a split run whose quality pass failed (the error is raised without
# waiting for it). It must not fork.
_background: list[Future[Any]] = []


def leave_running(work: Future[Any]) -> None:
    """Let ``work`` finish in its thread; the next fork waits for it."""
    _background.append(work)


def settle() -> None:
    """Wait for :func:`leave_running` work; called before any fork (worker
    pool or helper): a fork copies a lock that another thread holds at that
    moment (numba's compiler lock, say) as held, and the child would wait
    on it forever."""
    if _background:
        from concurrent.futures import wait

        wait(_background)
        _background.clear()


def can_fork() -> bool:
    """Whether this process may fork helpers (the command's own, on a POSIX system)."""
    return dedup.OWN_PROCESS and hasattr(os, "fork")


class Forked(Generic[T]):
    """``work()`` started in a forked child; :meth:`result` waits for it.

    Use as a context manager: leaving the block stops a child still at
    work (an error or Ctrl-C in this process) and removes its file.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.pid = 0
        self.path = ""
        settle()
        try:
            fd, self.path = tempfile.mkstemp(prefix="dedup-part-")
        except OSError:
            return
        try:
            self.pid = os.fork()
        except OSError:
            os.close(fd)
            self._discard()
            return
        if self.pid == 0:  # the child: work, write, leave without the parent's clean-up
            code = 1
            try:
                with open(fd, "wb") as out:
                    pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(fd)

    def result(self) -> T:
        """The child's result, or ``work()`` done here if the child failed."""
        if self.pid:
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            if os.waitstatus_to_exitcode(status) == 0:
                try:
                    with open(self.path, "rb") as written:
                        found: T = pickle.load(written)
                except (OSError, EOFError, pickle.UnpicklingError):
                    pass
                else:
                    self._discard()
                    return found
        self._discard()
        return self.work()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = 0
        self._discard()

    def _discard(self) -> None:
        if self.path:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = ""


def share_out(work: Callable[[int], T], count: int) -> list[T]:
    """``work(k)`` for each part ``k < count``, done by this process and a
    forked child side by side; the results in order.

    The parts are handed out one at a time, to whichever process is free
    (a pipe holds one byte per part, and each process reads one at a time),
    so the two finish close together however unequal the parts are. Parts
    the child took but did not hand back (it failed) are done here.
    """
    if count <= 1:
        return [work(k) for k in range(count)]
    if count > 255:
        raise ValueError("share_out hands out at most 255 parts")
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, bytes(range(count)))
    finally:
        os.close(write_end)

    def take() -> dict[int, T]:
        done: dict[int, T] = {}
        while part := os.read(read_end, 1):
            done[part[0]] = work(part[0])
        return done

    try:
        with Forked(take) as child:
            done = take()
            done.update(child.result())
    finally:
        os.close(read_end)
    return [done[k] if k in done else work(k) for k in range(count)]
