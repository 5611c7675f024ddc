"""The engine: same output whatever the worker count, file order or code path."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dedup import engine
from dedup.api import check_paths
from dedup.report import render_json
from dedup.settings import Settings
from dedup.sources import InputFile

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


def test_tables_come_back_through_files_or_pipes_alike(
    corpus: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers leave their tables in a directory of the run, which is gone
    afterwards; without one (no temporary directory) or when a file cannot
    be written there, the tables come through the pool's pipes: the same
    report each way."""
    import tempfile

    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    one = _report(corpus, 1)
    spills = tmp_path / "tmp"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def recorded(*args: object, **kwargs: object) -> str:
        made.append(mkdtemp(*args, **kwargs))  # type: ignore[call-overload]
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    spilled: list[bool] = []
    table_of = engine._table_of

    def read_back(packed: engine._Packed) -> object:
        spilled.append(packed.table is None)
        return table_of(packed)

    monkeypatch.setattr(engine, "_table_of", read_back)  # runs in this process
    assert _report(corpus, 2) == one
    assert made and spilled and all(spilled)
    assert not any(spills.iterdir())  # the files and the directory are gone
    spilled.clear()

    named = tempfile.NamedTemporaryFile

    def unwritable(*args: object, **kwargs: object) -> object:
        if str(kwargs.get("dir", "")).startswith(made[0]):
            raise OSError("disk full")
        return named(*args, **kwargs)  # type: ignore[call-overload]

    made.clear()
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", unwritable)  # the forked workers inherit it
    assert _report(corpus, 2) == one
    assert spilled and not any(spilled)
    monkeypatch.undo()
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)

    def no_directory(*args: object, **kwargs: object) -> str:
        raise OSError("no room")

    monkeypatch.setattr(tempfile, "mkdtemp", no_directory)
    assert _report(corpus, 2) == one


def test_a_table_file_that_cannot_be_written_is_removed(corpus: list[str], tmp_path: Path) -> None:
    """A worker whose table file fails half-way (disk full) removes it and
    sends the table through the pipe."""
    import tempfile

    from dedup.rules.registry import RuleSettings

    spill = tmp_path / "spill"
    spill.mkdir()
    items = [InputFile(path, path, Path(path).name) for path in corpus[:3]]
    job = engine.make_job(Settings(workers=1), RuleSettings(), (), 1 << 30)
    real = tempfile.NamedTemporaryFile

    class Full:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.file = real(*args, **kwargs)  # type: ignore[call-overload]
            self.name = self.file.name

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()

        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    def only_there(*args: object, **kwargs: object) -> object:
        # Other temporary files (the kernels' cached tables) are written as usual.
        if kwargs.get("dir") == str(spill):
            return Full(*args, **kwargs)
        return real(*args, **kwargs)  # type: ignore[call-overload]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "NamedTemporaryFile", only_there)
        packed = engine.process_packed(items, job, str(spill))
    assert packed.table is not None and not packed.path
    assert not any(spill.iterdir())
    assert len(packed.table) == sum(rows for rows in packed.rows if rows > 0)
    spilled = engine.process_packed(items, job, str(spill))
    assert spilled.table is None and len(list(spill.iterdir())) == 1
    read = engine._table_of(spilled)
    assert not any(spill.iterdir())  # read back once, then removed
    for name in packed.table.__dataclass_fields__:
        assert np.array_equal(getattr(read, name), getattr(packed.table, name)), name


def test_kernel_and_reference_paths_give_the_same_report(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("numba")
    monkeypatch.setattr(engine, "KERNEL_MIN_BYTES", 1 << 60)
    reference = _report(corpus, 1)
    monkeypatch.setattr(engine, "KERNEL_MIN_BYTES", 0)
    compiled = _report(corpus, 1)
    assert reference == compiled


def _quality_corpus(root: Path) -> list[str]:
    """The corpus above plus files the quality rules have something to say
    about: boilerplate lines, a list page, a page that repeats itself."""
    paths = _corpus(root)
    extra = {
        "boiler.txt": "Share this article\n\nThe council met on Tuesday to discuss the bridge.\n\n"
        "All rights reserved.\n\nAdvertisement\n",
        "list.txt": "\n".join(f"- item {i}" for i in range(80)) + "\n",
        "repeat.txt": ("The harbour festival returns. " * 40 + "\n\n") * 3,
    }
    for name, text in extra.items():
        (root / name).write_text(text)
        paths.append(str(root / name))
    return paths


def test_split_run_gives_the_same_findings_and_cleaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With quality rules and a worker pool, the workers run the rules in a
    second pass while the parent clusters: same report, same drops."""
    from dedup.api import clean
    from dedup.rules.registry import RuleSettings

    paths = _quality_corpus(tmp_path)
    rules = RuleSettings()
    alone = check_paths(paths, Settings(workers=1), rules, drop=("BP001",))
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    seen: list[tuple[int, int]] = []
    split = check_paths(
        paths, Settings(workers=2), rules, drop=("BP001",), progress=lambda o, d, t: seen.append((d, t))
    )
    assert render_json(split) == render_json(alone)
    assert '"BP001"' in render_json(split) and '"GR001"' in render_json(split)
    assert split.quality_dropped == alone.quality_dropped and split.quality_dropped
    assert [c.mask for c in clean(split).changes] == [c.mask for c in clean(alone).changes]
    # Progress follows the quality pass, to the last file.
    assert [d for d, _ in seen] == list(range(1, len(paths) + 1))
    assert {t for _, t in seen} == {len(paths)}


def test_split_run_reports_a_file_that_changed_between_passes(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from dedup.errors import DedupError
    from dedup.rules.registry import RuleSettings

    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    check_item = engine.check_item

    def grown(item: InputFile, job: engine.Job) -> engine.FileOutcome:
        outcome = check_item(item, job)
        return replace(outcome, size=outcome.size + 1) if item.path == corpus[3] else outcome

    monkeypatch.setattr(engine, "check_item", grown)  # the forked workers inherit it
    with pytest.raises(DedupError, match="file changed while dedup was running") as raised:
        check_paths(corpus, Settings(workers=2), RuleSettings())
    assert raised.value.path == corpus[3]


@pytest.mark.parametrize("rules", ["DUP", None])
def test_pool_reports_bad_files_among_good_ones(
    corpus: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: str | None
) -> None:
    """A worker's batch mixes files with tables and files that failed; each
    outcome gets its own rows back (and a split run's quality pass too)."""
    from dedup.rules.registry import RuleSettings

    binary = tmp_path / "zz-binary.txt"
    binary.write_bytes(b"\x00\x01 not text")
    empty = tmp_path / "doc05-empty.txt"
    empty.write_text("")
    paths = [*corpus, str(binary), str(empty)]
    settings = RuleSettings(select=(rules,)) if rules else RuleSettings()
    alone = render_json(check_paths(paths, Settings(workers=1), settings))
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    pooled = check_paths(paths, Settings(workers=2), settings)
    assert render_json(pooled) == alone
    assert [e.path for e in pooled.errors] == [str(empty), str(binary)]
    assert '"DUP001"' in alone


@pytest.mark.parametrize("fails", [False, True])
def test_the_garbage_collector_is_paused_for_the_run_and_restored(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    """Clustering runs with the cyclic collector paused (millions of acyclic
    objects on a large corpus); the caller's setting comes back afterwards,
    also when the run fails, and a caller who paused it keeps it paused."""
    import gc

    from dedup import api

    seen: list[bool] = []
    from dedup.cluster import analyse

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        if fails:
            raise RuntimeError("clustering failed")
        return analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "analyse", spy)

    def run() -> None:
        with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
            check_paths(corpus, Settings(workers=1))

    assert gc.isenabled()
    run()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        run()
        assert not gc.isenabled()
    finally:
        gc.enable()


def _spread_file(path: Path) -> str:
    """Near copies of a few paragraphs far apart in one file (100 KB of other
    paragraphs between them), so verification and clustering re-read spans
    of it rather than all of it."""
    rng = random.Random(3)
    base = [" ".join(rng.choice(WORDS) for _ in range(30)) for _ in range(3)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    filler = iter(
        " ".join("".join(rng.choice(letters) for _ in range(7)) for _ in range(40)).capitalize()
        for _ in range(10**6)
    )
    parts: list[str] = []
    for copy in range(4):
        for b in base:
            words = b.split()
            words[copy * 3] = "changed"
            parts.append(" ".join(words) + ".")
        while sum(map(len, parts)) < (copy + 1) * 100_000:
            parts.append(next(filler) + ".")
    text = "\n\n".join(parts) + "\n"
    path.write_text(text)
    return text


def test_texts_are_re_read_span_by_span(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.api import check_texts

    path = tmp_path / "big.txt"
    text = _spread_file(path)
    reads: list[int] = []
    read_exactly = engine._read_exactly

    def counted(file: object, size: int) -> bytes | None:
        reads.append(size)
        return read_exactly(file, size)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_read_exactly", counted)
    from_file = check_paths([str(path)], Settings(workers=1))
    assert len([c for c in from_file.clusters if len(c.members) >= 3]) == 3
    assert len(reads) >= 4 and sum(reads) < len(text) // 10
    # The same as from the text held in memory, and whatever spans are read together.
    expected = render_json(check_texts({str(path): text}, Settings(workers=1)))
    assert render_json(from_file) == expected
    monkeypatch.setattr(engine, "READ_GAP", 10**9)
    assert render_json(check_paths([str(path)], Settings(workers=1))) == expected
    # Reads stay below the limit (or one paragraph), whatever the gaps.
    monkeypatch.setattr(engine, "READ_LIMIT", 1000)
    reads.clear()
    assert render_json(check_paths([str(path)], Settings(workers=1))) == expected
    assert reads and max(reads) <= 1000


@pytest.mark.parametrize("change", ["truncated", "rewritten"])
def test_a_file_changed_before_it_is_re_read_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    from dedup.errors import DedupError

    path = tmp_path / "big.txt"
    text = _spread_file(path)
    texts = engine.FileTexts.texts

    def changed(self: engine.FileTexts, ids: list[int]) -> dict[int, str]:
        if change == "truncated":
            path.write_text(text[: len(text) // 2])
        else:  # same size, no longer UTF-8 where the paragraphs were
            path.write_bytes(b"\xff" * len(text.encode()))
        return texts(self, ids)

    monkeypatch.setattr(engine.FileTexts, "texts", changed)
    with pytest.raises(DedupError, match="file changed while dedup was running") as raised:
        check_paths([str(path)], Settings(workers=1))
    assert raised.value.path == str(path)


@pytest.mark.parametrize("own", [False, True])
def test_the_commands_result_is_kept_until_its_process_ends(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], own: bool
) -> None:
    """In the dedup command's own process (which leaves with os._exit) the
    run's result is kept rather than freed object by object when the check
    returns; --fix checks again, and then only the new result is kept. A
    library caller's results are never held."""
    import dedup
    from dedup import workflow
    from dedup.cli import main

    monkeypatch.setattr(dedup, "OWN_PROCESS", own)
    monkeypatch.setattr(workflow, "_KEPT", [])
    assert main(["check", "--select", "DUP", "-q", "-f", "json", *corpus]) == 1
    capsys.readouterr()
    if not own:
        assert workflow._KEPT == []
        return
    [first] = workflow._KEPT
    assert {f.rule for f in first.findings} == {"DUP001", "DUP002"}
    assert main(["check", "--select", "DUP", "-q", "--fix", *corpus]) == 1
    capsys.readouterr()
    [second] = workflow._KEPT
    assert second is not first
    assert {f.rule for f in second.findings} == {"DUP002"}  # the exact copies were fixed


def _spied_terminate(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Calls of ``Pool.terminate`` from now on (still carried out)."""
    from multiprocessing.pool import Pool

    calls: list[object] = []
    terminate = Pool.terminate

    def spy(pool: Pool) -> None:
        calls.append(pool)
        terminate(pool)

    monkeypatch.setattr(Pool, "terminate", spy)
    return calls


def test_an_error_mid_run_stops_the_workers_without_killing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in this process while the workers still have files: they
    skip the files left and leave, and the pool is closed and joined.
    ``Pool.terminate`` would kill workers that may be sending a result, and
    one killed while it holds the results queue's lock leaves the pool
    waiting forever (a CI run hung so)."""
    import multiprocessing

    from dedup.errors import DedupError
    from dedup.rules.registry import RuleSettings

    paths = _corpus(tmp_path, files=80)
    seen = tmp_path / "seen"
    seen.mkdir()
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    check_item = engine.check_item

    def slow(item: InputFile, job: engine.Job) -> engine.FileOutcome:
        (seen / Path(item.path).name).touch()
        time.sleep(0.1)
        outcome = check_item(item, job)
        return replace(outcome, size=outcome.size + 1) if item.path == paths[3] else outcome

    monkeypatch.setattr(engine, "check_item", slow)  # the forked workers inherit it
    terminated = _spied_terminate(monkeypatch)
    with pytest.raises(DedupError, match="file changed while dedup was running"):
        check_paths(paths, Settings(workers=2), RuleSettings())
    assert terminated == []
    assert multiprocessing.active_children() == []
    # The files queued behind the error were skipped, not checked.
    assert 4 <= len(list(seen.iterdir())) < len(paths) // 2


@pytest.mark.parametrize(("stuck", "quality"), [(False, False), (True, False), (False, True)])
def test_a_worker_that_dies_fails_the_run_instead_of_hanging(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch, stuck: bool, quality: bool
) -> None:
    """A worker killed mid-run (by the system, for want of memory, say):
    the pool would start another and wait forever for the lost result.
    The workers are killed, and ``Pool.terminate`` gets a few seconds to
    tidy up (``stuck``: it never returns, as when the dead worker held
    one of the pool's locks). ``quality``: in the quality pass of a split
    run, while this process clusters."""
    import multiprocessing
    import threading
    from multiprocessing.pool import Pool

    from dedup.errors import DedupError
    from dedup.rules.registry import RuleSettings

    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "WATCH_INTERVAL", 0.1)
    name = "check_item" if quality else "process_item"
    work = getattr(engine, name)

    def killed(item: InputFile, *args: object) -> engine.FileOutcome:
        if item.path == corpus[3]:
            os.kill(os.getpid(), signal.SIGKILL)
        return work(item, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(engine, name, killed)  # the forked workers inherit it
    if stuck:
        monkeypatch.setattr(engine, "TERMINATE_WAIT", 0.5)
        # Where terminate waits for the lock a dead worker held.
        monkeypatch.setattr(Pool, "_help_stuff_finish", staticmethod(lambda *a: threading.Event().wait()))
    with pytest.raises(DedupError, match=r"a worker process ended unexpectedly \(exit code -9"):
        check_paths(corpus, Settings(workers=2), RuleSettings() if quality else None)
    assert multiprocessing.active_children() == []


def test_the_next_pool_waits_for_a_failed_runs_clustering(
    corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A split run whose quality pass fails reports the error without
    waiting for its clustering thread; the next run forks its workers only
    once that thread is done (a fork copies the locks it holds as held)."""
    import multiprocessing

    from dedup import api
    from dedup.cluster import analyse
    from dedup.errors import DedupError
    from dedup.rules.registry import RuleSettings

    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    check_item = engine.check_item

    def grown(item: InputFile, job: engine.Job) -> engine.FileOutcome:
        outcome = check_item(item, job)
        return replace(outcome, size=outcome.size + 1) if item.path == corpus[0] else outcome

    clustering: list[str] = []

    def slow_analyse(*args: object, **kwargs: object) -> object:
        clustering.append("started")
        time.sleep(1.0)
        clustering.append("done")
        return analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_item", grown)
    monkeypatch.setattr(api, "analyse", slow_analyse)
    with pytest.raises(DedupError, match="file changed while dedup was running"):
        check_paths(corpus, Settings(workers=2), RuleSettings())
    assert clustering == ["started"]  # still at work

    forks_seen: list[list[str]] = []
    get_context = multiprocessing.get_context

    def watched(method: str | None = None) -> object:
        forks_seen.append(list(clustering))
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", watched)
    monkeypatch.setattr(engine, "check_item", check_item)
    check_paths(corpus, Settings(workers=2))
    assert forks_seen and forks_seen[0][-1] == "done"
