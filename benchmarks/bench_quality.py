"""Throughput of ``dedup check`` with the default quality rules, on one core.

Usage: ``PYTHONPATH=. python benchmarks/bench_quality.py [--repeat 1] DIR_OR_FILE...``
(default: /tmp/corp/wiki). For each argument (a file, or a directory whose
``*.txt`` files are read) prints MB/s, in CPU time so that other load on the
machine matters less, of :func:`dedup.api.check_paths` with one worker:
duplicates only, duplicates plus the default rule set, and the rules alone
(the difference). Imports and first-call costs are paid on a warm-up text
before timing; the tokenizer's chunk cache is emptied before each timed run,
as in a fresh ``dedup check`` process.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dedup.api import DUPLICATES_ONLY, check_paths, check_texts
from dedup.rules import text as textstats
from dedup.rules.registry import RuleSettings
from dedup.settings import Settings


def _files(arg: str) -> list[str]:
    path = Path(arg)
    return [str(f) for f in sorted(path.glob("*.txt"))] if path.is_dir() else [str(path)]


def _cpu_seconds(files: list[str], rules: RuleSettings, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        textstats._CHUNK_CACHE.clear()
        started = time.process_time()
        check_paths(files, Settings(workers=1), rules)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=["/tmp/corp/wiki"])
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = parser.parse_args()
    warm = " ".join(["The quick brown fox jumps over the lazy dog."] * 300)
    check_texts({"warm.txt": warm + "\n\n" + warm}, Settings(workers=1), RuleSettings())

    for arg in args.paths:
        files = _files(arg)
        size = sum(Path(f).stat().st_size for f in files) / 1e6
        t_dup = _cpu_seconds(files, DUPLICATES_ONLY, args.repeat)
        t_all = _cpu_seconds(files, RuleSettings(), args.repeat)
        rules_only = size / (t_all - t_dup) if t_all > t_dup else float("inf")
        print(
            f"{arg}: {len(files)} file(s), {size:.1f} MB; duplicates only {size / t_dup:.2f} MB/s, "
            f"default rules {size / t_all:.2f} MB/s ({t_all:.2f} s CPU), rules alone {rules_only:.2f} MB/s"
        )


if __name__ == "__main__":
    main()
