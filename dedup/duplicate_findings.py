"""The duplicate findings of a run, kept as columns.

A duplicate-heavy corpus has millions of duplicate paragraphs, one finding
each. As :class:`~dedup.models.Finding` objects they cost ~2 µs to make and
~600 bytes to hold apiece, and the JSON report then reads them back one
attribute at a time: on a 1 GB corpus of 3.6 million findings that was a
third of the run. :class:`DuplicateFindings` holds them as arrays instead
(the dropped block, its reference block, its cluster, the similarity), in
report order, and is a ``Sequence[Finding]``: a finding is made when it is
read, equal to the one the list held. Formats that only write text
(:func:`dedup.report.iter_json`) read the columns in chunks
(:meth:`DuplicateFindings.chunk`) and never make the objects. With quality
findings as well, :func:`merged` puts both in one report order without
making the duplicates objects either (:class:`MergedFindings`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar, overload

import numpy as np
import numpy.typing as npt

from dedup.models import Finding, Location, Severity
from dedup.table import BlockTable

EXACT = "DUP001"
NEAR = "DUP002"
SEVERITY: Mapping[str, Severity] = {EXACT: Severity.ERROR, NEAR: Severity.WARNING}

I64 = npt.NDArray[np.int64]
T = TypeVar("T")


def fingerprint(rule: str, h0: int, h1: int) -> str:
    """A duplicate finding's fingerprint: its rule and its paragraph's key
    hash (:func:`dedup.fingerprint.key_hashes`), hashed (baselines hold it).
    :meth:`DuplicateFindings.fingerprints` makes them in bulk."""
    return _fingerprint(f"{rule}:".encode(), f"{h0:016x}{h1:016x}".encode())


def _fingerprint(head: bytes, digits: bytes) -> str:
    """:func:`fingerprint` of a rule (``head``: "DUP001:") and a key hash's 32 hex digits."""
    return hashlib.blake2b(head + digits, digest_size=8).hexdigest()


# What a duplicate finding's message adds when its cluster keeps no copy.
NONE_KEPT = " (no copy kept: --keep none)"


def opening(exact: bool, similarity: float) -> str:
    """A duplicate finding's message up to its reference ("... of ")."""
    return "exact duplicate of " if exact else f"near duplicate ({similarity:.0%} similar) of "


def message(exact: bool, similarity: float, where: str, none_kept: bool) -> str:
    """A duplicate finding's message (``where``: "path:line" of the reference)."""
    text = opening(exact, similarity) + where
    return text + NONE_KEPT if none_kept else text


@dataclass(frozen=True)
class Chunk:
    """Rows ``a:b`` of :class:`DuplicateFindings` as plain lists (one per column)."""

    rules: list[str]
    paths: list[str]
    lines: list[int]
    end_lines: list[int]
    messages: list[str]
    clusters: list[str]
    similarities: list[float]
    references: list[tuple[str, int, int]]
    starts: list[int]
    stops: list[int]
    fingerprints: list[str]

    def __len__(self) -> int:
        return len(self.rules)


class _Findings(Sequence[Finding]):
    """Findings read as Finding objects on demand; equal to any sequence of
    the same findings (a list included)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # (equal to lists, which do not hash)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} findings)"

    def _position(self, index: int) -> int:
        """``index`` (negative from the end) as a position from the start."""
        n = len(self)
        if not -n <= index < n:
            raise IndexError("finding index out of range")
        return index % n


@dataclass(eq=False, repr=False)
class DuplicateFindings(_Findings):
    """One finding per dropped block, in :meth:`Finding.sort_key` order.

    Row ``k``: ``block[k]`` is reported as a copy of ``reference[k]`` in
    cluster ``cluster_ids[cluster[k]]`` (ids are "C" and hex digits, as
    :func:`dedup.cluster._cluster_id` makes them: JSON writes them as they
    are); exact copies (same key hash) are DUP001 at similarity 1.0, the
    others DUP002 at ``similarity[k]``;
    ``none_kept[k]``: the cluster keeps no copy (``--keep none``).
    ``severities`` gives each rule's severity.
    """

    table: BlockTable
    doc_of: I64
    paths: Sequence[str]
    block: I64
    reference: I64
    cluster: I64
    cluster_ids: Sequence[str]
    similarity: npt.NDArray[np.float64]
    none_kept: npt.NDArray[np.bool_]
    severities: Mapping[str, Severity] = field(default_factory=lambda: dict(SEVERITY))
    exact: npt.NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        key_hash = self.table.key_hash
        block, reference = self.block, self.reference
        self.exact = (key_hash[block, 0] == key_hash[reference, 0]) & (
            key_hash[block, 1] == key_hash[reference, 1]
        )

    def where(self, rows: npt.NDArray[np.bool_] | I64 | slice) -> DuplicateFindings:
        """These rows only (a mask, indices or a slice), in the order given."""
        return replace(
            self,
            block=self.block[rows],
            reference=self.reference[rows],
            cluster=self.cluster[rows],
            similarity=self.similarity[rows],
            none_kept=self.none_kept[rows],
        )

    def sorted(self) -> DuplicateFindings:
        """The same findings in :meth:`Finding.sort_key` order, found by
        sorting the numbers (path rank, lines): millions of key tuples took
        seconds. A block is alone on its lines in its file, so rule and
        message never decide; if two findings did tie there, the key sort
        settles it."""
        if len(self) < 2:
            return self
        paths = self.paths
        rank = np.empty(len(paths), dtype=np.int64)
        rank[sorted(range(len(paths)), key=paths.__getitem__)] = np.arange(len(paths), dtype=np.int64)
        docs = rank[self.doc_of[self.block]]
        firsts, lasts = self.table.first_line[self.block], self.table.last_line[self.block]
        order = np.lexsort((lasts, firsts, docs))
        by_path, first, last = docs[order], firsts[order], lasts[order]
        if np.any((by_path[1:] == by_path[:-1]) & (first[1:] == first[:-1]) & (last[1:] == last[:-1])):
            order = np.array(sorted(range(len(self)), key=lambda k: self[k].sort_key()), dtype=np.int64)
        return self.where(order)

    def selected(self, severities: Mapping[str, Severity]) -> DuplicateFindings:
        """The findings of the rules ``severities`` names, at those severities
        (the rule selection and severity overrides of a run)."""
        keep = np.ones(len(self), dtype=np.bool_)
        for rule, exact in ((EXACT, True), (NEAR, False)):
            if rule not in severities:
                keep &= self.exact != exact
        return replace(
            self.where(keep) if not keep.all() else self,
            severities={rule: severities[rule] for rule in SEVERITY if rule in severities},
        )

    @cached_property
    def _keys(self) -> tuple[I64, I64, list[str | None]]:
        """Each row's fingerprint key (rule and key hash) as an index among
        the distinct keys, a row of each distinct key, and their
        fingerprints, made when first read: exact copies of a paragraph
        share theirs, and a 1 GB corpus has millions of them (a bounded memo
        of fingerprints forgot them before they came round again)."""
        hashes = self.table.key_hash[self.block]
        order = np.lexsort((hashes[:, 1], hashes[:, 0], self.exact))
        ordered = hashes[order]
        new = np.ones(len(order), dtype=np.bool_)
        new[1:] = (
            (ordered[1:, 0] != ordered[:-1, 0])
            | (ordered[1:, 1] != ordered[:-1, 1])
            | (self.exact[order][1:] != self.exact[order][:-1])
        )
        index = np.empty(len(order), dtype=np.int64)
        index[order] = np.cumsum(new) - 1
        return index, order[new], [None] * int(np.count_nonzero(new))

    def fingerprints(self, start: int, stop: int) -> list[str]:
        """The fingerprints of rows ``start:stop``."""
        index, rows, known = self._keys
        keys = index[start:stop].tolist()
        # The keys first met here, their hashes read at once.
        new = [key for key in dict.fromkeys(keys) if known[key] is None]
        if new:
            picked = rows[new]
            # fingerprint()'s text, made in bulk: both hashes as 32 hex digits
            # (big-endian bytes in hex are the zero-padded hex numbers).
            digits = self.table.key_hash[self.block[picked]].astype(">u8").tobytes().hex().encode("ascii")
            heads = {True: f"{EXACT}:".encode(), False: f"{NEAR}:".encode()}
            for n, (key, exact) in enumerate(zip(new, self.exact[picked].tolist(), strict=True)):
                known[key] = _fingerprint(heads[exact], digits[32 * n : 32 * n + 32])
        return [known[key] for key in keys]  # type: ignore[misc]  # (all made now)

    def rule_counts(self) -> dict[str, int]:
        exact = int(np.count_nonzero(self.exact))
        counts = {EXACT: exact, NEAR: len(self) - exact}
        return {rule: n for rule, n in counts.items() if n}

    def chunk(self, start: int, stop: int) -> Chunk:
        """Rows ``start:stop`` as lists, everything a finding holds computed
        for all of them at once."""
        block, reference = self.block[start:stop], self.reference[start:stop]
        exact = self.exact[start:stop].tolist()
        paths = self.paths
        table = self.table
        ref_paths = [paths[d] for d in self.doc_of[reference].tolist()]
        ref_lines = table.first_line[reference].tolist()
        ref_ends = table.last_line[reference].tolist()
        near = self.similarity[start:stop].tolist()
        rules = [EXACT if e else NEAR for e in exact]
        ids = self.cluster_ids
        return Chunk(
            rules=rules,
            paths=[paths[d] for d in self.doc_of[block].tolist()],
            lines=table.first_line[block].tolist(),
            end_lines=table.last_line[block].tolist(),
            messages=list(
                map(
                    message,
                    exact,
                    near,
                    (f"{p}:{line}" for p, line in zip(ref_paths, ref_lines, strict=True)),
                    self.none_kept[start:stop].tolist(),
                )
            ),
            clusters=[ids[c] for c in self.cluster[start:stop].tolist()],
            similarities=[1.0 if e else round(s, 4) for e, s in zip(exact, near, strict=True)],
            references=list(zip(ref_paths, ref_lines, ref_ends, strict=True)),
            starts=table.start[block].tolist(),
            stops=table.stop[block].tolist(),
            fingerprints=self.fingerprints(start, stop),
        )

    def _findings(self, start: int, stop: int) -> Iterator[Finding]:
        c = self.chunk(start, stop)
        severities = self.severities
        for k in range(len(c)):
            yield Finding(
                rule=c.rules[k],
                severity=severities[c.rules[k]],
                path=c.paths[k],
                line=c.lines[k],
                end_line=c.end_lines[k],
                message=c.messages[k],
                cluster=c.clusters[k],
                similarity=c.similarities[k],
                duplicate_of=Location(*c.references[k]),
                start=c.starts[k],
                stop=c.stops[k],
                fingerprint=c.fingerprints[k],
            )

    def __len__(self) -> int:
        return len(self.block)

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> DuplicateFindings: ...

    def __getitem__(self, index: int | slice) -> Finding | DuplicateFindings:
        if isinstance(index, slice):
            return self.where(index)
        k = self._position(index)
        return next(self._findings(k, k + 1))

    def __iter__(self) -> Iterator[Finding]:
        for start in range(0, len(self), CHUNK):
            yield from self._findings(start, min(start + CHUNK, len(self)))


@dataclass(frozen=True, eq=False, repr=False)
class MergedFindings(_Findings):
    """Duplicate findings (columns) and other findings (objects) in one
    :meth:`Finding.sort_key` order, the duplicates never made objects to be
    sorted: position ``k`` holds ``duplicates[rows[k]]`` where
    ``from_duplicates[k]``, else ``others[rows[k]]``. Built by :func:`merged`."""

    duplicates: DuplicateFindings
    others: Sequence[Finding]
    from_duplicates: npt.NDArray[np.bool_]
    rows: I64

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...

    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        k = self._position(index)
        source = self.duplicates if self.from_duplicates[k] else self.others
        return source[int(self.rows[k])]

    def parts(self, start: int, stop: int, rows: Callable[[int, int], Iterable[T]]) -> Iterator[T | Finding]:
        """Positions ``start:stop`` in order: the other findings as they are,
        the duplicates as ``rows(a, b)`` gives their rows ``a:b`` (Finding
        objects, their JSON...): the duplicates' rows there are consecutive."""
        flags = self.from_duplicates[start:stop]
        index = self.rows[start:stop]
        first = int(index[flags][0]) if flags.any() else 0
        own = iter(rows(first, first + int(np.count_nonzero(flags))))
        others = self.others
        for from_duplicates, row in zip(flags.tolist(), index.tolist(), strict=True):
            yield next(own) if from_duplicates else others[row]

    def __iter__(self) -> Iterator[Finding]:
        # (the duplicates' own rows: their fingerprint keys are sorted once, not per chunk)
        for start in range(0, len(self), CHUNK):
            yield from self.parts(start, min(start + CHUNK, len(self)), self.duplicates._findings)


def merged(duplicates: DuplicateFindings, others: Sequence[Finding]) -> Sequence[Finding]:
    """Both lists (each in :meth:`Finding.sort_key` order) in one such
    order, as ``sorted([*duplicates, *others], key=Finding.sort_key)``
    orders them (a tie keeps the duplicate first), found by sorting numbers
    (path rank, lines, rule rank): a duplicate and another finding never
    share a rule, so messages never decide between them, and each list's
    own ties keep their order."""
    if not others:
        return duplicates
    if not duplicates:
        return others
    paths = sorted({*duplicates.paths, *(f.path for f in others)})
    path_rank = {path: k for k, path in enumerate(paths)}
    rules = sorted({EXACT, NEAR, *(f.rule for f in others)})
    rule_rank = {rule: k for k, rule in enumerate(rules)}
    doc_rank = np.array([path_rank[p] for p in duplicates.paths], dtype=np.int64)
    block = duplicates.block
    keys = [
        (
            doc_rank[duplicates.doc_of[block]],
            duplicates.table.first_line[block],
            duplicates.table.last_line[block],
            np.where(duplicates.exact, rule_rank[EXACT], rule_rank[NEAR]),
        ),
        (
            np.fromiter((path_rank[f.path] for f in others), dtype=np.int64, count=len(others)),
            np.fromiter((f.line for f in others), dtype=np.int64, count=len(others)),
            np.fromiter((f.end_line for f in others), dtype=np.int64, count=len(others)),
            np.fromiter((rule_rank[f.rule] for f in others), dtype=np.int64, count=len(others)),
        ),
    ]
    path, line, end_line, rule = (np.concatenate(column) for column in zip(*keys, strict=True))
    order = np.lexsort((rule, end_line, line, path))
    from_duplicates = order < len(duplicates)
    return MergedFindings(
        duplicates, others, from_duplicates, np.where(from_duplicates, order, order - len(duplicates))
    )


def rule_counts(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings each rule has (in rule order)."""
    if isinstance(findings, DuplicateFindings):
        return findings.rule_counts()
    if isinstance(findings, MergedFindings):
        counts = Counter(f.rule for f in findings.others)
        counts.update(findings.duplicates.rule_counts())
        return dict(sorted(counts.items()))
    return dict(sorted(Counter(f.rule for f in findings).items()))


def unclustered(findings: Sequence[Finding]) -> int:
    """How many findings belong to no duplicate cluster."""
    if isinstance(findings, DuplicateFindings):
        return 0
    if isinstance(findings, MergedFindings):
        findings = findings.others
    return sum(1 for f in findings if f.cluster is None)


def worst_severity(findings: Sequence[Finding]) -> Severity | None:
    """The highest severity among ``findings`` (None without findings)."""
    if isinstance(findings, DuplicateFindings):
        return max((findings.severities[rule] for rule in findings.rule_counts()), default=None)
    if isinstance(findings, MergedFindings):
        worst = (worst_severity(findings.duplicates), worst_severity(findings.others))
        return max((severity for severity in worst if severity is not None), default=None)
    return max((f.severity for f in findings), default=None)


# Rows made into lists at once when findings are read one by one.
CHUNK = 10_000
