"""The library API: every CLI command is a thin layer over these functions.

>>> from dedup.api import check_texts, clean
>>> result = check_texts({"a.txt": "Same paragraph here, four words.\\n\\nSame paragraph here, four words.\\n"})
>>> [(f.rule, f.line, f.duplicate_of.line) for f in result.findings]
[('DUP001', 3, 1)]
>>> clean(result).changes[0].cleaned.decode()
'Same paragraph here, four words.\\n'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from dedup.cluster import Analysis, Cluster, analyse
from dedup.errors import DedupError
from dedup.models import Block, Document, Finding, Line, Location
from dedup.quality import QualityResult, check_quality
from dedup.rewrite import clean_bytes, deleted_lines, unified_diff
from dedup.rules.registry import RuleSettings, get_rule
from dedup.segment import segment, split_lines
from dedup.settings import Settings
from dedup.sources import InputFile, decode, discover, read_documents

#: The default of the library functions: duplicate rules only (the CLI
#: selects every rule by default).
DUPLICATES_ONLY = RuleSettings(select=("DUP",))


@dataclass(frozen=True)
class FileResult:
    """One input that was read: its document, lines and blocks."""

    item: InputFile
    doc: Document
    lines: list[Line]
    blocks: list[Block]
    offset: int = 0  # global id of the first block

    @property
    def path(self) -> str:
        return self.doc.path


@dataclass(frozen=True)
class Summary:
    files: int
    paragraphs: int
    bytes: int
    duplicate_paragraphs: int
    duplicate_bytes: int
    clusters: int
    errors: int

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
        }


@dataclass
class Result:
    """Everything one run found, in a deterministic order."""

    settings: Settings
    files: list[FileResult]
    errors: list[DedupError]
    analysis: Analysis
    blocks: list[Block] = field(repr=False)
    rules: RuleSettings = DUPLICATES_ONLY
    quality: QualityResult = field(default_factory=QualityResult)
    #: Global ids of blocks dropped because a ``--drop`` rule flagged them.
    quality_dropped: frozenset[int] = frozenset()
    #: The ``drop`` selectors this result was made with.
    drop: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        """Duplicate and quality findings, selected and with severities resolved."""
        duplicates = []
        for f in self.analysis.findings:
            rule = get_rule(f.rule)
            if self.rules.is_selected(rule):
                duplicates.append(replace(f, severity=self.rules.severity_of(rule)))
        return sorted([*duplicates, *self.quality.findings], key=Finding.sort_key)

    @property
    def clusters(self) -> list[Cluster]:
        return self.analysis.clusters

    def dropped_blocks(self, file: FileResult) -> list[Block]:
        dropped = self.analysis.dropped | self.quality_dropped
        return [b for b in file.blocks if file.offset + b.index in dropped]

    def deletions(self, file: FileResult) -> list[bool]:
        return deleted_lines(file.lines, self.dropped_blocks(file))

    @property
    def summary(self) -> Summary:
        dropped = [self.blocks[i] for i in self.analysis.dropped]
        return Summary(
            files=len(self.files),
            paragraphs=len(self.blocks),
            bytes=sum(f.doc.size for f in self.files),
            duplicate_paragraphs=len(dropped),
            duplicate_bytes=sum(b.stop - b.start for b in dropped),
            clusters=len(self.clusters),
            errors=len(self.errors),
        )


def _run(
    documents: Sequence[tuple[InputFile, Document]],
    errors: list[DedupError],
    settings: Settings,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
) -> Result:
    ordered = sorted(documents, key=lambda pair: pair[0].path)
    files: list[FileResult] = []
    blocks: list[Block] = []
    for doc_index, (item, doc) in enumerate(ordered):
        lines = split_lines(doc)
        doc_blocks = segment(doc, settings.split, doc_index, lines)
        files.append(FileResult(item, doc, lines, doc_blocks, len(blocks)))
        blocks.extend(doc_blocks)
    paths = [f.path for f in files]
    analysis = analyse(blocks, paths, settings)
    errors = sorted(errors, key=lambda e: (e.path or "", e.message))
    rules = rules or DUPLICATES_ONLY
    quality = check_quality([f.doc for f in files], [f.blocks for f in files], rules)
    return Result(
        settings,
        files,
        errors,
        analysis,
        blocks,
        rules,
        quality,
        _quality_drops(files, quality, drop),
        tuple(drop),
    )


def _quality_drops(
    files: Sequence[FileResult], quality: QualityResult, drop: Sequence[str]
) -> frozenset[int]:
    """Blocks flagged by a paragraph-scope rule named in ``drop`` (codes or prefixes)."""
    if not drop:
        return frozenset()
    selection = RuleSettings(select=tuple(drop))
    by_span = {(f.path, b.start, b.stop): f.offset + b.index for f in files for b in f.blocks}
    dropped: set[int] = set()
    for finding in quality.findings:
        if finding.fixable and selection.is_selected(get_rule(finding.rule)):
            block = by_span.get((finding.path, finding.start or 0, finding.stop or 0))
            if block is not None:
                dropped.add(block)
    return frozenset(dropped)


def check_paths(
    paths: Iterable[str],
    settings: Settings | None = None,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
) -> Result:
    """Read files and directories (``-`` = stdin) and find duplicates.

    Problems with single inputs are collected in ``Result.errors``; the other
    inputs are still processed. ``rules`` selects the quality rules (default:
    the duplicate rules only); ``drop`` names paragraph-scope rules whose paragraphs ``cleaned``
    removes, like duplicates.
    """
    settings = settings or Settings()
    items, errors = discover(paths, settings.include)
    documents: list[tuple[InputFile, Document]] = []
    for item, outcome in read_documents(items):
        if isinstance(outcome, DedupError):
            errors.append(outcome)
        else:
            documents.append((item, outcome))
    return _run(documents, errors, settings, rules, drop)


def check_texts(
    texts: Mapping[str, str | bytes],
    settings: Settings | None = None,
    rules: RuleSettings | None = None,
    drop: Sequence[str] = (),
) -> Result:
    """Like :func:`check_paths` for in-memory texts keyed by a name."""
    settings = settings or Settings()
    documents: list[tuple[InputFile, Document]] = []
    errors: list[DedupError] = []
    for name, text in texts.items():
        raw = text.encode("utf-8") if isinstance(text, str) else text
        try:
            documents.append((InputFile(name, name, name), decode(name, raw)))
        except DedupError as exc:
            errors.append(exc)
    return _run(documents, errors, settings, rules, drop)


@dataclass(frozen=True)
class FileChange:
    """What cleaning does to one file: its deleted lines, bytes and diff."""

    file: FileResult
    delete: list[bool]
    cleaned: bytes
    diff: bytes

    @property
    def changed(self) -> bool:
        return any(self.delete)


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
    masks = [result.deletions(f) for f in files]
    findings = list(result.findings)
    # Per file: each block as the tuple of its original line numbers, and
    # whether it is dropped.
    layout = [[tuple(range(b.first_line, b.last_line + 1)) for b in f.blocks] for f in files]
    dropped = result.analysis.dropped | result.quality_dropped
    flags = [[f.offset + b.index in dropped for b in f.blocks] for f in files]
    index = {f.path: i for i, f in enumerate(files)}
    rounds = 1
    while rounds < max_rounds:
        stable = True
        current: list[tuple[InputFile, Document]] = []
        kept_lines: list[list[int]] = []
        for i, (f, mask) in enumerate(zip(files, masks, strict=True)):
            kept = [n for n, gone in enumerate(mask) if not gone]
            kept_lines.append(kept)
            if not any(mask):
                current.append((f.item, f.doc))
                continue
            doc = decode(f.path, clean_bytes(f.doc, f.lines, mask))
            current.append((f.item, doc))
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
        again = _run(current, [], result.settings, RuleSettings(select=("DUP", *result.drop)), result.drop)
        for j, f2 in enumerate(again.files):
            kept = kept_lines[j]
            layout[j] = [
                tuple(kept[n - 1] + 1 for n in range(b.first_line, b.last_line + 1)) for b in f2.blocks
            ]
            again_dropped = again.analysis.dropped | again.quality_dropped
            flags[j] = [f2.offset + b.index in again_dropped for b in f2.blocks]
        if not again.findings:
            continue  # re-cut but nothing new to drop: check stability again
        rounds += 1
        for j, f2 in enumerate(again.files):
            for k, gone in enumerate(again.deletions(f2)):
                if gone:
                    masks[j][kept_lines[j][k]] = True

        def original(path: str, line: int, kept_lines: list[list[int]] = kept_lines) -> int:
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
        FileChange(f, mask, clean_bytes(f.doc, f.lines, mask), unified_diff(f.doc, f.lines, mask, f.path))
        for f, mask in zip(files, masks, strict=True)
    ]
    findings.sort(key=Finding.sort_key)
    return Cleaning(changes, findings, rounds)
