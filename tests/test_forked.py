"""Work shared with a forked child (dedup.forked) and the clustering that uses it."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup import cluster
from dedup.api import check_texts
from dedup.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

sys.path.insert(0, str(Path(__file__).parent))
from test_candidates_verify import _family_corpus  # noqa: E402


@pytest.fixture
def own_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """As in the dedup command's process; temporary files go to ``tmp_path``."""
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _count_forks(monkeypatch: pytest.MonkeyPatch, fail: bool) -> list[int]:
    """Count the forks from now on (a list that grows); with ``fail``, every
    forked child exits at once with an error."""
    forks: list[int] = []
    fork = os.fork

    def counted_fork() -> int:
        forks.append(1)
        pid = fork()
        if pid == 0 and fail:
            os._exit(3)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    return forks


def test_only_the_commands_process_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dedup, "OWN_PROCESS", False)
    assert not can_fork()
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    assert can_fork()


def test_a_fork_waits_for_work_left_running_in_a_thread(own_process: Path) -> None:
    """Work left running by a failed run (dedup.forked.leave_running) is
    done before the child is forked: the child sees its result, and no lock
    that thread held."""
    from concurrent.futures import ThreadPoolExecutor

    from dedup.forked import leave_running

    state = ["started"]

    def work() -> None:
        time.sleep(0.5)
        state.append("done")

    thread = ThreadPoolExecutor(1)
    leave_running(thread.submit(work))
    thread.shutdown(wait=False)
    with Forked(lambda: list(state)) as forked:
        assert forked.result() == ["started", "done"]


def test_the_childs_result_comes_back(own_process: Path) -> None:
    parent = os.getpid()
    with Forked(lambda: (os.getpid(), [1, 2, 3])) as forked:
        pid, value = forked.result()
    assert pid != parent and value == [1, 2, 3]
    assert list(own_process.iterdir()) == []


def test_a_failed_child_is_replaced_by_this_process(own_process: Path) -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return 42

    with Forked(work) as forked:
        assert forked.result() == 42
    assert list(own_process.iterdir()) == []


def test_leaving_early_stops_the_child_and_removes_its_file(own_process: Path) -> None:
    with pytest.raises(KeyboardInterrupt), Forked(lambda: time.sleep(60)) as forked:
        child = forked.pid
        assert child > 0 and len(list(own_process.iterdir())) == 1
        raise KeyboardInterrupt
    assert list(own_process.iterdir()) == []
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped


@pytest.mark.parametrize("fail", [False, True])
def test_clustering_shared_with_a_child_gives_the_same_clusters(
    own_process: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    """The command's process shares the clustering of the large components
    with a forked child, a part at a time: the clusters and findings are
    those of one process, also when the child fails and this process does
    the parts it took."""
    texts = _family_corpus()
    monkeypatch.setattr(dedup, "OWN_PROCESS", False)
    alone = check_texts(texts)
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    monkeypatch.setattr(cluster, "PARALLEL_CLUSTERING", 1)
    forks = _count_forks(monkeypatch, fail)
    parent = os.getpid()
    shared = check_texts(texts)
    assert os.getpid() == parent
    assert forks == [1]
    assert shared.clusters == alone.clusters
    assert shared.findings == alone.findings
    assert sum(len(c.members) > 3 for c in alone.clusters) >= 2
    assert list(own_process.iterdir()) == []


def _slow_part(k: int) -> tuple[int, int]:
    time.sleep(0.05)
    return k * k, os.getpid()


def test_parts_shared_out_come_back_in_order_from_both_processes(own_process: Path) -> None:
    """share_out hands the parts to whichever process is free: with parts
    that take a while, both do some, and the results are in part order."""
    from dedup.forked import share_out

    results = share_out(_slow_part, 12)
    assert [value for value, _ in results] == [k * k for k in range(12)]
    assert {pid for _, pid in results} - {os.getpid()}  # the child did some
    assert os.getpid() in {pid for _, pid in results}  # and so did this process
    assert list(own_process.iterdir()) == []


def test_parts_a_failed_child_took_are_done_here(own_process: Path) -> None:
    """A child that dies with parts in hand: this process does them."""
    from dedup.forked import share_out

    parent = os.getpid()

    def dies_in_the_child(k: int) -> int:
        if os.getpid() != parent:
            os._exit(4)  # the child's first part kills it
        time.sleep(0.05)
        return k + 100

    assert share_out(dies_in_the_child, 6) == [k + 100 for k in range(6)]
    assert list(own_process.iterdir()) == []


def test_parts_without_a_child(own_process: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that cannot start takes nothing; one part needs no child."""
    from dedup.forked import share_out

    forks = _count_forks(monkeypatch, fail=True)
    assert share_out(lambda k: -k, 5) == [0, -1, -2, -3, -4]
    assert forks == [1]
    assert share_out(lambda k: k, 1) == [0]
    assert share_out(lambda k: k, 0) == []
    assert forks == [1]


@pytest.mark.parametrize("fail", [False, True])
def test_verification_shared_with_a_child_gives_the_same_clusters(
    own_process: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    """The command's process verifies the candidate pairs with a forked
    child, a part at a time, each part reading and tokenising its texts:
    the clusters and findings are those of one process, also when the child
    fails and this process verifies its half."""
    texts = _family_corpus()
    monkeypatch.setattr(dedup, "OWN_PROCESS", False)
    alone = check_texts(texts)
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    monkeypatch.setattr(cluster, "PARALLEL_VERIFICATION", 1)
    read: list[int] = []
    verified = cluster.verify_pairs

    def counted(pairs: object, texts: dict[int, str], *args: object, **kwargs: object) -> object:
        read.append(len(texts))
        return verified(pairs, texts, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cluster, "verify_pairs", counted)
    forks = _count_forks(monkeypatch, fail)
    shared = check_texts(texts)
    assert forks == [1]
    # This process verified the parts it took, each with its own texts (all
    # of them if the child failed).
    parts = cluster.VERIFICATION_PARTS
    assert len(read) == parts if fail else 1 <= len(read) <= parts
    assert shared.clusters == alone.clusters
    assert shared.findings == alone.findings
    assert len(alone.clusters) >= 10
    assert list(own_process.iterdir()) == []


@pytest.mark.parametrize("fail", [False, True])
def test_template_checks_shared_with_a_child_give_the_same_answers(
    own_process: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    """Verification checks the pairs it accepts below SLOT_SIMILARITY for
    filled-in templates; in the command's process half of them in a forked
    child. The similarities are those of one process (also when the child
    fails), templates among them."""
    import numpy as np

    from dedup.verify import TEMPLATE

    corpus = _family_corpus()
    names = list(corpus)
    texts = dict(enumerate(corpus.values()))
    # The fixture's pairs of template fillings and of lightly edited copies.
    pairs = np.array(
        [
            (k, names.index(name[:-6] + "-b.txt"))
            for k, name in enumerate(names)
            if name.endswith("-a.txt") and name.startswith(("tpl-", "pos-"))
        ],
        dtype=np.int64,
    )
    monkeypatch.setattr(dedup, "OWN_PROCESS", False)
    alone = cluster.verify_pairs(pairs, texts, 0.87, kernel_min=0)
    assert (alone == TEMPLATE).sum() >= 1 and ((alone >= 0.87) & (alone < 0.92)).sum() >= 20
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    monkeypatch.setattr(cluster, "PARALLEL_TEMPLATE_CHECKS", 1)
    forks = _count_forks(monkeypatch, fail)
    shared = cluster.verify_pairs(pairs, texts, 0.87, kernel_min=0)
    assert forks == [1]
    assert np.array_equal(shared, alone)
    assert list(own_process.iterdir()) == []


@pytest.mark.parametrize("quality", [False, True])
def test_no_helper_while_the_quality_pass_keeps_the_cores_busy(
    own_process: Path, monkeypatch: pytest.MonkeyPatch, quality: bool
) -> None:
    """A pooled run with quality rules clusters while the workers run the
    rules (a split run): the command forks no helper then (it would compete
    with the workers, and the pages this process writes meanwhile would be
    copied). A duplicates-only pooled run does fork one."""
    from dedup import engine
    from dedup.api import DUPLICATES_ONLY, check_paths
    from dedup.rules.registry import RuleSettings
    from dedup.settings import Settings

    paths = []
    for name, text in _family_corpus().items():
        (own_process / name).write_text(text, encoding="utf-8")
        paths.append(str(own_process / name))
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(cluster, "PARALLEL_CLUSTERING", 1)
    started: list[int] = []
    shared = cluster.share_out

    def counted(work: object, count: int) -> object:
        started.append(1)
        return shared(work, count)  # type: ignore[arg-type]

    monkeypatch.setattr(cluster, "share_out", counted)
    rules = RuleSettings() if quality else DUPLICATES_ONLY
    result = check_paths(paths, Settings(workers=2), rules)
    assert result.clusters
    assert started == ([] if quality else [1])
    for path in paths:
        os.unlink(path)
    assert list(own_process.iterdir()) == []


@pytest.mark.parametrize(("fail", "quality"), [(False, False), (True, False), (False, True), (True, True)])
def test_json_written_with_a_child_is_the_same_text(
    own_process: Path, monkeypatch: pytest.MonkeyPatch, fail: bool, quality: bool
) -> None:
    """The command writes the second half of a long JSON array (findings,
    clusters, errors) in a forked child: the report is the text one process
    writes, also when the child fails and this process writes that half;
    no temporary file is left. With quality rules, the findings array
    interleaves duplicates written from their columns and quality findings."""
    from dedup import report
    from dedup.duplicate_findings import DuplicateFindings, MergedFindings
    from dedup.rules.registry import RuleSettings

    texts = {f"d{i:02d}.txt": f"Paragraph {i % 7} of the corpus, written once or more.\n" for i in range(40)}
    texts.update({f"e{i}.txt": b"\xff\xfe bad" for i in range(3)})  # three errors
    result = check_texts(texts, rules=RuleSettings() if quality else None)
    assert len(result.findings) > 30 and len(result.clusters) == 7 and len(result.errors) == 3
    assert isinstance(result.findings, MergedFindings if quality else DuplicateFindings)
    monkeypatch.setattr(dedup, "OWN_PROCESS", False)
    alone = report.render_json(result)
    monkeypatch.setattr(dedup, "OWN_PROCESS", True)
    monkeypatch.setattr(report, "PARALLEL_JSON_ITEMS", 2)
    forks = _count_forks(monkeypatch, fail)
    parent = os.getpid()
    shared = report.render_json(result)
    assert os.getpid() == parent
    assert forks == [1, 1, 1]  # one child per array
    assert shared == alone
    assert list(own_process.iterdir()) == []


@settings(max_examples=100, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(
            st.booleans(),
            st.lists(st.tuples(st.integers(0, 10**9), st.floats(0.0, 1.0)), min_size=1, max_size=5),
        ),
        max_size=8,
    )
)
def test_clusters_handed_back_as_arrays_are_the_same(
    shapes: list[tuple[bool, list[tuple[int, float]]]],
) -> None:
    """The clusters a child hands back as arrays (cluster.ClusterColumns)
    are made again equal: ids, kept copy or none, members in order with
    their similarities."""
    from dedup.cluster import Cluster, ClusterColumns, Member

    clusters = [
        Cluster(f"C{k:010x}", members[0][0] if kept else None, tuple(Member(b, s) for b, s in members))
        for k, (kept, members) in enumerate(shapes)
    ]
    assert ClusterColumns.of(clusters).clusters() == clusters
