"""Hygiene rules: encoding and whitespace problems, found per line.

Each rule reports one finding per file, at the first offending line, with
the count and the first few line numbers in the message, so a corpus with a
stray tab on every line produces one finding per file, not thousands.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache, partial
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from dedup.models import Finding, Severity
from dedup.rules.base import FileContext, Param, Rule, Scope, line_list

_UTF16_32_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32-LE"),
    (b"\x00\x00\xfe\xff", "UTF-32-BE"),
    (b"\xff\xfe", "UTF-16-LE"),
    (b"\xfe\xff", "UTF-16-BE"),
)


class _PerLineRule(Rule):
    """A rule that flags lines for which :meth:`bad` is true."""

    scope = Scope.FILE
    what: str = ""

    def bad(self, number: int, text: str) -> bool:
        """Whether line ``number`` (1-based), ``text`` without its terminator, is bad."""
        raise NotImplementedError

    def may_apply(self, text: str) -> bool:
        """False when no line of ``text`` can be bad: one scan of the whole
        text instead of one per line."""
        return True

    def line_pattern(self) -> re.Pattern[str] | None:
        """A pattern that matches (within the line) in every bad line, or
        None: then every line of :attr:`FileContext.line_texts` is tested.
        Only the lines it matches in are given to :meth:`bad`."""
        return None

    def bad_lines(self, ctx: FileContext) -> list[int]:
        pattern = self.line_pattern()
        lines: Iterable[tuple[int, str]]
        lines = enumerate(ctx.line_texts, 1) if pattern is None else ctx.lines_matching(pattern)
        return [number for number, text in lines if self.bad(number, text)]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not self.may_apply(ctx.text):
            return
        numbers = self.bad_lines(ctx)
        if numbers:
            yield self.file_finding(
                ctx,
                f"{len(numbers)} line(s) with {self.what} (line {line_list(numbers)})",
                {"lines": len(numbers)},
                line=numbers[0],
                end_line=numbers[-1],
            )


class InvalidUtf8(Rule):
    code = "ENC001"
    name = "invalid-utf8"
    scope = Scope.FILE
    default_severity = Severity.ERROR
    summary = "Bytes that are not valid UTF-8"
    explanation = (
        "The file is meant to be UTF-8 but contains byte sequences that are not valid "
        "UTF-8, usually because it was saved in Latin-1 or Windows-1252, or was cut "
        "in the middle of a multi-byte character. Tools disagree on how to read such "
        "bytes, so duplicates and statistics become unreliable. The message gives the "
        "byte offset of the first bad byte. Fix: re-encode the file as UTF-8 (for "
        "example `iconv -f cp1252 -t utf-8`)."
    )
    source = "Unicode Standard, section 3.9 (well-formed UTF-8)."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        doc = ctx.doc
        if doc.encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf8"):
            return
        body = doc.raw[len(doc.bom) :]
        try:
            body.decode("utf-8")
            return
        except UnicodeDecodeError as err:
            first = err.start
        bad = sum(1 for ch in body.decode("utf-8", "surrogateescape") if "\udc80" <= ch <= "\udcff")
        offset = len(doc.bom) + first
        line = doc.raw.count(b"\n", 0, offset) + 1
        yield self.file_finding(
            ctx,
            f"invalid UTF-8 at byte offset {offset} ({bad} undecodable byte(s) in total)",
            {"byte_offset": offset, "bytes": bad},
            line=line,
            end_line=line,
        )


class NotUtf8(Rule):
    code = "ENC002"
    name = "not-utf8"
    scope = Scope.FILE
    default_severity = Severity.WARNING
    summary = "File is UTF-16 or UTF-32, not UTF-8"
    explanation = (
        "The file starts with a UTF-16 or UTF-32 byte order mark (or was decoded as "
        "such). Most text tooling, diff viewers and data pipelines expect UTF-8; "
        "UTF-16 files look like binary to them. Fix: convert the file to UTF-8."
    )
    source = "Unicode FAQ 'UTF-8, UTF-16, UTF-32 & BOM'."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        encoding = ctx.doc.encoding.replace("_", "-").lower()
        found = next((n for bom, n in _UTF16_32_BOMS if ctx.doc.raw.startswith(bom)), None)
        if found is None and encoding.startswith(("utf-16", "utf-32")):
            found = encoding.upper()
        if found is not None:
            yield self.file_finding(ctx, f"file is encoded as {found}, not UTF-8", line=1)


class Mojibake(_PerLineRule):
    code = "ENC003"
    name = "mojibake"
    default_severity = Severity.WARNING
    summary = "Text decoded with the wrong encoding (mojibake)"
    what = "mojibake such as 'Ã©' or 'â€™'"
    explanation = (
        "Lines whose characters look like UTF-8 that was decoded as Latin-1 or "
        "Windows-1252 (for example 'cafÃ©' for 'café', 'â€™' for a right quote). "
        "Detection uses ftfy's badness heuristic (`ftfy.badness.is_bad`), which looks "
        "for character sequences that almost never occur in real text; without ftfy a "
        "small pattern list of the commonest sequences is used. Fix: `ftfy.fix_text` "
        "or re-decode the original bytes correctly."
    )
    source = "Speer, R. ftfy (fixes text for you), https://github.com/rspeer/python-ftfy."

    _fallback = re.compile("[ÃÂ][\u0080-\u00bf]|â€[\u0080-\u00bf™œ˜šž“”•–—]")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        prefilter = mojibake_prefilter()
        if prefilter is not None:
            # No prefilter match, no window: most lines cost one scan, and
            # ftfy is only imported for a line the prefilter finds.
            self._is_bad: Callable[[str], bool] = partial(_bad_where_prefilter_finds, prefilter)
        else:
            try:
                from ftfy.badness import is_bad
            except ImportError:  # pragma: no cover - ftfy is a dependency
                self._is_bad = lambda s: bool(self._fallback.search(s))
            else:
                self._is_bad = is_bad
        yield from super().check(ctx)

    def may_apply(self, text: str) -> bool:
        return not text.isascii()

    def bad(self, number: int, text: str) -> bool:
        return not text.isascii() and self._is_bad(text)


#: SHA-256 of the text of ftfy's ``BADNESS_RE`` that :func:`mojibake_prefilter`
#: was derived from (ftfy 6.3.1).
_ANALYSED_BADNESS_RE = "9dcc0f2ac90d9ae3c85eb7b9b2c0b8a8e8126153847c2b30c91a0bb263f3b8c4"


#: The analysed badness pattern matches at most 7 characters (its only
#: context-dependent part is a ``^``), and a prefilter match is one or two:
#: every badness match lies within this many characters of the start of a
#: prefilter match that ``finditer`` gives.
_BADNESS_REACH = 9


def bad_near_prefilter(prefilter: re.Pattern[str], badness: re.Pattern[str], text: str) -> bool:
    """``badness.search(text)`` for the analysed pattern (see
    :func:`mojibake_prefilter`), searched only around the prefilter's
    matches: every badness match contains one. ``search(text, pos, endpos)``
    keeps ``^`` at the real start of the text. ftfy's pattern is slow on a
    long line; the windows are a few characters each."""
    for match in prefilter.finditer(text):
        start = match.start()
        if badness.search(text, max(0, start - _BADNESS_REACH), start + _BADNESS_REACH) is not None:
            return True
    return False


def _bad_where_prefilter_finds(prefilter: re.Pattern[str], text: str) -> bool:
    """:func:`bad_near_prefilter` with ftfy's pattern, imported the first
    time a line has a prefilter match (most files have none)."""
    return prefilter.search(text) is not None and bad_near_prefilter(prefilter, _badness(), text)


@lru_cache(maxsize=1)
def _badness() -> re.Pattern[str]:
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE


@lru_cache(maxsize=1)
def mojibake_prefilter() -> re.Pattern[str] | None:
    """A cheap pattern that finds something in every string in which ftfy's
    badness pattern finds something, or None for an ftfy whose pattern was
    not analysed (or no ftfy).

    ftfy's pattern is slow (about 70 µs per line of prose) because its
    alternatives start with ASCII letters and spaces, so the regex engine
    tries every alternative at every position. Each alternative needs,
    somewhere in its match, one character from a short list (for example
    ``[a-zA-Z][lower_common][bad]`` needs a ``bad`` character, ``вЂ`` needs
    ``Ђ``), or, for the three alternatives built from common characters
    only, one of three two-character sequences:
    ``[lower_accented][start_punctuation end_punctuation]`` (from
    ``[accented][punctuation]\\w``), ``[end_punctuation][lower_accented]``
    and ``[end_punctuation][start_punctuation]``. A line without any of them
    cannot be bad, and only the other lines are given to ``is_bad``; the
    result is the same. On Wikipedia and Reuters one non-ASCII line in ten
    passes the filter (``tests/test_rules_hygiene.py`` checks it against
    ``is_bad``).

    Importing ftfy takes ~45 ms, a sixth of the start-up of ``dedup check``
    on one small file, so the pattern is kept on disk (as the kernels'
    tables are, :mod:`dedup.table_cache`) under a hash of ftfy's
    ``badness.py`` and of this module: a file with no prefilter match never
    imports ftfy.
    """
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("ftfy")
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        badness = (Path(next(iter(spec.submodule_search_locations))) / "badness.py").read_bytes()
        own = Path(__file__).read_bytes()
    except OSError:
        return _compile(_prefilter_pattern())
    from dedup.table_cache import load_cached

    key = hashlib.sha256(badness + own).hexdigest()[:20]
    stored = load_cached("mojibake", key, ("pattern",), lambda: {"pattern": _encoded(_prefilter_pattern())})
    return _compile(bytes(stored["pattern"]).decode("utf-8"))


def _encoded(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _compile(pattern: str) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _prefilter_pattern() -> str:
    """The text of :func:`mojibake_prefilter`'s pattern for the installed
    ftfy ("" when its pattern was not analysed)."""
    from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

    if hashlib.sha256(BADNESS_RE.pattern.encode()).hexdigest() != _ANALYSED_BADNESS_RE:
        return ""
    single = "{c1}{bad}{upper_accented}{box}{currency}{numeric}{law}ŒœÙ‚ЂВГРСΒΓΞΟ"
    pairs = (
        "[{lower_accented}][{start_punctuation}{end_punctuation}]",
        "[{end_punctuation}][{lower_accented}{start_punctuation}]",
    )
    return "|".join(("[" + single + "]", *pairs)).format(**MOJIBAKE_CATEGORIES)


class ReplacementCharacter(_PerLineRule):
    code = "ENC004"
    name = "replacement-character"
    default_severity = Severity.WARNING
    summary = "U+FFFD replacement characters"
    what = "U+FFFD replacement characters"
    explanation = (
        "U+FFFD (�) is what a decoder writes when it met bytes it could not decode. "
        "The original characters are lost; the text was damaged upstream. Fix: go "
        "back to the source bytes, or drop the damaged paragraphs."
    )
    source = "Unicode Standard, section 3.9 (U+FFFD substitution)."

    def may_apply(self, text: str) -> bool:
        return "\ufffd" in text

    def line_pattern(self) -> re.Pattern[str] | None:
        return _REPLACEMENT

    def bad(self, number: int, text: str) -> bool:
        return "\ufffd" in text


class BomInMiddle(_PerLineRule):
    code = "ENC005"
    name = "bom-in-middle"
    default_severity = Severity.WARNING
    summary = "Byte order mark (U+FEFF) after the start of the file"
    what = "a byte order mark (U+FEFF) inside the text"
    explanation = (
        "A U+FEFF character anywhere but at the very start is a leftover BOM, usually "
        "from concatenating files that each had one. It is invisible and makes equal "
        "paragraphs compare unequal. Fix: delete the character."
    )
    source = "Unicode FAQ 'UTF-8, UTF-16, UTF-32 & BOM'."

    def may_apply(self, text: str) -> bool:
        return "\ufeff" in text

    def line_pattern(self) -> re.Pattern[str] | None:
        return _BOM

    def bad(self, number: int, text: str) -> bool:
        if number == 1 and text.startswith("\ufeff"):
            return "\ufeff" in text[1:]
        return "\ufeff" in text


# C0 controls but tab, line feed, form feed and carriage return; DEL; C1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_NOT_C0_BYTES = bytes(b for b in range(256) if not re.fullmatch(b"[\x00-\x08\x0b\x0e-\x1f\x7f]", bytes([b])))
_C1_BYTES = re.compile(b"\xc2[\x80-\x9f]")
_REPLACEMENT = re.compile("\ufffd")
_BOM = re.compile("\ufeff")
# A space, tab, no-break or ideographic space at the end of a line is trailing.
_SPACES = (" ", "\t", "\u00a0", "\u3000")


class ControlCharacter(_PerLineRule):
    code = "TXT001"
    name = "control-character"
    default_severity = Severity.WARNING
    summary = "Control characters such as NUL"
    what = "control characters (NUL, ESC, C1 controls ...)"
    explanation = (
        "C0 and C1 control characters other than tab, line feed, carriage return "
        "and form feed have no place in text: NUL bytes usually mean a binary or "
        "UTF-16 file, C1 controls (U+0080-U+009F) usually mean Windows-1252 text "
        "decoded as Latin-1, and ESC sequences are terminal colour codes captured "
        "from a log. Fix: remove them or re-decode the file."
    )
    source = "Unicode general category Cc."

    def may_apply(self, text: str) -> bool:
        # In UTF-8 a C0 control or DEL is that byte, and a C1 control is
        # 0xC2 then 0x80-0x9F; deleting every other byte and a search for
        # the pair are much faster than the pattern over the text.
        data = text.encode("utf-8", "surrogatepass")
        return bool(data.translate(None, _NOT_C0_BYTES)) or _C1_BYTES.search(data) is not None

    def line_pattern(self) -> re.Pattern[str] | None:
        return _CONTROL

    def bad(self, number: int, text: str) -> bool:
        return _CONTROL.search(text) is not None


_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u180e\u00ad")
_ZERO_WIDTH_CHAR = re.compile("[" + "".join(sorted(_ZERO_WIDTH)) + "]")
_JOINERS = frozenset("\u200c\u200d")


def _has_zero_width(text: str) -> bool:
    for i, ch in enumerate(text):
        if ch not in _ZERO_WIDTH:
            continue
        if ch in _JOINERS and 0 < i < len(text) - 1:
            before, after = text[i - 1], text[i + 1]
            # ZWJ/ZWNJ are part of writing in Indic and Arabic scripts and of
            # emoji sequences: legitimate between two non-ASCII characters.
            if not before.isascii() and not after.isascii():
                continue
        return True
    return False


class ZeroWidthCharacter(_PerLineRule):
    code = "TXT002"
    name = "zero-width-character"
    default_severity = Severity.WARNING
    summary = "Invisible zero-width characters"
    what = "zero-width characters (U+200B, U+2060, soft hyphen ...)"
    explanation = (
        "Zero-width space, word joiner, soft hyphen and stray zero-width (non-)joiners "
        "are invisible but change the text: two paragraphs that look the same compare "
        "unequal, and searches fail. ZWJ/ZWNJ between two non-ASCII characters "
        "(Indic and Arabic scripts, emoji sequences) are legitimate and not reported. "
        "Fix: delete the characters."
    )
    source = "Unicode Standard, chapter 23.2 (layout controls)."

    def may_apply(self, text: str) -> bool:
        return not text.isascii() and any(ch in text for ch in _ZERO_WIDTH)

    def line_pattern(self) -> re.Pattern[str] | None:
        return _ZERO_WIDTH_CHAR

    def bad(self, number: int, text: str) -> bool:
        return not text.isascii() and _has_zero_width(text)


class MixedLineEndings(Rule):
    code = "TXT003"
    name = "mixed-line-endings"
    scope = Scope.FILE
    default_severity = Severity.WARNING
    summary = "Mixed CRLF / LF / CR line endings"
    explanation = (
        "The file uses more than one line ending. Editors and diff tools then show "
        "spurious changes, and line-based tools disagree on line numbers. Fix: "
        "normalise to one ending (pre-commit's `mixed-line-ending` hook does this)."
    )
    source = "pre-commit-hooks, mixed_line_ending.py."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        raw = ctx.doc.raw
        crlf = raw.count(b"\r\n")
        lf = raw.count(b"\n") - crlf
        cr = raw.count(b"\r") - crlf
        kinds = {"CRLF": crlf, "LF": lf, "CR": cr}
        used = {k: v for k, v in kinds.items() if v}
        if len(used) < 2:
            return
        major = max(used, key=lambda k: used[k])
        minority = [ln for ln in ctx.lines if _ending(raw, ln.end, ln.stop) not in ("", major)]
        counts = ", ".join(f"{v} {k}" for k, v in used.items())
        yield self.file_finding(
            ctx,
            f"mixed line endings: {counts}",
            {k.lower(): float(v) for k, v in kinds.items()},
            line=minority[0].number if minority else 1,
            end_line=minority[-1].number if minority else 1,
        )


def _ending(raw: bytes, end: int, stop: int) -> str:
    return {b"\r\n": "CRLF", b"\n": "LF", b"\r": "CR"}.get(raw[end:stop], "")


class TrailingWhitespace(_PerLineRule):
    code = "TXT004"
    name = "trailing-whitespace"
    default_severity = Severity.INFO
    summary = "Whitespace at the end of lines"
    what = "trailing whitespace"
    explanation = (
        "Spaces or tabs at the end of a line are invisible, produce noisy diffs and "
        "make otherwise equal lines differ. Fix: strip them (pre-commit's "
        "`trailing-whitespace` hook)."
    )
    source = "pre-commit-hooks, trailing_whitespace_fixer.py."

    def may_apply(self, text: str) -> bool:
        # Substring searches are far faster than the pattern on clean text.
        return text.endswith(_SPACES) or any(s + end in text for s in _SPACES for end in "\n\r")

    def bad(self, number: int, text: str) -> bool:
        return text.endswith(_SPACES)


class LongLine(_PerLineRule):
    code = "TXT005"
    name = "long-line"
    default_severity = Severity.WARNING
    summary = "Very long lines"
    what = "very long lines"
    params: ClassVar[Mapping[str, Param]] = {
        "max_chars": Param(10_000, "Longest line allowed, in characters.")
    }
    explanation = (
        "A line of tens of thousands of characters is rarely prose: it is usually "
        "minified code, a base64 blob, or a whole document flattened into one line. "
        "It also defeats line-based tools. The limit is far above any natural "
        "paragraph (Wikipedia's longest paragraphs are a few thousand characters)."
    )
    source = "dedup."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        limit = self.value("max_chars")
        if limit is None:
            return
        self._limit = limit
        longest = max(map(len, ctx.line_texts), default=0)
        ctx.metrics["longest_line"] = float(longest)
        if longest > limit:
            yield from super().check(ctx)

    def bad(self, number: int, text: str) -> bool:
        return len(text) > self._limit


class EmptyFile(Rule):
    code = "TXT006"
    name = "empty-file"
    scope = Scope.FILE
    default_severity = Severity.WARNING
    summary = "Empty or whitespace-only file"
    explanation = (
        "The file has no text at all, or only whitespace. In a dataset this is a "
        "failed extraction; in a docs tree a forgotten placeholder. Fix: delete the "
        "file or fill it."
    )
    source = "dedup."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.doc.raw:
            yield self.file_finding(ctx, "file is empty", line=1, end_line=1)
        elif not ctx.text.strip():
            yield self.file_finding(ctx, "file contains only whitespace", line=1)


class HeuristicsSkipped(Rule):
    code = "TXT007"
    name = "heuristics-skipped"
    scope = Scope.FILE
    default_severity = Severity.INFO
    summary = "File too large for the content heuristics"
    explanation = (
        "Files larger than `max-heuristic-bytes` (default 10 MB) are checked for "
        "hygiene and duplicates, but the word-based heuristics (GQ, GR, FW, C4) are "
        "skipped: they would take minutes and such a file is not a document anyway. "
        "This note says so, so that silence is not mistaken for a pass."
    )
    source = "dedup."

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.run_heuristics:
            yield self.file_finding(ctx, f"file is {ctx.doc.size} bytes: content heuristics skipped")


HYGIENE_RULES: tuple[type[Rule], ...] = (
    InvalidUtf8,
    NotUtf8,
    Mojibake,
    ReplacementCharacter,
    BomInMiddle,
    ControlCharacter,
    ZeroWidthCharacter,
    MixedLineEndings,
    TrailingWhitespace,
    LongLine,
    EmptyFile,
    HeuristicsSkipped,
)
