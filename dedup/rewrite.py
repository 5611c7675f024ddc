"""Output edge: cleaned bytes, unified diffs and atomic writes.

Cleaning only ever deletes whole lines: the lines of dropped blocks, plus the
blank lines that separated a dropped block from its neighbours when keeping
them would leave two blank runs next to each other (or a blank run at the
start or end of the file that was not there before). Every byte that is kept
is copied from the input unchanged: BOM, line endings, trailing spaces and
the presence or absence of a final newline.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from dedup.errors import DedupError
from dedup.models import Block, Document, Line

CONTEXT = 3


def deleted_lines(lines: Sequence[Line], dropped: Iterable[Block]) -> list[bool]:
    """Per line (0-based), whether cleaning removes it."""
    n = len(lines)
    delete = [False] * n
    for block in dropped:
        for number in range(block.first_line, block.last_line + 1):
            delete[number - 1] = True
    blank = [line.is_blank for line in lines]
    i = 0
    while i < n:
        if not delete[i]:
            i += 1
            continue
        j = i
        while j < n and delete[j]:
            j += 1
        prev = i - 1
        while prev >= 0 and delete[prev]:
            prev -= 1
        prev_blank = prev >= 0 and blank[prev]
        next_blank = j < n and blank[j]
        if next_blank and (prev < 0 or prev_blank):
            # Separator after the removed text would double the one before it
            # (or start the file): it goes with the removed text.
            while j < n and blank[j] and not delete[j]:
                delete[j] = True
                j += 1
        elif j >= n and prev_blank:
            # Removed text ended the file: drop the separator before it too.
            while prev >= 0 and blank[prev] and not delete[prev]:
                delete[prev] = True
                prev -= 1
        i = j
    return delete


def clean_bytes(doc: Document, lines: Sequence[Line], delete: Sequence[bool]) -> bytes:
    parts = [doc.bom]
    parts.extend(
        doc.raw[line.start : line.stop] for line, gone in zip(lines, delete, strict=True) if not gone
    )
    return b"".join(parts)


def _hunks(delete: Sequence[bool]) -> list[tuple[int, int]]:
    """Ranges [lo, hi) of line indices shown in each hunk."""
    n = len(delete)
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if not delete[i]:
            i += 1
            continue
        j = i
        while j < n and delete[j]:
            j += 1
        lo, hi = max(0, i - CONTEXT), min(n, j + CONTEXT)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], hi)
        else:
            ranges.append((lo, hi))
        i = j
    return ranges


def _fmt_range(start: int, count: int) -> str:
    if count == 0:
        return f"{start},0"
    return str(start) if count == 1 else f"{start},{count}"


def unified_diff(doc: Document, lines: Sequence[Line], delete: Sequence[bool], path: str) -> bytes:
    """A git-apply-able unified diff of the deletions (bytes, endings kept)."""
    if not any(delete):
        return b""
    name = os.path.normpath(path).lstrip("/") if path != "-" else "stdin"
    out = [f"--- a/{name}\n".encode(), f"+++ b/{name}\n".encode()]
    new_before = 0  # kept lines before index i
    kept_prefix = [0]
    for gone in delete:
        kept_prefix.append(kept_prefix[-1] + (0 if gone else 1))
    for lo, hi in _hunks(delete):
        old_count = hi - lo
        new_count = kept_prefix[hi] - kept_prefix[lo]
        new_before = kept_prefix[lo]
        old_start = lo + 1 if old_count else lo
        new_start = new_before + 1 if new_count else new_before
        out.append(
            f"@@ -{_fmt_range(old_start, old_count)} +{_fmt_range(new_start, new_count)} @@\n".encode()
        )
        for k in range(lo, hi):
            line = lines[k]
            body = doc.raw[line.start : line.stop]
            if k == 0 and doc.bom:
                body = doc.bom + body
            out.append((b"-" if delete[k] else b" ") + body)
            if line.end == line.stop:
                if not body.endswith(b"\n"):
                    out.append(b"\n")
                out.append(b"\\ No newline at end of file\n")
            elif not body.endswith(b"\n"):  # a lone CR ending
                out.append(b"\n")
    return b"".join(out)


def atomic_write(path: str | os.PathLike[str], data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or chunks of bytes) to ``path`` via a temp file
    + rename, keeping the mode.

    A crash leaves either the old file or the new one, never a mix.
    """
    target = Path(path)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dedup-tmp", dir=target.parent)
    except OSError as exc:
        raise DedupError(f"cannot write: {exc.strerror or exc}; nothing was changed", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes | bytearray):
                handle.write(data)
            else:
                for chunk in data:
                    handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:  # a full disk, or Ctrl-C: no temp file is left behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise DedupError(f"cannot write: {exc.strerror or exc}; nothing was changed", str(path)) from None
        raise
