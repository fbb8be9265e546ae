"""The terminal adapter with clarify, crisis and same-day answers, and the numbered choice in the REPL.

The REPL tests use the real library, except that one question is answered "Did you mean…"
(the router decides when that happens; this is about what the shell does with it). Their
shells wrap at the fixed width `render_answer` uses by default, whatever the terminal.
Opening a suggestion goes through the real `Library.topic`.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest

from bot.adapters.shell import Shell, render_answer, run_shell
from bot.adapters.shell.render import ADVICE_MARK, WIDTH, Style
from bot.adapters.shell.repl import CHOICE_HINT
from bot.core import Answer, Library, TopicRef, Triage
from tests.answers import clarify, crisis, same_day

UNSURE = "patch"  # the question the stand-in router is unsure about


class UnsureLibrary:
    """The real library, except that UNSURE gets a "Did you mean…" answer."""

    def __init__(self, library: Library, suggestions: tuple[str, ...] = ("risks", "recovery", "repeat")) -> None:
        self._library = library
        self.suggestions = tuple(library.topic_ref(t) for t in suggestions)
        self.asked: list[str] = []

    def answer(self, text: str, audience: str = "patient") -> Answer:
        self.asked.append(text)
        if text == UNSURE:
            return clarify(*self.suggestions, audience=audience, question=UNSURE)
        return self._library.answer(text, audience)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._library, name)


# -- rendering --------------------------------------------------------------------------------------


def test_clarify_lists_the_suggestions_numbered_with_their_commands() -> None:
    suggestions = (TopicRef("risks", "Side effects and risks", "risks"), TopicRef("faq_pain", "Does it hurt?", "pain"))
    text = render_answer(clarify(*suggestions))

    lines = text.splitlines()
    assert lines[0] == "Did you mean…"
    assert "Did you mean one of these?" in lines
    start = lines.index("1. Side effects and risks (risks)")
    assert lines[start + 1] == "2. Does it hurt? (pain)"
    assert "Did you mean: " not in text  # the numbered list replaces the one-line form
    assert "Topics:" not in text


def test_crisis_is_urgent_first_like_a_red_flag() -> None:
    answer = crisis()
    plain = render_answer(answer)
    coloured = render_answer(answer, Style(True))

    assert plain.splitlines()[:4] == [
        "!! YOU ARE NOT ALONE !!",
        "",
        "You deserve support right now. You don't have to face this alone.",
        "• UK: call Samaritans free on 116 123, any time",
    ]
    assert coloured.startswith("\033[1;31m!! YOU ARE NOT ALONE !!")
    assert "About warning signs" not in plain and "Sources" not in plain
    assert "want to die" not in plain


def test_same_day_notice_comes_before_the_snippets_marked_as_advice() -> None:
    answer = same_day()
    text = render_answer(answer)
    notice = f"{ADVICE_MARK} Contact your maternity or anaesthetic team today."
    assert text.splitlines()[2] == notice
    assert text.index(notice) < text.index("Most people need only one patch. [1]")
    coloured = render_answer(answer, Style(True))
    yellow = "\033[1;33m{}\033[0m".format
    assert f"{yellow(ADVICE_MARK)} {yellow('Contact your maternity or anaesthetic team today.')}" in coloured
    bold_part = render_answer(dataclasses.replace(answer, message="**Call your team today.** It can't wait."))
    assert bold_part.splitlines()[2] == f"{ADVICE_MARK} Call your team today. It can't wait."

    ordinary = render_answer(dataclasses.replace(answer, triage=Triage.INFO))
    assert ADVICE_MARK not in ordinary
    assert ordinary.index("Contact your") < ordinary.index("Most people")


# -- the numbered choice in the REPL -----------------------------------------------------------------


@pytest.mark.parametrize("audience", ["patient", "clinician"])
@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_number_right_after_a_clarify_opens_that_suggestion(library: Library, audience: str, number: int) -> None:
    unsure = UnsureLibrary(library)
    shell = Shell(unsure, audience=audience, width=WIDTH)

    asked = shell.handle(UNSURE)
    assert asked.endswith(CHOICE_HINT)
    chosen = unsure.suggestions[number - 1]
    assert f"{number}. {chosen.title} ({chosen.command})" in asked.splitlines()

    opened = shell.handle(f" {number} ")

    assert opened == render_answer(library.topic(chosen.id, audience))
    assert unsure.asked == [UNSURE]  # the number was not searched for


# "Handled as usual" below is compared with `startswith`: should the core ever answer "1" with
# a clarify answer of its own, the shell adds its hint after the same rendering.


def test_the_choice_is_only_for_the_next_line(library: Library) -> None:
    unsure = UnsureLibrary(library)
    shell = Shell(unsure, width=WIDTH)
    shell.handle(UNSURE)
    first = shell.handle("1")
    assert first == render_answer(library.topic("risks"))

    again = shell.handle("1")  # no longer right after a clarify answer: handled as usual
    assert again.startswith(render_answer(library.answer("1")))
    assert unsure.asked == [UNSURE, "1"]


def test_any_other_input_after_a_clarify_is_handled_as_usual(library: Library) -> None:
    unsure = UnsureLibrary(library)
    shell = Shell(unsure, width=WIDTH)
    shell.handle(UNSURE)

    assert shell.handle("topic recovery") == render_answer(library.topic("recovery"))
    assert shell.handle("2").startswith(render_answer(library.answer("2")))  # the choice has gone

    shell.handle(UNSURE)
    assert shell.handle("audience clinician") == "Audience is now clinician."
    assert shell.handle("1").startswith(render_answer(library.answer("1", "clinician")))


def test_a_number_not_on_offer_says_which_are_and_keeps_the_choice(library: Library) -> None:
    unsure = UnsureLibrary(library, suggestions=("risks", "recovery"))
    shell = Shell(unsure, width=WIDTH)
    shell.handle(UNSURE)

    assert shell.handle("3") == "Choose 1 or 2, or ask in other words."
    assert shell.handle("") == ""  # a stray Enter does not drop the choice either
    assert shell.handle("2") == render_answer(library.topic("recovery"))
    assert unsure.asked == [UNSURE]


def test_choosing_over_a_pipe(library: Library) -> None:
    stdin = io.StringIO(f"{UNSURE}\n2\nquit\n")
    stdout = io.StringIO()

    assert run_shell(UnsureLibrary(library), stdin=stdin, stdout=stdout) == 0

    out = stdout.getvalue()
    assert "2. " in out and CHOICE_HINT in out
    assert render_answer(library.topic("recovery")) in out
