"""The compiled table builder gives exactly the reference's arrays."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from dedup import kernels, table_cache, verify_kernel
from dedup.jit import AOT_ENV
from dedup.models import Document
from dedup.normalize import normalize
from dedup.segment import LIST_ITEM_RE
from dedup.sources import decode
from dedup.table import BlockTable, LshParams, build_table

ROOT = Path(__file__).parent.parent
FILES = sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
MODES = ("auto", "blank", "line")
PARAMS = [LshParams(2, 128, 1, 32, 4), LshParams(3, 64, 7, 8, 8), LshParams(1, 16, 42, 16, 1)]


def assert_same(doc: Document, mode: str, params: LshParams) -> None:
    expected = build_table(doc, mode, params)
    actual = kernels.build_table_fast(doc, mode, params)
    for name in BlockTable.__dataclass_fields__:
        want, got = getattr(expected, name), getattr(actual, name)
        assert got.dtype == want.dtype, name
        assert got.shape == want.shape, name
        assert np.array_equal(got, want), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", MODES)
def test_repository_files(path: Path, mode: str) -> None:
    doc = decode(str(path), path.read_bytes())
    for params in PARAMS:
        assert_same(doc, mode, params)


WORDS = [
    "the",
    "The",
    "WIRE",
    "said",
    "and",
    "of",
    "it",
    "x",
    "3.5",
    "1,200",
    "don't",
    "it`s",
    "e-mail",
    "Café",
    "naïve",
    "Straße",
    "ΣΊΣΥΦΟΣ",
    "İstanbul",
    "ﬁne",
    "½",
    "x²",
    "№5",
    "ｆｕｌｌ",
    "e\u0301",
    "한국어",
    "각",
    "\u1100\u1161",
    "ไทย",
    "हिन्दी",
    "😀",
    "𝐀bc",
    "日本語",
    "“quoted”",
    "‘single’",
    "«guillemets»",
    "—",
    "–",
    "−1",
    "…",
    "soft\u00adhyphen",
    "zero\u200bwidth",
    "(paren)",
    "[bracket]",
    "{brace}",
    "end.",
    "end!",
    "end?",
    "end:",
    "end;",
    'end"',
    "end'",
    "end)",
    "end]",
    "end}",
    "end»",
    "end”",
    "end’",
    "end…",
    "word_with_underscore",
    "\x1cfs",
]
SEPARATORS = [" ", " ", " ", "  ", "\t", " \t ", "\f", "\v", "\u00a0", "\u3000", "\u2009", "\x85", "\u2028"]
MARKERS = [
    "- ",
    "* ",
    "+ ",
    "• ",
    "1. ",
    "12) ",
    "123456789. ",
    "1234567890. ",
    "-\t",
    "-",
    "1.",
    "   - ",
    "    - ",
]
INDENTS = ["", "", "", " ", "  ", "    ", "\t", "\f", " \v"]
ENDINGS = ["\n", "\n", "\r\n", "\r"]


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["words", "words", "words", "blank", "list", "long"]))
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t", " \f\v "]))
    count = draw(st.integers(1, 30 if kind == "long" else 12))
    tokens = draw(st.lists(st.sampled_from(WORDS), min_size=count, max_size=count))
    text = ""
    for i, token in enumerate(tokens):
        if i:
            text += draw(st.sampled_from(SEPARATORS))
        text += token
    if kind == "long":
        text = (text + " ") * draw(st.integers(1, 6))
    prefix = draw(st.sampled_from(INDENTS))
    if kind == "list":
        prefix += draw(st.sampled_from(MARKERS))
    return prefix + text + draw(st.sampled_from(["", "", ".", " ", "\t"]))


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    body = draw(st.lists(lines(), min_size=1, max_size=25))
    text = ""
    for line in body:
        text += line + draw(st.sampled_from(ENDINGS))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    raw = text.encode("utf-8")
    if draw(st.booleans()):
        raw = b"\xef\xbb\xbf" + raw
    return raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=documents(), mode=st.sampled_from(MODES), params=st.sampled_from(PARAMS))
def test_generated_documents(raw: bytes, mode: str, params: LshParams) -> None:
    assert_same(decode("generated.txt", raw), mode, params)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200))
def test_arbitrary_text(text: str) -> None:
    doc = decode("arbitrary.txt", text.encode("utf-8"))
    for mode in MODES:
        assert_same(doc, mode, PARAMS[0])


def test_hard_wrapped_and_one_per_line() -> None:
    wrapped = (
        "The committee met on Tuesday to review the budget for the coming year and\n"
        "agreed to postpone the decision on the new library until the spring, when\n"
        "the final cost estimates are expected.\n"
        "    Members also discussed the state of the roads.\n\n"
        + "A long line that goes on and on past any wrap width, ending with a full stop here. " * 2
        + "\nSecond line.\n"
    )
    for raw in (wrapped, wrapped.replace("\n", "\r\n"), wrapped.replace("\n", "\r")):
        for mode in MODES:
            assert_same(decode("t.txt", raw.encode()), mode, PARAMS[0])


def test_empty_and_blank_only_documents() -> None:
    for raw in (b"", b"\xef\xbb\xbf", b"\n\n", b" \t\r\n\f\n"):
        doc = Document(
            "t.txt", raw, raw.decode("utf-8-sig"), bom=b"\xef\xbb\xbf" if raw[:1] == b"\xef" else b""
        )
        for mode in MODES:
            assert_same(doc, mode, PARAMS[0])


def test_rejects_markdown() -> None:
    doc = decode("README.md", b"# Title\n\ntext\n")
    with pytest.raises(ValueError):
        kernels.build_table_fast(doc, "auto", PARAMS[0])
    with pytest.raises(ValueError):
        kernels.build_table_fast(doc, "markdown", PARAMS[0])
    assert_same(doc, "blank", PARAMS[0])  # explicit modes ignore the suffix


def _table_normalize(text: str) -> str | None:
    """What the kernel's per-code-point table makes of ``text`` (None: fallback)."""
    length, offset, data, is_space = kernels._bmp_tables()
    out: list[str] = []
    for char in text:
        cp = ord(char)
        if cp >= 0x10000 or length[cp] < 0:
            return None
        mapped = bytes(data[offset[cp] : offset[cp] + length[cp]]).decode("utf-8")
        out.append(" " if is_space[cp] else mapped)
    return re.sub(" +", " ", "".join(out)).strip(" ")


def test_table_spaces_are_what_the_regex_collapses() -> None:
    length, offset, data, is_space = kernels._bmp_tables()
    for cp in range(0x10000):
        if length[cp] > 0:
            mapped = bytes(data[offset[cp] : offset[cp] + length[cp]]).decode("utf-8")
            assert bool(is_space[cp]) == bool(re.fullmatch(r"\s", mapped)), hex(cp)
            assert not re.search(r"\s", mapped) or is_space[cp], hex(cp)
    for cp in range(128):  # the ASCII path's own tables
        assert bool(kernels._ASCII_SPACE[cp]) == bool(re.fullmatch(r"\s", chr(cp)))
        if not kernels._ASCII_SPACE[cp]:
            assert chr(kernels._ASCII_MAP[cp]) == normalize("a" + chr(cp))[1:]


# Characters that compose or reorder with neighbours, to put next to table entries.
NEIGHBOURS = [
    "a",
    "A",
    "e",
    "s",
    "ſ",
    "\u1100",
    "가",
    "\u0b47",
    "\u0915",
    "1",
    " ",
    "é",
    "ﬁ",
    "½",
    "\u00a0",
    "…",
]


def test_table_entries_map_alone() -> None:
    length, _, _, _ = kernels._bmp_tables()
    for cp in np.flatnonzero(length >= 0).tolist():
        char = chr(cp)
        for left in NEIGHBOURS:
            text = left + char + "b"
            assert _table_normalize(text) == normalize(text), hex(cp)


@settings(max_examples=500, deadline=None)
@given(text=st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=40))
def test_table_matches_normalize(text: str) -> None:
    mapped = _table_normalize(text)
    if mapped is not None:
        assert mapped == normalize(text)


def test_lower_table_matches_islower() -> None:
    lower = kernels._lower_table()
    assert all(bool(lower[cp]) == chr(cp).islower() for cp in range(0x10000))
    assert unicodedata.unidata_version  # the tables follow the running Python's Unicode data


LIST_EDGES = [
    "1234567890. x",
    "123456789. x",
    "123456789) x",
    "1.x",
    "1. ",
    "1.\tx",
    "1. \fx",
    "    - x",
    "   - x",
    "\t\t\t- x",
    " \t - x",
    "- \u00a0x",
    "-  \tx",
    "• x",
    "•x",
    "+ x",
    "* *",
    "a. x",
    ". x",
    "1.. x",
    "",
]


@pytest.mark.parametrize("line", LIST_EDGES)
def test_list_item_edges(line: str) -> None:
    data = np.frombuffer(line.encode("utf-8"), dtype=np.uint8)
    assert kernels._is_list_item(data, 0, len(data)) == bool(LIST_ITEM_RE.match(line))
    for mode in ("auto", "line"):
        assert_same(decode("t.txt", f"Intro line.\n{line}\nnext line\n".encode()), mode, PARAMS[0])


@settings(max_examples=500, deadline=None)
@given(line=st.text(st.sampled_from(list(" \t\f\v-*+•0123456789.)aZ")), max_size=16))
def test_list_item_regex(line: str) -> None:
    data = np.frombuffer(line.encode("utf-8"), dtype=np.uint8)
    assert kernels._is_list_item(data, 0, len(data)) == bool(LIST_ITEM_RE.match(line))


SHORT_WORDS = ["a", "bb", "the", "Word", "end.", "Stop!", "é", "É", "“Q”", "x…", "ok;", "1.", "-", "ǆ"]


@st.composite
def wrapped_documents(draw: st.DrawFn) -> bytes:
    """Paragraphs of short words, so line widths and sentence ends collide often (auto rules)."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(1, 8))):
            words = draw(st.lists(st.sampled_from(SHORT_WORDS), min_size=1, max_size=30))
            out.append(draw(st.sampled_from(["", "", "", " ", "  "])) + " ".join(words))
        out.append("")
    return "\n".join(out).encode("utf-8")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=wrapped_documents())
def test_auto_rules_on_wrapped_text(raw: bytes) -> None:
    assert_same(decode("wrapped.txt", raw), "auto", PARAMS[0])


@pytest.mark.parametrize("width", [98, 99, 100, 101, 102])
def test_wrap_limit_boundary(width: int) -> None:
    longest = ("word " * 40)[: width - 1].rstrip() + "."
    longest = longest + "x" * (width - len(longest))
    for follow in ("Next line starts upper.", "next line starts lower."):
        raw = f"{longest}\n{follow}\nshort tail\n".encode()
        assert_same(decode("t.txt", raw), "auto", PARAMS[0])


def test_unicode_tables_come_back_from_the_disk_cache_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tables are computed once and then read from disk: what is read is
    what would be computed, and an unreadable cache file is recomputed."""
    monkeypatch.setattr(table_cache, "cache_files", lambda name, key: [tmp_path / f"{name}-{key}.npz"])
    kernels._unicode_tables.cache_clear()
    try:
        first = kernels._unicode_tables()
        (stored,) = tmp_path.glob("unicode-*.npz")
        kernels._unicode_tables.cache_clear()
        again = kernels._unicode_tables()
        length, offset, data, space = kernels._compute_bmp_tables()
        for name, expected in [
            ("length", length),
            ("offset", offset),
            ("bytes", data),
            ("space", space),
            ("lower", kernels._compute_lower()),
        ]:
            assert np.array_equal(first[name], expected)
            assert np.array_equal(again[name], expected)
            assert again[name].dtype == expected.dtype
        for broken in (b"not a numpy file", stored.read_bytes()[:1000]):
            stored.write_bytes(broken)
            kernels._unicode_tables.cache_clear()
            assert np.array_equal(kernels._unicode_tables()["length"], length)
    finally:
        kernels._unicode_tables.cache_clear()


def test_verification_tables_come_back_from_the_disk_cache_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verification tokeniser's BMP character classes: computed, stored,
    read back equal; a cache file of other tables is not taken for them."""
    monkeypatch.setattr(table_cache, "cache_files", lambda name, key: [tmp_path / f"{name}-{key}.npz"])
    verify_kernel._bmp_classes.cache_clear()
    try:
        expected = verify_kernel._char_classes(0x10000)
        first = verify_kernel._bmp_classes()
        (stored,) = tmp_path.glob("verify-*.npz")
        verify_kernel._bmp_classes.cache_clear()
        again = verify_kernel._bmp_classes()
        for got in (first, again):
            for table, want in zip(got, expected, strict=True):
                assert np.array_equal(table, want)
                assert table.dtype == want.dtype
        np.savez(stored, flags=expected[0])  # a file without every table
        verify_kernel._bmp_classes.cache_clear()
        assert np.array_equal(verify_kernel._bmp_classes()[2], expected[2])
        # The ASCII tables are the BMP tables' first 128 code points.
        flags, offset, folded = verify_kernel._ascii_classes()
        assert np.array_equal(flags, expected[0][:0x80])
        assert np.array_equal(offset, expected[1][:0x81])
        assert np.array_equal(folded, expected[2][: expected[1][0x80]])
    finally:
        verify_kernel._bmp_classes.cache_clear()


def test_largest_expansion_of_the_normalisation_table() -> None:
    """The output buffer bound: the most key bytes any BMP character makes per
    input byte (checked character by character against its UTF-8 length)."""
    length, _, _, _ = kernels._bmp_tables()
    worst = 1
    for cp in np.flatnonzero(length > 0).tolist():
        worst = max(worst, -(-int(length[cp]) // len(chr(cp).encode("utf-8"))))
    assert kernels._max_expansion() == worst + 1


_BLAS_PROBE = """
import sys
import dedup
dedup.OWN_PROCESS = {own}
from dedup import kernels
from dedup.table import LshParams
kernels.warm_up(LshParams(2, 128, 1, 32, 4))
import numba.np.arraymath
print(int("scipy.linalg" in sys.modules), int(numba.np.arraymath._HAVE_BLAS))
import scipy.linalg.cython_blas  # still importable afterwards
"""


@pytest.mark.parametrize("own", [True, False])
def test_blas_probe_is_skipped_only_in_the_commands_process(own: bool) -> None:
    """With the JIT, the dedup command does not import scipy.linalg just for
    numba's BLAS probe; a library user's numba keeps its BLAS. (With the
    compiled module numba is not imported at all: tests/test_jit.py.)"""
    pytest.importorskip("scipy.linalg.cython_blas")
    done = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE.format(own=own)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, AOT_ENV: "0"},
    )
    linalg, blas = map(int, done.stdout.split())
    assert (linalg, blas) == ((0, 0) if own else (1, 1))


_ANALYSIS_WARM_UP = """
import functools
import json
from dedup import api, candidates, cluster, lsh_kernel, verify_kernel
from dedup.settings import Settings
from dedup.table import LshParams


def loaded():
    return {
        f"{module.__name__}.{name}": [str(s) for s in value.signatures]
        for module in (lsh_kernel, verify_kernel)
        for name, value in sorted(vars(module).items())
        if hasattr(value, "signatures")
    }


settings = Settings()
before = loaded()
{warm}
warmed = loaded()
# Every kernel path of the analysis, even on this small input.
cluster.KERNEL_MIN_ROWS = 0
candidates.KERNEL_MIN_ROWS = 0
cluster.verify_pairs = functools.partial(cluster.verify_pairs, kernel_min=0)
calls = []
tokenise = verify_kernel.tokenise
verify_kernel.tokenise = lambda *a, **k: calls.append(1) or tokenise(*a, **k)
base = [
    "The river {w} flows north through the old valley past three small farming villages today.",
    "Caf\\u00e9 owners in the {w} quarter met on Tuesday to discuss the new parking rules again.",
    "The \\U0001d49c team {w} published its annual report on the coastal survey results this week.",
]
texts = {}
for n, template in enumerate(base):
    for k, word in enumerate(["quiet", "quiet", "calm"]):
        texts[f"t{n}-{k}.txt"] = template.replace("{w}", word) + "\\n"
result = api.check_texts(texts, settings)
print(json.dumps([before, warmed, loaded(), len(calls), len(result.findings)]))
"""


@pytest.mark.parametrize("warm", [True, False])
def test_analysis_warm_up_loads_every_kernel_the_analysis_uses(warm: bool) -> None:
    """In a fresh process with the JIT, cluster.warm_up loads the compiled
    code for the very argument types the analysis passes: the analysis then
    loads nothing more (without the warm-up it does load, so the check bites)."""
    warm_code = "cluster.warm_up(LshParams.from_settings(settings).bands)" if warm else ""
    done = subprocess.run(
        [sys.executable, "-c", _ANALYSIS_WARM_UP.replace("{warm}", warm_code)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, AOT_ENV: "0"},
    )
    before, warmed, after, calls, findings = json.loads(done.stdout)
    assert calls >= 1 and findings > 0
    assert all(not signatures for signatures in before.values())
    if warm:
        assert after == warmed
    else:
        assert after != warmed
