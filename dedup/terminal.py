"""Colour and progress decisions for human output (no third-party imports).

Colour: ``--color always|never`` wins; with ``auto`` (the default) a
non-empty ``NO_COLOR`` turns colour off, a non-empty ``FORCE_COLOR`` turns
it on, and otherwise colour is used only on a terminal, never under
pre-commit (which sets ``PRE_COMMIT=1``) and never with ``TERM=dumb``.
Progress bars follow the same terminal test and are never shown under
pre-commit, in CI logs or with ``--quiet``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")

RESET = "\x1b[0m"
STYLES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def color_enabled(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output written to ``stream``."""
    env = os.environ if environ is None else environ
    if choice == "always":
        return True
    if choice == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("PRE_COMMIT") or env.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def progress_enabled(quiet: bool, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to draw progress bars on ``stream`` (stderr)."""
    env = os.environ if environ is None else environ
    if quiet or env.get("PRE_COMMIT") or env.get("CI") or env.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def paint(text: str, *styles: str, enabled: bool = True) -> str:
    """``text`` wrapped in ANSI SGR codes for ``styles`` when ``enabled``."""
    if not enabled or not styles:
        return text
    codes = ";".join(STYLES[s] for s in styles)
    return f"\x1b[{codes}m{text}{RESET}"
