"""What `/bloodpatch <text>` (or a mention / DM) means."""

from __future__ import annotations

import pytest

from bot.adapters.slack.parse import MAX_INPUT_CHARS, Intent, Request, parse_text, strip_mention


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Request(Intent.HELP)),
        ("   \n ", Request(Intent.HELP)),
        ("help", Request(Intent.HELP)),
        ("Help", Request(Intent.HELP)),
        ("topics", Request(Intent.HELP)),
        ("sources", Request(Intent.SOURCES)),
        ("recovery", Request(Intent.AUTO, "recovery")),
        ("side effects", Request(Intent.AUTO, "side effects")),
        ("topic risks", Request(Intent.TOPIC, "risks")),
        ("ask does it hurt?", Request(Intent.ASK, "does it hurt?")),
        ("ask", Request(Intent.ASK, "")),  # an empty question: the core asks for one
        ("--clinician ask", Request(Intent.ASK, "", "clinician")),
        ("topic", Request(Intent.HELP)),
        ("does it hurt?", Request(Intent.AUTO, "does it hurt?")),
        # help/sources only as the whole text: these are questions
        ("help my head is killing me", Request(Intent.AUTO, "help my head is killing me")),
        ("sources for the recovery advice", Request(Intent.AUTO, "sources for the recovery advice")),
        # audience switches
        ("--clinician", Request(Intent.HELP, audience="clinician")),
        ("clinician", Request(Intent.HELP, audience="clinician")),
        ("--clinician recovery", Request(Intent.AUTO, "recovery", "clinician")),
        ("clinician recovery", Request(Intent.AUTO, "recovery", "clinician")),
        ("recovery --clinician", Request(Intent.AUTO, "recovery", "clinician")),
        ("--CLINICIAN ask what gauge", Request(Intent.ASK, "what gauge", "clinician")),
        ("--clinician --patient risks", Request(Intent.AUTO, "risks", "patient")),
        ("is a clinician needed", Request(Intent.AUTO, "is a clinician needed")),
        ("--clinician sources", Request(Intent.SOURCES, audience="clinician")),
    ],
)
def test_parse_text(text: str, expected: Request) -> None:
    assert parse_text(text) == expected


def test_only_text_longer_than_slack_allows_is_cut_before_the_core() -> None:
    request = parse_text("ask " + "a" * 100_000)
    assert request.intent is Intent.ASK
    assert len(request.text) <= MAX_INPUT_CHARS


def test_a_long_question_reaches_the_core_whole() -> None:
    """The core answers "Message too long" with the real length, so the adapter must not trim it first."""
    question = "why does my head hurt " * 200  # 4,400 characters: over the core's limit, under Slack's
    request = parse_text(f"ask {question}")
    assert request == Request(Intent.ASK, question.strip())


@pytest.mark.parametrize(
    ("text", "bot", "expected"),
    [
        ("<@UBOT> does it hurt", "UBOT", "does it hurt"),
        ("<@UBOT|bloodpatch> does it hurt", "UBOT", "does it hurt"),
        ("hey <@UBOT> what about <@U999>?", "UBOT", "hey  what about <@U999>?"),
        ("<@UBOT>", "UBOT", ""),
        ("<@UBOT> recovery", None, "recovery"),
        ("what about <@U999>?", None, "what about <@U999>?"),
    ],
)
def test_strip_mention_removes_only_the_bot(text: str, bot: str | None, expected: str) -> None:
    assert strip_mention(text, bot) == expected
