"""The library API: every CLI command is a thin layer over these functions.

>>> from dedup.api import check_texts
>>> from dedup.settings import Settings
>>> result = check_texts({"a.txt": "Same paragraph here, four words.\\n\\nSame paragraph here, four words.\\n"})
>>> [(f.rule, f.line, f.duplicate_of.line) for f in result.findings]
[('DUP001', 3, 1)]
>>> result.cleaned(result.files[0]).decode()
'Same paragraph here, four words.\\n'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from dedup.cluster import Analysis, Cluster, analyse
from dedup.errors import DedupError
from dedup.models import Block, Document, Finding, Line
from dedup.rewrite import clean_bytes, deleted_lines, unified_diff
from dedup.segment import segment, split_lines
from dedup.settings import Settings
from dedup.sources import InputFile, decode, read_documents


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
    ``files`` still lists every file read.
    """

    settings: Settings
    files: list[FileResult]
    errors: list[DedupError]
    analysis: Analysis
    blocks: list[Block] = field(repr=False)
    focus: frozenset[str] | None = None

    @property
    def checked_files(self) -> list[FileResult]:
        """The files findings are reported for (all files without a focus)."""
        if self.focus is None:
            return self.files
        return [f for f in self.files if f.path in self.focus]

    @property
    def findings(self) -> list[Finding]:
        return self.analysis.findings

    @property
    def clusters(self) -> list[Cluster]:
        return self.analysis.clusters

    def dropped_blocks(self, file: FileResult) -> list[Block]:
        dropped = self.analysis.dropped
        return [b for b in file.blocks if file.offset + b.index in dropped]

    def deletions(self, file: FileResult) -> list[bool]:
        return deleted_lines(file.lines, self.dropped_blocks(file))

    def cleaned(self, file: FileResult) -> bytes:
        """The file's bytes with every dropped block removed."""
        return clean_bytes(file.doc, file.lines, self.deletions(file))

    def diff(self, file: FileResult) -> bytes:
        """A unified diff (git apply-able) of what cleaning changes."""
        return unified_diff(file.doc, file.lines, self.deletions(file), file.path)

    @property
    def summary(self) -> Summary:
        dropped = [self.blocks[i] for i in self.analysis.dropped]
        checked = self.checked_files
        return Summary(
            files=len(checked),
            paragraphs=sum(len(f.blocks) for f in checked),
            bytes=sum(f.doc.size for f in checked),
            duplicate_paragraphs=len(dropped),
            duplicate_bytes=sum(b.stop - b.start for b in dropped),
            clusters=len(self.clusters),
            errors=len(self.errors),
            context_files=len(self.files) - len(checked),
        )


def _run(
    documents: Sequence[tuple[InputFile, Document]],
    errors: list[DedupError],
    settings: Settings,
    context: Sequence[tuple[InputFile, Document]] = (),
) -> Result:
    # Context files come first, so with keep=first their copies are the kept
    # ones and the focus files' copies are reported.
    ordered = sorted(context, key=lambda pair: pair[0].path) + sorted(
        documents, key=lambda pair: pair[0].path
    )
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
    if not context:
        return Result(settings, files, errors, analysis, blocks)
    focus = frozenset(item.path for item, _ in documents)
    focus_docs = {i for i, f in enumerate(files) if f.path in focus}
    findings = [f for f in analysis.findings if f.path in focus]
    cluster_ids = {f.cluster for f in findings}
    analysis = replace(
        analysis,
        clusters=[c for c in analysis.clusters if c.id in cluster_ids],
        findings=findings,
        dropped=frozenset(b for b in analysis.dropped if blocks[b].doc in focus_docs),
    )
    return Result(settings, files, errors, analysis, blocks, focus)


def _read(items: Iterable[InputFile], errors: list[DedupError] | None) -> list[tuple[InputFile, Document]]:
    documents: list[tuple[InputFile, Document]] = []
    for item, outcome in read_documents(items):
        if isinstance(outcome, DedupError):
            if errors is not None:
                errors.append(outcome)
        else:
            documents.append((item, outcome))
    return documents


def check_inputs(
    items: Iterable[InputFile],
    settings: Settings | None = None,
    *,
    errors: Iterable[DedupError] = (),
    context: Iterable[InputFile] = (),
) -> Result:
    """Check discovered files (:func:`dedup.discovery.discover`).

    ``context`` files are read too, and duplicates between them and
    ``items`` are found, but only ``items`` get findings (what the
    pre-commit hooks do with the staged files and the rest of the
    repository). Context files that cannot be read are skipped silently.
    """
    settings = settings or Settings()
    all_errors = list(errors)
    documents = _read(items, all_errors)
    context_documents = _read(context, None)
    return _run(documents, all_errors, settings, context_documents)


def check_paths(
    paths: Iterable[str], settings: Settings | None = None, *, root: str | os.PathLike[str] | None = None
) -> Result:
    """Read files and directories (``-`` = stdin) and find duplicates.

    Directories are walked with the include/exclude globs and .gitignore
    (:mod:`dedup.discovery`); exclude patterns are relative to ``root``
    (default: the current directory). Problems with single inputs are
    collected in ``Result.errors``; the other inputs are still processed.
    """
    from dedup.discovery import discover

    settings = settings or Settings()
    found = discover(list(paths), settings, root)
    return check_inputs(found.files, settings, errors=found.errors)


def check_texts(texts: Mapping[str, str | bytes], settings: Settings | None = None) -> Result:
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
    return _run(documents, errors, settings)
