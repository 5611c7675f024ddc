"""Prepare the throughput corpus and the scaled corpora (outside the repository).

(Named ``throughput_corpus.py`` because ``benchmarks/corpus.py`` is the
near-duplicate benchmark's paragraph reader, which this script reuses.)

Cache directory: ``$DEDUP_BENCH_DIR`` or ``/tmp/dedup-bench``. Nothing here
writes into the repository; the shared corpora are research-use only.

``throughput/`` (the ~80 MB corpus ``peers.py`` measures):

- ``wikipedia/wiki_NN.txt``: each WikiExtractor file, with the
  ``<doc ...>`` / ``</doc>`` tag lines **removed** (they are markup, not
  text) and everything else kept: the title line, the blank line after it,
  one paragraph per line, section headings as their own lines.
- ``reuters/reut2-NNN.txt``: the story bodies of each SGML file, converted
  with ``../shared/data/tools/reuters_sgm_to_jsonl.py`` (latin-1 read,
  entities unescaped, trailing "Reuter" cut), title line first, the body as
  Reuters wrapped it (hard-wrapped lines, paragraphs start indented), stories
  separated by a blank line; written as UTF-8. Grouped per SGML file (22
  files) rather than 21,578 tiny files.
- ``bbc/<topic>/NNN.txt``: the BBC articles as they are (UTF-8; the one
  latin-1 file re-encoded). Skip with ``--no-bbc``.

``scaled/<size>/part-NNNN.txt`` (10MB, 100MB, 1GB): the corpus's paragraphs
(read with ``benchmarks/corpus.py``: wiki lines, Reuters paragraphs joined,
BBC paragraphs) concatenated copy after copy until the size is reached. Each
copy is shuffled with its own seed, and a fraction (``--perturb``, default
0.2) of its paragraphs gets seeded word edits (``editset.edit_copy`` at 5 %
of the words, at least one edit): so the bigger corpora hold exact copies,
near copies and new orderings, as a crawl does. One paragraph per line,
paragraphs separated by a blank line, files of about 8 MB.

    python benchmarks/throughput_corpus.py            # throughput corpus only
    python benchmarks/throughput_corpus.py --scaled 10MB,100MB,1GB
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from corpus import iter_corpus  # noqa: E402
from editset import Vocabulary, edit_copy  # noqa: E402

DATA = (HERE.parent.parent / "shared" / "data").resolve()
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
SIZES = {"10MB": 10 * 10**6, "100MB": 100 * 10**6, "1GB": 10**9}
PART_BYTES = 8 * 10**6


def bench_dir() -> Path:
    return Path(os.environ.get("DEDUP_BENCH_DIR", "/tmp/dedup-bench"))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def prepare_wikipedia(data: Path, out: Path) -> None:
    for src in sorted((data / "wikipedia_en_extract").glob("wiki_*")):
        lines = src.read_text(encoding="utf-8").split("\n")
        kept = [ln for ln in lines if not ln.startswith("<doc ") and ln != "</doc>"]
        _write(out / "wikipedia" / f"{src.name}.txt", "\n".join(kept))


def prepare_reuters(data: Path, out: Path) -> None:
    tool = data / "tools" / "reuters_sgm_to_jsonl.py"
    jsonl = out.parent / "reuters.jsonl"
    subprocess.run([sys.executable, str(tool), str(data / "reuters21578" / "raw"), str(jsonl)], check=True)
    # The tool does not say which SGML file a story came from; NEWIDs are
    # consecutive, 1,000 per file (reut2-000: 1-1000, ...).
    groups: dict[int, list[str]] = {}
    with jsonl.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            body = doc["body"].strip("\n")
            if not body.strip():
                continue
            story = f"{doc['title']}\n{body}" if doc["title"] else body
            groups.setdefault((doc["newid"] - 1) // 1000, []).append(story)
    for number, stories in sorted(groups.items()):
        _write(out / "reuters" / f"reut2-{number:03d}.txt", "\n\n".join(stories) + "\n")


def prepare_bbc(data: Path, out: Path) -> None:
    for src in sorted((data / "bbc_news").glob("*/*.txt")):
        raw = src.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        _write(out / "bbc" / src.parent.name / src.name, text)


def corpus_bytes(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*.txt") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def prepare_throughput(data: Path, bbc: bool = True, force: bool = False) -> Path:
    out = bench_dir() / ("throughput" if bbc else "throughput-nobbc")
    if (out / ".done").exists() and not force:
        return out
    t0 = time.perf_counter()
    prepare_wikipedia(data, out)
    prepare_reuters(data, out)
    if bbc:
        prepare_bbc(data, out)
    files, size = corpus_bytes(out)
    (out / ".done").write_text(json.dumps({"files": files, "bytes": size}))
    print(
        f"throughput corpus: {files} files, {size / 1e6:.1f} MB in {out} ({time.perf_counter() - t0:.0f} s)",
        file=sys.stderr,
    )
    return out


def scaled_stream(paragraphs: Sequence[str], vocab: Vocabulary, perturb: float, seed: int) -> Iterator[str]:
    """Copy after copy of ``paragraphs``: each shuffled, a fraction edited."""
    copy = 0
    while True:
        rng = random.Random(f"{seed}:{copy}")
        order = list(range(len(paragraphs)))
        rng.shuffle(order)
        for i in order:
            text = paragraphs[i]
            if rng.random() < perturb and len(text.split()) >= 3:
                text, _ = edit_copy(text, 0.05, rng, vocab)
            yield text
        copy += 1


def prepare_scaled(
    data: Path, sizes: Sequence[str], perturb: float, seed: int, bbc: bool = True, force: bool = False
) -> list[Path]:
    todo = [s for s in sizes if force or not (bench_dir() / "scaled" / s / ".done").exists()]
    outs = [bench_dir() / "scaled" / s for s in sizes]
    if not todo:
        return outs
    sources = ("wikipedia", "reuters", "bbc") if bbc else ("wikipedia", "reuters")
    paragraphs = [" ".join(p.text.split()) for p in iter_corpus(data, sources)]
    paragraphs = [p for p in paragraphs if p]
    vocab = Vocabulary([p for p in iter_corpus(data, ("reuters",))])  # small, quick to build
    for size_name in todo:
        t0 = time.perf_counter()
        target = SIZES[size_name]
        out = bench_dir() / "scaled" / size_name
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("part-*.txt"):
            old.unlink()
        written = count = part = 0
        buf: list[str] = []
        buf_bytes = 0
        for text in scaled_stream(paragraphs, vocab, perturb, seed):
            chunk = text + "\n\n"
            size = len(chunk.encode("utf-8"))
            buf.append(chunk)
            buf_bytes += size
            written += size
            count += 1
            if buf_bytes >= PART_BYTES or written >= target:
                _write(out / f"part-{part:04d}.txt", "".join(buf))
                part += 1
                buf, buf_bytes = [], 0
            if written >= target:
                break
        meta = {
            "bytes": written,
            "paragraphs": count,
            "files": part,
            "perturb": perturb,
            "seed": seed,
            "base_paragraphs": len(paragraphs),
        }
        (out / ".done").write_text(json.dumps(meta))
        print(
            f"scaled {size_name}: {count} paragraphs, {written / 1e6:.0f} MB, {part} files "
            f"({time.perf_counter() - t0:.0f} s)",
            file=sys.stderr,
        )
    return outs


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--no-bbc", action="store_true", help="wikipedia + reuters only")
    ap.add_argument("--scaled", default="", help="comma-separated sizes: 10MB,100MB,1GB")
    ap.add_argument("--perturb", type=float, default=0.2, help="fraction of edited paragraphs per copy")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args(argv)
    out = prepare_throughput(args.data, bbc=not args.no_bbc, force=args.force)
    print(out)
    if args.scaled:
        for path in prepare_scaled(
            args.data, args.scaled.split(","), args.perturb, args.seed, bbc=not args.no_bbc, force=args.force
        ):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
