"""Typed value objects shared by every stage of the pipeline.

Nothing here does I/O. Each object is a frozen dataclass so it can be hashed,
compared and shipped to worker processes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Finding severity; the integer order is used by ``--fail-on``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (choose from {choices})") from None


@dataclass(frozen=True)
class Document:
    """One input file (or stdin), decoded.

    ``path`` is the path as the user gave it (reports show it verbatim);
    ``raw`` is every byte of the file; ``text`` is ``raw`` decoded without the
    BOM. ``newline`` is the dominant line ending (``"\\n"``, ``"\\r\\n"`` or
    ``"\\r"``) or ``""`` when the file has no line break at all.
    """

    path: str
    raw: bytes
    text: str
    encoding: str = "utf-8"
    bom: bytes = b""
    newline: str = "\n"

    @property
    def size(self) -> int:
        return len(self.raw)


@dataclass(frozen=True)
class Line:
    """One physical line: its text without the terminator and its byte span.

    ``start`` .. ``end`` covers the line's content, ``end`` .. ``stop`` its
    line terminator (empty on a last line without a newline).
    """

    number: int
    text: str
    start: int
    end: int
    stop: int

    @property
    def is_blank(self) -> bool:
        """Only ASCII spaces, tabs, form feeds or vertical tabs (or nothing)."""
        return not self.text.strip(" \t\f\v")


class BlockKind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    LIST_ITEM = "list-item"
    QUOTE = "quote"
    TABLE = "table"
    CODE = "code"
    OTHER = "other"


@dataclass(frozen=True)
class Block:
    """A paragraph (or other unit) of one document.

    ``first_line``/``last_line`` are 1-based and inclusive. ``start``..``stop``
    is the byte span in ``Document.raw`` from the first byte of the first line
    to the end of the last line's terminator, so dropping a block is cutting
    exactly those bytes. ``text`` is the block's lines joined with ``"\\n"``
    (terminators removed), never normalised.
    """

    doc: int
    index: int
    first_line: int
    last_line: int
    start: int
    stop: int
    text: str
    kind: BlockKind = BlockKind.PARAGRAPH


@dataclass(frozen=True, order=True, slots=True)
class Location:
    path: str
    line: int
    end_line: int

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "end_line": self.end_line}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found: a duplicate paragraph or a quality issue.

    Every output format renders this one type. ``duplicate_of`` points at the
    kept copy of a duplicate cluster; ``similarity`` is the verified similarity
    (1.0 for exact duplicates). ``start``/``stop`` is the byte span that a fix
    would remove (``None`` when the finding is not fixable by deletion).
    ``metrics`` carries the numbers a quality rule measured.
    """

    rule: str
    severity: Severity
    path: str
    line: int
    end_line: int
    message: str
    cluster: str | None = None
    similarity: float | None = None
    duplicate_of: Location | None = None
    start: int | None = None
    stop: int | None = None
    column: int | None = None
    fingerprint: str = ""
    metrics: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def location(self) -> Location:
        return Location(self.path, self.line, self.end_line)

    @property
    def fixable(self) -> bool:
        return self.start is not None and self.stop is not None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.end_line, self.rule, self.message)
