"""Every knob of dedup in one frozen dataclass, with its default and its doc.

The CLI and the config file only build a :class:`Settings`; nothing else
reads options. Field metadata: ``help``; ``merge="extend"`` when a
command-line value adds to the config file's list instead of replacing it. ``describe()`` lists every field with its help text, which
``dedup config`` and the README use, so the documentation has one source.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from dedup.errors import DedupError

SPLIT_MODES = ("auto", "blank", "line", "markdown")
KEEP_POLICIES = ("first", "longest", "none")

DEFAULT_INCLUDE = (
    "*.txt",
    "*.md",
    "*.markdown",
    "*.rst",
    "*.text",
    "*.adoc",
    "*.org",
    "*.tex",
)

# Never walked into, whatever the include globs say (gitignore syntax).
DEFAULT_EXCLUDE = (
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    "__pycache__/",
    "node_modules/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    ".hypothesis/",
    "*.egg-info/",
    "build/",
    "dist/",
    "site-packages/",
)
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "markdown")


def _opt(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class Settings:
    split: str = _opt(
        "auto",
        "How files are cut into paragraphs: auto, blank (blank-line separated), "
        "line (every non-empty line), markdown (structure-aware).",
    )
    threshold: float = _opt(
        0.87,
        "Minimum verified similarity (0-1) for two paragraphs to be near duplicates "
        "(fact- and slot-weighted word similarity, see README 'Matching').",
    )
    shingle_size: int = _opt(2, "Words per shingle for MinHash candidate search (word n-grams).")
    num_perm: int = _opt(128, "MinHash permutations (signature length).")
    candidate_threshold: float = _opt(
        0.5,
        "Jaccard similarity of shingle sets around which LSH starts proposing "
        "candidate pairs (every candidate is then verified).",
    )
    bands: int = _opt(
        0,
        "LSH bands (0 = derive bands and rows from the threshold with "
        "datasketch's false-positive/false-negative optimisation).",
    )
    seed: int = _opt(1, "MinHash seed (datasketch's default is 1).")
    min_words: int = _opt(
        4,
        "Paragraphs with fewer words are never reported as duplicates "
        "(keeps headings such as 'References' and separators).",
    )
    min_chars: int = _opt(20, "Paragraphs with fewer characters (normalised) are never reported.")
    near: bool = _opt(True, "Look for near duplicates (DUP002), not only exact ones.")
    keep: str = _opt(
        "first",
        "Which copy of a cluster is kept: first (path order, then position), "
        "longest, or none (drop every copy).",
    )
    include: tuple[str, ...] = _opt(DEFAULT_INCLUDE, "Glob patterns of files read when walking directories.")
    workers: int = _opt(
        0, "Worker processes (fingerprinting) and threads (verification); 0 = one per CPU core."
    )
    # File discovery and output (dedup.discovery, dedup.formats). Patterns use
    # .gitignore syntax, relative to the directory of the config file.
    extend_include: tuple[str, ...] = _opt((), "Glob patterns read in addition to `include`.", merge="extend")
    exclude: tuple[str, ...] = _opt(
        DEFAULT_EXCLUDE,
        "Paths never checked (.gitignore syntax, relative to the config file's directory). "
        "Replaces the default list; use extend-exclude to add to it.",
    )
    extend_exclude: tuple[str, ...] = _opt(
        (), "Paths never checked, in addition to `exclude`.", merge="extend"
    )
    force_exclude: bool = _opt(
        False,
        "Apply the excludes (and .gitignore) even to files named on the command line, "
        "as pre-commit passes them.",
    )
    respect_gitignore: bool = _opt(
        True, "Skip files ignored by .gitignore, .git/info/exclude and the global git excludes."
    )
    output_format: str = _opt(
        "full", "Output format: " + ", ".join(OUTPUT_FORMATS) + " (env DEDUP_OUTPUT_FORMAT)."
    )
    unsafe_fixes: bool = _opt(False, "Let --fix also remove near duplicates (DUP002), not only exact ones.")

    def __post_init__(self) -> None:
        if self.split not in SPLIT_MODES:
            raise DedupError(f"invalid split mode {self.split!r}: use one of {', '.join(SPLIT_MODES)}")
        if self.keep not in KEEP_POLICIES:
            raise DedupError(f"invalid keep policy {self.keep!r}: use one of {', '.join(KEEP_POLICIES)}")
        if not 0.0 < self.threshold <= 1.0:
            raise DedupError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.candidate_threshold < 1.0:
            raise DedupError(f"candidate-threshold must be in (0, 1), got {self.candidate_threshold}")
        if self.shingle_size < 1:
            raise DedupError(f"shingle-size must be >= 1, got {self.shingle_size}")
        if self.num_perm < 2:
            raise DedupError(f"num-perm must be >= 2, got {self.num_perm}")
        if self.bands < 0 or (self.bands and self.num_perm % self.bands):
            raise DedupError(f"bands must divide num-perm ({self.num_perm}), got {self.bands}")
        if self.min_words < 0 or self.min_chars < 0:
            raise DedupError("min-words and min-chars must be >= 0")
        if self.workers < 0:
            raise DedupError(f"workers must be >= 0, got {self.workers}")
        if self.output_format not in OUTPUT_FORMATS:
            raise DedupError(
                f"unknown output format {self.output_format!r}: use one of {', '.join(OUTPUT_FORMATS)}"
            )

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def describe() -> list[tuple[str, Any, str]]:
    """(kebab-case name, default, help) for every setting."""
    return [(f.name.replace("_", "-"), f.default, str(f.metadata.get("help", ""))) for f in fields(Settings)]


def worker_count(workers: int) -> int:
    """``--workers`` made concrete: 0 means one per CPU core."""
    return workers or os.cpu_count() or 1
