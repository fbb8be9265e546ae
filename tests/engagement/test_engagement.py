"""The platform-neutral quiz and feedback flows, over the real content and a real SQLite store."""

from __future__ import annotations

import pytest

from bot.engagement import STALE_BUTTON, Engagement, Notice, QuizCard, QuizOutcome, feedback_buttons
from bot.store import open_store


@pytest.fixture
async def engagement(library, tmp_path):
    store = await open_store(data_dir=tmp_path)
    yield Engagement(library, store)
    await store.close()


async def test_a_card_has_one_button_per_option_and_the_presser_is_scored(engagement) -> None:
    card = await engagement.next_card("discord:1:100", "risks", "clinician")
    assert isinstance(card, QuizCard)
    assert len(card.buttons) == len(card.options) >= 3
    item = next(i for i in engagement.library.quiz_items() if i.id == card.item_id)
    assert (item.topic, item.audience) == ("risks", "clinician")
    right = card.buttons[item.answer].custom_id
    outcome = await engagement.answer("discord:1:200", right, event_id="press-1")
    assert isinstance(outcome, QuizOutcome) and outcome.correct and not outcome.duplicate
    assert outcome.source is not None and outcome.source.id == item.source
    presser = await engagement.score("discord:1:200")
    asker = await engagement.score("discord:1:100")
    assert "got 1 right" in presser.text
    assert "haven't answered" in asker.text


async def test_a_double_click_counts_once(engagement) -> None:
    card = await engagement.next_card("slack:T1:U1", "recovery", "patient")
    wrong = next(b for i, b in enumerate(card.buttons) if i != _answer(engagement, card))
    first = await engagement.answer("slack:T1:U1", wrong.custom_id, event_id="click")
    again = await engagement.answer("slack:T1:U1", wrong.custom_id, event_id="click")
    assert not first.correct and not first.duplicate
    assert again.duplicate and again.score.answered == first.score.answered == 1


async def test_a_missed_item_comes_back_first(engagement) -> None:
    card = await engagement.next_card("shell:me", "risks", "patient")
    wrong = next(b for i, b in enumerate(card.buttons) if i != _answer(engagement, card))
    await engagement.answer("shell:me", wrong.custom_id, event_id=None)
    again = await engagement.next_card("shell:me", "risks", "patient")
    assert again.item_id == card.item_id


@pytest.mark.parametrize(
    "custom_id", ["bp:q:no-such-item:0", "bp:q:risks-p-1:4", "garbage", "bp:fb:helpful:nope:patient"]
)
async def test_stale_or_forged_buttons_get_a_polite_notice(engagement, custom_id: str) -> None:
    reply = await engagement.answer("discord:1:2", custom_id, event_id="x")
    assert isinstance(reply, Notice) and not reply.ok and reply.text == STALE_BUTTON


async def test_unknown_topic_lists_the_valid_ones(engagement) -> None:
    reply = await engagement.next_card("discord:1:2", "teeth", None)
    assert isinstance(reply, Notice) and "risks" in reply.text and "breastfeeding" in reply.text


async def test_feedback_counts_once_and_only_for_topic_answers(engagement, library) -> None:
    answer = library.answer("how much blood do they use")
    buttons = feedback_buttons(answer)
    assert [b.label for b in buttons] == ["Helpful", "Not helpful", "Not what I asked"]
    thanks = await engagement.feedback("discord:9:1", buttons[0].custom_id, event_id="m1:1")
    repeat = await engagement.feedback("discord:9:1", buttons[0].custom_id, event_id="m1:1")
    assert thanks.text.startswith("Thanks") and repeat.text.startswith("Already counted")
    stats = await engagement.store.stats()
    assert stats.feedback[answer.topic]["helpful"] == 1
    assert feedback_buttons(library.answer("what's the capital of France")) == ()


async def test_a_database_that_is_down_gives_notices_not_crashes(library, tmp_path) -> None:
    store = await open_store("postgresql://nobody@127.0.0.1:1/none")
    engagement = Engagement(library, store)
    card = await engagement.next_card("discord:1:2", None, None)
    assert isinstance(card, Notice) and "unavailable" in card.text
    feedback = await engagement.feedback("discord:1:2", "bp:fb:helpful:risks:patient", event_id="e")
    assert "unavailable" in feedback.text
    await engagement.record_ask("discord:1:2", library.answer("does it hurt"))  # swallowed, logged
    assert library.answer("does it hurt").snippets  # answers still work
    await store.close()


def _answer(engagement: Engagement, card: QuizCard) -> int:
    return next(i.answer for i in engagement.library.quiz_items() if i.id == card.item_id)
