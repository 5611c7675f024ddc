"""CPU seconds per quality rule of ``dedup check`` with the default rules.

Usage: ``PYTHONPATH=. python benchmarks/rule_costs.py [DIR] [--workers 1]``
(default DIR: the prepared throughput corpus, ``$DEDUP_BENCH_DIR/throughput``).
Runs :func:`dedup.api.check_paths` in this process (one worker, so every
rule runs here) with each rule's ``check`` wrapped in a CPU-time counter,
after a warm-up text that loads numba and the rules. Derived views a rule
is the first to ask for (the word list, the blocks' texts) are charged to
that rule: GQ001 pays for the tokenizer, GR001 for the n-gram tables. The
"rules" line is the sum, "check" the whole call (duplicates included).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dedup.api import check_paths, check_texts
from dedup.rules.base import Rule
from dedup.rules.registry import RuleSettings, selected_rules
from dedup.settings import Settings

SPENT: Counter[str] = Counter()


def _timed(check: Callable[..., Iterator[Any]], code: str) -> Callable[..., Iterator[Any]]:
    def run(self: Rule, ctx: Any) -> Iterator[Any]:
        started = time.process_time()
        findings = list(check(self, ctx))
        SPENT[code] += time.process_time() - started
        return iter(findings)

    return run


def main() -> None:
    default = Path(os.environ.get("DEDUP_BENCH_DIR", "/tmp/dedup-bench")) / "throughput"
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(default))
    args = parser.parse_args()
    size = sum(p.stat().st_size for p in Path(args.corpus).rglob("*") if p.is_file()) / 1e6
    for rule in selected_rules(RuleSettings()):
        cls = type(rule)
        # Each rule's own class gets a counter around the check it runs
        # (inherited or not); a base class's check is never counted twice.
        original = getattr(cls.check, "original", cls.check)
        wrapped = _timed(original, cls.code)
        wrapped.original = original  # type: ignore[attr-defined]
        cls.check = wrapped  # type: ignore[method-assign]
    # Warm-up: numba's cached kernels and every rule, on a text of 1 MB
    # (large enough for the engine's compiled path).
    warm = " ".join(["The quick brown fox jumps over the lazy dog."] * 300)
    check_texts({"warm.txt": "\n\n".join([warm] * 80)}, Settings(workers=1), RuleSettings())
    SPENT.clear()
    started = time.process_time()
    result = check_paths([args.corpus], Settings(workers=1), RuleSettings())
    total = time.process_time() - started
    print(f"corpus: {args.corpus} ({size:.1f} MB, {len(result.files)} files), one worker, CPU seconds")
    print(f"{'check':8s} {total:7.2f}")
    print(f"{'rules':8s} {sum(SPENT.values()):7.2f}")
    for code, seconds in SPENT.most_common():
        print(f"{code:8s} {seconds:7.2f}")


if __name__ == "__main__":
    main()
