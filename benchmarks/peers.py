"""dedup check vs datasketch vs rensa: throughput, memory, recall, false positives.

One session, side by side, on the same corpus, paragraphs and shingles:

- ``dedup``: the real command, ``dedup check DIR --format json -q -j 2``,
  timed end to end (start-up, reading, everything, JSON written to a file);
- ``datasketch`` / ``rensa``: the pipelines of ``peer_pipelines.py`` (dedup's
  segmentation and normalisation, exact copies removed first, word bigram
  shingles, MinHash, LSH), each run as ``peers.py --worker`` in its own
  process so its wall time includes its own reading and its peak RSS is its
  own.

LSH parameters: dedup derives (bands, rows) from ``candidate_threshold``
(0.5) and ``num_perm`` (128), giving 32 x 4; the peers get exactly these
(datasketch ``params=(32, 4)``, rensa ``num_bands=32``), so all three propose
the same candidates in expectation. dedup then verifies each candidate
(word-level edit similarity >= 0.8); the peers report their candidates as
duplicates. The evaluation adds ``datasketch@0.8``: datasketch as its README
shows it, ``MinHashLSH(threshold=0.8, num_perm=128)`` (9 bands x 13 rows).

Recall and false positives use the labelled edit-rate set of
``editset.py`` (generated into the cache directory if missing). Its unique
paragraphs are written one per blank-line separated line into one file;
every system runs on that file; a labelled pair counts as reported when

- dedup: both paragraphs are in the same reported cluster;
- a peer: both are in one exact group, or the LSH returned them as a pair.

    python benchmarks/peers.py                     # default corpus, all systems
    python benchmarks/peers.py DIR --runs 3 --dedup-src installed
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from measure import (  # noqa: E402
    REPO,
    dedup_command,
    describe_source,
    machine,
    median,
    run_measured,
)
from throughput_corpus import DATA, bench_dir, prepare_throughput  # noqa: E402

# dedup: `dedup check` as shipped (duplicate and quality rules); dedup-duponly:
# `dedup check --select DUP`, the duplicate rules only, i.e. the same job as
# the peers do.
DEDUP_ARGS = {"dedup": [], "dedup-duponly": ["--select", "DUP"]}
SYSTEMS = ("dedup", "dedup-duponly", "datasketch", "rensa")
EVAL_SYSTEMS = ("dedup-duponly", "datasketch", "rensa-query", "datasketch@0.8")


# --------------------------------------------------------------------------- worker


def worker(system: str, corpus: str, out: Path, params: str, with_pairs: bool) -> int:
    """Run one peer in this process; write its statistics (and pairs) as JSON."""
    sys.path.insert(0, str(Path(os.environ.get("PYTHONPATH", str(REPO))).resolve()))
    from peer_pipelines import PEERS, bands_rows, prepare

    from dedup.settings import Settings

    t0 = time.perf_counter()
    settings = Settings()
    prep = prepare([corpus], settings)
    if params:
        b, r = (int(x) for x in params.split("x"))
    else:
        b, r = bands_rows(settings)
    result = PEERS[system](prep, settings, (b, r))
    stats: dict[str, Any] = {
        "system": system,
        "paragraphs": prep.paragraphs,
        "eligible": sum(len(g) for g in prep.groups),
        "representatives": len(prep.groups),
        "bands_rows": [b, r],
        "flagged": result["flagged"],
        "pairs": None if result["pairs"] is None else len(result["pairs"]),
        "stages": {**prep.stages, **result["stages"]},
        "in_process": time.perf_counter() - t0,
    }
    if with_pairs:
        locs = prep.locations
        stats["exact_groups"] = [[locs[i] for i in g] for g in prep.groups if len(g) > 1]
        stats["pair_locations"] = [
            [locs[prep.groups[i][0]], locs[prep.groups[j][0]]] for i, j in sorted(result["pairs"] or ())
        ]
    out.write_text(json.dumps(stats))
    return 0


# --------------------------------------------------------------------------- throughput


def run_system(
    system: str, corpus: Path, args: argparse.Namespace, tmp: Path, params: str = "", with_pairs: bool = False
) -> dict[str, Any]:
    if system in DEDUP_ARGS:
        cmd, env = dedup_command(args.dedup_src)
        cmd += ["check", str(corpus), "--format", "json", "-q", "-j", str(args.jobs)]
        cmd += DEDUP_ARGS[system]
        out = tmp / "dedup.json"
        with out.open("wb") as fh:
            m = run_measured(cmd, env=env, stdout=fh, mem_limit=getattr(args, "mem_limit", None))
        report = json.loads(out.read_text(encoding="utf-8"))
        return {"measurement": m.to_dict(), "report": report}
    name = "datasketch" if system == "datasketch@0.8" else system
    if system == "datasketch@0.8":
        params = "9x13"
    env = dict(os.environ)
    if args.dedup_src != "installed":
        env["PYTHONPATH"] = str(Path(args.dedup_src).resolve())
    out = tmp / f"{system}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        name,
        str(corpus),
        "--stats-out",
        str(out),
    ]
    if params:
        cmd += ["--params", params]
    if with_pairs:
        cmd.append("--with-pairs")
    m = run_measured(cmd, env=env, mem_limit=getattr(args, "mem_limit", None))
    return {"measurement": m.to_dict(), "stats": json.loads(out.read_text())}


def throughput(corpus: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    size = sum(p.stat().st_size for p in corpus.rglob("*.txt"))
    rows: dict[str, Any] = {}
    paragraphs = 0
    for system in args.systems:
        runs = args.full_runs if system == "dedup" else args.runs if system in DEDUP_ARGS else args.peer_runs
        walls, peaks, psses, extra = [], [], [], {}
        for n in range(runs):
            result = run_system(system, corpus, args, tmp)
            m = result["measurement"]
            walls.append(m["wall"])
            peaks.append(m["peak_rss"])
            psses.append(m.get("peak_pss", 0))
            if system in DEDUP_ARGS:
                summary = result["report"]["summary"]
                paragraphs = summary["paragraphs"]
                extra = {
                    "findings": summary["findings"],
                    "by_rule": summary["by_rule"],
                    "clusters": summary["clusters"],
                }
            else:
                extra = result["stats"]
                paragraphs = paragraphs or extra["paragraphs"]
            print(
                f"  {system} run {n + 1}/{runs}: {m['wall']:.2f} s, peak RSS "
                f"{m['peak_rss'] / 2**20:,.0f} MiB",
                file=sys.stderr,
            )
        wall = median(walls)
        rows[system] = {
            "walls": walls,
            "wall": wall,
            "peak_rss": max(peaks),
            "peak_pss": max(psses),
            "mb_s": size / 1e6 / wall,
            **extra,
        }
    for row in rows.values():
        row["paragraphs_s"] = paragraphs / row["wall"]
    return {"bytes": size, "paragraphs": paragraphs, "rows": rows}


# --------------------------------------------------------------------------- evaluation


def build_eval_dir(pairs: Sequence[Any], out: Path) -> dict[str, int]:
    """Write every distinct paragraph of the set into ``out/editset.txt``.

    Paragraph ``i`` is line ``2 i + 1`` (blank-line separated, so every
    split mode sees one paragraph per line). Returns text -> index.
    """
    index: dict[str, int] = {}
    for p in pairs:
        for text in (p.a, p.b):
            index.setdefault(" ".join(text.split()), len(index))
    out.mkdir(parents=True, exist_ok=True)
    (out / "editset.txt").write_text("\n\n".join(index) + "\n", encoding="utf-8")
    return index


def reported_links(system: str, run: dict[str, Any]) -> tuple[dict[int, object], set[tuple[int, int]]]:
    """(group of each paragraph, linked pairs of paragraphs) from one run.

    dedup: the group is the reported cluster (a pair is reported when both
    are in one cluster, as ``neardup_eval.api_matcher`` counts it). Peers:
    the group is the exact-copy group (its first member is the
    representative the LSH saw), and links are the LSH's candidate pairs.
    """
    group: dict[int, object] = {}
    linked: set[tuple[int, int]] = set()
    if system in DEDUP_ARGS:
        for cluster in run["report"]["clusters"]:
            for member in cluster["members"]:
                group[(member["line"] - 1) // 2] = cluster["id"]
        return group, linked
    for members in run["stats"]["exact_groups"]:
        ids = [(line - 1) // 2 for _path, line in members]
        for i in ids:
            group[i] = ids[0]
    for (_pa, la), (_pb, lb) in run["stats"]["pair_locations"]:
        i, j = (la - 1) // 2, (lb - 1) // 2
        linked.add((min(i, j), max(i, j)))
    return group, linked


def evaluate(editset: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from editset import load_pairs
    from neardup_eval import Outcome

    pairs = load_pairs(editset)
    eval_dir = tmp / "eval"
    index = build_eval_dir(pairs, eval_dir)
    positives = sum(p.kind == "positive" for p in pairs)
    results: dict[str, Any] = {}
    for system in args.eval_systems:
        run = run_system(system, eval_dir, args, tmp, with_pairs=True)
        group, linked = reported_links(system, run)
        matched = {}
        for p in pairs:
            a = index[" ".join(p.a.split())]
            b = index[" ".join(p.b.split())]
            if system in DEDUP_ARGS:
                hit = a == b or (a in group and group.get(a) == group.get(b))
            else:
                ra, rb = group.get(a, a), group.get(b, b)
                hit = ra == rb or (min(ra, rb), max(ra, rb)) in linked  # type: ignore[type-var]
            matched[p.id] = hit
        summary = Outcome(matched).summary(pairs)
        found = sum(matched[p.id] for p in pairs if p.kind == "positive")
        summary["recall_all"] = found / positives if positives else 0.0
        summary["false_positive_total"] = sum(summary["false_positives"].values())
        summary["wall"] = run["measurement"]["wall"]
        results[system] = summary
        print(
            f"  eval {system}: recall {summary['recall_all']:.4f}, "
            f"false positives {summary['false_positive_total']}",
            file=sys.stderr,
        )
    return {"editset": str(editset), "unique_paragraphs": len(index), "systems": results}


# --------------------------------------------------------------------------- output


def render(result: dict[str, Any]) -> str:
    tp = result["throughput"]
    rows = tp["rows"]
    lines = [
        f"corpus: {result['corpus']} ({tp['bytes'] / 1e6:.1f} MB, {tp['paragraphs']:,} paragraphs)",
        f"dedup measured: {result['dedup_source']} (-j {result['jobs']})",
        f"machine: {result['machine']}",
        f"date: {result['date']}",
        "",
        "| system | wall s (median) | MB/s | paragraphs/s | peak RSS MiB | peak PSS MiB | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['wall']:.2f} | {row['mb_s']:.2f} | {row['paragraphs_s']:,.0f} | "
            f"{row['peak_rss'] / 2**20:,.0f} | {row.get('peak_pss', 0) / 2**20:,.0f} | "
            f"{', '.join(f'{w:.1f}' for w in row['walls'])} |"
        )
    dedups = [n for n in rows if n in DEDUP_ARGS]
    peers = [n for n in rows if n not in DEDUP_ARGS]
    if dedups and peers:
        lines += ["", "throughput ratio (peer wall / dedup wall; target >= 10x datasketch, >= 2x rensa):", ""]
        lines += ["| | " + " | ".join(peers) + " |", "|---|" + "---:|" * len(peers)]
        for d in dedups:
            cells = [f"{rows[p]['wall'] / rows[d]['wall']:.2f}x" for p in peers]
            lines.append(f"| {d} | " + " | ".join(cells) + " |")
    stage_rows = [(n, r["stages"]) for n, r in rows.items() if "stages" in r]
    if stage_rows:
        lines += [
            "",
            "peer stages (s, in process): "
            + "; ".join(f"{n}: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()) for n, st in stage_rows),
        ]
    ev = result.get("evaluation")
    if ev:
        from editset import RATES

        first = next(iter(ev["systems"].values()))
        negatives = first["negatives"]
        lines += [
            "",
            f"edit-rate set: {ev['editset']} ({ev['unique_paragraphs']:,} unique paragraphs; "
            f"negatives: {negatives})",
            "",
            "| system | recall (all rates) | "
            + " | ".join(f"{r}" for r in RATES)
            + " | FP templated | FP unrelated | natural matched |",
            "|---|---:|" + "---:|" * len(RATES) + "---:|---:|---:|",
        ]
        for name, s in ev["systems"].items():
            fp = s["false_positives"]
            lines.append(
                f"| {name} | {s['recall_all']:.4f} | "
                + " | ".join(f"{s['recall'].get(r, 0):.4f}" for r in RATES)
                + f" | {fp.get('templated', 0)} | {fp.get('unrelated', 0)} | "
                f"{s['natural_matched']}/{s['natural']} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "corpus", nargs="?", type=Path, help="corpus directory (default: prepared throughput corpus)"
    )
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--eval-systems", default=",".join(EVAL_SYSTEMS))
    ap.add_argument("--runs", type=int, default=3, help="dedup-duponly runs (median reported)")
    ap.add_argument(
        "--full-runs", type=int, default=1, help="runs of dedup with all rules (slow: quality rules)"
    )
    ap.add_argument("--peer-runs", type=int, default=1, help="runs per peer")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="dedup worker processes")
    ap.add_argument(
        "--dedup-src",
        default=str(REPO),
        help="source tree run as python -m dedup (default: this checkout), or 'installed'",
    )
    ap.add_argument("--editset", type=Path, default=None, help="labelled edit-rate set (JSONL)")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--json-out", type=Path, default=None)
    # internal: one peer in this process
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    ap.add_argument("--stats-out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--params", default="", help=argparse.SUPPRESS)
    ap.add_argument("--with-pairs", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, str(args.corpus), args.stats_out, args.params, args.with_pairs)

    args.systems = [s for s in args.systems.split(",") if s]
    args.eval_systems = [s for s in args.eval_systems.split(",") if s]
    corpus = args.corpus or prepare_throughput(DATA)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "corpus": str(corpus),
        "dedup_source": describe_source(args.dedup_src),
        "jobs": args.jobs,
    }
    with tempfile.TemporaryDirectory(prefix="dedup-peers-") as tmp_name:
        tmp = Path(tmp_name)
        print("throughput ...", file=sys.stderr)
        result["throughput"] = throughput(corpus, args, tmp)
        if not args.no_eval:
            editset = args.editset or bench_dir() / "editset.jsonl"
            if not editset.exists():
                from editset import main as make_editset

                make_editset(["--corpus", str(DATA), "--out", str(editset), "--seed", "1"])
            print("evaluation ...", file=sys.stderr)
            result["evaluation"] = evaluate(editset, args, tmp)
    json_out = args.json_out or bench_dir() / "results" / f"peers-{time.strftime('%Y%m%d-%H%M%S')}.json"
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(result, indent=2, default=str))
    print(render(result))
    print(f"\n(full results: {json_out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
