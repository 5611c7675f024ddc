"""Work shared out among threads: compiled kernels that release the GIL
(``nogil=True`` with the JIT; the compiled module of :mod:`dedup.jit` releases
it too) run side by side on the cores the run may use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_threads(run: Callable[[T], R], parts: Sequence[T]) -> list[R]:
    """``run`` on each part, one thread per part when there are several (in
    this thread when there is one); the results in the parts' order."""
    if len(parts) == 1:
        return [run(parts[0])]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(parts)) as pool:
        return list(pool.map(run, parts))
