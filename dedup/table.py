"""Per-file paragraph tables: the plain-array state the engine works on.

A :class:`BlockTable` holds one row per block of one file: where the block
is (lines and bytes) and its fingerprints (exact-key hash, word count, LSH
band keys). It is what a worker sends back for a file, what an on-disk
index can store, and all the global stages (exact groups, LSH candidates)
need. Block text is not kept: it is re-read from the file when verification
or rewriting needs it.

:func:`build_table` is the reference implementation (Python + numpy, used for
small inputs and Markdown). :mod:`dedup.kernels` computes the same table
with compiled code; tests check that both give identical arrays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import overload

import numpy as np
import numpy.typing as npt

from dedup.models import Block, BlockKind, Document
from dedup.normalize import normalize
from dedup.segment import segment, split_lines
from dedup.settings import Settings

KIND_CODES = {kind: i for i, kind in enumerate(BlockKind)}
KINDS = list(BlockKind)


@dataclass(frozen=True)
class LshParams:
    """What every band key of one run is computed with."""

    shingle_size: int
    num_perm: int
    seed: int
    bands: int
    rows: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LshParams:
        from dedup.candidates import optimal_bands

        if settings.bands:
            bands, rows = settings.bands, settings.num_perm // settings.bands
        else:
            bands, rows = optimal_bands(settings.candidate_threshold, settings.num_perm)
        return cls(settings.shingle_size, settings.num_perm, settings.seed, bands, rows)


@dataclass(frozen=True)
class BlockTable:
    """One row per block of a file (all arrays have the same length ``n``).

    ``first_line``/``last_line``: 1-based, inclusive. ``start``/``stop``: byte
    span in the file (BOM excluded). ``kind``: index into :data:`KINDS`.
    ``key_hash``: (n, 2) 128-bit hash of the normalised key
    (:func:`dedup.fingerprint.key_hashes`). ``key_chars``: length of the key
    in code points. ``words``: number of words (:func:`dedup.normalize.words`).
    ``has_shingles``: the block has at least one word. ``band_keys``: (n, bands)
    32-bit LSH band keys of the block's MinHash signature (zeros where
    ``has_shingles`` is false).
    """

    first_line: npt.NDArray[np.int64]
    last_line: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    stop: npt.NDArray[np.int64]
    kind: npt.NDArray[np.uint8]
    key_hash: npt.NDArray[np.uint64]
    key_chars: npt.NDArray[np.int64]
    words: npt.NDArray[np.int64]
    has_shingles: npt.NDArray[np.bool_]
    band_keys: npt.NDArray[np.uint32]

    def __len__(self) -> int:
        return len(self.first_line)

    def blocks(self, doc_index: int, document: Document) -> list[Block]:
        """Materialise Block objects (with text) for this table's rows."""
        return list(TableBlocks(self, doc_index, document))

    def texts(self, document: Document) -> list[str]:
        """Each row's block text, as :attr:`Block.text` gives it: the
        block's lines as segment() splits them (\\n, \\r\\n and \\r end a
        line), joined with \\n, without the last terminator."""
        raw = document.raw
        if len(self) == 0:
            return []
        if b"\r" not in raw:
            # Slices of the decoded text: a block's byte span becomes a
            # character span by taking away the UTF-8 continuation bytes
            # before each end, and only a final \n is to be dropped.
            bom = len(document.bom)
            data = np.frombuffer(raw, dtype=np.uint8)
            starts = self.start - bom
            ends_line = (self.stop > self.start) & (data[np.maximum(self.stop - 1, 0)] == 0x0A)
            stops = self.stop - bom - ends_line
            if len(document.text) != len(raw) - bom:
                # The continuation bytes before an offset, counted by a
                # binary search among their positions (fewer than the bytes).
                continuation = np.flatnonzero((data[bom:] & 0xC0) == 0x80)
                starts = starts - np.searchsorted(continuation, starts)
                stops = stops - np.searchsorted(continuation, stops)
            text = document.text
            return list(map(text.__getitem__, map(slice, starts.tolist(), stops.tolist())))
        out = []
        for start, stop in zip(self.start.tolist(), self.stop.tolist(), strict=True):
            block = raw[start:stop].decode("utf-8")
            if "\r" in block:
                block = block.replace("\r\n", "\n").replace("\r", "\n")
            if block.endswith("\n"):
                block = block[:-1]
            out.append(block)
        return out

    def rows(self, start: int, stop: int) -> BlockTable:
        """Rows ``start:stop`` as views (no copy)."""
        return BlockTable(*(getattr(self, name)[start:stop] for name in self.__dataclass_fields__))

    @classmethod
    def concatenate(cls, tables: list[BlockTable], bands: int) -> BlockTable:
        if not tables:
            return empty_table(bands)
        return cls(*(np.concatenate([getattr(t, name) for t in tables]) for name in cls.__dataclass_fields__))


class TableBlocks(Sequence[Block]):
    """The :class:`Block` objects of one table's rows, made on demand.

    Rules mostly read the texts and kinds (:attr:`texts`, :attr:`kinds`);
    a Block object costs more than its text, and only a block that is
    reported needs one.
    """

    def __init__(self, table: BlockTable, doc_index: int, document: Document) -> None:
        self.table = table
        self.doc_index = doc_index
        self.document = document

    @cached_property
    def texts(self) -> list[str]:
        return self.table.texts(self.document)

    @cached_property
    def kinds(self) -> list[BlockKind]:
        return [KINDS[k] for k in self.table.kind.tolist()]

    def __len__(self) -> int:
        return len(self.table)

    @overload
    def __getitem__(self, index: int) -> Block: ...

    @overload
    def __getitem__(self, index: slice) -> list[Block]: ...

    def __getitem__(self, index: int | slice) -> Block | list[Block]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        t = self.table
        return Block(
            self.doc_index,
            index,
            int(t.first_line[index]),
            int(t.last_line[index]),
            int(t.start[index]),
            int(t.stop[index]),
            self.texts[index],
            self.kinds[index],
        )

    def __iter__(self) -> Iterator[Block]:
        t = self.table
        columns = (t.first_line, t.last_line, t.start, t.stop)
        rows = zip(self.texts, self.kinds, *(c.tolist() for c in columns), strict=True)
        for i, (text, kind, first, last, start, stop) in enumerate(rows):
            yield Block(self.doc_index, i, first, last, start, stop, text, kind)


def empty_table(bands: int) -> BlockTable:
    z = np.zeros(0, dtype=np.int64)
    return BlockTable(
        z,
        z.copy(),
        z.copy(),
        z.copy(),
        np.zeros(0, dtype=np.uint8),
        np.zeros((0, 2), dtype=np.uint64),
        z.copy(),
        z.copy(),
        np.zeros(0, dtype=bool),
        np.zeros((0, bands), dtype=np.uint32),
    )


def table_from_blocks(blocks: list[Block], params: LshParams) -> BlockTable:
    """Fingerprint ``blocks`` (reference implementation)."""
    from dedup.candidates import band_keys
    from dedup.fingerprint import key_hashes, minhash, shingle

    n = len(blocks)
    if n == 0:
        return empty_table(params.bands)
    keys = [normalize(b.text) for b in blocks]
    shingles = shingle(keys, params.shingle_size)
    signatures = minhash(shingles, params.num_perm, params.seed)
    has = shingles.has_shingles
    bands = np.zeros((n, params.bands), dtype=np.uint32)
    if has.any():
        bands[has] = band_keys(signatures[has], params.bands, params.rows)
    return BlockTable(
        first_line=np.fromiter((b.first_line for b in blocks), dtype=np.int64, count=n),
        last_line=np.fromiter((b.last_line for b in blocks), dtype=np.int64, count=n),
        start=np.fromiter((b.start for b in blocks), dtype=np.int64, count=n),
        stop=np.fromiter((b.stop for b in blocks), dtype=np.int64, count=n),
        kind=np.fromiter((KIND_CODES[b.kind] for b in blocks), dtype=np.uint8, count=n),
        key_hash=key_hashes(keys),
        key_chars=np.fromiter((len(k) for k in keys), dtype=np.int64, count=n),
        words=shingles.word_counts.astype(np.int64),
        has_shingles=has.astype(bool),
        band_keys=bands,
    )


def build_table(doc: Document, mode: str, params: LshParams) -> BlockTable:
    """Segment ``doc`` and fingerprint its blocks (reference implementation)."""
    return table_from_blocks(segment(doc, mode, 0, split_lines(doc)), params)
