"""Interactive terminal shell: the embedded default, no tokens and no network."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.shell.render import Style, render_answer, render_sources, topic_list
from bot.core import AUDIENCES, Audience, Library

HISTORY_FILE = Path.home() / ".bloodpatch_history"
HELP = """Ask a question in your own words, or type a command:
  topics              list the topics
  topic NAME          show one topic (e.g. "topic risks")
  sources             list the sources we cite
  audience clinician  switch to clinician detail (or "audience patient")
  help                show this help
  quit                leave (Ctrl-D works too)"""


def _setup_history() -> None:
    try:
        import atexit
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY_FILE)
    readline.set_history_length(1000)
    atexit.register(lambda: _save_history(readline))


def _save_history(readline: object) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(HISTORY_FILE)  # type: ignore[attr-defined]


class Shell:
    """One REPL session; `handle()` is separate from I/O so it is easy to test."""

    def __init__(self, library: Library, audience: Audience = "patient", style: Style | None = None) -> None:
        self.library = library
        self.audience: Audience = audience
        self.style = style or Style(False)

    def handle(self, line: str) -> str | None:
        """Reply to one line; None means quit."""
        text = line.strip()
        command, _, rest = text.partition(" ")
        command = command.lower()
        if command in {"quit", "exit", "q", ":q"} and not rest:
            return None
        if command in {"help", "?"} and not rest:
            return HELP
        if command == "topics" and not rest:
            return "Topics:\n" + topic_list(self.library.topics)
        if command == "sources" and not rest:
            return render_sources(self.library.sources)
        if command == "audience":
            choice = rest.strip().lower()
            if choice in AUDIENCES:
                self.audience = choice  # type: ignore[assignment]
                return f"Audience is now {choice}."
            return f"Audience is {self.audience}. Choose one of: {', '.join(AUDIENCES)}."
        if command == "topic" and rest:
            return render_answer(self.library.topic(rest, self.audience), self.style)
        if not text:
            return ""
        return render_answer(self.library.answer(text, self.audience), self.style)


def run_shell(
    library: Library,
    audience: Audience = "patient",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    shell = Shell(library, audience, Style(interactive))
    if interactive:
        _setup_history()
        stdout.write("bloodpatch-bot: questions about the epidural blood patch and spinal headache.\n")
        stdout.write('Type "help" for commands, "quit" to leave.\n')
    while True:
        try:
            line = input(f"[{shell.audience}]> ") if interactive else stdin.readline()
        except (EOFError, KeyboardInterrupt):
            stdout.write("\n")
            return 0
        if not interactive and line == "":
            return 0
        reply = shell.handle(line)
        if reply is None:
            return 0
        if reply:
            stdout.write(reply + "\n\n")
            stdout.flush()
