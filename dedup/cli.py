"""The ``dedup`` command: options -> Settings -> api -> report -> exit code.

Exit codes: 0 nothing found, 1 findings (``check``) or changes (``clean
--diff``), 2 usage, configuration or input error, 130 interrupted (Ctrl-C).
Machine output goes to stdout; errors and progress go to stderr. Errors are
one line each; a traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import traceback
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from dedup import __version__
from dedup.errors import DedupError
from dedup.interrupts import stop_on_ctrl_c

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report a command ended by SIGINT

app = typer.Typer(
    name="dedup",
    help="Find and remove duplicated and near-duplicated paragraphs in text files.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_debug = False


class Split(StrEnum):
    auto = "auto"
    blank = "blank"
    line = "line"
    markdown = "markdown"


class Keep(StrEnum):
    first = "first"
    longest = "longest"
    none = "none"


class Format(StrEnum):
    full = "full"
    concise = "concise"
    json = "json"
    json_lines = "json-lines"
    sarif = "sarif"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"
    markdown = "markdown"


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def _err(message: str) -> None:
    sys.stderr.write(f"dedup: error: {message}\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"dedup {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    global _debug
    _debug = debug or _debug


PathsArg = Annotated[
    list[str],
    typer.Argument(
        help="Files or directories to read (directories recursively); '-' reads stdin.",
        show_default=False,
        metavar="PATH...",
    ),
]
# Options that set a Settings field default to None: "not given", so the
# config file and the defaults show through and `dedup config` can say where
# each value came from.
SplitOpt = Annotated[
    Split | None, typer.Option("--split", help="How files are cut into paragraphs.", show_default=False)
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option("--threshold", min=0.01, max=1.0, help="Minimum verified similarity for near duplicates."),
]
KeepOpt = Annotated[Keep | None, typer.Option("--keep", help="Which copy of each cluster is kept.")]
MinWordsOpt = Annotated[
    int | None, typer.Option("--min-words", min=0, help="Ignore paragraphs with fewer words.")
]
MinCharsOpt = Annotated[
    int | None, typer.Option("--min-chars", min=0, help="Ignore paragraphs with fewer characters.")
]
NearOpt = Annotated[
    bool | None,
    typer.Option("--near/--exact-only", help="Also find near duplicates (DUP002).", show_default=False),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-j",
        min=0,
        help="Worker processes for reading and fingerprinting, threads for LSH and verification (0 = all cores).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only findings / errors, no progress.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        help="Rules to run: codes, code prefixes or names, comma-separated (default: all but C4005; ALL for every rule).",
    ),
]
IgnoreOpt = Annotated[
    list[str] | None, typer.Option("--ignore", help="Rules not to run (codes or prefixes).")
]
ExtendSelectOpt = Annotated[
    list[str] | None, typer.Option("--extend-select", help="Rules to run in addition to --select.")
]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Lowest severity that makes the exit code 1: error, warning or info (default warning).",
        show_default=False,
    ),
]


def _report_errors(errors: list[DedupError]) -> None:
    for error in errors:
        _err(str(error))


def _write_stdout(data: str | bytes) -> None:
    if isinstance(data, str):
        data = data.encode("utf-8")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", help="Read settings from this TOML file (default: the closest config file)."),
]
IsolatedOpt = Annotated[bool, typer.Option("--isolated", help="Ignore configuration files.")]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude", help="Paths to skip (.gitignore syntax); replaces the configured list."),
]
ExtendExcludeOpt = Annotated[
    list[str] | None, typer.Option("--extend-exclude", help="More paths to skip (.gitignore syntax).")
]
ForceExcludeOpt = Annotated[
    bool | None,
    typer.Option(
        "--force-exclude/--no-force-exclude",
        help="Apply excludes and include globs even to files named on the command line.",
        show_default=False,
    ),
]
RespectGitignoreOpt = Annotated[
    bool | None,
    typer.Option(
        "--respect-gitignore/--no-respect-gitignore",
        help="Skip files git ignores.",
        show_default=False,
    ),
]


def _resolve(paths: list[str], config: str | None, isolated: bool, **options: Any) -> Any:
    from dedup.config import resolve
    from dedup.workflow import config_start

    cli = {k: (v.value if isinstance(v, Enum) else v) for k, v in options.items()}
    for name, value in cli.items():
        if isinstance(value, list):
            cli[name] = tuple(value)
    return resolve(cli, config=config, isolated=isolated, start=config_start(paths))


@app.command()
def check(
    paths: PathsArg,
    split: SplitOpt = None,
    threshold: ThresholdOpt = None,
    keep: KeepOpt = None,
    min_words: MinWordsOpt = None,
    min_chars: MinCharsOpt = None,
    near: NearOpt = None,
    output_format: Annotated[
        Format | None,
        typer.Option(
            "--output-format",
            "--format",
            "-f",
            help="Output format (default full; env DEDUP_OUTPUT_FORMAT).",
            show_default=False,
        ),
    ] = None,
    output_file: Annotated[
        str | None, typer.Option("--output-file", "-o", help="Write the report to this file, not stdout.")
    ] = None,
    report: Annotated[
        list[str] | None,
        typer.Option("--report", help="Also write FORMAT=PATH (repeatable), e.g. sarif=dedup.sarif."),
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Delete exact duplicates in place (exit 1 if a file changed).")
    ] = False,
    unsafe_fixes: Annotated[
        bool | None,
        typer.Option(
            "--unsafe-fixes/--no-unsafe-fixes",
            help="Let --fix and --diff also delete near duplicates.",
            show_default=False,
        ),
    ] = None,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show what --fix would change; write nothing.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Ignore the findings recorded in this baseline file.")
    ] = None,
    update_baseline: Annotated[
        bool, typer.Option("--update-baseline", help="Write the current findings to the --baseline file.")
    ] = False,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    exclude: ExcludeOpt = None,
    extend_exclude: ExtendExcludeOpt = None,
    force_exclude: ForceExcludeOpt = None,
    respect_gitignore: RespectGitignoreOpt = None,
    repo_context: Annotated[
        bool,
        typer.Option(
            "--repo-context",
            help="Also read the repository's other files to find the given files' duplicates; "
            "report only the given files (the pre-commit hooks use this).",
        ),
    ] = False,
    show_settings: Annotated[
        bool, typer.Option("--show-settings", help="Print the effective settings and their origin.")
    ] = False,
    show_files: Annotated[
        bool, typer.Option("--show-files", help="List the files that would be checked.")
    ] = False,
    color: Annotated[
        Color, typer.Option("--color", help="Colour human output (NO_COLOR/FORCE_COLOR).")
    ] = Color.auto,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    extend_select: ExtendSelectOpt = None,
    fail_on: FailOnOpt = None,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Report duplicate paragraphs and quality problems.

    Exit 0: nothing at or above --fail-on, 1: findings at or above it (or --fix
    changed a file), 2: error.
    """
    global _debug
    _debug = debug or _debug
    from dedup.workflow import CheckOptions, run_check

    resolved = _resolve(
        paths,
        config,
        isolated,
        split=split,
        threshold=threshold,
        keep=keep,
        min_words=min_words,
        min_chars=min_chars,
        near=near,
        output_format=output_format,
        workers=workers,
        exclude=exclude,
        extend_exclude=extend_exclude,
        force_exclude=force_exclude,
        respect_gitignore=respect_gitignore,
        unsafe_fixes=unsafe_fixes,
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        fail_on=fail_on,
    )
    options = CheckOptions(
        paths=paths,
        fix=fix,
        diff=diff,
        exit_zero=exit_zero,
        baseline=baseline,
        update_baseline=update_baseline,
        output_file=output_file,
        reports=report or [],
        color=color.value,
        quiet=quiet,
        show_files=show_files,
        show_settings=show_settings,
        repo_context=repo_context,
    )
    raise typer.Exit(run_check(resolved, options))


@app.command("config")
def show_config(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Paths whose configuration to show (default: .).", show_default=False, metavar="[PATH]..."
        ),
    ] = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
) -> None:
    """Print the effective settings, and where each one came from."""
    from dedup.config import render_settings

    resolved = _resolve(paths or ["."], config, isolated)
    _write_stdout(render_settings(resolved))


@app.command("rules")
def list_rules(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List every rule: code, name, scope, default severity, summary."""
    import json

    from dedup.rules.registry import ALL_RULES

    if output_format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "scope": r.scope.value,
                "severity": r.default_severity.label,
                "summary": r.summary,
                "thresholds": {k: p.default for k, p in r.params.items()},
            }
            for r in ALL_RULES
        ]
        _write_stdout(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    if output_format != "text":
        raise DedupError(f"unknown format {output_format!r}: use text or json")
    lines = [
        f"{r.code:<7} {r.name:<30} {r.scope.value:<9} {r.default_severity.label:<7} {r.summary}"
        for r in ALL_RULES
    ]
    _write_stdout("\n".join(lines) + "\n")


@app.command("rule")
def explain_rule(
    code: Annotated[str, typer.Argument(help="Rule code or name, e.g. GR001.", metavar="CODE")],
) -> None:
    """Explain one rule: what it finds, why, its thresholds and its source."""
    from dedup.rules.registry import get_rule

    rule = get_rule(code)
    out = [
        f"{rule.code} ({rule.name})",
        "",
        f"{rule.summary}.",
        f"Scope: {rule.scope.value}. Default severity: {rule.default_severity.label}.",
        "",
        rule.explanation,
    ]
    if rule.params:
        out += ["", f'Thresholds (set in [tool.dedup.rules.{rule.code}]; "off" disables a check):']
        out += [f"  {key} = {p.default!r}: {p.help}" for key, p in rule.params.items()]
    out += ["", f"Source: {rule.source}"]
    _write_stdout("\n".join(out) + "\n")


def _drop_rules(drop: list[str], configured: Any) -> Any:
    """Rule settings for ``clean``: the duplicates plus the ``--drop`` rules
    (paragraph-scope only: file-scope rules cannot drop a paragraph), with
    the configured thresholds, tokenizer and heuristic limits."""
    from dataclasses import replace

    from dedup.rules.base import Scope
    from dedup.rules.registry import ALL_RULES, RuleSettings

    wanted = RuleSettings(select=tuple(drop)) if drop else RuleSettings(select=("DUP",))
    chosen = [r for r in ALL_RULES if wanted.is_selected(r)]
    for rule in chosen:
        if rule.scope is not Scope.PARAGRAPH:
            raise DedupError(
                f"--drop {rule.code}: {rule.name} is a file-scope rule; it cannot drop a paragraph"
            )
    return replace(configured, select=("DUP", *(r.code for r in chosen)), ignore=(), extend_select=())


def _output_path(out_dir: Path, relative: str) -> Path:
    target = (out_dir / relative).resolve()
    if out_dir.resolve() not in target.parents:
        raise DedupError(f"output path {target} escapes --out {out_dir}")
    return target


@app.command()
def clean(
    paths: PathsArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write cleaned copies here, mirroring the input tree.")
    ] = None,
    in_place: Annotated[bool, typer.Option("--in-place", "-i", help="Rewrite the files atomically.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff and write nothing.")] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report", help="Also write report.json and changes.diff into this directory."),
    ] = None,
    split: SplitOpt = None,
    threshold: ThresholdOpt = None,
    keep: KeepOpt = None,
    min_words: MinWordsOpt = None,
    min_chars: MinCharsOpt = None,
    near: NearOpt = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop",
            help="Also remove paragraphs flagged by these paragraph-scope rules (e.g. BP001,C4003).",
        ),
    ] = None,
    config: ConfigOpt = None,
    isolated: IsolatedOpt = False,
    exclude: ExcludeOpt = None,
    extend_exclude: ExtendExcludeOpt = None,
    force_exclude: ForceExcludeOpt = None,
    respect_gitignore: RespectGitignoreOpt = None,
    show_settings: Annotated[
        bool, typer.Option("--show-settings", help="Print the effective settings and their origin.")
    ] = False,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Remove duplicate paragraphs, keeping one copy of each.

    Settings come from the command line, the config file and the defaults,
    as for ``check``; the rule selection is the duplicates plus --drop.
    Exit 0 on success (with --diff: 0 no changes, 1 changes), 2 on error.
    """
    global _debug
    _debug = debug or _debug
    resolved = _resolve(
        paths,
        config,
        isolated,
        split=split,
        threshold=threshold,
        keep=keep,
        min_words=min_words,
        min_chars=min_chars,
        near=near,
        workers=workers,
        exclude=exclude,
        extend_exclude=extend_exclude,
        force_exclude=force_exclude,
        respect_gitignore=respect_gitignore,
    )
    if show_settings:
        from dedup.config import render_settings

        _write_stdout(render_settings(resolved))
        raise typer.Exit(EXIT_OK)
    modes = sum((out is not None, in_place, diff))
    reads_stdin = "-" in paths
    if modes > 1:
        raise DedupError("choose one of --out DIR, --in-place and --diff")
    if modes == 0 and not reads_stdin:
        raise DedupError("say where cleaned text goes: --out DIR, --in-place, or --diff to preview")
    from dedup.api import check_paths
    from dedup.api import clean as clean_result
    from dedup.report import render_json, summary_line
    from dedup.rewrite import atomic_write

    rules = _drop_rules(drop or [], resolved.rules)
    from dedup.progress import progress_bar

    with progress_bar(quiet) as progress:
        result = check_paths(
            paths, resolved.settings, rules, rules.select[1:], progress=progress, root=resolved.root
        )
    errors = list(result.errors)
    diffs: list[bytes] = []
    targets: dict[Path, str] = {}
    changed = 0
    cleaning = clean_result(result)
    for change in cleaning.changes:
        file, patch = change.file, change.diff
        if patch:
            diffs.append(patch)
        try:
            if file.path == "-" and out is None:
                if not diff:
                    _write_stdout(change.cleaned)
                changed += bool(patch)
            elif diff:
                changed += bool(patch)
            elif out is not None:
                target = _output_path(out, file.item.relative)
                if target in targets:
                    raise DedupError(
                        f"two inputs would be written to {target}: {targets[target]} and {file.path}"
                    )
                if file.path != "-" and target == Path(file.path).resolve():
                    raise DedupError("--out would overwrite the input; use --in-place for that", file.path)
                targets[target] = file.path
                atomic_write(target, change.cleaned)
                changed += bool(patch)
            elif in_place and patch:
                atomic_write(file.path, change.cleaned)
                changed += 1
        except DedupError as exc:
            if exc.path is None:
                exc = DedupError(exc.message, file.path)
            errors.append(exc)
        file.release()  # one file's text in memory at a time
    if diff:
        _write_stdout(b"".join(diffs))
    if report_dir is not None:
        atomic_write(report_dir / "report.json", render_json(result, cleaning.findings).encode("utf-8"))
        atomic_write(report_dir / "changes.diff", b"".join(diffs))
    if not quiet:
        action = "would change" if diff else "changed"
        sys.stderr.write(f"{summary_line(result)} {action.capitalize()} {changed} file(s).\n")
    _report_errors(errors)
    if errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if diff and changed else EXIT_OK)


def _usage_error_message(exc: Exception) -> str | None:
    """The one-line message of a Click/Typer usage error, or None."""
    format_message = getattr(exc, "format_message", None)
    if not callable(format_message) or not hasattr(exc, "exit_code"):
        return None
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return f"{format_message()}{hint}"


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn every error into one line and exit 2."""
    seen = [False]
    code: int | None = None
    try:
        with stop_on_ctrl_c(seen, show_debris=lambda: _debug):
            code = _main(argv)
    except KeyboardInterrupt:  # Ctrl-C again as the command ends
        seen[0] = True
    if code is None or seen[0]:  # also a Ctrl-C that something swallowed
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        _err("interrupted")
    return code


def _main(argv: list[str] | None) -> int:
    global _debug
    args = list(sys.argv[1:] if argv is None else argv)
    _debug = "--debug" in args or os.environ.get("DEDUP_DEBUG") == "1"
    try:
        code = app(args=args, prog_name="dedup", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except DedupError as exc:
        if _debug:
            traceback.print_exc()
        _err(str(exc))
        return EXIT_ERROR
    except (KeyboardInterrupt, typer.Abort):
        return EXIT_INTERRUPTED  # (main says so)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the promise: no traceback without --debug
        if _debug:
            traceback.print_exc()
        if type(exc).__name__ == "NoArgsIsHelpError":
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                sys.stdout.write(ctx.get_help() + "\n")
                return EXIT_OK
        message = _usage_error_message(exc)
        if message is not None:
            _err(message)
        else:
            _err(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)")
        return EXIT_ERROR
    # (Typer answers Ctrl-C with EXIT_INTERRUPTED, which dedup itself never returns.)
    return code if isinstance(code, int) else EXIT_OK


def run() -> NoReturn:
    """The ``dedup`` command: :func:`main`, then leave at once.

    Everything the command does is finished when :func:`main` returns
    (reports written, in-place files renamed into place, worker pool
    joined), so the process skips the interpreter's teardown, which spends
    0.2-0.3 s freeing the objects of a large run.
    """
    import dedup

    dedup.OWN_PROCESS = True
    # numpy's OpenBLAS starts a thread per core when numpy is imported, and
    # each spins for ~0.1 s of CPU; dedup never calls BLAS (its array work
    # is numpy's own loops and numba kernels). Set before anything imports
    # numpy; a value the user set is kept.
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # The process ends with os._exit and builds mostly acyclic objects: the
    # cyclic collector only costs time here (see dedup.engine.paused_gc).
    gc.disable()
    code = main()
    with contextlib.suppress(ValueError):  # (not the main thread)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late Ctrl-C changes nothing
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # reader gone, or stream closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
