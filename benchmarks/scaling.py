"""How dedup's time and memory grow with the corpus: 10 MB, 100 MB, 1 GB.

The corpora are built by ``throughput_corpus.py --scaled`` (concatenated,
shuffled and lightly perturbed copies of the shared corpora; built here if
missing). For each size, ``dedup check DIR --format json -q -j 2`` is timed
end to end (JSON to a file) with its peak RSS (process tree). The peers
(datasketch, rensa; see ``peers.py``) run only up to ``--peer-max``
(default 100MB): datasketch at ~1-2 MB/s would need 10-15 minutes for 1 GB.

    python benchmarks/scaling.py [--sizes 10MB,100MB,1GB] [--runs 1] [--dedup-src installed]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from measure import REPO, RunFailed, describe_source, machine, median  # noqa: E402
from peers import DEDUP_ARGS, run_system  # noqa: E402
from throughput_corpus import DATA, SIZES, bench_dir, prepare_scaled  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10MB,100MB,1GB")
    ap.add_argument("--runs", type=int, default=1, help="dedup runs per size (median)")
    ap.add_argument(
        "--dedup-systems",
        default="dedup-duponly,dedup",
        help="dedup variants (see peers.py): dedup-duponly = --select DUP, dedup = all rules",
    )
    ap.add_argument("--peers", default="datasketch,rensa", help="peers to run ('' for none)")
    ap.add_argument("--peer-max", default="100MB", help="largest size the peers run on")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--dedup-src", default=str(REPO))
    ap.add_argument("--json-out", type=Path, default=None)
    ap.add_argument(
        "--mem-limit-gb",
        type=float,
        default=16.0,
        help="address-space limit per run (a run above it fails instead of swapping/OOM)",
    )
    args = ap.parse_args(argv)
    args.mem_limit = int(args.mem_limit_gb * 2**30) if args.mem_limit_gb else None
    args.dedup_systems = [s for s in args.dedup_systems.split(",") if s]
    sizes = [s for s in args.sizes.split(",") if s]
    peers = [p for p in args.peers.split(",") if p]
    dirs = prepare_scaled(DATA, sizes, perturb=0.2, seed=1)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dedup-scaling-") as tmp_name:
        tmp = Path(tmp_name)
        for size_name, corpus in zip(sizes, dirs, strict=True):
            meta = json.loads((corpus / ".done").read_text())
            systems = [*args.dedup_systems] + (peers if SIZES[size_name] <= SIZES[args.peer_max] else [])
            for system in systems:
                walls, peak, pss, extra = [], 0, 0, {}
                failed = ""
                for _ in range(args.runs if system in DEDUP_ARGS else 1):
                    try:
                        result = run_system(system, corpus, args, tmp)
                    except RunFailed as exc:
                        failed = str(exc)
                        break
                    m = result["measurement"]
                    walls.append(m["wall"])
                    peak = max(peak, m["peak_rss"])
                    pss = max(pss, m.get("peak_pss", 0))
                    if system in DEDUP_ARGS:
                        s = result["report"]["summary"]
                        extra = {"findings": s["findings"], "clusters": s["clusters"]}
                    result.pop("report", None)
                if failed:
                    rows.append(
                        {
                            "size": size_name,
                            "system": system,
                            "bytes": meta["bytes"],
                            "paragraphs": meta["paragraphs"],
                            "failed": failed,
                        }
                    )
                    print(f"  {size_name} {system}: FAILED ({failed})", file=sys.stderr)
                    continue
                wall = median(walls)
                row = {
                    "size": size_name,
                    "system": system,
                    "bytes": meta["bytes"],
                    "paragraphs": meta["paragraphs"],
                    "wall": wall,
                    "walls": walls,
                    "peak_rss": peak,
                    "peak_pss": pss,
                    "mb_s": meta["bytes"] / 1e6 / wall,
                    **extra,
                }
                rows.append(row)
                print(
                    f"  {size_name} {system}: {wall:.1f} s, {peak / 2**20:,.0f} MiB (PSS {pss / 2**20:,.0f} MiB)",
                    file=sys.stderr,
                )
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "dedup_source": describe_source(args.dedup_src),
        "jobs": args.jobs,
        "rows": rows,
    }
    out = args.json_out or bench_dir() / "results" / f"scaling-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"dedup measured: {result['dedup_source']} (-j {args.jobs})")
    print(f"machine: {result['machine']}\ndate: {result['date']}\n")
    print(
        "| size | system | MB | paragraphs | wall s | MB/s | peak RSS MiB | peak PSS MiB | RSS / paragraph (bytes) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if "failed" in r:
            print(
                f"| {r['size']} | {r['system']} | {r['bytes'] / 1e6:,.0f} | {r['paragraphs']:,} | "
                f"failed (address space > {args.mem_limit_gb:g} GiB or error) | | | | |"
            )
            continue
        print(
            f"| {r['size']} | {r['system']} | {r['bytes'] / 1e6:,.0f} | {r['paragraphs']:,} | "
            f"{r['wall']:.1f} | {r['mb_s']:.2f} | {r['peak_rss'] / 2**20:,.0f} | "
            f"{r['peak_pss'] / 2**20:,.0f} | {r['peak_rss'] / r['paragraphs']:,.0f} |"
        )
    print(f"\n(full results: {out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
