"""Which files a run checks: include globs, excludes and git's ignore files.

Directories are walked recursively. A file is checked when its name matches
``include`` (+ ``extend-include``), it is not matched by ``exclude`` (+
``extend-exclude``) and, with ``respect-gitignore``, git would not ignore it:
``.gitignore`` files from the repository root down, ``.git/info/exclude`` and
the global excludes file (``core.excludesFile``, else
``$XDG_CONFIG_HOME/git/ignore``). All patterns use .gitignore syntax
(matched with :mod:`pathspec`); exclude patterns are relative to the project
root (the config file's directory).

Files named on the command line are always checked, unless
``force-exclude`` is set: then they must pass the same tests (as pre-commit
passes every staged file and expects the excludes to hold).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pathspec
from pathspec.util import normalize_file

from dedup.errors import DedupError
from dedup.settings import Settings
from dedup.sources import STDIN, InputFile


@dataclass
class Discovery:
    """The files to check, the per-argument errors, and what was left out."""

    files: list[InputFile]
    errors: list[DedupError] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def explain_empty(self) -> str:
        """Why no file is checked, in one sentence."""
        if self.excluded:
            shown = ", ".join(self.excluded[:3]) + (", ..." if len(self.excluded) > 3 else "")
            return (
                f"no files checked: all {len(self.excluded)} file(s) given are excluded "
                f"({shown}) by the include globs, exclude patterns or .gitignore; "
                "see 'dedup config' and --show-files"
            )
        return "no files checked: no input files"


def _spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


class Patterns:
    """A list of gitignore patterns, matched as :mod:`pathspec` matches them.

    pathspec tries each pattern in turn (13 regular expressions a file for
    the default excludes, 40 µs a file with the rest of a walk). When no
    pattern negates (``!``), a path matches if any pattern does, so the
    patterns are joined into one regular expression; otherwise, where the
    last matching pattern decides, pathspec decides.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.spec = _spec(lines)
        active = [p for p in self.spec.patterns if p.include is not None]
        regexes = [p.regex for p in active if isinstance(p.regex, re.Pattern)]
        self._any: Callable[[str], object] | None = None
        if (
            len(regexes) == len(active)
            and all(p.include for p in active)
            and all(r.flags == re.UNICODE and "(?P=" not in r.pattern for r in regexes)
        ):
            # (named groups renamed away: a name may appear once in a pattern)
            joined = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', r.pattern)})" for r in regexes)
            self._any = re.compile(joined).search if regexes else _never

    def match_file(self, path: str) -> bool:
        if self._any is None:
            return self.spec.match_file(path)
        return self._any(normalize_file(path)) is not None

    def check(self, path: str) -> bool | None:
        """Whether the patterns include ``path``, exclude it (a negation
        matched last), or say nothing (None)."""
        if self._any is None:
            return self.spec.check_file(path).include
        return True if self._any(normalize_file(path)) is not None else None


_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")


def _never(path: str) -> None:
    return None


def _git_dir(directory: Path) -> Path | None:
    """The top of the git work tree containing ``directory``, or None."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@cache
def _global_excludes() -> tuple[str, ...]:
    path: str | None = None
    try:
        proc = subprocess.run(
            ["git", "config", "--get", "core.excludesFile"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        path = proc.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        path = None
    if path is None:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        path = os.path.join(base, "git", "ignore")
    return tuple(_read_lines(Path(os.path.expanduser(path))))


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


class GitIgnore:
    """git's ignore rules for one work tree; later (deeper) rules win."""

    def __init__(self, top: Path) -> None:
        self.top = top
        info = _read_lines(top / ".git" / "info" / "exclude") if (top / ".git").is_dir() else []
        self.base = Patterns([*_global_excludes(), *info])
        self._specs: dict[Path, Patterns | None] = {}
        self._rules: dict[Path, list[tuple[Patterns, str]]] = {}

    def _dir_spec(self, directory: Path) -> Patterns | None:
        if directory not in self._specs:
            lines = _read_lines(directory / ".gitignore")
            self._specs[directory] = Patterns(lines) if lines else None
        return self._specs[directory]

    def rules(self, directory: Path) -> list[tuple[Patterns, str]]:
        """The rules for the entries of ``directory`` (inside the work
        tree), outermost first: each ignore file's patterns, and the
        directory's path relative to the ignore file's directory ("" or
        ending in "/"), made once per directory."""
        found = self._rules.get(directory)
        if found is None:
            parts = directory.relative_to(self.top).parts
            found = [(self.base, "".join(f"{part}/" for part in parts))]
            current = self.top
            for depth in range(len(parts) + 1):
                if depth:
                    current = current / parts[depth - 1]
                spec = self._dir_spec(current)
                if spec is not None:
                    found.append((spec, "".join(f"{part}/" for part in parts[depth:])))
            self._rules[directory] = found
        return found

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` (absolute, inside the work tree)."""
        return self.ignored_in(self.rules(path.parent), path.name, is_dir)

    @staticmethod
    def ignored_in(rules: list[tuple[Patterns, str]], name: str, is_dir: bool) -> bool:
        """Whether git ignores the entry ``name`` of the directory ``rules`` are for."""
        entry = name + "/" if is_dir else name
        verdict: bool | None = None
        for spec, prefix in rules:
            found = spec.check(prefix + entry)
            if found is not None:
                verdict = found
        return bool(verdict)

    def ignored_with_parents(self, path: Path) -> bool:
        """Like :meth:`ignored`, also true when a parent directory is ignored."""
        parents = path.relative_to(self.top).parents
        for parent in reversed(list(parents)[:-1]):
            if self.ignored(self.top / parent, is_dir=True):
                return True
        return self.ignored(path, is_dir=False)


class Selector:
    """Decides for one run whether a path is checked."""

    def __init__(self, settings: Settings, root: Path) -> None:
        self.root = root.resolve()
        self.include = Patterns([*settings.include, *settings.extend_include])
        self.exclude = Patterns([*settings.exclude, *settings.extend_exclude])
        self.respect_gitignore = settings.respect_gitignore
        self.force_exclude = settings.force_exclude
        self._gitignores: dict[Path, GitIgnore | None] = {}

    def _gitignore(self, path: Path) -> GitIgnore | None:
        return self._directory_gitignore(path.parent)

    def _directory_gitignore(self, directory: Path) -> GitIgnore | None:
        """The ignore rules of the files in ``directory``."""
        if not self.respect_gitignore:
            return None
        if directory not in self._gitignores:
            top = _git_dir(directory)
            self._gitignores[directory] = GitIgnore(top) if top is not None else None
        return self._gitignores[directory]

    def _relative(self, path: Path, base: Path) -> str:
        """``path`` relative to the root, else to ``base`` (the argument)."""
        for anchor in (self.root, base):
            try:
                return path.relative_to(anchor).as_posix()
            except ValueError:
                continue
        return path.name

    def excluded_dir(self, path: Path, base: Path) -> bool:
        relative = self._relative(path, base)
        if relative and relative != "." and self.exclude.match_file(relative + "/"):
            return True
        ignore = self._gitignore(path)
        return ignore is not None and path != ignore.top and ignore.ignored(path, is_dir=True)

    def excluded_file(self, path: Path, base: Path, *, with_parents: bool = False) -> bool:
        if self.exclude.match_file(self._relative(path, base)):
            return True
        ignore = self._gitignore(path)
        if ignore is None:
            return False
        return ignore.ignored_with_parents(path) if with_parents else ignore.ignored(path, is_dir=False)

    def included(self, path: Path) -> bool:
        return self.include.match_file(path.name)


def discover(
    paths: Sequence[str], settings: Settings, root: str | os.PathLike[str] | None = None
) -> Discovery:
    """Expand ``paths`` into the files to check, sorted and without repeats.

    ``root`` is the directory exclude patterns are relative to (default: the
    current directory). The result does not depend on the order of ``paths``.
    """
    selector = Selector(settings, Path(root) if root is not None else Path.cwd())
    found: dict[str, InputFile] = {}
    result = Discovery([])
    for arg in paths:
        if arg == STDIN:
            found[STDIN] = InputFile(STDIN, STDIN, "stdin.txt")
            continue
        if not os.path.exists(arg):
            result.errors.append(DedupError("no such file or directory; check the path", arg))
            continue
        absolute = Path(os.path.abspath(arg))
        if os.path.isdir(arg):
            before = len(found)
            excluded_before = len(result.excluded)
            _walk(arg, absolute, selector, found, result.excluded)
            if len(found) == before:
                if len(result.excluded) > excluded_before:
                    result.errors.append(DedupError(_all_excluded(result.excluded[excluded_before:]), arg))
                else:
                    patterns = " ".join((*settings.include, *settings.extend_include))
                    result.errors.append(
                        DedupError(
                            f"directory has no files matching {patterns}; "
                            "name files directly or change the include globs",
                            arg,
                        )
                    )
            continue
        if not os.path.isfile(arg):
            result.errors.append(DedupError("not a regular file; skipped", arg))
            continue
        if selector.force_exclude and (
            not selector.included(absolute)
            or selector.excluded_file(absolute, absolute.parent, with_parents=True)
        ):
            result.excluded.append(arg)
            continue
        found.setdefault(arg, InputFile(arg, arg, os.path.basename(arg)))
    result.files = [found[k] for k in sorted(found)]
    return result


def _all_excluded(excluded: Sequence[str]) -> str:
    return (
        f"every matching file ({len(excluded)}) is excluded by exclude patterns or .gitignore, "
        f"for example {excluded[0]}; see 'dedup config'"
    )


def _walk(
    arg: str, absolute: Path, selector: Selector, found: dict[str, InputFile], excluded: list[str]
) -> None:
    for dirpath, dirnames, filenames in os.walk(arg):
        abs_dir = Path(os.path.abspath(dirpath))
        kept_dirs = []
        for name in sorted(dirnames):
            if name == ".git" or selector.excluded_dir(abs_dir / name, absolute):
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        # Files: Selector.excluded_file's tests, with what a directory's
        # files share (their relative path, their ignore rules) worked out
        # once; strings, not Path objects (0.1 s on 2,000 files).
        ignore = selector._directory_gitignore(abs_dir)
        rules = ignore.rules(abs_dir) if ignore is not None else None
        relative = selector._relative(abs_dir, absolute)
        prefix = "" if relative == "." else relative + "/"
        below_arg = os.path.relpath(dirpath, arg)
        for name in sorted(filenames):
            if not selector.include.match_file(name):
                continue
            shown = os.path.normpath(os.path.join(dirpath, name))
            if selector.exclude.match_file(prefix + name) or (
                rules is not None and GitIgnore.ignored_in(rules, name, is_dir=False)
            ):
                excluded.append(shown)
                continue
            if not os.path.isfile(os.path.join(abs_dir, name)):
                continue  # FIFOs, sockets, devices, dangling links: never read (a FIFO would block)
            found.setdefault(
                shown, InputFile(shown, arg, name if below_arg == "." else os.path.join(below_arg, name))
            )


def repository_files(
    focus: Sequence[InputFile], settings: Settings, root: str | os.PathLike[str] | None = None
) -> list[InputFile]:
    """The other checkable files of the repository the focus files live in.

    Used for ``--repo-context`` (the pre-commit hooks): the focus files'
    duplicates in these files are found, but only the focus files are
    reported. The repository is the git work tree of the current directory
    (else the root); its files are found with the same include, exclude and
    .gitignore rules as a directory walk.
    """
    cwd = Path.cwd()
    top = _git_dir(cwd) or Path(root or cwd).resolve()
    walk_from = os.path.relpath(top, cwd)
    focus_paths = {os.path.abspath(item.path) for item in focus if item.path != STDIN}
    repo_settings = settings.with_(force_exclude=False)
    found = discover([walk_from], repo_settings, root)
    return [
        InputFile(os.path.normpath(item.path), item.root, item.relative)
        for item in found.files
        if os.path.abspath(item.path) not in focus_paths
    ]
