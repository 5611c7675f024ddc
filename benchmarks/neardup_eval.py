"""Evaluate near-duplicate matchers on the labelled edit set (editset.py).

Two modes:

- measures (default): score every pair with each candidate similarity measure
  (neardup_measures.MEASURES), print per edit rate the similarity percentiles,
  the zero-false-positive threshold and the recall it leaves, the trade-off
  table of the recommended measure, and the word 1/2-gram Jaccard percentiles
  that size MinHash-LSH;
- ``--api``: run ``dedup.api.check_texts`` with default (or given) Settings on
  the same paragraphs and count recall per edit rate and false positives.

    python benchmarks/editset.py --corpus ../shared/data --out benchmarks/out/editset.jsonl
    python benchmarks/neardup_eval.py benchmarks/out/editset.jsonl
    python benchmarks/neardup_eval.py benchmarks/out/editset.jsonl --api
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from editset import RATES, Pair, load_pairs
from neardup_measures import (
    MEASURES,
    RECOMMENDED,
    RECOMMENDED_THRESHOLD,
    Measure,
    Prepared,
    ngrams,
)

NEGATIVE_KINDS = ("unrelated", "templated")


@dataclass
class Outcome:
    """What a matcher reported: per pair id, whether the pair was matched."""

    matched: dict[str, bool]
    # Pairs of *different* source paragraphs (keys) that were put together but
    # are not one of the labelled pairs (e.g. two copies of unrelated texts).
    extra_merges: int = 0

    def summary(self, pairs: Sequence[Pair]) -> dict[str, Any]:
        by_rate: dict[str, list[bool]] = defaultdict(list)
        fp: Counter[str] = Counter()
        totals: Counter[str] = Counter(p.kind for p in pairs)
        for p in pairs:
            hit = self.matched.get(p.id, False)
            if p.kind == "positive":
                by_rate[p.rate].append(hit)
            elif hit:
                fp[p.kind] += 1
        return {
            "recall": {r: float(np.mean(by_rate[r])) for r in RATES if by_rate[r]},
            "false_positives": {k: fp[k] for k in NEGATIVE_KINDS},
            "negatives": {k: totals[k] for k in NEGATIVE_KINDS},
            "natural_matched": fp["natural"],
            "natural": totals["natural"],
            "extra_merges": self.extra_merges,
        }


Matcher = Callable[[Sequence[Pair]], Outcome]


def threshold_matcher(measure: Measure, threshold: float) -> Matcher:
    """A pairwise matcher: similar when ``measure >= threshold``."""

    def run(pairs: Sequence[Pair]) -> Outcome:
        scores = score(pairs, measure)
        return Outcome({p.id: bool(s >= threshold) for p, s in zip(pairs, scores, strict=True)})

    return run


def api_matcher(settings: Any = None) -> Matcher:
    """Run ``dedup.api.check_texts`` on every distinct paragraph of the set.

    Each paragraph is one document (``p/<n>.txt``, one line). A pair is matched
    when both of its paragraphs are reported in one cluster (or one is
    reported as a duplicate of the other).
    """
    from dedup.api import check_texts
    from dedup.settings import Settings

    def run(pairs: Sequence[Pair]) -> Outcome:
        texts: dict[str, str] = {}
        path_of: dict[tuple[str, str], str] = {}
        source_of: dict[str, str] = {}
        for p in pairs:
            for key, text in ((p.a_key, p.a), (p.b_key, p.b)):
                if (key, text) not in path_of:
                    path = f"p/{len(texts):06d}.txt"
                    path_of[key, text] = path
                    texts[path] = text + "\n"
                    source_of[path] = key.removesuffix("+edit")
        result = check_texts(texts, settings or Settings())
        cluster_of: dict[str, str] = {}
        union: dict[str, str] = {}

        def find(x: str) -> str:
            while union.get(x, x) != x:
                x = union[x]
            return x

        for f in result.findings:
            if f.cluster is None and f.duplicate_of is None:
                continue
            if f.cluster is not None:
                cluster_of.setdefault(f"c:{f.cluster}", f.path)
                union[find(f.path)] = find(cluster_of[f"c:{f.cluster}"])
            if f.duplicate_of is not None:
                union[find(f.path)] = find(f.duplicate_of.path)
        matched = {}
        labelled = set()
        for p in pairs:
            pa, pb = path_of[p.a_key, p.a], path_of[p.b_key, p.b]
            matched[p.id] = find(pa) == find(pb)
            labelled.add(frozenset((source_of[pa], source_of[pb])))
        groups: dict[str, set[str]] = defaultdict(set)
        for path in texts:
            groups[find(path)].add(source_of[path])
        extra = 0
        for sources in groups.values():
            members = sorted(sources)
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    extra += frozenset((a, b)) not in labelled
        return Outcome(matched, extra)

    return run


_PREPARED: dict[str, Prepared] = {}


def prepared(text: str) -> Prepared:
    p = _PREPARED.get(text)
    if p is None:
        p = _PREPARED[text] = Prepared.of(text)
    return p


def score(pairs: Iterable[Pair], measure: Measure) -> np.ndarray:
    return np.array([measure(prepared(p.a), prepared(p.b)) for p in pairs])


def _pct(values: np.ndarray, q: float) -> str:
    return f"{np.quantile(values, q):.3f}" if len(values) else "-"


def report_measures(pairs: Sequence[Pair], out: Callable[[str], None]) -> None:
    kind = np.array([p.kind for p in pairs])
    rate = np.array([p.rate for p in pairs])
    negative = np.isin(kind, NEGATIVE_KINDS)
    counts = Counter(kind.tolist())
    out(f"pairs: {dict(sorted(counts.items()))}\n")
    out("## Zero-false-positive threshold per measure\n")
    out("Threshold = smallest value above every unrelated and templated pair; recall per rate")
    out("is the share of edited copies at or above it.\n")
    header = " | ".join(RATES)
    out(f"| measure | max unrelated | max templated | threshold | {header} | natural |")
    out("|---" * (5 + len(RATES)) + "|")
    all_scores: dict[str, np.ndarray] = {}
    for name, measure in MEASURES.items():
        s = score(pairs, measure)
        all_scores[name] = s
        limit = float(s[negative].max())
        t = float(np.nextafter(limit, 2.0))
        recalls = " | ".join(f"{(s[(kind == 'positive') & (rate == r)] >= t).mean():.3f}" for r in RATES)
        natural = (s[kind == "natural"] >= t).mean() if counts["natural"] else float("nan")
        out(
            f"| {name} | {s[kind == 'unrelated'].max():.3f} | "
            f"{s[kind == 'templated'].max():.3f} | >{limit:.3f} | {recalls} | {natural:.3f} |"
        )
    out("\n## Similarity percentiles (p1 / p5 / p50) of edited copies per rate\n")
    out(f"| measure | {header} | templated p99.9 / max |")
    out("|---" * (2 + len(RATES)) + "|")
    for name, s in all_scores.items():
        cells = []
        for r in RATES:
            v = s[(kind == "positive") & (rate == r)]
            cells.append(f"{_pct(v, 0.01)} / {_pct(v, 0.05)} / {_pct(v, 0.5)}")
        t = s[kind == "templated"]
        out(f"| {name} | {' | '.join(cells)} | {_pct(t, 0.999)} / {_pct(t, 1.0)} |")
    s = all_scores[RECOMMENDED]
    out(f"\n## Trade-off of {RECOMMENDED} (>= threshold is a match)\n")
    out(f"| threshold | {header} | FP unrelated | FP templated | natural matched |")
    out("|---" * (4 + len(RATES)) + "|")
    for t in np.round(np.arange(0.80, 0.951, 0.01), 2):
        recalls = " | ".join(f"{(s[(kind == 'positive') & (rate == r)] >= t).mean():.3f}" for r in RATES)
        fp_u = int((s[kind == "unrelated"] >= t).sum())
        fp_t = int((s[kind == "templated"] >= t).sum())
        nat = int((s[kind == "natural"] >= t).sum())
        mark = " (recommended)" if abs(t - RECOMMENDED_THRESHOLD) < 1e-9 else ""
        out(f"| {t:.2f}{mark} | {recalls} | {fp_u} | {fp_t} | {nat} |")
    out("\n## Word n-gram set Jaccard of edited copies (sizes MinHash-LSH)\n")
    out("| rate | unigram p1 | p5 | p50 | bigram p1 | p5 | p50 |")
    out("|---|---|---|---|---|---|---|")
    for r in RATES:
        sel = [p for p in pairs if p.kind == "positive" and p.rate == r]
        cells = []
        for n in (1, 2):
            v = np.array(
                [_jaccard(ngrams(prepared(p.a).tokens, n), ngrams(prepared(p.b).tokens, n)) for p in sel]
            )
            cells += [_pct(v, 0.01), _pct(v, 0.05), _pct(v, 0.5)]
        out(f"| {r} | {' | '.join(cells)} |")


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def report_outcome(name: str, summary: dict[str, Any], out: Callable[[str], None]) -> None:
    out(f"## {name}\n")
    out("| " + " | ".join(RATES) + " | FP unrelated | FP templated | natural matched | extra |")
    out("|---" * (len(RATES) + 4) + "|")
    rec = " | ".join(f"{summary['recall'].get(r, float('nan')):.3f}" for r in RATES)
    fp = summary["false_positives"]
    neg = summary["negatives"]
    out(
        f"| {rec} | {fp['unrelated']}/{neg['unrelated']} | {fp['templated']}/{neg['templated']} "
        f"| {summary['natural_matched']}/{summary['natural']} | {summary['extra_merges']} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", type=Path, help="JSONL written by editset.py")
    ap.add_argument("--api", action="store_true", help="evaluate dedup.api.check_texts")
    ap.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="with --api: Settings.threshold (default: the library default)",
    )
    args = ap.parse_args(argv)
    pairs = load_pairs(args.pairs)
    started = time.perf_counter()
    if args.api:
        settings = None
        if args.threshold is not None:
            from dedup.settings import Settings

            settings = Settings(threshold=args.threshold)
        outcome = api_matcher(settings)(pairs)
        report_outcome("dedup.api.check_texts", outcome.summary(pairs), print)
    else:
        report_measures(pairs, print)
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
