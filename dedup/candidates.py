"""Candidate pairs from MinHash signatures: LSH banding done with arrays.

Each signature is cut into ``bands`` bands of ``rows`` values; two paragraphs
whose values agree on all rows of at least one band become a candidate pair.
Band keys are 64-bit hashes of the band's values, computed for all
paragraphs at once, and grouped by sorting (no Python dict of buckets).

Choosing bands and rows
    As datasketch does (``MinHashLSH._optimal_param``): for a Jaccard
    threshold ``t``, pick ``b * r <= num_perm`` minimising
    ``fp_weight * FP + fn_weight * FN``, where FP is the area under the
    S-curve ``1 - (1 - s**r)**b`` below ``t`` and FN the area above it under
    ``1 - curve``. Every candidate is verified afterwards, so we weigh false
    negatives more (``fn_weight`` 0.9): a false candidate costs one
    verification, a missed one is a missed duplicate.

Heavy buckets
    Exact copies are collapsed before this stage, so a bucket holds distinct
    paragraphs. A bucket of at most ``BUCKET_CAP`` paragraphs yields all its
    pairs; a larger one (thousands of near-identical lines) yields each member
    paired with the bucket's first member and with its neighbour in sorted
    order, which keeps the cost linear while still connecting the bucket.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.fingerprint import fmix64

BUCKET_CAP = 64
# From this many rows on, buckets are found by the compiled kernel.
KERNEL_MIN_ROWS = 20_000
_BAND_MULT = np.uint64(0x9E3779B97F4A7C15)


def _s_curve(s: npt.NDArray[np.float64], bands: int, rows: int) -> npt.NDArray[np.float64]:
    return 1.0 - (1.0 - s**rows) ** bands


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.1, fn_weight: float = 0.9
) -> tuple[int, int]:
    """(bands, rows) minimising the weighted FP/FN areas (datasketch's method).

    All (bands, rows) with ``bands * rows <= num_perm`` are scored at once;
    ties go to the fewest bands, then the fewest rows, as a loop over bands
    and rows in increasing order would choose.
    """
    pairs = np.array(
        [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64
    )
    bands, rows = pairs[:, :1], pairs[:, 1:]
    low = np.linspace(0.0, threshold, 201)[None, :]
    high = np.linspace(threshold, 1.0, 201)[None, :]
    fp = np.trapezoid(1.0 - (1.0 - low**rows) ** bands, low, axis=1)
    fn = np.trapezoid((1.0 - high**rows) ** bands, high, axis=1)
    error = fp_weight * fp + fn_weight * fn
    best = int(np.flatnonzero(error <= error.min() + 1e-12)[0])
    return int(pairs[best, 0]), int(pairs[best, 1])


def band_keys(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.uint32]:
    """A (paragraphs x bands) array of 32-bit band keys: the top half of a
    64-bit hash of the band's rows. 32 bits keep the table small; the few
    extra candidates a collision adds (about n^2 / 2^33 per band) are
    rejected by verification like any other."""
    count = signatures.shape[0]
    keys = np.empty((count, bands), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for band in range(bands):
            h = np.full(count, np.uint64(band + 1), dtype=np.uint64)
            for col in range(band * rows, (band + 1) * rows):
                h = h * _BAND_MULT + signatures[:, col].astype(np.uint64)
            keys[:, band] = (fmix64(h) >> np.uint64(32)).astype(np.uint32)
    return keys


def _pairs_in_sorted(
    order: npt.NDArray[np.int64], sorted_keys: npt.NDArray[np.uint32]
) -> npt.NDArray[np.int64]:
    """Pairs (as an (m, 2) array of row indices) within runs of equal keys."""
    n = len(order)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    new_run = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    run_start = np.flatnonzero(new_run)
    run_len = np.diff(np.concatenate((run_start, [n])))
    run_of = np.cumsum(new_run) - 1
    pos = np.arange(n) - run_start[run_of]
    length = run_len[run_of]
    out = []
    small_max = int(run_len[run_len <= BUCKET_CAP].max(initial=1))
    small = length <= BUCKET_CAP
    for d in range(1, small_max):
        sel = np.flatnonzero(small & (pos + d < length))
        if len(sel) == 0:
            break
        out.append(np.stack((order[sel], order[sel + d]), axis=1))
    big = np.flatnonzero(~small)
    if len(big):
        neighbour = big[pos[big] + 1 < length[big]]
        out.append(np.stack((order[neighbour], order[neighbour + 1]), axis=1))
        to_first = big[pos[big] > 1]
        out.append(np.stack((order[run_start[run_of[to_first]]], order[to_first]), axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(out)


def candidate_pairs_from_keys(
    keys: npt.NDArray[np.uint32], rows_eligible: npt.NDArray[np.int64], threads: int = 1
) -> npt.NDArray[np.int64]:
    """Unique candidate pairs ``(i, j)``, ``i < j``, among ``rows_eligible``.

    ``keys`` is a (rows x bands) array of band keys; indices refer to its rows.
    The result is sorted, the same for any number of ``threads``.
    """
    return rows_eligible[candidate_positions(keys, rows_eligible, threads)]


def candidate_positions(
    keys: npt.NDArray[np.uint32], rows_eligible: npt.NDArray[np.int64], threads: int = 1
) -> npt.NDArray[np.int64]:
    """:func:`candidate_pairs_from_keys` as positions in ``rows_eligible``
    (sorted); a large input is bucketed by ``threads`` threads."""
    if len(rows_eligible) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if len(rows_eligible) >= KERNEL_MIN_ROWS:
        try:
            from dedup.lsh_kernel import band_pairs
        except ImportError:
            pass
        else:
            # The kernel reads the rows in place (no copy of the key matrix) and
            # yields each pair once, as sorted codes i * n + j of positions.
            return _decoded(band_pairs(keys, rows_eligible, BUCKET_CAP, threads), len(rows_eligible))
    keys = keys[rows_eligible]
    found = []
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.argsort(column, kind="stable").astype(np.int64)
        local = _pairs_in_sorted(order, column[order])
        if len(local):
            found.append(local)
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return _unique_pairs(np.concatenate(found), len(rows_eligible))


def _unique_pairs(pairs: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    """Sorted unique ``(i, j)`` with ``i < j``, for indices below ``size``."""
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(pairs, axis=1)
    # Unique rows via a single int64 code per pair.
    n = np.int64(max(size, 1))
    return _decoded(sorted_unique(pairs[:, 0] * n + pairs[:, 1]), size)


def sorted_unique(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique(codes)``, by a sort: numpy 2.4's ``np.unique`` of
    600,000 int64 takes 0.23 s here, its sort 0.03 s."""
    ordered = np.sort(codes)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=np.bool_)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _decoded(codes: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    """Pairs ``(i, j)`` from their codes ``i * size + j``."""
    n = np.int64(max(size, 1))
    return np.stack((codes // n, codes % n), axis=1).astype(np.int64)
