"""Helpers of the integration tests (config, discovery, formats, baseline, pre-commit)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

PARA_A = "The quick brown fox jumps over the lazy dog near the river bank today."
PARA_B = "Every good boy deserves fudge, said the music teacher to her students."
PARA_C = "A completely different paragraph about databases, indexes and query plans."


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_dedup(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, as_given: bool = False
) -> Run:
    """Run ``python -m dedup`` from this source tree as a subprocess.

    ``check`` runs with ``--select DUP`` unless the test selects rules itself
    or ``as_given`` is true: these tests are about the integrations, not
    about which quality rules fire on short test files.
    """
    selects = any(a.startswith(("--select", "--show")) for a in args)
    if args and args[0] == "check" and not selects and not as_given:
        args = ("check", "--select", "DUP", *args[1:])
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DEDUP_", "GITHUB_", "PRE_COMMIT"))}
    full_env.pop("NO_COLOR", None)
    full_env.pop("FORCE_COLOR", None)
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
    )
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return proc.stdout
