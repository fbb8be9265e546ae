"""Interactive terminal shell: the embedded default, no tokens and no network."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.shell.render import Style, render_answer, render_sources, topic_list
from bot.core import AUDIENCES, Answer, Audience, Kind, Library, TopicRef

HISTORY_FILE = Path.home() / ".bloodpatch_history"
HELP = """Ask a question in your own words, or type a command:
  1, 2, 3             after "Did you mean…", open that numbered topic
  topics              list the topics
  topic NAME          show one topic (e.g. "topic risks")
  sources             list the sources we cite
  audience clinician  switch to clinician detail (or "audience patient")
  help                show this help
  quit                leave (Ctrl-D works too)"""


CHOICE_KEYS = frozenset("123456789")  # a line that picks a "Did you mean…" suggestion (the core offers 2-3)
CHOICE_HINT = "Type a number to open that topic, or ask in other words."
CHOICE_RANGE = "Choose {choices}, or ask in other words."


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
        # The numbered suggestions of the last reply when it was "Did you mean…" (else empty):
        # the next line may be just their number.
        self.choices: tuple[TopicRef, ...] = ()

    def handle(self, line: str) -> str | None:
        """Reply to one line; None means quit."""
        text = line.strip()
        if not text:
            return ""  # a stray Enter keeps a pending "Did you mean…" choice
        choices, self.choices = self.choices, ()
        if choices and text in CHOICE_KEYS:
            number = int(text)
            if number <= len(choices):
                return self._render(self.library.topic(choices[number - 1].id, self.audience))
            # "3" when only two were offered: say so, rather than search for "3"
            self.choices = choices
            return CHOICE_RANGE.format(choices=_numbers(len(choices)))
        return self._command(text)

    def _render(self, answer: Answer) -> str:
        reply = render_answer(answer, self.style)
        if answer.kind is Kind.CLARIFY and answer.suggestions:
            self.choices = answer.suggestions
            reply += "\n\n" + CHOICE_HINT
        return reply

    def _command(self, text: str) -> str | None:
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
            return self._render(self.library.topic(rest, self.audience))
        return self._render(self.library.answer(text, self.audience))


def _numbers(count: int) -> str:
    """ "1 or 2", "1, 2 or 3" """
    numbers = [str(n) for n in range(1, count + 1)]
    return numbers[0] if count == 1 else f"{', '.join(numbers[:-1])} or {numbers[-1]}"


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
