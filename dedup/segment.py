"""Cut a document into blocks (paragraphs), each with line and byte spans.

Modes
-----
``line``
    Every non-blank line is a block.
``blank``
    Runs of non-blank lines separated by blank lines are blocks.
``markdown``
    Headings, list items, block quotes, tables, fenced and indented code
    blocks are blocks of their own; the inside of a code fence is never split
    or merged; YAML/TOML front matter is not a block (it is left alone).
``auto``
    Markdown files (``.md``, ``.markdown``) use ``markdown``. Other files are
    cut at blank lines first; then, inside each blank-line-separated group,
    every line boundary is decided from evidence:

    * a group whose longest line is over ``WRAP_LIMIT`` (100) characters was
      not hard-wrapped: each line is its own paragraph (one paragraph per
      line, as scraped articles and Wikipedia dumps are written);
    * a group in which every line ends a sentence and the next line does not
      start in lower case is one paragraph per line;
    * otherwise line *i* continues on line *i+1* when the first word of line
      *i+1* would not have fitted on line *i* within the group's longest line
      (what a greedy wrapper at that width does), or when line *i* does not
      end a sentence and line *i+1* starts in lower case; for the longest
      line itself (which never has room) only a sentence end followed by a
      line that does not start in lower case separates the two;
    * a line that starts a list item (``-``, ``*``, ``+``, ``•``, ``1.``,
      ``1)``) always starts a new block, and so does a line indented deeper
      than the rest of its group (first-line indented paragraphs, as in
      newswire text), except inside a list item (hanging indent).

    So hard-wrapped prose is joined into paragraphs, one-paragraph-per-line
    files are split per line, and a mix of both is handled group by group.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from dedup.models import Block, BlockKind, Document, Line

WRAP_LIMIT = 100
SENTENCE_END = tuple(".!?:;\"')]}»”’…")
# Line structure (blank lines, indents, widths, first words) uses ASCII
# whitespace only, so that the compiled kernel can decide exactly as we do.
WS = " \t\f\v"
LIST_ITEM_RE = re.compile(r"^[ \t]{0,3}(?:[-*+•]|[0-9]{1,9}[.)])[ \t]+[^ \t\f\v]")
ATX_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
SETEXT_RE = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
THEMATIC_BREAK_RE = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
TABLE_RE = re.compile(r"^\s*\|")
QUOTE_RE = re.compile(r"^ {0,3}>")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


def split_lines(doc: Document) -> list[Line]:
    """Physical lines of ``doc`` with exact byte spans (the BOM is skipped)."""
    lines: list[Line] = []
    offset = len(doc.bom)
    raw = doc.raw
    for number, chunk in enumerate(raw[offset:].splitlines(keepends=True), start=1):
        stop = offset + len(chunk)
        if chunk.endswith(b"\r\n"):
            end = stop - 2
        elif chunk.endswith((b"\n", b"\r")):
            end = stop - 1
        else:
            end = stop
        lines.append(Line(number, raw[offset:end].decode("utf-8"), offset, end, stop))
        offset = stop
    return lines


def _block(doc: int, index: int, lines: Sequence[Line], kind: BlockKind) -> Block:
    return Block(
        doc=doc,
        index=index,
        first_line=lines[0].number,
        last_line=lines[-1].number,
        start=lines[0].start,
        stop=lines[-1].stop,
        text="\n".join(line.text for line in lines),
        kind=kind,
    )


def _groups(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.is_blank:
            if current:
                groups.append(current)
                current = []
        else:
            current.append(line)
    if current:
        groups.append(current)
    return groups


def _first_word_len(text: str) -> int:
    """Length of ``text``'s first word (``text`` has no leading whitespace)."""
    for i, char in enumerate(text):
        if char in WS:
            return i
    return len(text)


def _starts_lower(text: str) -> bool:
    """Whether ``text`` starts with a lower-case letter (BMP letters only)."""
    return bool(text) and ord(text[0]) < 0x10000 and text[0].islower()


def continues(line: str, next_line: str, width: int) -> bool:
    """Whether ``next_line`` continues the paragraph of ``line`` (auto mode)."""
    if LIST_ITEM_RE.match(next_line):
        return False
    current = line.rstrip(WS)
    following = next_line.lstrip(WS)
    ends_sentence = current.endswith(SENTENCE_END)
    starts_lower = _starts_lower(following)
    if len(current) + 1 + _first_word_len(following) > width:
        if len(current) < width:
            return True  # a greedy wrapper broke here: the word did not fit
        # The longest line always "has no room"; that says nothing, so only a
        # sentence end followed by a capital separates it from the next line.
        return not ends_sentence or starts_lower
    return not ends_sentence and starts_lower


def _sentence_break(line: str, next_line: str) -> bool:
    return line.rstrip(WS).endswith(SENTENCE_END) and not _starts_lower(next_line.lstrip(WS))


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(WS))


def _auto_group(group: list[Line]) -> list[list[Line]]:
    width = max(len(line.text.rstrip(WS)) for line in group)
    if width > WRAP_LIMIT:
        return [[line] for line in group]
    if all(_sentence_break(a.text, b.text) for a, b in itertools.pairwise(group)):
        return [[line] for line in group]  # every line is a whole sentence or more
    base_indent = min(_indent(line.text) for line in group)
    parts: list[list[Line]] = [[group[0]]]
    for prev, line in itertools.pairwise(group):
        in_list_item = LIST_ITEM_RE.match(parts[-1][0].text) is not None
        if _indent(line.text) > base_indent and not in_list_item:
            parts.append([line])  # first-line indent starts a paragraph
        elif continues(prev.text, line.text, width):
            parts[-1].append(line)
        else:
            parts.append([line])
    return parts


def _front_matter_end(lines: Sequence[Line]) -> int:
    """Number of leading lines that are YAML (---) or TOML (+++) front matter."""
    if not lines or lines[0].text.rstrip() not in ("---", "+++"):
        return 0
    fence = lines[0].text.rstrip()
    for i in range(1, len(lines)):
        if lines[i].text.rstrip() in (fence, "...") and (fence == "---" or lines[i].text.rstrip() == fence):
            return i + 1
    return 0


def _markdown(lines: Sequence[Line]) -> list[tuple[list[Line], BlockKind]]:
    out: list[tuple[list[Line], BlockKind]] = []
    i = _front_matter_end(lines)
    n = len(lines)
    para: list[Line] = []

    def flush() -> None:
        if para:
            out.append((list(para), BlockKind.PARAGRAPH))
            para.clear()

    while i < n:
        line = lines[i]
        text = line.text
        fence = FENCE_RE.match(text)
        if fence:
            flush()
            marker = fence.group(1)
            j = i + 1
            while j < n:
                closing = lines[j].text.strip()
                if closing.startswith(marker[0] * len(marker)) and set(closing) == {marker[0]}:
                    break
                j += 1
            end = min(j, n - 1)
            out.append((list(lines[i : end + 1]), BlockKind.CODE))
            i = end + 1
            continue
        if line.is_blank:
            flush()
            i += 1
            continue
        if ATX_HEADING_RE.match(text):
            flush()
            out.append(([line], BlockKind.HEADING))
            i += 1
            continue
        if para and SETEXT_RE.match(text) and not LIST_ITEM_RE.match(text):
            para.append(line)
            out.append((list(para), BlockKind.HEADING))
            para.clear()
            i += 1
            continue
        if THEMATIC_BREAK_RE.match(text):
            flush()
            out.append(([line], BlockKind.OTHER))
            i += 1
            continue
        if not para and text.startswith(("    ", "\t")):
            j = i
            while j < n and (lines[j].is_blank or lines[j].text.startswith(("    ", "\t"))):
                j += 1
            while j > i and lines[j - 1].is_blank:
                j -= 1
            out.append((list(lines[i:j]), BlockKind.CODE))
            i = j
            continue
        if TABLE_RE.match(text):
            flush()
            j = i
            while j < n and TABLE_RE.match(lines[j].text):
                j += 1
            out.append((list(lines[i:j]), BlockKind.TABLE))
            i = j
            continue
        if QUOTE_RE.match(text):
            flush()
            j = i
            while j < n and QUOTE_RE.match(lines[j].text) and lines[j].text.strip() != ">":
                j += 1
            if j == i:  # an empty quote line on its own
                j = i + 1
            out.append((list(lines[i:j]), BlockKind.QUOTE))
            i = j
            continue
        if LIST_ITEM_RE.match(text):
            flush()
            item_indent = len(text) - len(text.lstrip())
            j = i + 1
            while j < n:
                nxt = lines[j].text
                if lines[j].is_blank or LIST_ITEM_RE.match(nxt) or FENCE_RE.match(nxt):
                    break
                if ATX_HEADING_RE.match(nxt) or QUOTE_RE.match(nxt) or TABLE_RE.match(nxt):
                    break
                if len(nxt) - len(nxt.lstrip()) < item_indent:
                    break
                j += 1
            out.append((list(lines[i:j]), BlockKind.LIST_ITEM))
            i = j
            continue
        para.append(line)
        i += 1
    flush()
    return out


def effective_mode(mode: str, path: str) -> str:
    if mode == "auto" and path.lower().endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    return mode


def segment(doc: Document, mode: str, doc_index: int = 0, lines: Sequence[Line] | None = None) -> list[Block]:
    """Cut ``doc`` into blocks according to ``mode`` (see module doc)."""
    if lines is None:
        lines = split_lines(doc)
    mode = effective_mode(mode, doc.path)
    pieces: list[tuple[list[Line], BlockKind]]
    if mode == "line":
        pieces = [([line], BlockKind.PARAGRAPH) for line in lines if not line.is_blank]
    elif mode == "blank":
        pieces = [(group, BlockKind.PARAGRAPH) for group in _groups(lines)]
    elif mode == "markdown":
        pieces = _markdown(lines)
    elif mode == "auto":
        pieces = []
        for group in _groups(lines):
            for part in _auto_group(group):
                kind = BlockKind.LIST_ITEM if LIST_ITEM_RE.match(part[0].text) else BlockKind.PARAGRAPH
                pieces.append((part, kind))
    else:  # Settings validates modes; this guards library callers.
        raise ValueError(f"unknown split mode {mode!r}")
    return [_block(doc_index, i, part, kind) for i, (part, kind) in enumerate(pieces)]
