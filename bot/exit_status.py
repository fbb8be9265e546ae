"""The exit statuses of every `bloodpatch-bot` command, in one place so scripts can rely on them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What a command's exit status means; the same number means the same thing for every command."""

    OK = 0
    CONTENT_INVALID = 1  # content failed to load, or lint found errors
    USAGE = 2  # bad arguments or settings: a missing/rejected token, a bad or busy port
    UNAVAILABLE = 3  # a platform could not be reached, or refused what was asked of it
    CTRL_C = 130  # 128 + SIGINT


class Unavailable(Exception):
    """A platform could not be reached or refused a request; `str()` is the one line for the operator."""


def fail(status: ExitStatus, message: str) -> ExitStatus:
    """Print the one line an operator needs (no traceback) and return `status` for the command to exit with."""
    import sys

    print(f"bloodpatch-bot: {message}", file=sys.stderr)
    return status
