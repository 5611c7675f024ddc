"""Time dedup on one huge near-duplicate cluster: N light edits of one paragraph.

Web and archive corpora hold boilerplate repeated thousands of times with a
word or two changed (a date, a name, a typo fixed). Clustering must stay
near-linear there: every member is compared with its leader, and only the
few members whose names or numbers could be swapped for another's are
compared with each other (dedup.cluster._leaders).

    python benchmarks/big_cluster.py --copies 4000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = (
    "The committee met on Tuesday to discuss the proposed changes to the regional transport plan, "
    "which would add new bus routes and extend the opening hours of the central station for commuters"
)
VOCABULARY = "river market school garden bridge office letter window summer winter council museum harbour"
NAMES = "Monday Friday March Oslo Lyon Brno Turin Graz Kent Dover"


def copies(n: int, seed: int, names: bool) -> list[str]:
    """``n`` copies of BASE with one or two random word edits each (with
    ``names``, a third of the replacements are capitalised names)."""
    rng = random.Random(seed)
    words, vocabulary, capitalised = BASE.split(), VOCABULARY.split(), NAMES.split()
    out = []
    for _ in range(n):
        w = list(words)
        for _ in range(rng.choice([1, 2])):
            k = rng.randrange(len(w))
            pool = capitalised if names and rng.random() < 1 / 3 else vocabulary
            op = rng.random()
            if op < 0.5:
                w[k] = rng.choice(pool)
            elif op < 0.75:
                w.insert(k, rng.choice(pool))
            else:
                del w[k]
        out.append(" ".join(w))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    for names in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "copies.txt"
            path.write_text("\n\n".join(copies(args.copies, args.seed, names)) + "\n", encoding="utf-8")
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "dedup", "check", str(path), "--select", "DUP", "-q", "-f", "json"],
                capture_output=True,
                check=False,
            )
            wall = time.perf_counter() - start
            summary = json.loads(proc.stdout)["summary"]
            label = "with names" if names else "plain words"
            print(
                f"{args.copies} copies ({label}): {wall:.2f} s, "
                f"{summary['by_rule']} in {summary['clusters']} clusters"
            )


if __name__ == "__main__":
    main()
