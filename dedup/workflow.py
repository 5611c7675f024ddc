"""``dedup check`` end to end: settings -> discovery -> check -> baseline -> fix -> reports -> exit code.

The CLI parses options into :class:`CheckOptions` and a
:class:`~dedup.config.Resolved`; everything else happens here, so the
command stays a thin layer and the steps can be tested one by one.

Exit codes: 0 clean (or ``--exit-zero``), 1 findings at or above the fail
level remain or ``--fix`` changed a file (as pre-commit's fixers do) or
``--diff`` would change one, 2 usage, configuration or input error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dedup.api import Result
from dedup.config import Resolved, render_settings
from dedup.errors import DedupError
from dedup.settings import OUTPUT_FORMATS

if TYPE_CHECKING:
    from dedup.rules.registry import RuleSettings

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class CheckOptions:
    paths: list[str]
    fix: bool = False
    diff: bool = False
    exit_zero: bool = False
    baseline: str | None = None
    update_baseline: bool = False
    output_file: str | None = None
    reports: list[str] = field(default_factory=list)
    color: str = "auto"
    quiet: bool = False
    show_files: bool = False
    show_settings: bool = False
    repo_context: bool = False


def parse_reports(specs: Sequence[str]) -> list[tuple[str, Path]]:
    """``FORMAT=PATH`` pairs of ``--report``."""
    out: list[tuple[str, Path]] = []
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        fmt = fmt.strip()
        if not sep or not path:
            raise DedupError(f"--report takes FORMAT=PATH (for example sarif=dedup.sarif), got {spec!r}")
        if fmt not in OUTPUT_FORMATS:
            raise DedupError(f"--report: unknown format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}")
        out.append((fmt, Path(path)))
    return out


def config_start(paths: Sequence[str]) -> Path:
    """Where the config search starts: the common directory of the paths."""
    dirs = []
    for p in paths:
        if p == "-" or not os.path.exists(p):
            continue
        absolute = os.path.abspath(p)
        dirs.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    if not dirs:
        return Path.cwd()
    return Path(os.path.commonpath(dirs))


def _say(stream: TextIO, message: str) -> None:
    stream.write(message + "\n")
    stream.flush()


def _write_out(data: str | bytes | Iterable[str], output_file: str | None) -> None:
    """Write a report (text, bytes or text in pieces) to stdout or atomically to a file."""
    if isinstance(data, str | bytes):
        chunks: Iterable[bytes] = [data.encode("utf-8") if isinstance(data, str) else data]
    else:
        chunks = (piece.encode("utf-8") for piece in data)
    if output_file is None or output_file == "-":
        sys.stdout.flush()
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    from dedup.rewrite import atomic_write

    atomic_write(output_file, chunks)


def _step_summary(result: Result) -> None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when it is set."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from dedup.formats.markdown import render_markdown

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(result) + "\n")
    except OSError as exc:
        raise DedupError(f"cannot write the step summary: {exc.strerror or exc}", target) from None


# The result of the command's run, kept until the process ends: the command
# leaves with os._exit (dedup.cli.run), so its millions of findings and
# clusters are never freed one object at a time (5.7 s of the 1 GB benchmark).
_KEPT: list[Result] = []


def _kept(result: Result) -> Result:
    import dedup

    if dedup.OWN_PROCESS:
        _KEPT[:] = [result]  # a result made before (--fix checks again) is freed as usual
    return result


def run_check(
    resolved: Resolved,
    opts: CheckOptions,
    stderr: TextIO | None = None,
    rules: RuleSettings | None = None,
) -> int:
    """Run ``dedup check``; returns the exit code. Raises DedupError for usage errors.

    ``rules`` selects the quality rules and the fail level (default: the
    resolved rule settings, ``resolved.rules``).
    """
    from dedup.terminal import color_enabled

    err = stderr or sys.stderr
    settings = resolved.settings
    rules = resolved.rules if rules is None else rules
    if opts.show_settings:
        _write_out(render_settings(resolved), None)
        return EXIT_OK
    if opts.fix and opts.diff:
        raise DedupError("choose one of --fix and --diff")
    if opts.update_baseline and not opts.baseline:
        raise DedupError("--update-baseline needs --baseline FILE")
    if (opts.fix or opts.diff) and "-" in opts.paths:
        raise DedupError("--fix and --diff work on files, not stdin; use 'dedup clean -' for stdin")
    reports = parse_reports(opts.reports)

    from dedup.discovery import discover, repository_files

    found = discover(opts.paths, settings, resolved.root)
    if opts.show_files:
        _write_out("".join(item.path + "\n" for item in found.files), None)
        for error in found.errors:
            _say(err, f"dedup: error: {error}")
        return EXIT_ERROR if found.errors else EXIT_OK
    if not found.files and not found.errors:
        _say(err, f"dedup: warning: {found.explain_empty()}")
        return EXIT_OK

    from dedup.api import check_inputs
    from dedup.progress import progress_bar

    context = repository_files(found.files, settings, resolved.root) if opts.repo_context else []
    with progress_bar(opts.quiet) as progress:
        result = _kept(
            check_inputs(
                found.files, settings, rules, errors=found.errors, context=context, progress=progress
            )
        )

    entries = None
    if opts.baseline:
        from dedup import baseline

        if opts.update_baseline:
            previous = baseline.load(opts.baseline) if os.path.exists(opts.baseline) else []
            written, pruned = baseline.update(result, opts.baseline, previous)
            from dedup.report import summary_line

            if not opts.quiet:
                _say(err, summary_line(result))
            _say(err, f"Baseline {opts.baseline}: {written} finding(s) recorded, {pruned} pruned.")
            return _errors_exit(result, err)
        entries = baseline.load(opts.baseline)
        result = baseline.without_baselined(result, entries, opts.baseline)

    changed_files = 0
    if opts.fix or opts.diff:
        from dedup import fixes

        planned = fixes.plan(result, unsafe=settings.unsafe_fixes)
        if opts.diff:
            _write_out(b"".join(fix.diff for fix in planned), opts.output_file)
            count = sum(len(fix.fixed) for fix in planned)
            if not opts.quiet:
                _say(err, f"Would fix {count} duplicate paragraph(s) in {len(planned)} file(s).")
            _report_errors(result, err)
            if result.errors:
                return EXIT_ERROR
            return EXIT_FINDINGS if planned and not opts.exit_zero else EXIT_OK
        from dedup.rewrite import atomic_write

        for fix in planned:
            atomic_write(fix.file.path, fix.cleaned)
        changed_files = len(planned)
        if planned:
            if not opts.quiet:
                count = sum(len(fix.fixed) for fix in planned)
                _say(err, f"Fixed {count} duplicate paragraph(s) in {changed_files} file(s).")
            # Report what is left with line numbers of the files as they are now.
            result = _kept(check_inputs(found.files, settings, rules, errors=found.errors, context=context))
            if entries is not None:
                from dedup import baseline

                result = baseline.without_baselined(result, entries, opts.baseline or "")

    fmt = settings.output_format
    from dedup.formats import HUMAN_FORMATS, render_chunks

    to_terminal = opts.output_file in (None, "-")
    color = to_terminal and fmt in HUMAN_FORMATS and color_enabled(opts.color, sys.stdout)
    _write_out(render_chunks(result, fmt, color=color), opts.output_file)
    for report_fmt, report_path in reports:
        _write_out(render_chunks(result, report_fmt), str(report_path))
    if fmt == "github" or any(f == "github" for f, _ in reports):
        _step_summary(result)
    if not opts.quiet and (fmt not in HUMAN_FORMATS or not to_terminal):
        from dedup.report import summary_line

        _say(err, summary_line(result))
    code = _errors_exit(result, err)
    if code:
        return code
    if opts.exit_zero:
        return EXIT_OK
    from dedup.duplicate_findings import worst_severity

    worst = worst_severity(result.findings)
    failing = worst is not None and worst >= rules.fail_severity
    return EXIT_FINDINGS if failing or changed_files else EXIT_OK


def _report_errors(result: Result, err: TextIO) -> None:
    for error in result.errors:
        _say(err, f"dedup: error: {error}")


def _errors_exit(result: Result, err: TextIO) -> int:
    _report_errors(result, err)
    return EXIT_ERROR if result.errors else EXIT_OK
