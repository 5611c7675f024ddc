"""Throughput of build_table: reference (Python + numpy) vs compiled kernels.

Usage: ``PYTHONPATH=. python benchmarks/bench_kernels.py [--mode auto] DIR_OR_FILE...``
(defaults: /tmp/corp/wiki and /tmp/corp/reuters). Prints MB/s per corpus for
both implementations on one core (CPU time, so other load on the machine matters less), the first-call (compile or cache load) time,
and how many blocks (and what share of the kernel time) the Python
normalisation fallback took.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from dedup.models import Document
from dedup.settings import Settings
from dedup.sources import decode
from dedup.table import BlockTable, LshParams, build_table


def _load(arg: str) -> list[Document]:
    path = Path(arg)
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    return [decode(str(f), f.read_bytes()) for f in files]


def _same(a: BlockTable, b: BlockTable) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=["/tmp/corp/wiki", "/tmp/corp/reuters"])
    parser.add_argument("--mode", default="auto")
    parser.add_argument("--no-reference", action="store_true", help="time the kernel only")
    args = parser.parse_args()
    params = LshParams.from_settings(Settings())

    started = time.process_time()
    from dedup import kernels

    imported = time.process_time()
    kernels.build_table_fast(decode("warm.txt", b"Warm up.\n"), args.mode, params)
    print(f"import {imported - started:.2f} s, first call {time.process_time() - imported:.2f} s")

    for arg in args.paths:
        docs = _load(arg)
        size = sum(d.size for d in docs) / 1e6
        t0 = time.process_time()
        fast = [kernels.build_table_fast(d, args.mode, params) for d in docs]
        t_fast = time.process_time() - t0
        stats = kernels.LAST_STATS
        line = f"{arg}: {size:.1f} MB, {sum(len(t) for t in fast)} blocks; kernel {size / t_fast:.1f} MB/s"
        if not args.no_reference:
            t0 = time.process_time()
            ref = [build_table(d, args.mode, params) for d in docs]
            t_ref = time.process_time() - t0
            same = all(_same(r, f) for r, f in zip(ref, fast, strict=True))
            line += f", reference {size / t_ref:.2f} MB/s, identical: {same}"
        print(line)
        # Fallback share, measured per corpus.
        blocks = fallback = 0
        fallback_time = 0.0
        for d in docs:
            kernels.build_table_fast(d, args.mode, params)
            blocks += stats["blocks"]
            fallback += stats["fallback_blocks"]
            fallback_time += stats["fallback_seconds"]
        print(
            f"  fallback: {fallback} of {blocks} blocks ({100 * fallback / max(blocks, 1):.2f}%), "
            f"{fallback_time:.3f} s ({100 * fallback_time / t_fast:.1f}% of kernel time)"
        )


if __name__ == "__main__":
    main()
