"""A bounded memo: a function's value per key, computed once and kept.

Paragraph words, tokenizer chunks and report strings repeat heavily, so a
value is computed on the first lookup and read back as a plain dict item
after that (``map(memo.__getitem__, keys)`` runs at dict speed). The memo is
emptied when a new key finds it holding ``limit`` keys, which bounds its
memory on a corpus of millions of distinct keys; what it returns never
depends on what it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V]):
    """``compute(key)`` for every key looked up, kept until ``limit`` keys."""

    def __init__(self, compute: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key: K) -> V:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.compute(key)
        return value
