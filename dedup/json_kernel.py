"""Compiled writing of duplicate findings as JSON lines.

:func:`dedup.report.duplicates_json_blocks` writes millions of findings of a
duplicate-heavy corpus; in Python each is an f-string of a dozen fields
(~3 us). Here the findings' columns are written as UTF-8 bytes in one
pass: every string a finding holds (its rule's head, the quoted paths, the
message's words, the cluster ids, the fingerprints) is made once in Python,
JSON-escaped there, and only copied here; the numbers are written digit by
digit. The text is the same, byte for byte (tested against
:func:`dedup.report.finding_json`). Imported lazily (see :mod:`dedup.jit`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dedup.jit import kernel, njit

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

#: The fixed pieces of a finding's line (in the order :func:`_findings`
#: writes them), of the array and of a cluster's line.
PIECES = (
    ', "line": ',
    ', "end_line": ',
    ', "message": "',
    ":",
    '", "cluster": "',
    '", "similarity": ',
    ', "duplicate_of": {"path": ',
    '}, "fingerprint": "',
    '", "fixable": true}',
    ",\n    ",
    '{"id": ',
    ', "kept": ',
    "null",
    "{",
    "}",
    ', "members": [',
    ", ",
    "]}",
    '"path": ',
)
(
    LINE,
    END_LINE,
    MESSAGE,
    COLON,
    CLUSTER,
    SIMILARITY,
    REFERENCE,
    FINGERPRINT,
    END,
    SEPARATOR,
    ID,
    KEPT,
    NULL,
    OPEN,
    CLOSE,
    MEMBERS,
    COMMA,
    CLOSE_MEMBERS,
    PATH,
) = range(len(PIECES))


@njit(cache=True, inline="always")
def _copy(strings: U8, starts: I64, k: int, out: U8, at: int) -> int:
    """String ``k`` of the table appended at ``at``; the new end."""
    for i in range(starts[k], starts[k + 1]):
        out[at] = strings[i]
        at += 1
    return at


@njit(cache=True, inline="always")
def _number(value: int, out: U8, at: int) -> int:
    """A non-negative integer in decimal appended at ``at``; the new end."""
    digits = 1
    rest = value // 10
    while rest:
        digits += 1
        rest //= 10
    end = at + digits
    for i in range(end - 1, at - 1, -1):
        out[i] = 48 + value % 10
        value //= 10
    return end


# BLAKE2b (RFC 7693): the initial vector and the message word schedule.
_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    dtype=np.int64,
)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@njit(cache=True, inline="always")
def _rotr(x: np.uint64, n: int) -> np.uint64:
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@njit(cache=True, inline="always")
def _mix(v: npt.NDArray[np.uint64], a: int, b: int, c: int, d: int, x: np.uint64, y: np.uint64) -> None:
    """BLAKE2b's G function on ``v``."""
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


@njit(cache=True)
def _blake2b_8(block: U8, size: int, m: npt.NDArray[np.uint64], v: npt.NDArray[np.uint64]) -> np.uint64:
    """The 8-byte BLAKE2b digest (no key) of ``block[:size]`` (at most 128
    bytes; ``block`` is 128 bytes, zero after ``size``), as the little-endian
    word ``hashlib.blake2b(data, digest_size=8).digest()`` reads as.
    ``m`` and ``v``: scratch words (16 each)."""
    for i in range(16):
        word = np.uint64(0)
        for k in range(8):
            word |= np.uint64(block[8 * i + k]) << np.uint64(8 * k)
        m[i] = word
    h0 = _IV[0] ^ np.uint64(0x01010000 ^ 8)  # parameter block: digest length 8, fanout and depth 1
    v[0] = h0
    for i in range(1, 8):
        v[i] = _IV[i]
    for i in range(8):
        v[8 + i] = _IV[i]
    v[12] ^= np.uint64(size)  # bytes compressed so far
    v[14] = ~v[14]  # the last block
    for r in range(12):
        s = _SIGMA[r % 10]
        _mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]])
        _mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]])
        _mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]])
        _mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]])
        _mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]])
        _mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]])
        _mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]])
        _mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]])
    return np.uint64(h0 ^ v[0] ^ v[8])


@njit(cache=True, inline="always")
def _fingerprint(
    head: int,
    key0: np.uint64,
    key1: np.uint64,
    strings: U8,
    starts: I64,
    block: U8,
    m: npt.NDArray[np.uint64],
    v: npt.NDArray[np.uint64],
    out: U8,
    at: int,
) -> int:
    """:func:`dedup.duplicate_findings.fingerprint`'s 16 hex digits (string
    ``head`` of the table, "DUP001:", then the key hash's two words as 32
    hex digits, hashed) appended at ``at``; the new end."""
    size = 0
    for i in range(starts[head], starts[head + 1]):
        block[size] = strings[i]
        size += 1
    for key in (key0, key1):
        for k in range(15, -1, -1):
            block[size] = _HEX[(key >> np.uint64(4 * k)) & np.uint64(15)]
            size += 1
    for i in range(size, 128):
        block[i] = 0
    digest = _blake2b_8(block, size, m, v)
    for k in range(8):
        byte = (digest >> np.uint64(8 * k)) & np.uint64(255)
        out[at] = _HEX[byte >> np.uint64(4)]
        out[at + 1] = _HEX[byte & np.uint64(15)]
        at += 2
    return at


@njit(cache=True, inline="always")
def _place(
    path: int, line: int, end_line: int, strings: U8, starts: I64, pieces: int, out: U8, at: int
) -> int:
    """A place's members (string ``path`` of the table, quoted, then
    ``, "line": N, "end_line": M``) appended at ``at``; the new end
    (``pieces``: where the PIECES begin in the table)."""
    at = _copy(strings, starts, path, out, at)
    at = _copy(strings, starts, pieces + LINE, out, at)
    at = _number(line, out, at)
    at = _copy(strings, starts, pieces + END_LINE, out, at)
    return _number(end_line, out, at)


@kernel(
    "i8(b1[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], b1[::1], "
    "u8[::1], u8[::1], u1[::1], i8[::1], i8[::1], u1[::1])",
    nogil=True,
)
def _findings(
    exact: npt.NDArray[np.bool_],
    doc: I64,
    line: I64,
    end_line: I64,
    to_doc: I64,
    to_line: I64,
    to_end: I64,
    phrase: I64,
    cluster: I64,
    none_kept: npt.NDArray[np.bool_],
    key0: npt.NDArray[np.uint64],
    key1: npt.NDArray[np.uint64],
    strings: U8,
    starts: I64,
    bases: I64,
    out: U8,
) -> int:
    """The findings' JSON lines, joined by the array separator, into
    ``out`` (large enough: see :func:`dedup.report.duplicates_json_blocks`);
    the number of bytes written.

    ``strings[starts[k]:starts[k + 1]]`` is string ``k``; ``bases`` says
    where each kind begins: the PIECES (0), the heads of an exact and a near
    finding (1), the quoted paths (2) and the same without their quotes
    (3) by document, the message's words (4) and similarities (5) by
    ``phrase``, the cluster ids (6), the words that say no copy was kept
    (7), the heads of an exact and a near finding's fingerprint (8).
    ``key0`` and ``key1``: each finding's key hash, for its fingerprint."""
    block = np.zeros(128, dtype=np.uint8)
    m = np.empty(16, dtype=np.uint64)
    v = np.empty(16, dtype=np.uint64)
    at = 0
    for r in range(len(doc)):
        if r:
            at = _copy(strings, starts, bases[0] + SEPARATOR, out, at)
        at = _copy(strings, starts, bases[1] + (0 if exact[r] else 1), out, at)
        at = _place(bases[2] + doc[r], line[r], end_line[r], strings, starts, bases[0], out, at)
        at = _copy(strings, starts, bases[0] + MESSAGE, out, at)
        at = _copy(strings, starts, bases[4] + phrase[r], out, at)
        at = _copy(strings, starts, bases[3] + to_doc[r], out, at)
        at = _copy(strings, starts, bases[0] + COLON, out, at)
        at = _number(to_line[r], out, at)
        if none_kept[r]:
            at = _copy(strings, starts, bases[7], out, at)
        at = _copy(strings, starts, bases[0] + CLUSTER, out, at)
        at = _copy(strings, starts, bases[6] + cluster[r], out, at)
        at = _copy(strings, starts, bases[0] + SIMILARITY, out, at)
        at = _copy(strings, starts, bases[5] + phrase[r], out, at)
        at = _copy(strings, starts, bases[0] + REFERENCE, out, at)
        at = _place(bases[2] + to_doc[r], to_line[r], to_end[r], strings, starts, bases[0], out, at)
        at = _copy(strings, starts, bases[0] + FINGERPRINT, out, at)
        head = bases[8] + (0 if exact[r] else 1)
        at = _fingerprint(head, key0[r], key1[r], strings, starts, block, m, v, out, at)
        at = _copy(strings, starts, bases[0] + END, out, at)
    return at


@kernel(
    "i8(b1[::1], i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], u1[::1], i8[::1], i8[::1], u1[::1])",
    nogil=True,
)
def _clusters(
    kept: npt.NDArray[np.bool_],
    sizes: I64,
    doc: I64,
    line: I64,
    end_line: I64,
    similarity: I64,
    strings: U8,
    starts: I64,
    bases: I64,
    out: U8,
) -> int:
    """Clusters' JSON lines (``{"id": ..., "kept": ..., "members": [...]}``),
    joined by the array separator, into ``out`` (large enough: see
    :func:`dedup.report.clusters_json_blocks`); the number of bytes written.

    Cluster ``c`` has ``sizes[c]`` members (their places ``doc``, ``line``,
    ``end_line`` in order, the kept copy first when ``kept[c]``).
    ``bases``: where the PIECES (0), the quoted paths by document (1), the
    quoted cluster ids (2, in order) and the members' similarity members
    (3, by ``similarity``) begin in the string table."""
    at = 0
    first = 0
    for c in range(len(sizes)):
        if c:
            at = _copy(strings, starts, bases[0] + SEPARATOR, out, at)
        at = _copy(strings, starts, bases[0] + ID, out, at)
        at = _copy(strings, starts, bases[2] + c, out, at)
        at = _copy(strings, starts, bases[0] + KEPT, out, at)
        if kept[c]:
            at = _copy(strings, starts, bases[0] + OPEN, out, at)
            at = _copy(strings, starts, bases[0] + PATH, out, at)
            at = _place(
                bases[1] + doc[first], line[first], end_line[first], strings, starts, bases[0], out, at
            )
            at = _copy(strings, starts, bases[0] + CLOSE, out, at)
        else:
            at = _copy(strings, starts, bases[0] + NULL, out, at)
        at = _copy(strings, starts, bases[0] + MEMBERS, out, at)
        for m in range(first, first + sizes[c]):
            if m > first:
                at = _copy(strings, starts, bases[0] + COMMA, out, at)
            at = _copy(strings, starts, bases[0] + OPEN, out, at)
            at = _copy(strings, starts, bases[0] + PATH, out, at)
            at = _place(bases[1] + doc[m], line[m], end_line[m], strings, starts, bases[0], out, at)
            at = _copy(strings, starts, bases[3] + similarity[m], out, at)
            at = _copy(strings, starts, bases[0] + CLOSE, out, at)
        at = _copy(strings, starts, bases[0] + CLOSE_MEMBERS, out, at)
        first += sizes[c]
    return at
