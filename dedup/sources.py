"""Input edge: read and decode the inputs :mod:`dedup.discovery` found.

``-`` reads standard input. Every problem with
one input becomes a :class:`DedupError` naming that input, so the caller can
report it and go on with the others.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dedup.errors import DedupError
from dedup.models import Document

STDIN = "-"
# How much of a file we look at to decide it is binary.
BINARY_SNIFF = 8192


@dataclass(frozen=True)
class InputFile:
    """A file to read: ``path`` as reported, ``root`` the argument it came from.

    ``relative`` is the path below ``root`` (for files named directly, the
    file name), which ``clean --out`` uses to mirror the input tree.
    """

    path: str
    root: str
    relative: str


def _first_invalid_utf8(raw: bytes) -> tuple[int, str]:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start, exc.reason
    return -1, ""


def decode(path: str, raw: bytes) -> Document:
    """Decode ``raw`` as UTF-8 (with or without BOM) into a Document.

    Raises DedupError for binary data, UTF-16/32 and invalid UTF-8, saying
    where the problem is and what to do about it.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DedupError("file is UTF-32 encoded; convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)", path)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DedupError("file is UTF-16 encoded; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)", path)
    nul = raw.find(b"\x00", 0, BINARY_SNIFF)
    if nul >= 0:
        raise DedupError(
            f"binary file (NUL byte at offset {nul}); skipped. Exclude it or pass only text files",
            path,
        )
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    body = raw[len(bom) :]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        offset, reason = _first_invalid_utf8(body)
        line = body.count(b"\n", 0, offset) + 1
        raise DedupError(
            f"invalid UTF-8 at byte {offset + len(bom)} (line {line}: {reason}); re-encode the file as UTF-8",
            path,
        ) from None
    return Document(
        path=path,
        raw=raw,
        text=text,
        encoding="utf-8-sig" if bom else "utf-8",
        bom=bom,
        newline=dominant_newline(body),
    )


def dominant_newline(raw: bytes) -> str:
    if b"\r" not in raw:  # the common case: one fast scan instead of four
        return "\n" if b"\n" in raw else ""
    crlf = raw.count(b"\r\n")
    lf = raw.count(b"\n") - crlf
    cr = raw.count(b"\r") - crlf
    if crlf == lf == cr == 0:
        return ""
    best = max((crlf, 0, "\r\n"), (lf, 1, "\n"), (cr, -1, "\r"))
    return best[2]


def read_raw(item: InputFile) -> bytes:
    """Every byte of one input. Raises DedupError on any I/O problem."""
    path = item.path
    if path == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise DedupError("no such file; check the path", path) from None
    except IsADirectoryError:
        raise DedupError("is a directory; pass files or a directory to walk", path) from None
    except PermissionError:
        raise DedupError("permission denied; check the file's permissions", path) from None
    except OSError as exc:
        raise DedupError(f"cannot read: {exc.strerror or exc}", path) from None


def check_raw(path: str, raw: bytes) -> None:
    """Reject inputs with nothing to check (empty or whitespace only)."""
    # (isspace, not strip: strip copies every byte of the file)
    if not raw or raw.isspace():
        what = "empty" if not raw else "whitespace only"
        raise DedupError(f"file is {what}; nothing to check (remove it or add text)", path)


def read_document(item: InputFile) -> Document:
    """Read and decode one input. Raises DedupError on any problem."""
    raw = read_raw(item)
    check_raw(item.path, raw)
    return decode(item.path, raw)


def read_documents(
    items: Iterable[InputFile],
) -> Iterator[tuple[InputFile, Document | DedupError]]:
    for item in items:
        try:
            yield item, read_document(item)
        except DedupError as exc:
            yield item, exc
