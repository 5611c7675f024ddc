"""Per-code-point tables computed once and kept on disk.

The compiled kernels look characters up in tables built from
:mod:`unicodedata` and ``str`` methods, a Python loop over the 65,536 code
points of the BMP (30-400 ms each). Like numba's own cache they are kept in
``__pycache__`` beside the package when it is writable, else in
``$XDG_CACHE_HOME/dedup``. The file name carries a hash of the Unicode
version and of the modules that define the tables, so a changed module or
Python never reads a stale table; an unreadable file is computed again.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import DedupError
from dedup.rewrite import atomic_write

Tables = dict[str, npt.NDArray[Any]]

_HERE = Path(__file__).parent


def cache_dirs() -> list[Path]:
    """The package's caches, in order: ``__pycache__`` beside it, then the user's."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [_HERE / "__pycache__", cache_home / "dedup"]


def cache_files(name: str, key: str) -> list[Path]:
    """Where the tables ``name`` with this key are looked for, in order."""
    return [place / f"dedup-{name}-{key}.npz" for place in cache_dirs()]


def load_tables(
    name: str, modules: Sequence[str], tables: Sequence[str], compute: Callable[[], Tables]
) -> Tables:
    """The tables ``compute()`` returns (named ``tables``), read from the
    disk cache when a previous run stored them (``modules``: the package's
    files that define them, part of the key). A file that cannot be read or
    lacks one of the tables is computed again."""
    digest = hashlib.sha256(unicodedata.unidata_version.encode())
    for module in modules:
        digest.update((_HERE / module).read_bytes())
    return load_cached(name, digest.hexdigest()[:20], tables, compute)


def load_cached(name: str, key: str, tables: Sequence[str], compute: Callable[[], Tables]) -> Tables:
    """The arrays ``compute()`` returns (named ``tables``), read from the
    disk cache when a previous run stored them under ``name`` and ``key``
    (which must change whenever what ``compute`` returns would), else
    computed and stored. A file that cannot be read or lacks one of the
    tables is computed again."""
    candidates = cache_files(name, key)
    for path in candidates:
        try:
            with np.load(path) as stored:
                return {table: stored[table] for table in tables}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            continue
    computed = compute()
    stored = io.BytesIO()
    arrays: dict[str, Any] = dict(computed)  # (savez's keyword stubs are too narrow)
    np.savez(stored, **arrays)
    for path in candidates:
        try:
            atomic_write(path, stored.getvalue())
        except DedupError:
            continue  # not writable there: the next place
        break
    return computed
