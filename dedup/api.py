"""The library API: every CLI command is a thin layer over these functions.

>>> from dedup.api import check_texts, clean
>>> result = check_texts({"a.txt": "Same paragraph here, four words.\\n\\nSame paragraph here, four words.\\n"})
>>> [(f.rule, f.line, f.duplicate_of.line) for f in result.findings]
[('DUP001', 3, 1)]
>>> clean(result).changes[0].cleaned.decode()
'Same paragraph here, four words.\\n'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from dedup.cluster import Analysis, Cluster, analyse
from dedup.duplicate_findings import SEVERITY, merged
from dedup.engine import FileOutcome, FileTexts, Run, input_sizes, make_job, paused_gc
from dedup.errors import DedupError
from dedup.models import Block, Document, Finding, Line, Location
from dedup.quality import QualityResult
from dedup.rewrite import clean_bytes, deleted_lines, unified_diff
from dedup.rules.registry import RuleSettings, get_rule
from dedup.segment import segment, split_lines
from dedup.settings import Settings
from dedup.sources import InputFile, decode, read_raw
from dedup.table import BlockTable

#: The default of the library functions: duplicate rules only (the CLI
#: selects every rule by default).
DUPLICATES_ONLY = RuleSettings(select=("DUP",))


@dataclass(frozen=True)
class FileResult:
    """One input that was read: where its blocks are in the run's table.

    The document, its lines and its blocks are loaded on first use (from the
    kept bytes for stdin and in-memory texts, else by re-reading the file).
    """

    item: InputFile
    size: int
    offset: int  # global id of the first block
    table: BlockTable = field(repr=False)
    source: bytes | None = field(default=None, repr=False)
    index: int = 0

    @property
    def path(self) -> str:
        return self.item.path

    def raw(self) -> bytes:
        """The file's bytes (re-read; not cached)."""
        raw = self.source if self.source is not None else read_raw(self.item)
        if len(raw) != self.size:
            raise DedupError("file changed while dedup was running; run again", self.path)
        return raw

    def read_span(self, start: int, stop: int) -> bytes:
        """Bytes ``start:stop`` of the file, without reading all of it."""
        if self.source is not None:
            return self.source[start:stop]
        try:
            with open(self.item.path, "rb") as handle:
                handle.seek(start)
                return handle.read(stop - start)
        except OSError as exc:
            raise DedupError(f"cannot re-read: {exc.strerror or exc}", self.path) from None

    def release(self) -> None:
        """Forget the loaded document, lines and blocks (they reload on use)."""
        for name in ("doc", "lines", "blocks"):
            self.__dict__.pop(name, None)

    @cached_property
    def doc(self) -> Document:
        return decode(self.path, self.raw())

    @cached_property
    def lines(self) -> list[Line]:
        return split_lines(self.doc)

    @cached_property
    def blocks(self) -> list[Block]:
        return self.table.blocks(self.index, self.doc)


@dataclass(frozen=True)
class Summary:
    files: int
    paragraphs: int
    bytes: int
    duplicate_paragraphs: int
    duplicate_bytes: int
    clusters: int
    errors: int
    context_files: int = 0

    @property
    def duplicate_percent(self) -> float:
        return 100.0 * self.duplicate_bytes / self.bytes if self.bytes else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "paragraphs": self.paragraphs,
            "bytes": self.bytes,
            "duplicate_paragraphs": self.duplicate_paragraphs,
            "duplicate_bytes": self.duplicate_bytes,
            "duplicate_percent": round(self.duplicate_percent, 2),
            "clusters": self.clusters,
            "errors": self.errors,
            "context_files": self.context_files,
        }


@dataclass
class Result:
    """Everything one run found, in a deterministic order.

    ``focus`` (the paths of the files being checked, ``None`` = all files)
    is set when other files were read only as context (``--repo-context``):
    findings, clusters and the summary then cover the focus files only, and
    ``files`` still lists every file read. ``suppressed`` findings (accepted
    by a baseline) are left out of ``findings``.
    """

    settings: Settings
    files: list[FileResult]
    errors: list[DedupError]
    analysis: Analysis
    table: BlockTable = field(repr=False)
    doc_of: npt.NDArray[np.int64] = field(repr=False)
    rules: RuleSettings = DUPLICATES_ONLY
    quality: QualityResult = field(default_factory=QualityResult)
    #: Global ids of blocks dropped because a ``--drop`` rule flagged them.
    quality_dropped: frozenset[int] = frozenset()
    #: The ``drop`` selectors this result was made with.
    drop: tuple[str, ...] = ()
    focus: frozenset[str] | None = None
    suppressed: frozenset[Finding] = frozenset()

    @property
    def checked_files(self) -> list[FileResult]:
        """The files findings are reported for (all files without a focus)."""
        if self.focus is None:
            return self.files
        return [f for f in self.files if f.path in self.focus]

    @cached_property
    def findings(self) -> Sequence[Finding]:
        """Duplicate and quality findings, selected and with severities resolved.

        Computed once per Result (a report reads it several times); results
        are not mutated after they are built (``replace`` makes a new one).
        """
        duplicates = self.analysis.findings.selected(
            {
                code: self.rules.severity_of(rule)
                for code in SEVERITY
                if self.rules.is_selected(rule := get_rule(code))
            }
        )
        quality = self.quality.findings
        if self.focus is not None:  # (the analysis holds the focus files' findings only)
            quality = [f for f in quality if f.path in self.focus]
        # Both lists come sorted; merged without making the duplicates objects.
        found = merged(duplicates, quality)
        if self.suppressed:
            found = [f for f in found if f not in self.suppressed]
        return found

    @property
    def clusters(self) -> list[Cluster]:
        if not self.suppressed:
            return self.analysis.clusters
        remaining = {f.cluster for f in self.findings}
        return [c for c in self.analysis.clusters if c.id in remaining]

    def location(self, block: int) -> Location:
        """Where global block ``block`` is."""
        path = self.files[int(self.doc_of[block])].path
        return Location(path, int(self.table.first_line[block]), int(self.table.last_line[block]))

    def locations(self, blocks: Sequence[int]) -> list[tuple[str, int, int]]:
        """:meth:`location` of many blocks at once, as ``(path, line, end_line)``."""
        ids = np.asarray(blocks, dtype=np.int64)
        docs = self.doc_of[ids].tolist()
        firsts = self.table.first_line[ids].tolist()
        lasts = self.table.last_line[ids].tolist()
        return [(self.files[d].path, a, b) for d, a, b in zip(docs, firsts, lasts, strict=True)]

    def block_text(self, block: int) -> str:
        """The block's text (lines joined with "\\n"), read from its file."""
        file = self.files[int(self.doc_of[block])]
        data = file.read_span(int(self.table.start[block]), int(self.table.stop[block]))
        try:
            return "\n".join(line.decode("utf-8") for line in data.splitlines())
        except UnicodeDecodeError:
            raise DedupError("file changed while dedup was running; run again", file.path) from None

    def dropped_blocks(self, file: FileResult) -> list[Block]:
        dropped = self.analysis.dropped | self.quality_dropped
        n = len(file.table)
        if not any(file.offset <= b < file.offset + n for b in dropped):
            return []
        return [b for b in file.blocks if file.offset + b.index in dropped]

    def deletions(self, file: FileResult) -> list[bool]:
        dropped = self.dropped_blocks(file)
        if not dropped:
            return [False] * len(file.lines)
        return deleted_lines(file.lines, dropped)

    @property
    def summary(self) -> Summary:
        dropped = np.array(sorted(self.analysis.dropped), dtype=np.int64)
        checked = self.checked_files
        if len(dropped) and (self.focus is not None or self.suppressed):
            # Count only the checked files' duplicates, less those a baseline accepted.
            paths = [f.path for f in self.files]
            focus = {f.path for f in checked}
            accepted = {(f.path, f.start, f.stop) for f in self.suppressed if f.cluster is not None}
            keep = [
                paths[int(self.doc_of[b])] in focus
                and (paths[int(self.doc_of[b])], int(self.table.start[b]), int(self.table.stop[b]))
                not in accepted
                for b in dropped.tolist()
            ]
            dropped = dropped[np.array(keep, dtype=bool)]
        sizes = self.table.stop[dropped] - self.table.start[dropped] if len(dropped) else np.zeros(0)
        return Summary(
            files=len(checked),
            paragraphs=sum(len(f.table) for f in checked),
            bytes=sum(f.size for f in checked),
            duplicate_paragraphs=len(dropped),
            duplicate_bytes=int(sizes.sum()),
            clusters=len(self.clusters),
            errors=len(self.errors),
            context_files=len(self.files) - len(checked),
        )


#: Called after each input with (outcome, inputs done, inputs in total).
Progress = Callable[[FileOutcome, int, int], None]


def _run(
    items: Sequence[InputFile],
    errors: list[DedupError],
    settings: Settings,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
    sources: dict[str, bytes] | None = None,
    progress: Progress | None = None,
    context: Sequence[InputFile] = (),
) -> Result:
    rules = rules or DUPLICATES_ONLY
    sources = sources or {}
    # Context files come first, so with keep=first their copies are the kept
    # ones and the focus files' copies are reported.
    ordered = sorted(context, key=lambda item: item.path) + sorted(items, key=lambda item: item.path)
    context_paths = {item.path for item in context}
    sizes = input_sizes(ordered, sources)
    job = make_job(settings, rules, drop, sum(sizes))
    with paused_gc(), Run(ordered, job, settings.workers, sources, sizes) as running:
        return _collect(running, items, errors, settings, rules, drop, progress, context, context_paths)


def _collect(
    running: Run,
    items: Sequence[InputFile],
    errors: list[DedupError],
    settings: Settings,
    rules: RuleSettings,
    drop: Sequence[str],
    progress: Progress | None,
    context: Sequence[InputFile],
    context_paths: set[str],
) -> Result:
    job = running.job
    total = len(running.items)
    outcomes: list[FileOutcome] = []
    errors = list(errors)
    for done, outcome in enumerate(running.outcomes(), start=1):
        if progress is not None and not running.split:
            progress(outcome, done, total)
        if outcome.error is not None:
            if outcome.item.path not in context_paths:  # unreadable context is skipped
                errors.append(outcome.error)
        else:
            outcomes.append(outcome)
    tables = [o.table for o in outcomes if o.table is not None]
    table = BlockTable.concatenate(tables, job.params.bands)
    lengths = np.array([len(t) for t in tables], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if len(tables) else lengths
    doc_of = np.repeat(np.arange(len(tables), dtype=np.int64), lengths)
    del tables
    # Per-file tables become views of the run's table, so the arrays are held once.
    outcomes = [replace(o, table=None) for o in outcomes]
    files = [
        FileResult(
            o.item,
            o.size,
            int(offsets[i]),
            table.rows(int(offsets[i]), int(offsets[i] + lengths[i])),
            o.source,
            i,
        )
        for i, o in enumerate(outcomes)
    ]
    paths = [f.path for f in files]
    texts = FileTexts(outcomes, offsets, table)
    if running.split:
        # The workers run the quality rules while this process clusters.
        from concurrent.futures import Future, ThreadPoolExecutor

        thread = ThreadPoolExecutor(1)
        clustering: Future[Analysis] | None = None  # (a Ctrl-C can come before submit returns)
        try:
            clustering = thread.submit(analyse, table, doc_of, paths, settings, texts, share=False)
            outcomes = _add_quality(outcomes, running, files, progress)
            analysis = clustering.result()
        finally:
            # On an error or Ctrl-C in the quality pass, do not wait for the
            # clustering (a minute on a large corpus) before reporting it;
            # the next run's workers are not forked before it is done.
            thread.shutdown(wait=False)
            if clustering is not None and not clustering.done():
                from dedup.forked import leave_running

                leave_running(clustering)
    else:
        analysis = analyse(table, doc_of, paths, settings, texts)
    quality = QualityResult()
    quality_dropped: set[int] = set()
    for i, o in enumerate(outcomes):
        quality.findings.extend(o.findings)
        if o.metrics:
            quality.metrics[o.item.path] = o.metrics
        quality_dropped.update(int(offsets[i]) + b for b in o.drop_blocks)
    quality.findings.sort(key=Finding.sort_key)
    errors.sort(key=lambda e: (e.path or "", e.message))
    focus: frozenset[str] | None = None
    if context:
        focus = frozenset(item.path for item in items)
        focus_docs = {i for i, f in enumerate(files) if f.path in focus}
        in_focus = np.zeros(len(files), dtype=np.bool_)
        in_focus[sorted(focus_docs)] = True
        kept_findings = analysis.findings.where(in_focus[doc_of[analysis.findings.block]])
        cluster_ids = {kept_findings.cluster_ids[c] for c in set(kept_findings.cluster.tolist())}
        analysis = replace(
            analysis,
            clusters=[c for c in analysis.clusters if c.id in cluster_ids],
            findings=kept_findings,
            dropped=frozenset(b for b in analysis.dropped if int(doc_of[b]) in focus_docs),
        )
        quality_dropped = {b for b in quality_dropped if int(doc_of[b]) in focus_docs}
    return Result(
        settings,
        files,
        errors,
        analysis,
        table,
        doc_of,
        rules,
        quality,
        frozenset(quality_dropped),
        tuple(drop),
        focus,
    )


def _add_quality(
    outcomes: list[FileOutcome], running: Run, files: list[FileResult], progress: Progress | None
) -> list[FileOutcome]:
    """``outcomes`` (tables only, from the first pass of a split run) with
    the findings of the quality pass (:meth:`Run.quality`, which also has
    the files whose first pass failed, and nothing for the inputs that
    this process handled whole, such as stdin)."""
    index = {o.item.path: i for i, o in enumerate(outcomes)}
    merged = list(outcomes)
    total = len(running.items)
    done = total - len(running.pooled)
    for outcome in running.quality():
        done += 1
        i = index.get(outcome.item.path)
        if i is None:
            continue  # the first pass already reported this file's error
        first = outcomes[i]
        if outcome.error is not None:
            raise DedupError(f"cannot re-read: {outcome.error.message}", first.item.path)
        if outcome.size != first.size:
            raise DedupError("file changed while dedup was running; run again", first.item.path)
        merged[i] = replace(
            first, findings=outcome.findings, metrics=outcome.metrics, drop_blocks=outcome.drop_blocks
        )
        if progress is not None:
            progress(replace(merged[i], table=files[i].table), done, total)
    return merged


def check_inputs(
    items: Iterable[InputFile],
    settings: Settings | None = None,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
    *,
    errors: Iterable[DedupError] = (),
    context: Iterable[InputFile] = (),
    progress: Progress | None = None,
) -> Result:
    """Check discovered files (:func:`dedup.discovery.discover`).

    ``context`` files are read too, and duplicates between them and
    ``items`` are found, but only ``items`` get findings (what the
    pre-commit hooks do with the staged files and the rest of the
    repository). Context files that cannot be read are skipped silently.
    """
    settings = settings or Settings()
    return _run(list(items), list(errors), settings, rules, drop, progress=progress, context=list(context))


def check_paths(
    paths: Iterable[str],
    settings: Settings | None = None,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
    progress: Progress | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> Result:
    """Read files and directories (``-`` = stdin) and find duplicates.

    Directories are walked with the include/exclude globs and .gitignore
    (:mod:`dedup.discovery`); exclude patterns are relative to ``root``
    (default: the current directory). Problems with single inputs are
    collected in ``Result.errors``; the other inputs are still processed. ``rules`` selects the quality rules (default:
    the duplicate rules only); ``drop`` names paragraph-scope rules whose
    paragraphs :func:`clean` removes, like duplicates. ``progress`` is called
    once per input as it is processed.
    """
    from dedup.discovery import discover

    settings = settings or Settings()
    found = discover(list(paths), settings, root)
    return _run(found.files, found.errors, settings, rules, drop, progress=progress)


def check_texts(
    texts: Mapping[str, str | bytes],
    settings: Settings | None = None,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
) -> Result:
    """Like :func:`check_paths` for in-memory texts keyed by a name."""
    settings = settings or Settings()
    sources = {name: text.encode("utf-8") if isinstance(text, str) else text for name, text in texts.items()}
    items = [InputFile(name, name, name) for name in sources]
    return _run(items, [], settings, rules, drop, sources)


@dataclass(frozen=True)
class FileChange:
    """What cleaning does to one file: its deleted lines, bytes and diff.

    ``mask`` marks the deleted lines (``None``: the file is unchanged). The
    bytes and the diff are computed when asked for, so a run over many files
    holds one file's text at a time.
    """

    file: FileResult
    mask: tuple[bool, ...] | None

    @property
    def changed(self) -> bool:
        return self.mask is not None and any(self.mask)

    @property
    def delete(self) -> list[bool]:
        return list(self.mask) if self.mask is not None else [False] * len(self.file.lines)

    @property
    def cleaned(self) -> bytes:
        if not self.changed:
            return self.file.raw()
        return clean_bytes(self.file.doc, self.file.lines, self.delete)

    @property
    def diff(self) -> bytes:
        if not self.changed:
            return b""
        return unified_diff(self.file.doc, self.file.lines, self.delete, self.file.path)


@dataclass(frozen=True)
class Cleaning:
    """The outcome of :func:`clean`: per-file changes and every finding acted on.

    ``findings`` holds the findings of every round, with line numbers of the
    original files; ``rounds`` is how many analyses it took to reach a
    fixpoint (1 in the common case).
    """

    changes: list[FileChange]
    findings: list[Finding]
    rounds: int


def clean(result: Result, max_rounds: int = 5) -> Cleaning:
    """Remove every dropped block, repeating until the output is stable.

    Removing a paragraph can change how ``auto`` mode cuts its neighbours (the
    evidence it reads, such as the longest line of a group, changes). Like a
    linter's fix loop, cleaning re-analyses the cleaned text while that
    happens, so that cleaning a cleaned file changes nothing. Kept bytes are
    always the input's bytes, and findings keep the original line numbers.
    """
    files = result.files
    dropped = result.analysis.dropped | result.quality_dropped
    touched = sorted({int(result.doc_of[b]) for b in dropped})
    # Only files that lose a block are loaded; the others stay on disk.
    masks: dict[int, list[bool]] = {i: result.deletions(files[i]) for i in touched}
    findings = list(result.findings)
    # Per touched file: each block as the tuple of its original line numbers,
    # and whether it is dropped.
    layout = {i: [tuple(range(b.first_line, b.last_line + 1)) for b in files[i].blocks] for i in touched}
    flags = {i: [files[i].offset + b.index in dropped for b in files[i].blocks] for i in touched}
    index = {f.path: i for i, f in enumerate(files)}
    rounds = 1
    while rounds < max_rounds:
        stable = True
        cleaned_docs: dict[int, Document] = {}
        kept_lines: dict[int, list[int]] = {}
        for i, mask in masks.items():
            kept = [n for n, gone in enumerate(mask) if not gone]
            kept_lines[i] = kept
            doc = decode(files[i].path, clean_bytes(files[i].doc, files[i].lines, mask))
            cleaned_docs[i] = doc
            expected = [t for t, gone in zip(layout[i], flags[i], strict=True) if not gone]
            actual = [
                tuple(kept[n - 1] + 1 for n in range(b.first_line, b.last_line + 1))
                for b in segment(doc, result.settings.split)
            ]
            stable = stable and actual == expected
        if stable:
            break
        # Later rounds only look for what cleaning removes: duplicates and
        # the --drop rules (their findings are all droppable paragraphs).
        # This re-reads every file: rare, and only when cutting changed.
        current = [
            (f.item, cleaned_docs[i].raw if i in cleaned_docs else f.raw()) for i, f in enumerate(files)
        ]
        for i, f in enumerate(files):
            kept_lines.setdefault(i, list(range(len(f.lines))))
        again = _run(
            [item for item, _ in current],
            [],
            result.settings,
            replace(result.rules, select=("DUP", *result.drop), ignore=(), extend_select=()),
            result.drop,
            {item.path: data for item, data in current},
        )
        again_dropped = again.analysis.dropped | again.quality_dropped
        for j, f2 in enumerate(again.files):
            kept = kept_lines[j]
            layout[j] = [
                tuple(kept[n - 1] + 1 for n in range(b.first_line, b.last_line + 1)) for b in f2.blocks
            ]
            flags[j] = [f2.offset + b.index in again_dropped for b in f2.blocks]
            masks.setdefault(j, [False] * len(files[j].lines))
        if not again.findings:
            continue  # re-cut but nothing new to drop: check stability again
        rounds += 1
        for j, f2 in enumerate(again.files):
            for k, gone in enumerate(again.deletions(f2)):
                if gone:
                    masks[j][kept_lines[j][k]] = True

        def original(path: str, line: int, kept_lines: dict[int, list[int]] = kept_lines) -> int:
            return kept_lines[index[path]][line - 1] + 1

        for finding in again.findings:
            lines = files[index[finding.path]].lines
            first, last = original(finding.path, finding.line), original(finding.path, finding.end_line)
            ref = finding.duplicate_of
            findings.append(
                replace(
                    finding,
                    line=first,
                    end_line=last,
                    start=lines[first - 1].start,
                    stop=lines[last - 1].stop,
                    duplicate_of=Location(
                        ref.path, original(ref.path, ref.line), original(ref.path, ref.end_line)
                    )
                    if ref
                    else None,
                )
            )
    changes = [
        FileChange(f, tuple(masks[i]) if i in masks and any(masks[i]) else None) for i, f in enumerate(files)
    ]
    findings.sort(key=Finding.sort_key)
    return Cleaning(changes, findings, rounds)
