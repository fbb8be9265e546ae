"""Chat markup is stripped before triage and routing, so markup never hides or invents a symptom."""

from __future__ import annotations

import pytest

from bot.core import Kind, Library
from bot.core.markup import strip_markup


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@U123ABC> I have a *fever* &amp; a stiff neck", "I have a fever & a stiff neck"),
        ("see <https://www.nhs.uk/x|the NHS page> please", "see the NHS page please"),
        ("<!channel> <!here> help", "help"),
        ("<#C123|general> does it hurt", "general does it hurt"),
        ("<@!1234> **worst** headache <:sob:987654>", "worst headache sob"),
        ("~~not~~ _really_ `bad`", "not really bad"),
        ("read https://example.com/a?b=c then reply", "read then reply"),
        ("&gt; quoted line", "quoted line"),
    ],
)
def test_markup_is_reduced_to_plain_words(raw: str, plain: str) -> None:
    assert strip_markup(raw) == plain


def test_words_with_underscores_and_maths_are_left_alone() -> None:
    assert strip_markup("snake_case and 2*3*4") == "snake_case and 2*3*4"


def test_an_emergency_in_markup_still_gets_the_urgent_answer(library: Library) -> None:
    answer = library.answer("<@U0LAN> **my wife just had a *seizure***, she had an epidural on monday")
    assert answer.kind is Kind.RED_FLAG


def test_a_mention_alone_is_not_a_question(library: Library) -> None:
    answer = library.answer("<@U0BOT>")
    assert answer.kind is Kind.NOT_FOUND
