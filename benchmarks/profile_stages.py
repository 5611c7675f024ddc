"""Where ``dedup check`` spends its wall time: py-spy samples grouped by stage.

Runs ``dedup check DIR --format json -q -j 2`` under ``py-spy record``
(sampling, so the run is not slowed down the way cProfile slows it; worker
processes are followed with ``--subprocesses``) and attributes every sample
to the deepest frame that lies in the ``dedup`` package: that function *is*
the stage (``cluster.analyse`` self time is its own Python loop,
``fingerprint.word_hashes`` its numpy work, ...). Samples without a dedup
frame are interpreter start-up and imports. Also lists inclusive time of the
dedup functions (a sample counts for every dedup function on its stack).

Needs ``py-spy`` (pip install py-spy; ptrace must be allowed).

    python benchmarks/profile_stages.py [DIR] [--dedup-args='--select DUP'] [--dedup-src installed|PATH]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from measure import REPO, dedup_command, describe_source  # noqa: E402
from throughput_corpus import DATA, prepare_throughput  # noqa: E402

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _dedup_name(frame: str) -> str | None:
    m = _FRAME.match(frame.strip())
    if not m:
        return None
    file = m.group("file").replace("\\", "/")
    if "/dedup/" not in f"/{file}" or "/benchmarks/" in file:
        return None
    module = file.rsplit("/dedup/", 1)[-1].removesuffix(".py").replace("/", ".")
    return f"{module}.{m.group('func')}"


def profile(
    cmd: list[str], env: dict[str, str], rate: int, out: Path
) -> tuple[Counter[str], Counter[str], int]:
    spy = Path(sys.executable).parent / "py-spy"
    subprocess.run(
        [
            str(spy),
            "record",
            "--format",
            "raw",
            "-r",
            str(rate),
            "--subprocesses",
            "--nonblocking",
            "-o",
            str(out),
            "--",
            *cmd,
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deepest: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        names = [n for n in (_dedup_name(f) for f in stack.split(";")) if n]
        deepest[names[-1] if names else "(start-up, imports, no dedup frame)"] += count
        for name in set(names):
            inclusive[name] += count
    return deepest, inclusive, total


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path)
    ap.add_argument("--dedup-src", default=str(REPO))
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--rate", type=int, default=100, help="samples per second")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--dedup-args", default="", help="extra dedup check arguments, e.g. '--select DUP'")
    args = ap.parse_args(argv)
    corpus = args.corpus or prepare_throughput(DATA)
    cmd, env = dedup_command(args.dedup_src)
    if not Path(cmd[0]).name.startswith("python"):
        cmd = [sys.executable, "-m", "dedup"]
    cmd += ["check", str(corpus), "--format", "json", "-q", "-j", str(args.jobs), *args.dedup_args.split()]
    with tempfile.TemporaryDirectory() as tmp:
        deepest, inclusive, total = profile(cmd, env, args.rate, Path(tmp) / "raw.txt")
    print(f"dedup measured: {describe_source(args.dedup_src)}; corpus {corpus}; args {args.dedup_args!r}")
    print(
        f"{total} samples at {args.rate}/s = {total / args.rate:.1f} s of CPU-side samples (all processes)\n"
    )
    print("deepest dedup frame (the stage doing the work):")
    for name, n in deepest.most_common(args.top):
        print(f"  {n / args.rate:7.2f} s  {100 * n / total:5.1f} %  {name}")
    print("\ninclusive (stage and everything it calls):")
    for name, n in inclusive.most_common(args.top):
        print(f"  {n / args.rate:7.2f} s  {100 * n / total:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
