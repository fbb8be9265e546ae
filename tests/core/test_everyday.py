"""Small talk, edge replies and lint messages that read well (issue: the everyday feel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import MAX_QUESTION_CHARS, Kind, Library
from tests.conftest import CONTENT, run_cli


@pytest.mark.parametrize(
    ("message", "title"),
    [("hi", "Hello"), ("Hello!", "Hello"), ("thanks", "You're welcome"), ("thank you 🙏", "You're welcome"),
     ("ok", "Got it"), ("bye", "Take care")],
)  # fmt: skip
def test_small_talk_gets_a_short_friendly_reply_and_no_topic_list(library: Library, message: str, title: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.SMALL_TALK and answer.title == title
    assert answer.message and not answer.suggestions and answer.topic is None
    assert answer.to_json()["kind"] == "small_talk"


def test_small_talk_never_hides_a_question_or_an_emergency(library: Library) -> None:
    assert library.answer("hi, does a blood patch hurt?").kind is not Kind.SMALL_TALK
    assert library.answer("hi, my wife just had a seizure after her epidural").kind is Kind.RED_FLAG
    assert library.answer("thanks, but now I have a fever and a stiff neck").kind is Kind.RED_FLAG


def test_empty_and_over_long_messages_have_their_own_titles(library: Library) -> None:
    empty = library.answer("   ")
    long = library.answer("why " * (MAX_QUESTION_CHARS // 2))
    assert empty.kind is Kind.NOT_FOUND and empty.title == "Ask me a question" and empty.error == "empty_question"
    assert long.kind is Kind.NOT_FOUND and long.title == "Message too long" and long.error == "question_too_long"
    assert empty.message != long.message and "characters" in (long.message or "")
    assert "Topic not found" not in (empty.title, long.title)


def test_out_of_scope_offers_the_three_likeliest_topics(library: Library) -> None:
    answer = library.answer("how do I patch a bike tyre")
    assert answer.kind is Kind.OUT_OF_SCOPE
    assert len(answer.suggestions) == 3 and len({t.id for t in answer.suggestions}) == 3
    assert "help" in (answer.message or "")


def test_lint_reports_a_broken_topic_once_and_counts_what_it_hides(content_copy: Path) -> None:
    (content_copy / "topics" / "risks.yaml").write_text("id: risks\ntitle: [broken\n")
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": warning:" not in line and line.strip()]
    assert errors[0].startswith(f"{content_copy / 'topics' / 'risks.yaml'}:")
    assert not any("unknown topic id 'risks'" in line or "no topic file for 'risks'" in line for line in errors)
    assert "follow-on error(s) hidden" in result.stderr and "'risks'" in result.stderr
    assert "1 error(s)" in result.stderr


def test_lint_warns_about_a_topic_file_the_index_does_not_list(content_copy: Path) -> None:
    index = content_copy / "index.yaml"
    index.write_text(index.read_text().replace("faq_drawbacks]", "]").replace(", faq_drawbacks", ""))
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 0, result.stderr
    assert "index.yaml:1: warning: topics: topic 'faq_drawbacks'" in result.stderr


def test_content_readme_describes_the_index_and_no_fixed_count() -> None:
    text = (CONTENT / "README.md").read_text()
    assert "index.yaml" in text and "fixed ids" not in text
