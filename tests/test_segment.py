from __future__ import annotations

from dedup.models import BlockKind, Document
from dedup.segment import segment, split_lines
from dedup.sources import decode


def doc(text: str | bytes, path: str = "t.txt") -> Document:
    return decode(path, text.encode() if isinstance(text, str) else text)


def spans(text: str, mode: str, path: str = "t.txt") -> list[tuple[int, int]]:
    return [(b.first_line, b.last_line) for b in segment(doc(text, path), mode)]


WRAPPED = """\
The committee met on Tuesday to review the budget for the coming year and
agreed to postpone the decision on the new library until the spring, when
the final cost estimates are expected.

Members also discussed the state of the roads in the northern district,
where several residents have complained about potholes.
"""

ONE_PER_LINE = """\
A Title Without Punctuation

First paragraph is a long line that goes on and on past any wrap width that an editor would use, ending here.
Second paragraph, also a single long line, says something else entirely and is also well past the limit.
Short third paragraph.
"""


def test_blank_and_line_modes() -> None:
    assert spans(WRAPPED, "blank") == [(1, 3), (5, 6)]
    assert spans(WRAPPED, "line") == [(1, 1), (2, 2), (3, 3), (5, 5), (6, 6)]


def test_auto_joins_hard_wrapped_paragraphs() -> None:
    assert spans(WRAPPED, "auto") == [(1, 3), (5, 6)]


def test_auto_splits_one_paragraph_per_line() -> None:
    assert spans(ONE_PER_LINE, "auto") == [(1, 1), (3, 3), (4, 4), (5, 5)]


def test_auto_handles_a_mix_of_both_shapes() -> None:
    assert spans(WRAPPED + "\n" + ONE_PER_LINE, "auto") == [
        (1, 3),
        (5, 6),
        (8, 8),
        (10, 10),
        (11, 11),
        (12, 12),
    ]


def test_auto_short_lines_that_are_separate_sentences() -> None:
    text = "Milk.\nEggs and flour for the cake.\nSugar.\n"
    assert spans(text, "auto") == [(1, 1), (2, 2), (3, 3)]


def test_auto_list_items_start_blocks() -> None:
    text = "Things to bring:\n- a tent\n- a sleeping bag that is\n  warm enough\n"
    blocks = segment(doc(text), "auto")
    assert [(b.first_line, b.last_line) for b in blocks] == [(1, 1), (2, 2), (3, 4)]
    assert blocks[1].kind == BlockKind.LIST_ITEM


def test_mission_article_shape() -> None:
    from conftest import MISSION

    d = decode(str(MISSION), MISSION.read_bytes())
    assert [(b.first_line, b.last_line) for b in segment(d, "auto")] == [
        (n, n) for n in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    ]


MARKDOWN = """\
---
title: x
tags: [a, b]
---

# Heading one

Para line one
continues here.

```python
def f():

    return 1
```

- item one
- item two
  continued

> quoted text
> more quoted

| a | b |
|---|---|
| 1 | 2 |

Setext heading
==============
"""


def test_markdown_structure() -> None:
    blocks = segment(doc(MARKDOWN, "x.md"), "auto")
    got = [(b.first_line, b.last_line, b.kind) for b in blocks]
    assert got == [
        (6, 6, BlockKind.HEADING),
        (8, 9, BlockKind.PARAGRAPH),
        (11, 15, BlockKind.CODE),
        (17, 17, BlockKind.LIST_ITEM),
        (18, 19, BlockKind.LIST_ITEM),
        (21, 22, BlockKind.QUOTE),
        (24, 26, BlockKind.TABLE),
        (28, 29, BlockKind.HEADING),
    ]


def test_markdown_fence_is_never_split_even_with_blank_lines() -> None:
    text = "```\nsame line\n\nsame line\n```\n"
    blocks = segment(doc(text, "x.md"), "markdown")
    assert [(b.first_line, b.last_line, b.kind) for b in blocks] == [(1, 5, BlockKind.CODE)]


def test_unclosed_fence_runs_to_end() -> None:
    blocks = segment(doc("```\ncode\n\nmore\n", "x.md"), "markdown")
    assert [(b.first_line, b.last_line) for b in blocks] == [(1, 4)]


def test_byte_spans_are_exact_with_bom_crlf_and_unicode() -> None:
    raw = "\ufeffÉté chaud.\r\n\r\nDeuxième paragraphe ici.\r\nSuite.".encode()
    d = decode("t.txt", raw)
    lines = split_lines(d)
    assert [line.text for line in lines] == ["Été chaud.", "", "Deuxième paragraphe ici.", "Suite."]
    blocks = segment(d, "blank", lines=lines)
    assert raw[blocks[0].start : blocks[0].stop] == "Été chaud.\r\n".encode()
    assert raw[blocks[1].start : blocks[1].stop] == "Deuxième paragraphe ici.\r\nSuite.".encode()
    assert blocks[1].text == "Deuxième paragraphe ici.\nSuite."
