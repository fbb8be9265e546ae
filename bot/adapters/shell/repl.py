"""Interactive terminal shell: the embedded default, no tokens and no network."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TextIO

from bot.adapters.shell.quiz import ShellQuiz
from bot.adapters.shell.render import (
    WIDTH,
    Style,
    render_answer,
    render_sources,
    terminal_width,
    topic_list,
)
from bot.cli_state import local_user
from bot.core import AUDIENCES, Answer, Audience, Kind, Library, TopicRef

HISTORY_ENV = "BLOODPATCH_HISTORY_FILE"  # a path, or empty for no history file
HISTORY_NAME = ".bloodpatch_history"  # in the home directory, unless HISTORY_ENV says otherwise
HISTORY_LENGTH = 1000
HELP = """Ask a question in your own words, or type a command:
  1, 2, 3             after "Did you mean…", open that numbered topic
  topics              list the topics (so does "topic" on its own)
  topic NAME          show one topic (e.g. "topic risks")
  sources             list the sources we cite
  audience clinician  switch to clinician detail (or "audience patient")
  quiz [topic]        a quiz question (answer with its number; stop ends); score: your progress
  help                show this help and the topics
  quit                leave (Ctrl-D works too; Ctrl-C clears the line)"""
HISTORY_ON = (
    "History: what you type is saved to {path} (Up/Down arrows recall it).\n"
    "To save none, start with --no-history or set BLOODPATCH_HISTORY_FILE to an empty value."
)
HISTORY_OFF = "History: nothing you type is saved to a file this session."

CHOICE_KEYS = frozenset("123456789")  # a line that picks a "Did you mean…" suggestion (the core offers 2-3)
CHOICE_HINT = "Type a number to open that topic, or ask in other words."
CHOICE_RANGE = "Choose {choices}, or ask in other words."
TOPIC_HINT = 'Type "topic NAME" to open one, e.g. "topic risks".'


def history_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the shell keeps its history: $BLOODPATCH_HISTORY_FILE, else ~/.bloodpatch_history.

    BLOODPATCH_HISTORY_FILE set but empty means no history file at all.
    """
    env = os.environ if environ is None else environ
    if HISTORY_ENV in env:
        value = env[HISTORY_ENV].strip()
        return Path(value).expanduser() if value else None
    try:
        return Path.home() / HISTORY_NAME
    except RuntimeError:  # no home directory to be found
        return None


class Shell:
    """One REPL session; `handle()` is separate from I/O so it is easy to test.

    `width` is the column to wrap at; None asks the terminal before every reply,
    so a resized window is followed. `history` is the file questions are saved to
    (None: none), for `help` to say so.
    """

    def __init__(
        self,
        library: Library,
        audience: Audience = "patient",
        style: Style | None = None,
        *,
        width: int | None = None,
        history: Path | None = None,
    ) -> None:
        self.library = library
        self.audience: Audience = audience
        self.style = style or Style(False)
        self.width = width
        self.history = history
        # The numbered suggestions of the last reply when it was "Did you mean…" (else empty):
        # the next line may be just their number.
        self.choices: tuple[TopicRef, ...] = ()
        self.quiz = ShellQuiz(library, local_user(None))

    def handle(self, line: str) -> str | None:
        """Reply to one line; None means quit."""
        text = line.strip()
        if not text:
            return ""  # a stray Enter keeps a pending "Did you mean…" choice
        if self.quiz.card is not None:
            if text.isdigit():
                return self.quiz.answer(int(text))
            if text.lower() in {"stop", "q", "quit", "exit"}:
                return self.quiz.stop()
            self.quiz.card = None  # anything else is a question: the quiz ends, the answer comes
        choices, self.choices = self.choices, ()
        if choices and text in CHOICE_KEYS:
            number = int(text)
            if number <= len(choices):
                return self._render(self.library.topic(choices[number - 1].id, self.audience))
            # "3" when only two were offered: say so, rather than search for "3"
            self.choices = choices
            return CHOICE_RANGE.format(choices=_numbers(len(choices)))
        return self._command(text)

    def _width(self) -> int:
        return self.width if self.width is not None else terminal_width()

    def _render(self, answer: Answer) -> str:
        reply = render_answer(answer, self.style, width=self._width())
        if answer.kind is Kind.CLARIFY and answer.suggestions:
            self.choices = answer.suggestions
            reply += "\n\n" + CHOICE_HINT
        return reply

    def _topics(self) -> str:
        return "Topics:\n" + topic_list(self.library.topics, self._width())

    def help(self) -> str:
        history = HISTORY_ON.format(path=self.history) if self.history else HISTORY_OFF
        return f"{HELP}\n\n{self._topics()}\n\n{history}"

    def _command(self, text: str) -> str | None:
        command, _, rest = text.partition(" ")
        command = command.lower()
        rest = rest.strip()
        if command in {"quit", "exit", "q", ":q"} and not rest:
            return None
        if command in {"help", "?"} and not rest:
            return self.help()
        if command in {"topics", "topic"} and not rest:
            return self._topics() + ("\n\n" + TOPIC_HINT if command == "topic" else "")
        if command == "sources" and not rest:
            return render_sources(self.library.sources, self._width())
        if command == "audience":
            choice = rest.lower()
            if choice in AUDIENCES:
                self.audience = choice  # type: ignore[assignment]
                return f"Audience is now {choice}."
            return f"Audience is {self.audience}. Choose one of: {', '.join(AUDIENCES)}."
        if command == "quiz":
            return self.quiz.start(rest or None, self.audience)
        if command == "score" and not rest:
            return self.quiz.score()
        if command == "topic":
            return self._render(self.library.topic(rest, self.audience))
        return self._render(self.library.answer(text, self.audience))


def _numbers(count: int) -> str:
    """ "1 or 2", "1, 2 or 3" """
    numbers = [str(n) for n in range(1, count + 1)]
    return numbers[0] if count == 1 else f"{', '.join(numbers[:-1])} or {numbers[-1]}"


def _readline() -> ModuleType | None:
    """The readline module (line editing, arrow-key history), where the platform has one."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    return readline


def _load_history(readline: ModuleType, path: Path) -> None:
    readline.set_history_length(HISTORY_LENGTH)
    with contextlib.suppress(OSError):
        readline.read_history_file(path)


def _save_history(readline: ModuleType, path: Path) -> None:
    if path.exists() and not path.is_file():  # e.g. /dev/null: nothing to save, and no mode to change
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # never readable by others, not even briefly
        path.chmod(0o600)  # questions about someone's health: readable by them only
        readline.write_history_file(path)


def run_shell(
    library: Library,
    audience: Audience = "patient",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    history: bool = True,
    read_line: Callable[[str], str] | None = None,
) -> int:
    """Run the shell until quit, Ctrl-D or end of input; returns the exit status.

    On a terminal: colour (unless NO_COLOR), wrapping at the window's width, line
    editing, Ctrl-C clearing the line, and questions saved to `history_file()` unless
    `history` is False. Over a pipe: plain text at a fixed width, nothing saved.
    `read_line` replaces `input` (tests).
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    if not interactive:
        return _run_piped(Shell(library, audience, Style(False), width=WIDTH), stdin, stdout)
    readline = _readline() if read_line is None else None  # importing it is what gives input() line editing
    path = history_file() if history else None
    if readline is not None and path is not None:
        _load_history(readline, path)
    saved = path if readline is not None else None
    shell = Shell(library, audience, Style.for_stream(stdout), history=saved)
    read = read_line or input
    stdout.write("bloodpatch-bot: questions about the epidural blood patch and spinal headache.\n")
    stdout.write('Type "help" for commands, "quit" to leave.\n')
    try:
        while True:
            try:
                line = read(f"[{shell.audience}]> ")
            except EOFError:  # Ctrl-D
                stdout.write("\n")
                return 0
            except KeyboardInterrupt:  # Ctrl-C: drop the line, fresh prompt (as Python's REPL)
                stdout.write("\n")
                continue
            try:
                reply = shell.handle(line)
            except KeyboardInterrupt:  # Ctrl-C while answering: back to the prompt
                stdout.write("\n")
                continue
            if reply is None:
                return 0
            if reply:
                stdout.write(reply + "\n\n")
                stdout.flush()
    finally:
        shell.quiz.close()
        if readline is not None and path is not None:
            _save_history(readline, path)


def _run_piped(shell: Shell, stdin: TextIO, stdout: TextIO) -> int:
    """One reply per input line, until quit or end of input; Ctrl-C stops (the caller's exit status)."""
    try:
        for line in stdin:
            reply = shell.handle(line)
            if reply is None:
                return 0
            if reply:
                stdout.write(reply + "\n\n")
                stdout.flush()
        return 0
    finally:
        shell.quiz.close()
