"""Duplicate findings kept as columns (dedup.duplicate_findings): they read
as the Finding objects they stand for, sort as Finding.sort_key sorts,
and the JSON report written from the columns is what finding_json writes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.api import check_texts
from dedup.duplicate_findings import (
    DuplicateFindings,
    MergedFindings,
    fingerprint,
    merged,
    rule_counts,
    unclustered,
    worst_severity,
)
from dedup.models import Finding, Severity
from dedup.report import finding_json, render_json, to_json_dict
from dedup.rules.registry import RuleSettings, get_rule
from dedup.settings import Settings
from dedup.table import BlockTable

PARA = (
    "The committee met on Tuesday to discuss the new budget, which sets aside "
    "money for roads, schools and the harbour over the next five years."
)
NEAR = PARA.replace("Tuesday", "Wednesday")
OTHER = "A different paragraph about the weather, which was mild and dry for most of the week."


def _texts() -> dict[str, str]:
    return {
        'q"uote.txt': f"{PARA}\n\n{OTHER}\n",
        "b.txt": f"{OTHER}\n\n{NEAR}\n\n{PARA}\n",
        "é/c.txt": f"{PARA}\n",
    }


PATHS = ["b.txt", "a/z.txt", "a.txt", "\u00e9.txt"]


def _findings(rows: list[tuple[int, int, int, bool]], keep_none: bool) -> DuplicateFindings:
    """One finding per row (doc, first line, extra lines, exact), unsorted:
    block 2k is row k's, block 2k + 1 its reference, with the same key when
    the row is exact; three clusters in turn."""
    n = len(rows)
    table, doc_of = _table(rows)
    return DuplicateFindings(
        table,
        doc_of,
        PATHS,
        np.arange(0, 2 * n, 2, dtype=np.int64),
        np.arange(1, 2 * n, 2, dtype=np.int64),
        np.arange(n, dtype=np.int64) % 3,
        ["C1", "C2", "C3"],
        np.linspace(0.9, 0.99, n),
        np.full(n, keep_none),
    )


def _table(rows: list[tuple[int, int, int, bool]]) -> tuple[BlockTable, np.ndarray]:
    """Block 2k is row k's finding (doc, first line, extra lines); block
    2k + 1 its reference, with the same key when the row is exact."""
    n = 2 * len(rows)
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    doc_of = np.zeros(n, dtype=np.int64)
    key_hash = np.arange(2 * n, dtype=np.uint64).reshape(n, 2)
    for k, (doc, line, extra, exact) in enumerate(rows):
        first[2 * k], last[2 * k], doc_of[2 * k] = line, line + extra, doc
        first[2 * k + 1], last[2 * k + 1], doc_of[2 * k + 1] = 100 + k, 100 + k, (doc + 1) % 4
        if exact:
            key_hash[2 * k + 1] = key_hash[2 * k]
    zeros = np.zeros(n, dtype=np.int64)
    table = BlockTable(
        first,
        last,
        zeros,
        zeros + 1,
        np.zeros(n, dtype=np.uint8),
        key_hash,
        zeros,
        zeros,
        np.ones(n, dtype=bool),
        np.zeros((n, 1), dtype=np.uint32),
    )
    return table, doc_of


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 6), st.integers(0, 2), st.booleans()),
        max_size=40,
    ),
    keep_none=st.booleans(),
)
def test_sorted_by_numbers_as_by_their_keys(rows: list[tuple[int, int, int, bool]], keep_none: bool) -> None:
    """Findings ordered by path rank and lines come out as sort_key orders
    them, ties on path and lines (settled by rule and message) included."""
    findings = _findings(rows, keep_none)
    ordered = findings.sorted()
    assert [f.sort_key() for f in ordered] == sorted(f.sort_key() for f in findings)
    assert sorted(ordered, key=Finding.sort_key) == list(ordered)


@pytest.mark.parametrize("keep", ["first", "longest", "none"])
def test_columns_read_as_findings(keep: str) -> None:
    result = check_texts(_texts(), Settings(keep=keep))
    findings = result.findings
    assert isinstance(findings, DuplicateFindings)
    as_list = list(findings)
    assert {f.rule for f in as_list} == {"DUP001", "DUP002"}
    assert len(findings) == len(as_list) == result.summary.duplicate_paragraphs
    assert findings == as_list and as_list == findings
    assert [findings[k] for k in range(-len(findings), len(findings))] == as_list + as_list
    assert list(findings[1:]) == as_list[1:]
    assert findings != as_list[1:]
    with pytest.raises(IndexError):
        findings[len(findings)]
    near = next(f for f in as_list if f.rule == "DUP002")
    assert near.severity is Severity.WARNING and 0.87 <= near.similarity < 1.0
    for f in as_list:
        assert f.duplicate_of is not None
        where = f"{f.duplicate_of.path}:{f.duplicate_of.line}"
        said = "exact duplicate" if f.rule == "DUP001" else f"near duplicate ({f.similarity:.0%} similar)"
        assert f.message.startswith(f"{said} of {where}")
    assert all(f.fixable for f in as_list)
    # Fingerprints: the rule and the paragraph's key hash, hashed (baselines hold them).
    for f, block in zip(as_list, findings.block.tolist(), strict=True):
        h0, h1 = result.table.key_hash[block].tolist()
        text = f"{f.rule}:{h0:016x}{h1:016x}".encode()
        assert f.fingerprint == hashlib.blake2b(text, digest_size=8).hexdigest()
    assert len({f.fingerprint for f in as_list}) < len(as_list)  # (exact copies share theirs)
    if keep == "none":
        assert all(f.message.endswith("(no copy kept: --keep none)") for f in as_list)
    assert worst_severity(findings) is Severity.ERROR


def test_no_duplicates_is_an_empty_sequence() -> None:
    result = check_texts({"a.txt": f"{PARA}\n", "b.txt": f"{OTHER}\n"})
    assert result.findings == [] and not result.findings
    assert worst_severity(result.findings) is None
    assert json.loads(render_json(result))["findings"] == []


@pytest.mark.parametrize(
    ("rules", "keep"),
    [
        (RuleSettings(select=("DUP",)), "first"),
        (RuleSettings(select=("DUP",)), "none"),
        (RuleSettings(select=("DUP002",)), "longest"),
        (RuleSettings(select=("DUP001",), severity={"DUP001": "info"}), "none"),
        (RuleSettings(select=("DUP",), severity={"DUP": "info"}), "first"),
    ],
)
def test_json_from_columns_is_finding_json(rules: RuleSettings, keep: str) -> None:
    """The report writes the columns directly; each item is what
    finding_json writes of the finding it stands for, byte for byte, with
    the run's rule selection, severities and keep policy, and paths JSON
    must escape (quote, backslash, a control character, non-ASCII)."""
    texts = {**_texts(), "back\\slash\ttab.txt": f"{NEAR}\n\n{PARA}\n"}
    result = check_texts(texts, Settings(workers=1, keep=keep), rules)
    findings = result.findings
    assert isinstance(findings, DuplicateFindings)
    text = render_json(result)
    expected = [finding_json(f) for f in findings]
    assert expected  # (every selection above reports something)
    body = text[text.index('"findings": [') :]
    assert all(f"\n    {item}" in body for item in expected)
    assert json.loads(text)["findings"] == [json.loads(item) for item in expected]
    assert json.loads(text) == json.loads(json.dumps(to_json_dict(result)))
    selected = {code for code in ("DUP001", "DUP002") if rules.is_selected(get_rule(code))}
    assert {f.rule for f in findings} <= selected
    assert any("\\\\" in item and "\\t" in item for item in expected)  # (the path was escaped)
    assert all(("no copy kept" in f.message) == (keep == "none") for f in findings)
    assert all(f.severity is rules.severity_of(get_rule(f.rule)) for f in findings)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 6), st.integers(0, 2), st.booleans()), max_size=20
    ),
    hashes=st.lists(st.integers(0, 2**64 - 1), min_size=80, max_size=80),
    cut=st.integers(0, 20),
)
def test_fingerprints_are_each_rows_rule_and_key_hashed(
    rows: list[tuple[int, int, int, bool]], hashes: list[int], cut: int
) -> None:
    """The fingerprints, made in bulk for the keys a slice meets first, are
    fingerprint(rule, *key hash) of each row (what baselines hold), read in
    two slices or whole, with key hashes over the whole 64-bit range."""
    findings = _findings(rows, keep_none=False)
    key_hash = findings.table.key_hash
    for k, (_, _, _, exact) in enumerate(rows):
        key_hash[2 * k] = hashes[2 * k : 2 * k + 2]
        key_hash[2 * k + 1] = key_hash[2 * k] if exact else ~key_hash[2 * k]
    findings = replace(findings)  # (exact copies are told by their keys)
    assert findings.exact.tolist() == [exact for _, _, _, exact in rows]
    n = len(rows)
    cut = min(cut, n)
    expected = [
        fingerprint("DUP001" if exact else "DUP002", *key_hash[2 * k].tolist())
        for k, (_, _, _, exact) in enumerate(rows)
    ]
    assert findings.fingerprints(0, cut) + findings.fingerprints(cut, n) == expected
    assert findings.fingerprints(0, n) == expected


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 6), st.integers(0, 2), st.booleans()),
        max_size=30,
    ),
    others=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(1, 6),
            st.integers(0, 2),
            st.sampled_from(["AAA001", "DUP0015", "GQ001", "ZZ9"]),
            st.sampled_from(["m", "n", "exact"]),
        ),
        max_size=30,
    ),
)
def test_merged_as_sorted_orders_them(
    rows: list[tuple[int, int, int, bool]], others: list[tuple[int, int, int, str, str]]
) -> None:
    """Duplicate findings (columns) merged with other findings come out in
    the order sorted() gives the concatenation (a tie keeps the duplicate
    first; the other findings' own ties keep their order), read one by
    one, by index and in slices."""
    duplicates = _findings(rows, keep_none=False).sorted()
    quality = sorted(
        (
            Finding(rule, Severity.INFO, PATHS[doc], line, line + extra, text)
            for doc, line, extra, rule, text in others
        ),
        key=Finding.sort_key,
    )
    found = merged(duplicates, quality)
    expected = sorted([*duplicates, *quality], key=Finding.sort_key)
    assert list(found) == expected
    assert [found[k] for k in range(-len(found), 0)] == expected
    assert found[1:-1] == expected[1:-1]
    assert rule_counts(found) == dict(sorted(Counter(f.rule for f in expected).items()))
    assert unclustered(found) == len(quality)
    assert worst_severity(found) == max((f.severity for f in expected), default=None)


def test_findings_with_quality_rules() -> None:
    """With the quality rules on, duplicates stay columns inside the merged
    findings: the report reads as the sorted findings, a duplicate and a
    quality finding on the same lines included, and its JSON is
    finding_json of each."""
    texts = {**_texts(), "one.txt": f"{PARA}\n", "shout.txt": "BUY NOW!!! BUY NOW!!! BUY NOW!!!\n"}
    result = check_texts(texts, Settings(workers=1), RuleSettings())
    findings = result.findings
    assert isinstance(findings, MergedFindings)
    as_list = list(findings)
    duplicates = list(result.analysis.findings)
    assert as_list == sorted([*duplicates, *result.quality.findings], key=Finding.sort_key)
    places = [(f.path, f.line, f.end_line) for f in as_list]
    shared = {place for place, f in zip(places, as_list, strict=True) if f.rule.startswith("DUP")}
    assert any(p in shared and not f.rule.startswith("DUP") for p, f in zip(places, as_list, strict=True))
    text = render_json(result)
    assert json.loads(text)["findings"] == [json.loads(finding_json(f)) for f in as_list]
    assert all(f"\n    {finding_json(f)}" in text for f in as_list)
    assert json.loads(text) == json.loads(json.dumps(to_json_dict(result)))


# Rows for the kernel tests: line numbers of many digits.
_LONG_ROWS = st.tuples(st.integers(0, 3), st.integers(1, 10**12), st.integers(0, 2), st.booleans())
# Paths JSON must escape, for the kernel tests.
_ESCAPED_PATHS = ['q"uote\\.txt', "a/z.txt", "\u00e9\u4e2d.txt", "tab\t.txt"]


def _kernel_json(
    findings: DuplicateFindings, start: int, stop: int, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """The findings' JSON lines as the compiled kernel writes them (checked to run)."""
    from dedup import jit, json_kernel, report

    if jit.compiled() is None:
        pytest.skip("the kernels run through the JIT here")
    calls = []
    write = json_kernel._findings

    def counted(*args: object) -> int:
        calls.append(1)
        return write(*args)

    monkeypatch.setattr(report, "KERNEL_JSON_MIN", 1)
    monkeypatch.setattr(json_kernel, "_findings", counted)
    lines = [
        line
        for block in report.duplicates_json_blocks(findings, start, stop)
        for line in block.split(",\n    ")
    ]
    assert calls or start == stop
    return lines


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(_LONG_ROWS, min_size=1, max_size=25),
    hashes=st.lists(st.integers(0, 2**64 - 1), min_size=100, max_size=100),
    keep_none=st.booleans(),
    cut=st.integers(0, 25),
)
def test_json_kernel_writes_what_finding_json_writes(
    rows: list[tuple[int, int, int, bool]], hashes: list[int], keep_none: bool, cut: int
) -> None:
    """The compiled writer of duplicate findings (dedup.json_kernel): each
    line is finding_json of the finding, byte for byte, fingerprints (its
    BLAKE2b) included, with key hashes over the whole 64-bit range, line
    numbers of many digits, paths with non-ASCII and quoted characters,
    with and without a kept copy, whole or in two slices."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        findings = _findings(rows, keep_none)
        key_hash = findings.table.key_hash
        for k, (_, _, _, exact) in enumerate(rows):
            key_hash[2 * k] = hashes[2 * k : 2 * k + 2]
            key_hash[2 * k + 1] = key_hash[2 * k] if exact else ~key_hash[2 * k]
        findings = replace(findings, paths=_ESCAPED_PATHS)
        n = len(rows)
        cut = min(cut, n)
        expected = [finding_json(f) for f in findings]
        assert _kernel_json(findings, 0, n, monkeypatch) == expected
        assert (
            _kernel_json(findings, 0, cut, monkeypatch) + _kernel_json(findings, cut, n, monkeypatch)
            == expected
        )


def test_json_report_is_the_same_with_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole JSON report (findings in blocks, clusters, summary) is the
    same text whether the duplicate findings are written by the kernel or
    in Python."""
    from dedup import report

    result = check_texts({**_texts(), "back\\slash\ttab.txt": f"{NEAR}\n\n{PARA}\n"}, Settings(workers=1))
    monkeypatch.setattr(report, "KERNEL_JSON_MIN", 10**9)
    python = render_json(result)
    assert isinstance(result.findings, DuplicateFindings)
    n = len(result.findings)
    assert _kernel_json(result.findings, 0, n, monkeypatch) == [finding_json(f) for f in result.findings]
    assert render_json(result) == python


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(_LONG_ROWS, min_size=2, max_size=30),
    shapes=st.lists(
        st.tuples(
            st.booleans(),
            st.lists(st.sampled_from([1.0, 0.9333333333333333, 0.87, 0.99996]), min_size=2, max_size=5),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_json_kernel_writes_clusters_as_python_does(
    rows: list[tuple[int, int, int, bool]], shapes: list[tuple[bool, list[float]]]
) -> None:
    """The clusters' JSON lines written by the compiled kernel are those
    written in Python, byte for byte: kept copy or none, similarities
    written once each (1.0, rounded ones), line numbers of many digits,
    paths with quotes, backslash, tab and non-ASCII."""
    from types import SimpleNamespace

    from dedup import jit, report
    from dedup.cluster import Cluster, Member

    if jit.compiled() is None:
        pytest.skip("the kernels run through the JIT here")
    table, doc_of = _table(rows)
    n = len(doc_of)
    clusters = [
        Cluster(
            f"C{k:010x}",
            (2 * k) % n if kept else None,
            tuple(Member((2 * k + i) % n, sim) for i, sim in enumerate(sims)),
        )
        for k, (kept, sims) in enumerate(shapes)
    ]
    paths = _ESCAPED_PATHS
    result = SimpleNamespace(
        clusters=clusters, files=[SimpleNamespace(path=p) for p in paths], doc_of=doc_of, table=table
    )
    python = report.ARRAY_SEPARATOR.join(report._clusters_json(result))  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(report, "KERNEL_JSON_MIN", 1)
        monkeypatch.setattr(report, "CLUSTERS_CHUNK", 5)
        calls = []
        write = report._kernel_clusters
        monkeypatch.setattr(report, "_kernel_clusters", lambda *a: calls.append(1) or write(*a))
        blocks = list(report.clusters_json_blocks(result))  # type: ignore[arg-type]
    assert calls
    assert report.ARRAY_SEPARATOR.join(blocks) == python
