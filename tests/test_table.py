"""A table's block texts and lazy blocks are those of the segmenter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.segment import segment, split_lines
from dedup.settings import Settings
from dedup.sources import decode
from dedup.table import LshParams, TableBlocks, table_from_blocks

_PARAMS = LshParams.from_settings(Settings())
_PIECES = ["a", "word", " ", "é", "\u4e2d", "\U0001f642", "\n", "\n\n", "# Title\n", "- item\n", "\t"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=40),
    st.booleans(),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["auto", "blank", "line"]),
)
def test_table_texts_and_blocks_are_the_segments(
    pieces: list[str], bom: bool, newline: str, mode: str
) -> None:
    text = "".join(pieces).replace("\n", newline)
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    doc = decode("doc.txt", raw)
    blocks = segment(doc, mode, 0, split_lines(doc))
    table = table_from_blocks(blocks, _PARAMS)
    assert table.texts(doc) == [b.text for b in blocks]
    lazy = TableBlocks(table, 0, doc)
    assert list(lazy) == blocks
    assert [lazy[i] for i in range(len(lazy))] == blocks
    assert lazy[-1:] == blocks[-1:] and lazy.kinds == [b.kind for b in blocks]
