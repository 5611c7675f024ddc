"""Reports: render a :class:`~dedup.api.Result` as text or JSON.

Reports read findings; they never compute them. Every format handles every
finding type (duplicates and quality findings alike).

JSON contract (``--format json``, also ``report.json`` of ``clean --report``),
version 1. A top-level object:

``version``
    Integer contract version (1). Additive changes keep the version.
``tool``
    ``{"name": "dedup", "version": "<package version>"}``.
``summary``
    ``files``, ``paragraphs``, ``bytes``, ``duplicate_paragraphs``,
    ``duplicate_bytes``, ``duplicate_percent`` (of all bytes, 2 decimals),
    ``clusters``, ``errors``, ``context_files`` (files read only to compare
    against, with ``--repo-context``; else 0), ``findings`` (count), ``by_rule``
    (count per rule). With ``--baseline``, findings the baseline accepts are left out.
``findings``
    Sorted by path, line, rule. Each: ``rule``, ``severity``
    (error|warning|info), ``path`` (as given on the command line), ``line``,
    ``end_line`` (1-based, inclusive), ``message``, ``cluster`` (id or null),
    ``similarity`` (verified, 1.0 for exact; null for non-duplicate rules),
    ``duplicate_of`` (``{path, line, end_line}`` of the kept copy, or null),
    ``fingerprint`` (content-based, stable across line moves), ``fixable``
    (bool).
``clusters``
    Each: ``id``, ``kept`` (location or null with ``--keep none``),
    ``members`` (locations with ``similarity``, kept copy first).
``errors``
    Each: ``{"path", "message"}`` for inputs that could not be processed.
``quality``
    Per-file quality figures, keyed by path: ``bytes``, ``lines``,
    ``paragraphs`` and every number the selected quality rules measured
    (``words``, ``mean_word_length``, ``dup_para_frac``, ``dup_line_char_frac``,
    ``line_punct_ratio`` ...; see ``docs/rules.md``), rounded to 4 decimals.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.api import Result
from dedup.cluster import ClusterColumns
from dedup.duplicate_findings import (
    EXACT,
    NEAR,
    NONE_KEPT,
    DuplicateFindings,
    MergedFindings,
    opening,
    rule_counts,
    unclustered,
)
from dedup.forked import Forked, can_fork
from dedup.memo import Memo
from dedup.models import Finding, Severity
from dedup.terminal import paint

if TYPE_CHECKING:
    from dedup.cluster import Cluster
    from dedup.table import BlockTable

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

JSON_VERSION = 1
# Findings or clusters per piece of streamed JSON (see iter_json).
JSON_BATCH = 1000
FORMATS = ("full", "concise", "json")
SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_to_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": f.rule,
        "severity": f.severity.label,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "message": f.message,
        "cluster": f.cluster,
        "similarity": f.similarity,
        "duplicate_of": f.duplicate_of.to_dict() if f.duplicate_of else None,
        "fingerprint": f.fingerprint,
        "fixable": f.fixable,
    }
    if f.column is not None:
        out["column"] = f.column
    if f.metrics:
        out["metrics"] = f.metrics
    return out


def _summary(result: Result, findings: Sequence[Finding]) -> dict[str, Any]:
    summary = result.summary.to_dict()
    summary["findings"] = len(findings)
    summary["by_rule"] = rule_counts(findings)
    return summary


Place = tuple[str, int, int]


def _placed(
    result: Result, start: int = 0, stop: int | None = None, batch: int = 10_000
) -> Iterator[tuple[Cluster, list[tuple[Place, float]]]]:
    """Clusters ``start:stop``, each with its members' places (path, line,
    end line) and similarities; the places are looked up for a whole batch
    of clusters at once."""
    clusters = result.clusters[start:stop]
    for first in range(0, len(clusters), batch):
        chunk = clusters[first : first + batch]
        places = iter(result.locations([m.block for cluster in chunk for m in cluster.members]))
        for cluster in chunk:
            # (members first: zip then takes no place past the cluster's last member)
            yield cluster, [(place, m.similarity) for m, place in zip(cluster.members, places, strict=False)]


def _clusters(result: Result) -> Iterator[dict[str, Any]]:
    for cluster, placed in _placed(result):
        members = [
            {"path": path, "line": line, "end_line": end_line, "similarity": round(similarity, 4)}
            for (path, line, end_line), similarity in placed
        ]
        kept = members[0] if cluster.kept is not None else None
        yield {
            "id": cluster.id,
            "kept": {k: kept[k] for k in ("path", "line", "end_line")} if kept else None,
            "members": members,
        }


def _quality(result: Result) -> dict[str, dict[str, float]]:
    return {
        path: {k: round(v, 4) for k, v in sorted(metrics.items())}
        for path, metrics in sorted(result.quality.metrics.items())
    }


def to_json_dict(result: Result, findings: Sequence[Finding] | None = None) -> dict[str, Any]:
    """The JSON contract; ``findings`` overrides the result's (``clean`` passes
    every finding it acted on)."""
    if findings is None:
        findings = result.findings
    return {
        "version": JSON_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "summary": _summary(result, findings),
        "findings": [finding_to_dict(f) for f in findings],
        "clusters": list(_clusters(result)),
        "errors": [{"path": e.path, "message": e.message} for e in result.errors],
        "quality": _quality(result),
    }


def _compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False)`` as one reusable function.

    ``JSONEncoder.encode`` builds a new C encoder on every call, which was
    half the cost of writing a report of 30,000 items one by one; the C
    encoder is built once here, with the arguments ``JSONEncoder`` gives it
    (no circular check: report values are plain trees), when the C
    accelerator is there.
    """
    from json import encoder

    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has the accelerator
        return plain.encode
    chunks = make(
        None,
        plain.default,
        encoder.encode_basestring,
        None,
        plain.key_separator,
        plain.item_separator,
        plain.sort_keys,
        plain.skipkeys,
        plain.allow_nan,
    )

    def compact(value: Any) -> str:
        return "".join(chunks(value, 0))

    return compact


_compact = _compact_encoder()


_quote: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


# JSON strings of the values findings repeat (paths, rule codes), quoted once.
_QUOTED: Memo[str, str] = Memo(_quote, 1 << 16)
_SEVERITY_JSON = {severity: _quote(severity.label) for severity in Severity}


def finding_json(f: Finding) -> str:
    """``json.dumps(finding_to_dict(f), ensure_ascii=False)``, written out
    directly (a third of the time: reports of millions of findings spend
    most of their time here). Numbers are written as the JSON encoder
    writes them (``int.__repr__``, ``float.__repr__``)."""
    dup = f.duplicate_of
    parts = [
        '{"rule": ',
        _QUOTED[f.rule],
        ', "severity": ',
        _SEVERITY_JSON[f.severity],
        ', "path": ',
        _QUOTED[f.path],
        ', "line": ',
        int.__repr__(f.line),
        ', "end_line": ',
        int.__repr__(f.end_line),
        ', "message": ',
        _quote(f.message),
        ', "cluster": ',
        "null" if f.cluster is None else _quote(f.cluster),
        ', "similarity": ',
        "null" if f.similarity is None else _number(f.similarity),
        ', "duplicate_of": ',
        "null" if dup is None else f"{{{_place_json(dup.path, dup.line, dup.end_line)}}}",
        ', "fingerprint": ',
        _quote(f.fingerprint),
        ', "fixable": ',
        "false" if f.start is None or f.stop is None else "true",  # Finding.fixable
    ]
    if f.column is not None:
        parts += (', "column": ', int.__repr__(f.column))
    if f.metrics:
        parts += (', "metrics": ', _compact(f.metrics))
    parts.append("}")
    return "".join(parts)


def _duplicates_json(findings: DuplicateFindings, start: int, stop: int) -> Iterator[str]:
    """:func:`finding_json` of findings ``start:stop``, one string each
    (from :func:`duplicates_json_blocks` when the kernel writes them)."""
    if _kernel_writes(start, stop):
        for block in duplicates_json_blocks(findings, start, stop):
            yield from block.split(ARRAY_SEPARATOR)
        return
    yield from _duplicates_json_python(findings, start, stop)


def duplicates_json_blocks(findings: DuplicateFindings, start: int, stop: int) -> Iterator[str]:
    """:func:`finding_json` of findings ``start:stop`` joined by the array's
    ARRAY_SEPARATOR, DUPLICATES_CHUNK findings a block: written by the
    compiled :mod:`dedup.json_kernel` when the run has loaded the kernels
    (the same text, about ten times faster), else by
    :func:`_duplicates_json_python`."""
    if _kernel_writes(start, stop):
        try:
            from dedup.json_kernel import _findings as write
        except ImportError:
            pass
        else:
            yield from _kernel_blocks(write, findings, start, stop)
            return
    for first in range(start, stop, DUPLICATES_CHUNK):
        yield ARRAY_SEPARATOR.join(
            _duplicates_json_python(findings, first, min(first + DUPLICATES_CHUNK, stop))
        )


# From this many findings on, a run that has loaded the compiled kernels
# writes duplicate findings with dedup.json_kernel.
KERNEL_JSON_MIN = 1_000


def _kernel_writes(start: int, stop: int) -> bool:
    from dedup import jit

    return stop - start >= KERNEL_JSON_MIN and jit.loaded() and jit.compiled() is not None


def _kernel_blocks(
    write: Callable[..., int], findings: DuplicateFindings, start: int, stop: int
) -> Iterator[str]:
    """:func:`duplicates_json_blocks` by the kernel: every string a finding
    holds made once here (JSON-quoted as :func:`finding_json` quotes it),
    then each block's columns written out in one call, fingerprints
    included (the kernel hashes them as :func:`fingerprint` does)."""
    from dedup.json_kernel import END_LINE, LINE, PIECES, SEPARATOR

    severity = {rule: _SEVERITY_JSON[level] for rule, level in findings.severities.items()}
    heads = [
        f'{{"rule": {_QUOTED[rule]}, "severity": {severity[rule]}, "path": ' if rule in severity else ""
        for rule in (EXACT, NEAR)
    ]
    quoted = [_QUOTED[path] for path in findings.paths]
    inside = [text[1:-1] for text in quoted]
    # Phrase 0: an exact copy; then one per distinct similarity of a near copy.
    similarity = findings.similarity[start:stop]
    exact = findings.exact[start:stop]
    values, which = np.unique(similarity[~exact], return_inverse=True)
    phrase = np.zeros(stop - start, dtype=np.int64)
    phrase[~exact] = which.ravel() + 1
    said = [opening(True, 1.0), *(opening(False, v) for v in values.tolist())]
    numbers = ["1.0", *(repr(round(v, 4)) for v in values.tolist())]
    strings, starts, lengths, bases = _string_table(
        [
            list(PIECES),
            heads,
            quoted,
            inside,
            said,
            numbers,
            list(findings.cluster_ids),
            [NONE_KEPT],
            [f"{EXACT}:", f"{NEAR}:"],
        ]
    )
    # Bytes a finding takes at most: its strings, the fixed pieces, 16 hex
    # digits and 20 digits for each of its five numbers.
    fixed = int(lengths[: SEPARATOR + 1].sum() + lengths[LINE] + lengths[END_LINE]) + 16 + 5 * 20
    table, doc_of = findings.table, findings.doc_of
    for first in range(start, stop, DUPLICATES_CHUNK):
        rows = slice(first, min(first + DUPLICATES_CHUNK, stop))
        block, reference = findings.block[rows], findings.reference[rows]
        doc, to_doc = doc_of[block], doc_of[reference]
        kept = findings.none_kept[rows]
        local = phrase[rows.start - start : rows.stop - start]
        cluster = findings.cluster[rows].astype(np.int64)
        is_exact = np.ascontiguousarray(exact[rows.start - start : rows.stop - start])
        keys = table.key_hash[block]
        size = int(
            (
                lengths[bases[1] + (~is_exact).astype(np.int64)]
                + lengths[bases[2] + doc]
                + lengths[bases[2] + to_doc]
                + lengths[bases[3] + to_doc]
                + lengths[bases[4] + local]
                + lengths[bases[5] + local]
                + lengths[bases[6] + cluster]
                + kept * lengths[bases[7]]
            ).sum()
        ) + fixed * len(doc)
        out = np.empty(size, dtype=np.uint8)
        used = write(
            is_exact,
            np.ascontiguousarray(doc, dtype=np.int64),
            np.ascontiguousarray(table.first_line[block], dtype=np.int64),
            np.ascontiguousarray(table.last_line[block], dtype=np.int64),
            np.ascontiguousarray(to_doc, dtype=np.int64),
            np.ascontiguousarray(table.first_line[reference], dtype=np.int64),
            np.ascontiguousarray(table.last_line[reference], dtype=np.int64),
            np.ascontiguousarray(local),
            np.ascontiguousarray(cluster),
            np.ascontiguousarray(kept, dtype=np.bool_),
            np.ascontiguousarray(keys[:, 0]),
            np.ascontiguousarray(keys[:, 1]),
            strings,
            starts,
            bases,
            out,
        )
        yield out[:used].tobytes().decode("utf-8")


def _string_table(kinds: list[list[str]]) -> tuple[U8, I64, I64, I64]:
    """The strings a kernel of :mod:`dedup.json_kernel` copies, as UTF-8 one
    after the other: the bytes, where each string starts (and the end), each
    one's length, and where each kind of string begins."""
    bases = np.cumsum([0, *map(len, kinds[:-1])]).astype(np.int64)
    encoded = [text.encode("utf-8") for kind in kinds for text in kind]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, lengths, bases


def _duplicates_json_python(findings: DuplicateFindings, start: int, stop: int) -> Iterator[str]:
    """:func:`finding_json` of findings ``start:stop``, written from the
    columns: no Finding objects, no lists of their fields (a duplicate-heavy
    corpus has millions). JSON escapes a string character by character, so
    a message is written as its fixed words around the reference's quoted
    path; the words and the number of each similarity are made once."""
    severity = {rule: _SEVERITY_JSON[level] for rule, level in findings.severities.items()}
    heads = {
        exact: f'{{"rule": {_QUOTED[rule]}, "severity": {severity[rule]}, "path": '
        for exact, rule in ((True, EXACT), (False, NEAR))
        if rule in severity
    }
    quoted = [_QUOTED[path] for path in findings.paths]  # (by document)
    inside = [text[1:-1] for text in quoted]
    ids = findings.cluster_ids
    table, doc_of = findings.table, findings.doc_of
    # similarity -> the message's words and the JSON number (near copies)
    words: dict[float, tuple[str, str]] = {}
    exact_words = opening(True, 1.0)
    for first in range(start, stop, DUPLICATES_CHUNK):
        rows = slice(first, min(first + DUPLICATES_CHUNK, stop))
        block, reference = findings.block[rows], findings.reference[rows]
        for (
            doc,
            line,
            end_line,
            to_doc,
            to_line,
            to_end,
            exact,
            similarity,
            cluster,
            none_kept,
            fingerprint,
        ) in zip(
            doc_of[block].tolist(),
            table.first_line[block].tolist(),
            table.last_line[block].tolist(),
            doc_of[reference].tolist(),
            table.first_line[reference].tolist(),
            table.last_line[reference].tolist(),
            findings.exact[rows].tolist(),
            findings.similarity[rows].tolist(),
            findings.cluster[rows].tolist(),
            findings.none_kept[rows].tolist(),
            findings.fingerprints(rows.start, rows.stop),
            strict=True,
        ):
            if exact:
                said, number = exact_words, "1.0"
            else:
                found = words.get(similarity)
                if found is None:
                    found = words[similarity] = (opening(False, similarity), repr(round(similarity, 4)))
                said, number = found
            yield (
                f'{heads[exact]}{quoted[doc]}, "line": {line}, "end_line": {end_line}, '
                f'"message": "{said}{inside[to_doc]}:{to_line}{NONE_KEPT if none_kept else ""}", '
                f'"cluster": "{ids[cluster]}", "similarity": {number}, "duplicate_of": '
                f'{{"path": {quoted[to_doc]}, "line": {to_line}, "end_line": {to_end}}}, '
                f'"fingerprint": "{fingerprint}", "fixable": true}}'
            )


# Findings whose columns are read at once when writing them out.
DUPLICATES_CHUNK = 10_000


def _place_json(path: str, line: int, end_line: int) -> str:
    """The members of a location object (``path``, ``line``, ``end_line``) as JSON."""
    return f'"path": {_QUOTED[path]}, "line": {int.__repr__(line)}, "end_line": {int.__repr__(end_line)}'


def _number(value: float) -> str:
    """A number as the JSON encoder writes it: ``float.__repr__`` for a
    finite float (the common case, without a call into the encoder)."""
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    return _compact(value)


_SAME = ', "similarity": 1.0'  # (most members: exact copies)


def _similarity_json(similarity: float) -> str:
    return f', "similarity": {_number(round(similarity, 4))}'


def _clusters_json(
    result: Result, start: int = 0, stop: int | None = None, batch: int = 10_000
) -> Iterator[str]:
    """``_compact`` of each of :func:`_clusters`' items (``start:stop``),
    written out directly from the members' places, a batch of clusters at
    once (no dict, tuple or call per member: a duplicate-heavy corpus has
    millions of members)."""
    clusters = result.clusters[start:stop]
    paths = [_quote(f.path) for f in result.files]  # (by document, as doc_of counts them)
    table = result.table
    for first in range(0, len(clusters), batch):
        chunk = clusters[first : first + batch]
        members = [m for cluster in chunk for m in cluster.members]
        blocks = np.fromiter((m.block for m in members), dtype=np.int64, count=len(members))
        similarities = [m.similarity for m in members]
        places = [
            f'"path": {paths[doc]}, "line": {line}, "end_line": {end_line}'
            for doc, line, end_line in zip(
                result.doc_of[blocks].tolist(),
                table.first_line[blocks].tolist(),
                table.last_line[blocks].tolist(),
                strict=True,
            )
        ]
        # (each similarity written once: exact copies and repeated values share theirs)
        written = {value: _SAME if value == 1.0 else _similarity_json(value) for value in set(similarities)}
        items = [f"{{{place}{written[value]}}}" for place, value in zip(places, similarities, strict=True)]
        at = 0
        for cluster in chunk:
            size = len(cluster.members)
            kept = "null" if cluster.kept is None else f"{{{places[at]}}}"
            yield f'{{"id": {_quote(cluster.id)}, "kept": {kept}, "members": [{", ".join(items[at : at + size])}]}}'
            at += size


# Clusters whose JSON is written at once.
CLUSTERS_CHUNK = 10_000


def clusters_json_blocks(result: Result, start: int = 0, stop: int | None = None) -> Iterator[str]:
    """:func:`_clusters_json` of clusters ``start:stop`` joined by
    ARRAY_SEPARATOR, CLUSTERS_CHUNK clusters a block: written by the
    compiled :mod:`dedup.json_kernel` when the run has loaded the kernels
    (the same text), else by :func:`_clusters_json`."""
    stop = len(result.clusters) if stop is None else stop
    if _kernel_writes(start, stop):
        try:
            from dedup.json_kernel import _clusters as write
        except ImportError:
            pass
        else:
            paths = [_quote(f.path) for f in result.files]  # (by document, as doc_of counts them)
            clusters = result.clusters
            for first in range(start, stop, CLUSTERS_CHUNK):
                chunk = clusters[first : min(first + CLUSTERS_CHUNK, stop)]
                yield _kernel_clusters(write, chunk, paths, result.doc_of, result.table)
            return
    for first in range(start, stop, CLUSTERS_CHUNK):
        yield ARRAY_SEPARATOR.join(_clusters_json(result, first, min(first + CLUSTERS_CHUNK, stop)))


def _kernel_clusters(
    write: Callable[..., int],
    chunk: Sequence[Cluster],
    paths: list[str],
    doc_of: npt.NDArray[np.int64],
    table: BlockTable,
) -> str:
    """:func:`clusters_json_blocks` of these clusters by the kernel: the
    strings a cluster's line holds (quoted paths and ids, each distinct
    similarity's member) made once here, then written out in one call."""
    from dedup.json_kernel import END_LINE, LINE, OPEN, PATH, PIECES

    columns = ClusterColumns.of(chunk)
    blocks = columns.blocks
    values, which = np.unique(columns.similarities, return_inverse=True)
    written = [_SAME if value == 1.0 else _similarity_json(value) for value in values.tolist()]
    strings, starts, lengths, bases = _string_table(
        [list(PIECES), paths, [_quote(cluster_id) for cluster_id in columns.ids], written]
    )
    doc = np.ascontiguousarray(doc_of[blocks], dtype=np.int64)
    similarity = np.ascontiguousarray(which.ravel(), dtype=np.int64)
    # Bytes at most: every piece and string once per member and twice per
    # cluster (its kept copy's place, its id), and 20 digits a number.
    pieces = int(lengths[: len(PIECES)].sum())
    place = int(lengths[PATH] + lengths[OPEN] + lengths[LINE] + lengths[END_LINE]) + 40
    size = (
        int(lengths[bases[1] + doc].sum() + lengths[bases[3] + similarity].sum())
        + int(lengths[bases[2] : bases[3]].sum())
        + len(blocks) * (pieces + place)
        + len(chunk) * (pieces + place + int(lengths[bases[1] : bases[2]].max(initial=0)))
    )
    out = np.empty(size, dtype=np.uint8)
    used = write(
        columns.kept >= 0,
        columns.sizes,
        doc,
        np.ascontiguousarray(table.first_line[blocks], dtype=np.int64),
        np.ascontiguousarray(table.last_line[blocks], dtype=np.int64),
        similarity,
        strings,
        starts,
        bases,
        out,
    )
    return out[:used].tobytes().decode("utf-8")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _findings_json(findings: Sequence[Finding]) -> Callable[[int, int], Iterator[str]]:
    """How to write findings ``a:b`` as JSON (duplicates from their columns,
    in blocks of lines joined by ARRAY_SEPARATOR: see :class:`_Joined`)."""
    if isinstance(findings, DuplicateFindings):
        return _Joined(partial(duplicates_json_blocks, findings))
    if isinstance(findings, MergedFindings):
        rows = partial(_duplicates_json, findings.duplicates)
        return lambda a, b: (
            item if isinstance(item, str) else finding_json(item) for item in findings.parts(a, b, rows)
        )
    return lambda a, b: map(finding_json, findings[a:b])


def iter_json(result: Result, findings: Sequence[Finding] | None = None) -> Iterator[str]:
    """The JSON contract as text, in pieces: one finding, cluster or error per line.

    Equal to ``json.dumps(to_json_dict(...))`` once parsed, but written item
    by item with the C encoder, so a report of a million findings can go to
    a file or a pipe without ever being held whole in memory.
    """
    if findings is None:
        findings = result.findings
    yield "{\n"
    yield f'  "version": {JSON_VERSION},\n'
    yield f'  "tool": {_compact({"name": "dedup", "version": __version__})},\n'
    yield f'  "summary": {_pretty(_summary(result, findings))},\n'
    errors = [_compact({"path": e.path, "message": e.message}) for e in result.errors]
    arrays: list[tuple[str, int, Callable[[int, int], Iterator[str]]]] = [
        ("findings", len(findings), _findings_json(findings)),
        ("clusters", len(result.clusters), _Joined(partial(clusters_json_blocks, result))),
        ("errors", len(errors), lambda a, b: iter(errors[a:b])),
    ]
    for key, count, render in arrays:
        yield f'  "{key}": ['
        yield from _array_items(render, count)
        yield "]" if count == 0 else "\n  ]"
        yield ",\n"
    quality = _quality(result)
    lines = [f"    {_compact(path)}: {_compact(values)}" for path, values in quality.items()]
    yield '  "quality": ' + ("{\n" + ",\n".join(lines) + "\n  }" if lines else "{}") + "\n"
    yield "}\n"


# From this many items of one array on, the dedup command writes the second
# half of it in a forked child meanwhile (dedup.forked): the JSON of a
# duplicate-heavy corpus is millions of findings and clusters.
PARALLEL_JSON_ITEMS = 100_000


class _Joined:
    """A ``render(a, b)`` whose strings are each several items already
    joined by ARRAY_SEPARATOR (:func:`_lines` writes them as they are)."""

    def __init__(self, render: Callable[[int, int], Iterator[str]]) -> None:
        self.render = render

    def __call__(self, start: int, stop: int) -> Iterator[str]:
        return self.render(start, stop)


# Between two items of a JSON array, one a line.
ARRAY_SEPARATOR = ",\n    "


def _array_items(render: Callable[[int, int], Iterator[str]], count: int) -> Iterator[str]:
    """The ``count`` items of a JSON array, one a line (``render(a, b)``: the
    JSON of items ``a:b``). In the dedup command, a child process renders
    the second half of a long array into a file while this one renders the
    first; the text is the same either way."""
    split = count
    path = ""
    if count >= PARALLEL_JSON_ITEMS and can_fork():
        with contextlib.suppress(OSError):
            fd, path = tempfile.mkstemp(prefix="dedup-json-")
            os.close(fd)
            split = count // 2
    try:
        if split == count:
            yield from _lines(render, 0, count)
            return
        with Forked(partial(_write_lines, path, render, split, count)) as second:
            yield from _lines(render, 0, split)
            second.result()  # (written here if the child failed)
        with open(path, encoding="utf-8", newline="") as rest:
            while chunk := rest.read(1 << 20):
                yield chunk
    finally:
        if path:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _lines(render: Callable[[int, int], Iterator[str]], start: int, stop: int) -> Iterator[str]:
    """Array items ``start:stop``, each on its own line after a comma (none
    before the array's first item), in batches: a write per item cost as
    much as the item (a :class:`_Joined` render's blocks are batches)."""
    separator = "\n    " if start == 0 else ARRAY_SEPARATOR
    items = render(start, stop)
    if isinstance(render, _Joined):
        for block in items:
            yield separator + block
            separator = ARRAY_SEPARATOR
        return
    while batch := list(islice(items, JSON_BATCH)):
        yield separator + ARRAY_SEPARATOR.join(batch)
        separator = ARRAY_SEPARATOR


def _write_lines(path: str, render: Callable[[int, int], Iterator[str]], start: int, stop: int) -> None:
    """:func:`_lines` of items ``start:stop`` (not the array's first) into ``path``."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(_lines(render, start, stop))


def render_json(result: Result, findings: Sequence[Finding] | None = None) -> str:
    """:func:`iter_json` joined into one string."""
    return "".join(iter_json(result, findings))


def _snippet(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(result: Result) -> str:
    s = result.summary
    text = (
        f"{_plural(s.files, 'file')} checked, {_plural(s.paragraphs, 'paragraph')}: "
        f"{_plural(s.duplicate_paragraphs, 'duplicate paragraph')} "
        f"({s.duplicate_bytes:,} of {s.bytes:,} bytes, {s.duplicate_percent:.1f}%) "
        f"in {_plural(s.clusters, 'cluster')}"
    )
    if s.context_files:
        text = text.replace(" checked,", f" checked (against {_plural(s.context_files, 'other file')}),", 1)
    others = unclustered(result.findings)
    if others:
        text += f", {_plural(others, 'other finding')}"
    if s.errors:
        text += f"; {_plural(s.errors, 'input')} could not be read"
    return text + "."


def render_concise(result: Result, color: bool = False) -> str:
    lines = [
        f"{paint(f.path, 'bold', enabled=color)}:{f.line}:{f.end_line}: "
        f"{paint(f.rule, 'bold', SEVERITY_STYLE[f.severity], enabled=color)} {f.message}"
        for f in result.findings
    ]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def render_full(result: Result, color: bool = False) -> str:
    out: list[str] = []
    by_cluster: dict[str, list[Finding]] = {}
    for f in result.findings:
        if f.cluster:
            by_cluster.setdefault(f.cluster, []).append(f)
    for cluster in result.clusters:
        findings = by_cluster.get(cluster.id, [])
        first = cluster.members[0].block
        kinds = sorted({f.rule for f in findings})
        snippet = _snippet(result.block_text(first))
        out.append(
            f"{paint(cluster.id, 'bold', enabled=color)}  {len(cluster.members)} copies "
            f'({", ".join(kinds)})  "{snippet}"'
        )
        if cluster.kept is not None:
            where = result.location(first)
            out.append(f"  kept    {where.path}:{where.line}-{where.end_line}")
        for f in sorted(findings, key=Finding.sort_key):
            sim = f" {f.similarity:.2f}" if f.similarity is not None else ""
            rule = paint(f.rule, "bold", SEVERITY_STYLE[f.severity], enabled=color)
            out.append(f"  {rule}  {f.path}:{f.line}-{f.end_line}{sim}  {f.message}")
        out.append("")
    others = [f for f in result.findings if f.cluster is None]
    current = None
    for f in others:
        if f.path != current:
            current = f.path
            out.append(paint(f.path, "bold", enabled=color))
        rule = paint(f.rule, "bold", SEVERITY_STYLE[f.severity], enabled=color)
        out.append(f"  {f.line}-{f.end_line}  {rule} [{f.severity.label}] {f.message}")
    if others:
        out.append("")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def render(result: Result, fmt: str, color: bool = False) -> str:
    """Render in any output format (see :mod:`dedup.formats`)."""
    from dedup.formats import render as render_format

    return render_format(result, fmt, color=color)
