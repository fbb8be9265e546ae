"""The everyday feel of the shell, in process: wrapping, colour, bare `topic`, the new answer kinds,
help and the history setting, Ctrl-C and Ctrl-D.

The same things through a real terminal (a pty, real readline) are in test_shell_terminal.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.shell import Shell, history_file, render_answer, run_shell
from bot.adapters.shell.render import (
    ALL_TOPICS_HINT,
    MAX_WIDTH,
    MIN_WIDTH,
    WIDTH,
    Style,
    closest_topics,
    fill,
    terminal_width,
    visible_width,
)
from bot.adapters.shell.repl import HISTORY_OFF, TOPIC_HINT
from bot.core import Answer, AnswerSnippet, Kind, Library, SourceRef, TopicRef

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DISCLAIMER = "General information only, not medical advice."
LONG_URL = "https://example.org/" + "a-very-long-path-segment/" * 4 + "leaflet.pdf"
SOURCE = SourceRef("s1", "A source", "Publisher", "2024", LONG_URL)


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Recording:
    """The real library, recording what it is asked."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self.calls: list[tuple[str, str]] = []

    def answer(self, text: str, audience: str = "patient") -> Answer:
        self.calls.append(("answer", text))
        return self._library.answer(text, audience)

    def topic(self, name: str, audience: str = "patient") -> Answer:
        self.calls.append(("topic", name))
        return self._library.topic(name, audience)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._library, name)


def typed(*lines: str | type[BaseException]):
    """A stand-in for input(): returns each line in turn, or raises the exception given in its place."""
    queue: Iterator[str | type[BaseException]] = iter(lines)
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        item = next(queue, EOFError)
        if isinstance(item, type):
            raise item
        return item

    read.prompts = prompts  # type: ignore[attr-defined]
    return read


def answer(kind: Kind, **fields: Any) -> Answer:
    return Answer(question="q", kind=kind, audience="patient", disclaimer=DISCLAIMER, **fields)


# -- wrapping ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("columns", "width"), [(61, 60), (20, MIN_WIDTH), (300, MAX_WIDTH), (90, 89)])
def test_the_width_follows_the_terminal_within_limits(monkeypatch: pytest.MonkeyPatch, columns: int, width: int):
    monkeypatch.setenv("COLUMNS", str(columns))  # what shutil.get_terminal_size reads first
    assert terminal_width() == width


def test_the_shell_wraps_at_the_terminal_width_at_word_boundaries(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "61")
    shell = Shell(library)  # no width given: the terminal's, asked before every reply

    text = shell.handle("topic recovery")
    lines = text.splitlines()
    assert max(len(line) for line in lines if "://" not in line) <= 60
    unwrapped = render_answer(library.topic("recovery"), width=10_000)
    assert text.split() == unwrapped.split()  # the same words: none was broken

    monkeypatch.setenv("COLUMNS", "101")  # the window was widened: the next reply follows
    wider = shell.handle("topic recovery").splitlines()
    assert max(len(line) for line in wider if "://" not in line) > 60


def test_a_long_url_overflows_the_line_rather_than_break() -> None:
    snippet = AnswerSnippet("Words " * 30, "patient", SOURCE, "p1")
    text = render_answer(answer(Kind.TOPIC, title="T", snippets=(snippet,)), width=MIN_WIDTH)

    assert LONG_URL in text.splitlines()  # whole, on a line of its own
    assert all(len(line) <= MIN_WIDTH for line in text.splitlines() if line != LONG_URL)


def test_colour_codes_do_not_count_towards_the_width() -> None:
    text = " ".join(f"**word{i}** plain" for i in range(40))
    snippet = AnswerSnippet(text, "patient", SOURCE, "p1")
    plain = render_answer(answer(Kind.TOPIC, title="T", snippets=(snippet,)), width=50)
    styled = render_answer(answer(Kind.TOPIC, title="T", snippets=(snippet,)), Style(True), width=50)

    assert "\x1b[1m" in styled
    assert ANSI.sub("", styled) == plain  # wrapped at the same places


def test_fill_never_breaks_a_word_and_measures_wide_characters() -> None:
    assert fill("aaa bbb-ccc ddd", 7) == "aaa\nbbb-ccc\nddd"
    assert fill("supercalifragilistic x", 5) == "supercalifragilistic\nx"
    assert visible_width("頭痛") == 4 and visible_width("\x1b[1mab\x1b[0m") == 2
    assert fill("頭痛 頭痛 頭痛", 9) == "頭痛 頭痛\n頭痛"


def test_without_a_terminal_the_shell_keeps_a_fixed_width(library: Library) -> None:
    stdout = io.StringIO()
    run_shell(library, stdin=io.StringIO("topic recovery\n"), stdout=stdout)
    assert stdout.getvalue().strip() == render_answer(library.topic("recovery"), width=WIDTH)


# -- colour -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terminal", "environ", "coloured"),
    [
        (True, {}, True),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "anything"}, False),
        (True, {"NO_COLOR": ""}, True),  # empty means unset (no-color.org)
        (False, {}, False),
    ],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(terminal: bool, environ: dict, coloured: bool) -> None:
    stream = FakeTerminal() if terminal else io.StringIO()
    assert Style.for_stream(stream, environ).enabled is coloured


@pytest.mark.parametrize("no_color", [None, "1"])
def test_the_shell_honours_no_color(library: Library, monkeypatch: pytest.MonkeyPatch, no_color: str | None) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    stdout = FakeTerminal()

    run_shell(library, stdin=FakeTerminal(), stdout=stdout, read_line=typed("topic risks"))

    assert bool(ANSI.search(stdout.getvalue())) is (no_color is None)


# -- bare `topic` -----------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["topic", "TOPIC", " topic  "])
def test_a_bare_topic_lists_the_topics(library: Library, line: str) -> None:
    recording = Recording(library)
    reply = Shell(recording, width=WIDTH).handle(line)

    assert reply.startswith("Topics:\n")
    assert all(f"  {t.command} " in reply for t in library.topics)
    assert reply.endswith(TOPIC_HINT)
    assert recording.calls == []  # not asked as a question


def test_topic_with_a_name_still_opens_it(library: Library) -> None:
    recording = Recording(library)
    assert Shell(recording, width=WIDTH).handle("topic  risks") == render_answer(library.topic("risks"))
    assert recording.calls == [("topic", "risks")]


# -- the new answer kinds ---------------------------------------------------------------------------


def test_small_talk_is_just_the_reply_and_the_disclaimer() -> None:
    text = render_answer(answer(Kind.SMALL_TALK, title="Hello", message="Hi! Ask me anything."))
    assert text == f"Hi! Ask me anything.\n\n{DISCLAIMER}"


@pytest.mark.parametrize("line", ["hi", "thanks", "ok", "bye"])
def test_small_talk_in_the_shell_is_short(library: Library, line: str) -> None:
    reply = Shell(library, width=WIDTH).handle(line)
    answered = library.answer(line)

    assert answered.kind is Kind.SMALL_TALK
    assert reply.startswith(" ".join(answered.message.split()[:3]))
    assert "Topics:" not in reply and "Closest topics" not in reply
    assert len(reply.splitlines()) <= 8


def test_out_of_scope_names_the_closest_topics_on_one_line() -> None:
    closest = (
        TopicRef("risks", "Side effects and risks", "risks"),
        TopicRef("recovery", "Recovery", "recovery"),
        TopicRef("procedure", "What happens", "procedure"),
    )
    every = (*closest, TopicRef("overview", "What a blood patch is", "overview"))
    text = render_answer(
        answer(Kind.OUT_OF_SCOPE, title="Outside", message="Only EBP.", suggestions=closest, topics=every)
    )

    assert "Closest topics: risks, recovery, procedure — type help for all" in text.splitlines()
    assert "Topics:" not in text and "What a blood patch is" not in text and "Did you mean" not in text
    assert closest_topics(closest, "see all") == "Closest topics: risks, recovery, procedure — see all"


def test_out_of_scope_from_the_library(library: Library) -> None:
    answered = library.answer("how do I patch a bike tire")
    assert answered.kind is Kind.OUT_OF_SCOPE and len(answered.suggestions) == 3
    text = Shell(library, width=WIDTH).handle("how do I patch a bike tire")

    commands = ", ".join(t.command for t in answered.suggestions)
    assert f"Closest topics: {commands} — {ALL_TOPICS_HINT}" in text
    assert "Topics:" not in text
    assert len(text.splitlines()) < 14  # the reply, its safety-net line, three topics and the disclaimer


def test_out_of_scope_without_suggestions_lists_nothing() -> None:
    every = (TopicRef("overview", "What a blood patch is", "overview"),)
    text = render_answer(answer(Kind.OUT_OF_SCOPE, title="English only for now", message="Solo inglés.", topics=every))
    assert text == f"English only for now\n\nSolo inglés.\n\n{DISCLAIMER}"


def test_an_unknown_topic_name_still_lists_every_topic(library: Library) -> None:
    text = Shell(library, width=WIDTH).handle("topic zzqx")
    assert text.startswith("Topic not found")
    assert "Topics:" in text and all(f"  {t.command} " in text for t in library.topics)


@pytest.mark.parametrize(("question", "title"), [(" \u3000 ", "Ask me a question"), ("x" * 2500, "Message too long")])
def test_empty_and_over_long_messages_get_their_title_and_no_topic_list(
    library: Library, question: str, title: str
) -> None:
    answered = library.answer(question)
    text = render_answer(answered)

    assert answered.kind is Kind.NOT_FOUND and answered.title == title
    assert text.splitlines()[0] == title
    assert "Topics:" not in text
    assert " ".join(answered.disclaimer.split()) in " ".join(text.split())


# -- help and history -------------------------------------------------------------------------------


def test_help_lists_the_topics_and_says_where_the_history_goes(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "history"
    text = Shell(library, width=WIDTH, history=path).handle("help")

    assert "topic NAME" in text and "Ctrl-C" in text
    assert "Topics:" in text and "  risks " in text  # "type help for all" really shows them all
    assert f"saved to {path}" in text
    assert "--no-history" in text and "BLOODPATCH_HISTORY_FILE" in text
    assert Shell(library, width=WIDTH).handle("help").endswith(HISTORY_OFF)


def test_history_file_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert history_file({}) == tmp_path / ".bloodpatch_history"
    assert history_file({"BLOODPATCH_HISTORY_FILE": ""}) is None  # empty: no history file
    assert history_file({"BLOODPATCH_HISTORY_FILE": "  "}) is None
    assert history_file({"BLOODPATCH_HISTORY_FILE": "~/h/x"}) == tmp_path / "h" / "x"
    assert history_file({"BLOODPATCH_HISTORY_FILE": "/var/x"}) == Path("/var/x")


# -- Ctrl-C and Ctrl-D ------------------------------------------------------------------------------


def test_ctrl_c_gives_a_fresh_prompt_and_ctrl_d_leaves(library: Library) -> None:
    stdout = FakeTerminal()
    read = typed(KeyboardInterrupt, "topics", KeyboardInterrupt, "audience clinician", EOFError, "never read")

    assert run_shell(library, stdin=FakeTerminal(), stdout=stdout, read_line=read) == 0

    out = stdout.getvalue()
    assert "Topics:" in out and "Audience is now clinician." in out
    assert read.prompts == ["[patient]> "] * 4 + ["[clinician]> "]
    assert out.endswith("\n")


def test_ctrl_c_while_answering_returns_to_the_prompt(library: Library) -> None:
    class Slow(Recording):
        def answer(self, text: str, audience: str = "patient") -> Answer:
            if text == "interrupt me":
                raise KeyboardInterrupt
            return super().answer(text, audience)

    stdout = FakeTerminal()
    read = typed("interrupt me", "topic risks", "quit", "never read")

    assert run_shell(Slow(library), stdin=FakeTerminal(), stdout=stdout, read_line=read) == 0
    assert "Side effects and risks" in stdout.getvalue()
    assert len(read.prompts) == 3


def test_a_history_file_that_is_not_a_file_is_left_alone(tmp_path: Path) -> None:
    from bot.adapters.shell.repl import _save_history

    class Readline:
        def __init__(self) -> None:
            self.written: list[Path] = []

        def write_history_file(self, path: Path) -> None:
            self.written.append(path)

    directory = tmp_path / "dir"
    directory.mkdir(mode=0o755)
    readline = Readline()
    _save_history(readline, directory)  # type: ignore[arg-type]
    assert readline.written == [] and (directory.stat().st_mode & 0o777) == 0o755

    regular = tmp_path / "new" / "history"
    _save_history(readline, regular)  # type: ignore[arg-type]
    assert readline.written == [regular] and (regular.stat().st_mode & 0o777) == 0o600
