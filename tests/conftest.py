from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MISSION = FIXTURES / "mission_article.txt"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def run_dedup(args: Sequence[str], cwd: Path | None = None, stdin: bytes | None = None) -> Run:
    """Run the real ``dedup`` command (``python -m dedup``) in a subprocess."""
    env = dict(os.environ)
    env.pop("DEDUP_OUTPUT_FORMAT", None)
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env=env,
        timeout=300,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        proc.stdout,
    )


@pytest.fixture
def dedup_cmd():
    return run_dedup


def verified_both_ways(a: str, b: str, threshold: float) -> tuple[float, float]:
    """The verified similarity of the pair ``a``, ``b`` by the compiled batch
    path (``cluster.verify_pairs``) and by the Python path (``_verify_python``)."""
    import numpy as np

    from dedup.cluster import _verify_python, verify_pairs

    pairs = np.array([[0, 1]], dtype=np.int64)
    texts = {0: a, 1: b}
    return float(verify_pairs(pairs, texts, threshold, kernel_min=0)[0]), _verify_python(
        pairs, texts, threshold
    )[0]
