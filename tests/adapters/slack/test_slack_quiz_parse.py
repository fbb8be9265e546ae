"""`/bloodpatch quiz|score|leaderboard|stats|daily|privacy`: what counts as a command, and what stays a question."""

from __future__ import annotations

import pytest

from bot.adapters.slack.quiz_parse import DEFAULT_DAILY_HOUR, QuizCommand, parse_quiz_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quiz", QuizCommand("quiz")),
        ("QUIZ red flags -c", QuizCommand("quiz", topic="red flags", audience="clinician")),
        ("quiz --patient any", QuizCommand("quiz", audience="patient")),
        ("score", QuizCommand("score")),
        ("leaderboard", QuizCommand("leaderboard", "show")),
        ("leaderboard Join", QuizCommand("leaderboard", "join")),
        ("stats", QuizCommand("stats")),
        ("stats 7", QuizCommand("stats", days=7)),
        ("daily off", QuizCommand("daily", "off")),
        ("daily on", QuizCommand("daily", "on", hour_utc=DEFAULT_DAILY_HOUR)),
        ("daily on 7:00 risks clinician", QuizCommand("daily", "on", topic="risks", audience="clinician", hour_utc=7)),
        ("privacy keep_text on", QuizCommand("privacy", "keep_text_on")),
        ("privacy keep-text OFF", QuizCommand("privacy", "keep_text_off")),
    ],
)
def test_commands(text: str, expected: QuizCommand) -> None:
    assert parse_quiz_command(text) == expected


@pytest.mark.parametrize(
    "text", ["", "recovery", "score of my pain", "daily life after a blood patch", "stats on risks", "privacy policy"]
)
def test_questions_that_start_with_a_command_word_stay_questions(text: str) -> None:
    assert parse_quiz_command(text) is None


@pytest.mark.parametrize("text", ["leaderboard dance", "stats 0", "stats lots", "daily on 24", "daily", "privacy"])
def test_malformed_commands_explain_their_usage(text: str) -> None:
    parsed = parse_quiz_command(text)
    assert parsed is not None and parsed.problem and "/bloodpatch" in parsed.problem


def test_admin_only_commands() -> None:
    assert [n for n in ("quiz", "score", "leaderboard", "stats", "daily", "privacy") if QuizCommand(n).admin_only] == [
        "stats",
        "daily",
        "privacy",
    ]
