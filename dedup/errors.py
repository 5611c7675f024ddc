"""The one error type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class DedupError(Exception):
    """A user-facing error: bad input, bad option, bad config, I/O failure.

    ``message`` is shown to the user as is, on one line, prefixed with the
    path when there is one. It should say what is wrong and what to do.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message
