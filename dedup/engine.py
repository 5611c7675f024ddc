"""Engine: runs the per-file stages over many files, in-process or in workers.

Per file (streamed, one file in memory at a time per worker): read, decode,
segment, fingerprint into a :class:`~dedup.table.BlockTable`, and run the
selected quality rules. What comes back is plain arrays and a few findings;
the text is dropped. The global stages (:mod:`dedup.cluster`) then run on the
concatenated arrays and re-read only the blocks they need through
:class:`FileTexts`.

With quality rules and a worker pool the run is split (:class:`Run`): the
workers build every table first, then read each file again for the quality
rules, while the parent runs the global stages on the tables, so the two
overlap instead of following each other.

Determinism: files are processed in path order and results are collected in
that order (``Pool.imap`` keeps it), so any number of workers gives
byte-identical output. The compiled kernel (:mod:`dedup.kernels`) and the
reference implementation give identical tables (tested), so the choice of
path (by input size) never changes results either.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import numpy.typing as npt

from dedup.errors import DedupError
from dedup.interrupts import held_interrupt
from dedup.models import Block, Document, Finding
from dedup.rules.base import Rule
from dedup.rules.registry import RuleSettings, get_rule, selected_rules
from dedup.segment import effective_mode, segment, split_lines
from dedup.settings import Settings, worker_count
from dedup.sources import InputFile, check_raw, decode, read_raw
from dedup.table import BlockTable, LshParams, TableBlocks, table_from_blocks

if TYPE_CHECKING:
    from ctypes import c_byte
    from multiprocessing.pool import IMapIterator, Pool
    from multiprocessing.process import BaseProcess

# Below this much input, stay in-process on the reference path: no compiled
# kernels (whose first use builds them, dedup.jit), no worker start-up (a
# pre-commit hook on a few files stays instant).
KERNEL_MIN_BYTES = 1 << 20
POOL_MIN_BYTES = 8 << 20


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to process one file (picklable)."""

    settings: Settings
    params: LshParams
    rules: RuleSettings
    drop: tuple[str, ...] = ()
    use_kernel: bool = False
    #: The selected quality rules, built once per run (see :func:`make_job`).
    quality_rules: tuple[Rule, ...] = ()

    @property
    def quality(self) -> bool:
        return bool(self.quality_rules)


@dataclass(frozen=True)
class FileOutcome:
    """What processing one file gives: its table and quality findings, or an error."""

    item: InputFile
    size: int = 0
    table: BlockTable | None = None
    error: DedupError | None = None
    findings: tuple[Finding, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    #: Local ids of blocks a ``--drop`` rule flagged.
    drop_blocks: tuple[int, ...] = ()
    #: The bytes, kept only for inputs that cannot be re-read (stdin, texts).
    source: bytes | None = None


def _kernel_available() -> bool:
    try:
        import dedup.kernels  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a run builds its results.

    A large run makes millions of small objects that hold no cycles
    (clusters, members, findings, report items). The collector walks the
    young ones every 700 allocations and, now and then, every live object:
    it took a quarter of the clustering and findings stages at 100 MB
    (benchmarks/README.md, seventh session). Reference counting frees those
    objects as usual; the few cycles a run makes (about 1,200 objects over
    the 66 MB benchmark corpus, none per file) wait for the next collection.
    Worker processes forked meanwhile keep it paused for their (the run's)
    lifetime.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def make_job(
    settings: Settings,
    rules: RuleSettings,
    drop: Sequence[str],
    total_bytes: int,
) -> Job:
    params = LshParams.from_settings(settings)
    use_kernel = total_bytes >= KERNEL_MIN_BYTES and _kernel_available()
    quality_rules = tuple(r for r in selected_rules(rules) if not r.code.startswith("DUP"))
    return Job(settings, params, rules, tuple(drop), use_kernel, quality_rules)


def build(doc: Document, job: Job) -> tuple[BlockTable, list[Block] | None]:
    """The file's table, and its Block objects when they were needed anyway."""
    mode = effective_mode(job.settings.split, doc.path)
    if job.use_kernel and mode != "markdown":
        from dedup.kernels import build_table_fast

        return build_table_fast(doc, mode, job.params), None
    blocks = segment(doc, mode, 0, split_lines(doc))
    return table_from_blocks(blocks, job.params), blocks


def process_document(item: InputFile, doc: Document, job: Job, keep_source: bool) -> FileOutcome:
    table, blocks = build(doc, job)
    findings: tuple[Finding, ...] = ()
    metrics: dict[str, float] = {}
    drop_blocks: tuple[int, ...] = ()
    if job.quality:
        layout = TableBlocks(table, 0, doc) if blocks is None else blocks
        findings, metrics, drop_blocks = _quality(doc, layout, job)
    return FileOutcome(
        item,
        doc.size,
        table,
        None,
        findings,
        metrics,
        drop_blocks,
        doc.raw if keep_source else None,
    )


def _quality(
    doc: Document, blocks: Sequence[Block], job: Job
) -> tuple[tuple[Finding, ...], dict[str, float], tuple[int, ...]]:
    """The quality findings and metrics of one file, and the local ids of
    the blocks a ``--drop`` rule flagged."""
    from dedup.quality import check_document

    findings, metrics = check_document(doc, blocks, job.quality_rules, job.rules)
    drop_blocks: tuple[int, ...] = ()
    if job.drop:
        selection = RuleSettings(select=job.drop)
        table = blocks.table if isinstance(blocks, TableBlocks) else None
        spans = (
            zip(table.start.tolist(), table.stop.tolist(), strict=True)
            if table is not None
            else ((b.start, b.stop) for b in blocks)
        )
        by_span = {span: i for i, span in enumerate(spans)}
        flagged = {
            by_span[(f.start or 0, f.stop or 0)]
            for f in findings
            if f.fixable
            and selection.is_selected(get_rule(f.rule))
            and (f.start or 0, f.stop or 0) in by_span
        }
        drop_blocks = tuple(sorted(flagged))
    return tuple(findings), metrics, drop_blocks


def _layout(doc: Document, job: Job) -> Sequence[Block]:
    """The file's blocks as :func:`build` segments them, without the
    fingerprints (for the quality pass of a split run)."""
    mode = effective_mode(job.settings.split, doc.path)
    if job.use_kernel and mode != "markdown":
        from dedup.kernels import segment_table_fast

        return TableBlocks(segment_table_fast(doc, mode, job.params.bands), 0, doc)
    return segment(doc, mode, 0, split_lines(doc))


def check_item(item: InputFile, job: Job) -> FileOutcome:
    """Read ``item`` again and run the quality rules only: its outcome has
    no table, and the size read this time (the caller compares it with the
    first pass's)."""
    try:
        data = read_raw(item)
        check_raw(item.path, data)
        doc = decode(item.path, data)
        findings, metrics, drop_blocks = _quality(doc, _layout(doc, job), job)
    except DedupError as exc:
        return FileOutcome(item, error=exc)
    return FileOutcome(item, doc.size, None, None, findings, metrics, drop_blocks)


def check_batch(items: Sequence[InputFile], job: Job) -> list[FileOutcome]:
    return [check_item(item, job) for item in _until_stopped(items)]


def process_item(item: InputFile, job: Job, raw: bytes | None = None) -> FileOutcome:
    """Read (unless ``raw`` is given), decode and process one input."""
    try:
        if raw is None:
            data = read_raw(item)
            check_raw(item.path, data)
        else:
            data = raw  # in-memory text: an empty one simply has no paragraphs
        doc = decode(item.path, data)
        return process_document(item, doc, job, keep_source=raw is not None or item.path == "-")
    except DedupError as exc:
        return FileOutcome(item, error=exc)


def process_batch(items: Sequence[InputFile], job: Job) -> list[FileOutcome]:
    return [process_item(item, job) for item in _until_stopped(items)]


# In a pool worker: the run's shared stop flag (see _start_worker).
_stop_flag: c_byte | None = None


def _start_worker(stop: c_byte, mask: Iterable[signal.Signals]) -> None:
    """Pool initializer. Ctrl-C is the parent's to handle: it stops the run
    through ``stop`` (see :func:`_stop_pool`), so a worker never dies
    mid-task with a traceback, or while holding one of the pool's locks.
    The worker starts with SIGINT blocked; ignoring it drops one already
    sent, then ``mask`` (the parent's) is restored."""
    global _stop_flag
    _stop_flag = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _until_stopped(items: Iterable[InputFile]) -> Iterator[InputFile]:
    """``items``, until the parent stops the run (a worker then skips the
    rest of its tasks quickly)."""
    for item in items:
        if _stop_flag is not None and _stop_flag.value:
            return
        yield item


@dataclass(frozen=True)
class _Packed:
    """A batch's outcomes as a worker sends them: the tables joined into
    one (ten arrays, not ten per file: a batch of 2,000 small files took
    0.2 s to send), and each outcome's number of rows (-1 for an outcome
    without a table). The table itself is written to a file in ``spill``,
    when the run has such a directory, and ``table`` is None: 80 MB of
    tables through the pool's pipes kept each worker waiting 30-50 ms per
    batch while the parent read them; a file in the page cache is written
    and read in one copy each."""

    outcomes: list[FileOutcome]
    table: BlockTable | None
    rows: list[int]
    path: str = ""
    layout: tuple[tuple[str, tuple[int, ...]], ...] = ()


def process_packed(items: Sequence[InputFile], job: Job, spill: str = "") -> _Packed:
    outcomes = process_batch(items, job)
    tables = [o.table for o in outcomes if o.table is not None]
    rows = [len(o.table) if o.table is not None else -1 for o in outcomes]
    table = BlockTable.concatenate(tables, job.params.bands)
    stripped = [replace(o, table=None) for o in outcomes]
    if spill:
        arrays = [np.ascontiguousarray(getattr(table, name)) for name in BlockTable.__dataclass_fields__]
        name = ""
        try:
            with tempfile.NamedTemporaryFile(dir=spill, delete=False) as out:
                name = out.name
                for array in arrays:
                    if array.size:  # (an empty view cannot be cast to bytes)
                        out.write(array.data.cast("B"))
        except OSError:
            # No room there: through the pipe after all.
            if name:
                with contextlib.suppress(OSError):
                    os.unlink(name)
        else:
            layout = tuple((array.dtype.str, array.shape) for array in arrays)
            return _Packed(stripped, None, rows, name, layout)
    return _Packed(stripped, table, rows)


def _table_of(packed: _Packed) -> BlockTable:
    """The batch's table, read back (and its file removed) if it was spilled."""
    if packed.table is not None:
        return packed.table
    try:
        with open(packed.path, "rb") as file:
            # Mapped, not read: the pages are the file's, in the page cache,
            # with no copy; the final table is a copy of them anyway.
            size = os.fstat(file.fileno()).st_size
            data = (
                np.frombuffer(mmap.mmap(file.fileno(), size, access=mmap.ACCESS_READ), dtype=np.uint8)
                if size
                else np.zeros(0, dtype=np.uint8)
            )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(packed.path)
    arrays = []
    offset = 0
    for dtype, shape in packed.layout:
        size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        arrays.append(data[offset : offset + size].view(dtype).reshape(shape))
        offset += size
    return BlockTable(*arrays)


def _unpacked(packed: _Packed) -> Iterator[FileOutcome]:
    table = _table_of(packed)
    start = 0
    for outcome, rows in zip(packed.outcomes, packed.rows, strict=True):
        if rows < 0:
            yield outcome
        else:
            yield replace(outcome, table=table.rows(start, start + rows))
            start += rows


# Work is handed to the pool in batches of about total / (workers * this)
# bytes: small enough that the workers finish together (files differ in
# size a thousandfold), large enough that the per-task cost stays small.
BATCHES_PER_WORKER = 32
#: The same for the tables-only first pass of a split run.
TABLE_BATCHES_PER_WORKER = 6


def _batches(items: Sequence[InputFile], sizes: Sequence[int], target: int) -> list[list[InputFile]]:
    """Consecutive runs of ``items`` (of ``sizes`` bytes) of about ``target``
    bytes each (a larger file alone)."""
    batches: list[list[InputFile]] = []
    current: list[InputFile] = []
    size = 0
    for item, item_size in zip(items, sizes, strict=True):
        if current and size + item_size > target:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    return batches


#: How often (seconds) the parent, waiting for a worker's result, checks
#: that the workers are still alive.
WATCH_INTERVAL = 1.0


def _watched(results: IMapIterator[Any], workers: Sequence[BaseProcess]) -> Iterator[Any]:
    """``results`` of ``Pool.imap``, failing if a worker process dies: the
    pool would start another and wait forever for the lost task's result
    (a worker killed for want of memory, say)."""
    import multiprocessing

    while True:
        try:
            yield results.next(timeout=WATCH_INTERVAL)
        except StopIteration:
            return
        except multiprocessing.TimeoutError:
            if _died(workers):
                code = next(w.exitcode for w in workers if w.exitcode)
                raise DedupError(
                    f"a worker process ended unexpectedly (exit code {code}; "
                    "out of memory?); run again with fewer workers (-j)"
                ) from None


def _stop_pool(pool: Pool, stop: c_byte, workers: Sequence[BaseProcess], others: set[BaseProcess]) -> None:
    """Close ``pool`` and wait for its ``workers`` to leave, first asking
    them to skip whatever work is left (after an error or Ctrl-C here).
    ``others``: this process's children that are not the pool's.

    ``Pool.terminate`` kills workers that may be sending a result, and a
    worker killed while it holds the results queue's lock leaves the pool's
    threads, and so this process, waiting forever (CPython issues 96995 and
    73945; seen as a CI run that never ended). Only when waiting cannot
    end (a worker died: its task's result never comes, and ``Pool.join``
    would wait for it) or on a second Ctrl-C are the workers stopped by
    force (:func:`_force_stop`).
    """
    stop.value = 1
    pool.close()
    try:
        for worker in workers:
            while worker.exitcode is None and not _died(workers):
                worker.join(WATCH_INTERVAL)
        if _died(workers):
            _force_stop(pool, others)
        else:
            pool.join()
    except BaseException:
        _force_stop(pool, others)
        raise


def _died(workers: Sequence[BaseProcess]) -> bool:
    """Whether a worker ended other than by the pool's request."""
    return any(w.exitcode not in (None, 0) for w in workers)


#: How long (seconds) a forced stop lets ``Pool.terminate`` tidy up.
TERMINATE_WAIT = 10.0


def _force_stop(pool: Pool, others: set[BaseProcess]) -> None:
    """Stop the pool at once: ``Pool.terminate`` (in a thread of its own,
    as it may wait forever for a lock that a dead worker held: it gets
    :data:`TERMINATE_WAIT` seconds and then stays behind, asleep), then
    kill whatever workers are left (every child but ``others``)."""
    import multiprocessing
    import threading

    tidy = threading.Thread(target=pool.terminate, name="dedup-pool-terminate", daemon=True)
    tidy.start()
    tidy.join(TERMINATE_WAIT)
    left = [child for child in multiprocessing.active_children() if child not in others]
    for child in left:
        child.kill()
    for child in left:
        child.join(WATCH_INTERVAL)


class Run:
    """One run of the per-file stages over ``items`` (sorted by path;
    ``sizes``: their :func:`input_sizes`), used as a context manager.

    :meth:`outcomes` yields one outcome per item, in order. In a worker
    pool with quality rules the run is *split*: the workers first build
    every file's table (quick), then read each file again and run the
    quality rules (most of the work), while the caller runs the global
    duplicate stages on the tables; :meth:`outcomes` then carries tables
    only and :meth:`quality` yields the quality outcomes (no table, and
    the size read the second time). Both passes are queued on the pool at
    the start, so the workers never wait. Otherwise :meth:`outcomes`
    carries everything and :meth:`quality` yields nothing.
    """

    def __init__(
        self,
        items: Sequence[InputFile],
        job: Job,
        workers: int,
        sources: dict[str, bytes] | None = None,
        sizes: Sequence[int] | None = None,
    ) -> None:
        self.items = items
        self.job = job
        self.workers = worker_count(workers)
        self.sources = sources or {}
        self.sizes = input_sizes(items, self.sources) if sizes is None else sizes
        self.pooled = [
            (i, n)
            for i, n in zip(items, self.sizes, strict=True)
            if i.path not in self.sources and i.path != "-"
        ]
        self.use_pool = self.workers > 1 and len(self.pooled) > 1 and sum(self.sizes) >= POOL_MIN_BYTES
        self.split = self.use_pool and job.quality
        self._stack = contextlib.ExitStack()
        self._tables: Iterator[FileOutcome] | None = None
        self._checks: Iterator[FileOutcome] | None = None

    def __enter__(self) -> Run:
        if self.use_pool:
            try:
                self._start()
            except BaseException:  # an error or Ctrl-C while starting: stop what started
                self._stack.close()
                raise
        return self

    def _start(self) -> None:
        import multiprocessing

        from dedup.forked import settle

        settle()
        job = self.job
        if job.use_kernel:
            from dedup.kernels import warm_up

            with held_interrupt():  # (see there)
                warm_up(job.params)  # before the fork: workers inherit the loaded code
        context = multiprocessing.get_context("fork")
        # Where the workers leave their tables (see _Packed); removed with
        # the pool, whatever happens.
        spill = ""
        with contextlib.suppress(OSError):
            spill = tempfile.mkdtemp(prefix="dedup-tables-")
            self._stack.callback(shutil.rmtree, spill, ignore_errors=True)
        stop = context.RawValue("b", 0)
        before = set(multiprocessing.active_children())
        # Ctrl-C is held back while the workers start, so that none sees it
        # before it has handed Ctrl-C to this process (_start_worker).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pool = context.Pool(self.workers, initializer=_start_worker, initargs=(stop, mask))
            workers = [p for p in multiprocessing.active_children() if p not in before]
            self._stack.callback(_stop_pool, pool, stop, workers, before)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        items = [i for i, _ in self.pooled]
        sizes = [n for _, n in self.pooled]
        total = sum(self.sizes)
        batches = _batches(items, sizes, max(total // (self.workers * BATCHES_PER_WORKER), 1))
        first, tables_batches = job, batches
        if self.split:
            # The tables-only pass is quick: fewer, larger tasks spend less
            # on round trips, and a worker done early starts on the quality
            # tasks queued behind.
            tables_batches = _batches(
                items, sizes, max(total // (self.workers * TABLE_BATCHES_PER_WORKER), 1)
            )
            first = replace(job, quality_rules=(), drop=())
        tables = pool.imap(partial(process_packed, job=first, spill=spill), tables_batches)
        self._tables = (o for packed in _watched(tables, workers) for o in _unpacked(packed))
        if self.split:
            checks = pool.imap(partial(check_batch, job=job), batches)
            self._checks = (o for outcomes in _watched(checks, workers) for o in outcomes)
        if job.use_kernel and job.settings.near:
            from dedup.cluster import warm_up as warm_up_analysis

            # While the workers build the first tables (the tasks are queued).
            with held_interrupt():
                warm_up_analysis(job.params.bands)

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def outcomes(self) -> Iterator[FileOutcome]:
        for item in self.items:
            if self._tables is None or item.path in self.sources or item.path == "-":
                yield process_item(item, self.job, self.sources.get(item.path))
            else:
                yield next(self._tables)
        if not self.split:
            self._stack.close()  # the workers' memory is freed before the global stages

    def quality(self) -> Iterator[FileOutcome]:
        """The quality pass of a split run, one outcome per pooled item in
        order (see the class)."""
        if self._checks is not None:
            yield from self._checks
        self._stack.close()


def input_sizes(items: Iterable[InputFile], sources: dict[str, bytes]) -> list[int]:
    """Bytes of each input (0 for stdin and for a file that cannot be stat'ed:
    the worker that reads it reports the error)."""
    sizes = []
    for item in items:
        size = 0
        if item.path in sources:
            size = len(sources[item.path])
        elif item.path != "-":
            with contextlib.suppress(OSError):
                size = os.path.getsize(item.path)
        sizes.append(size)
    return sizes


# Spans of a file less than READ_GAP apart are read together (FileTexts), in
# reads of at most READ_LIMIT bytes (or one span, if longer).
READ_GAP = 1 << 13
READ_LIMIT = 1 << 23


class FileTexts:
    """Block texts by global id, re-read from the files (or kept sources)."""

    def __init__(
        self, outcomes: Sequence[FileOutcome], offsets: npt.NDArray[np.int64], table: BlockTable
    ) -> None:
        self.outcomes = outcomes
        self.offsets = offsets
        self.table = table

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        wanted = np.array(sorted(ids), dtype=np.int64)
        if len(wanted) == 0:
            return {}
        files = np.searchsorted(self.offsets, wanted, side="right") - 1
        boundaries = np.flatnonzero(np.diff(files)) + 1
        out: dict[int, str] = {}
        for group in np.split(wanted, boundaries):
            file_index = int(files[np.searchsorted(wanted, group[0])])
            starts = self.table.start[group].tolist()
            stops = self.table.stop[group].tolist()
            spans = self._read_spans(file_index, starts, stops)
            try:
                out.update(zip(group.tolist(), (span.decode("utf-8") for span in spans), strict=True))
            except UnicodeDecodeError:
                raise self._changed(file_index) from None
        return out

    def _changed(self, file_index: int) -> DedupError:
        return DedupError(
            "file changed while dedup was running; run again", self.outcomes[file_index].item.path
        )

    def _read_spans(self, file_index: int, starts: list[int], stops: list[int]) -> list[bytes]:
        """The bytes of these spans (increasing, not overlapping) of one file.

        Kept sources are sliced. Files are read span by span (seek and read),
        near spans together (a gap below READ_GAP is read and dropped, a read
        holds at most READ_LIMIT bytes), so a few paragraphs of a large file
        cost a few reads, not the file, and no read needs the file in memory.
        """
        outcome = self.outcomes[file_index]
        if outcome.source is not None:
            return [outcome.source[a:b] for a, b in zip(starts, stops, strict=True)]
        path = outcome.item.path
        try:
            with open(path, "rb", buffering=0) as file:
                if os.fstat(file.fileno()).st_size != outcome.size:
                    raise self._changed(file_index)
                spans: list[bytes] = []
                first = 0
                while first < len(starts):
                    last = first
                    base = starts[first]
                    while (
                        last + 1 < len(starts)
                        and starts[last + 1] - stops[last] < READ_GAP
                        and stops[last + 1] - base <= READ_LIMIT
                    ):
                        last += 1
                    file.seek(base)
                    data = _read_exactly(file, stops[last] - base)
                    if data is None:
                        raise self._changed(file_index)
                    spans.extend(
                        data[a - base : b - base]
                        for a, b in zip(starts[first : last + 1], stops[first : last + 1], strict=True)
                    )
                    first = last + 1
                return spans
        except OSError as exc:
            raise DedupError(f"cannot re-read: {exc.strerror or exc}", path) from None


def _read_exactly(file: BinaryIO, size: int) -> bytes | None:
    """``size`` bytes from the file's position, or None at the end of the file first."""
    parts = []
    while size > 0:
        part = file.read(size)
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)
