"""Start-up cost: ``dedup check`` on the mission article, and what imports cost.

Prints the median (and all) of ``--runs`` wall times of
``dedup check samples/netanyahu-gaza-truce-article.txt`` (target: median
<= 0.35 s), one warm-up run first so the page cache and ``__pycache__`` are
warm, then the top offenders of ``python -X importtime`` for the same
command (cumulative microseconds per top-level package, and the slowest
single modules).

    python benchmarks/startup.py [--runs 5] [--dedup-src installed|PATH]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from measure import REPO, dedup_command, describe_source, machine, median, run_measured  # noqa: E402

ARTICLE = REPO / "samples" / "netanyahu-gaza-truce-article.txt"
TARGET = 0.35
_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def import_times(cmd: list[str], env: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, depth) from ``-X importtime``."""
    assert Path(cmd[0]).name.startswith("python"), "importtime needs python -m dedup"
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--dedup-src",
        default=str(REPO),
        help="source tree run as python -m dedup (default: this checkout), or 'installed'",
    )
    ap.add_argument("--file", type=Path, default=ARTICLE)
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args(argv)
    cmd, env = dedup_command(args.dedup_src)
    check = [*cmd, "check", str(args.file)]
    run_measured(check, env=env)  # warm-up
    walls = []
    peak = 0
    for _ in range(args.runs):
        m = run_measured(check, env=env)
        walls.append(m.wall)
        peak = max(peak, m.peak_rss)
    med = median(walls)
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {machine()}")
    print(f"dedup measured: {describe_source(args.dedup_src)}")
    print(
        f"command: dedup check {args.file.relative_to(REPO) if args.file.is_relative_to(REPO) else args.file}"
    )
    print(
        f"wall: median {med:.3f} s of {args.runs} ({', '.join(f'{w:.3f}' for w in walls)}); "
        f"target <= {TARGET} s: {'met' if med <= TARGET else 'NOT met'}; peak RSS {peak / 2**20:.0f} MiB"
    )
    baseline = run_measured([sys.executable, "-c", "pass"])
    print(f"bare python start-up: {baseline.wall:.3f} s")

    py_cmd = cmd if Path(cmd[0]).name.startswith("python") else [sys.executable, "-m", "dedup"]
    rows = import_times([*py_cmd, "check", str(args.file)], env)
    if not rows:
        return 0
    total = sum(r[1] for r in rows)
    by_package: dict[str, int] = defaultdict(int)
    for name, self_us, _cum, _depth in rows:
        by_package[name.split(".")[0]] += self_us
    print(f"\nimports: {len(rows)} modules, {total / 1e6:.3f} s in total (self times, -X importtime)")
    print("top packages (sum of self time):")
    for name, us in sorted(by_package.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {us / 1e3:8.1f} ms  {name}")
    print("slowest top-level imports (cumulative):")
    top_level = [r for r in rows if r[3] == 0]
    for name, _self, cum, _depth in sorted(top_level, key=lambda r: -r[2])[: args.top]:
        print(f"  {cum / 1e3:8.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
