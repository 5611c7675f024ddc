"""The engine: same output whatever the worker count, file order or code path."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dedup import engine
from dedup.api import check_paths
from dedup.report import render_json
from dedup.settings import Settings

WORDS = [
    "river",
    "town",
    "council",
    "bridge",
    "market",
    "school",
    "winter",
    "harvest",
    "museum",
    "library",
    "station",
    "road",
    "village",
    "farmers",
    "festival",
    "election",
    "harbour",
    "railway",
    "mountain",
    "forest",
    "storm",
]


def _corpus(root: Path, files: int = 12, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + "." for _ in range(300)
    ]
    paths = []
    for i in range(files):
        chosen = [rng.choice(paragraphs) for _ in range(60)]
        # Light edits so that near duplicates exist too.
        for k in range(0, len(chosen), 7):
            words = chosen[k].split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            chosen[k] = " ".join(words)
        path = root / f"doc{i:02d}.txt"
        path.write_text("\n\n".join(chosen) + "\n")
        paths.append(str(path))
    return paths


@pytest.fixture
def corpus(tmp_path: Path) -> list[str]:
    return _corpus(tmp_path)


def _report(paths: list[str], workers: int) -> str:
    return render_json(check_paths(paths, Settings(workers=workers)))


def test_workers_and_file_order_do_not_change_the_output(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)  # use the worker pool even for a small corpus
    one = _report(corpus, 1)
    two = _report(corpus, 2)
    shuffled = list(corpus)
    random.Random(1).shuffle(shuffled)
    three = _report(shuffled, 3)
    assert one == two == three
    assert '"DUP002"' in one and '"DUP001"' in one


def test_kernel_and_reference_paths_give_the_same_report(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numba")
    monkeypatch.setattr(engine, "KERNEL_MIN_BYTES", 1 << 60)
    reference = _report(corpus, 1)
    monkeypatch.setattr(engine, "KERNEL_MIN_BYTES", 0)
    compiled = _report(corpus, 1)
    assert reference == compiled
