"""The pure quiz engine: Leitner boxes, which item comes next, grading, scores and button ids."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import QuizItemModel
from bot.core.quiz import (
    BOX_INTERVALS_DAYS,
    FEEDBACK_KINDS,
    LAST_BOX,
    MAX_CUSTOM_ID,
    AnswerButton,
    FeedbackButton,
    ItemState,
    NextQuestionButton,
    ScoreCard,
    choose_next,
    daily_item,
    decode_custom_id,
    due_after,
    encode_answer,
    encode_feedback,
    encode_next,
    find_item,
    grade,
    next_box,
    schedule,
)

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def item(item_id: str, topic: str = "risks", audience: str = "patient", answer: int = 1) -> QuizItemModel:
    return QuizItemModel(
        id=item_id,
        topic=topic,
        audience=audience,
        stem=f"Question {item_id}?",
        options=["first", "second", "third"],
        answer=answer,
        explanation="Because.",
        source="src",
        locator="p. 1",
    )


ITEMS = [
    item("risks-p-1"),
    item("risks-p-2"),
    item("risks-c-1", audience="clinician"),
    item("proc-p-1", topic="procedure"),
]


def test_boxes_climb_one_at_a_time_and_a_miss_goes_back_to_box_one() -> None:
    assert next_box(None, True) == 2  # a new item answered right skips the "missed" box
    assert next_box(None, False) == 1
    assert [next_box(b, True) for b in range(1, LAST_BOX + 1)] == [2, 3, 4, 5, 5]
    assert all(next_box(b, False) == 1 for b in range(1, LAST_BOX + 1))
    assert [due_after(b, NOW) - NOW for b in range(1, 6)] == [dt.timedelta(days=d) for d in BOX_INTERVALS_DAYS]
    assert BOX_INTERVALS_DAYS == (0, 1, 3, 7, 14)


def test_schedule_counts_seen_and_right_and_sets_the_due_date() -> None:
    first = schedule(None, "a", True, NOW)
    assert (first.box, first.seen, first.correct, first.due_at) == (2, 1, 1, NOW + dt.timedelta(days=1))
    missed = schedule(first, "a", False, NOW + dt.timedelta(days=1))
    assert (missed.box, missed.seen, missed.correct) == (1, 2, 1)
    assert missed.due_at == missed.last_seen_at  # due again at once


def test_due_missed_items_come_first_then_unseen_then_least_recently_seen() -> None:
    states = {
        "risks-p-1": ItemState("risks-p-1", 3, NOW + dt.timedelta(days=2), NOW - dt.timedelta(days=1)),
        "risks-p-2": ItemState("risks-p-2", 1, NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=1)),
    }
    assert choose_next(ITEMS, states, NOW).id == "risks-p-2"  # missed and due
    assert choose_next(ITEMS, states, NOW, exclude={"risks-p-2"}).id == "risks-c-1"  # first unseen
    # Everything seen and nothing due: the least recently seen comes back.
    seen = {
        i.id: ItemState(i.id, 2, NOW + dt.timedelta(days=1), NOW - dt.timedelta(hours=n)) for n, i in enumerate(ITEMS)
    }
    assert choose_next(ITEMS, seen, NOW).id == ITEMS[-1].id


def test_among_due_items_the_lower_box_wins_then_the_longest_overdue() -> None:
    states = {
        "risks-p-1": ItemState("risks-p-1", 3, NOW - dt.timedelta(days=5), NOW - dt.timedelta(days=8)),
        "risks-p-2": ItemState("risks-p-2", 1, NOW - dt.timedelta(minutes=1), NOW - dt.timedelta(minutes=1)),
        "proc-p-1": ItemState("proc-p-1", 1, NOW - dt.timedelta(days=1), NOW - dt.timedelta(days=1)),
    }
    assert choose_next(ITEMS, states, NOW).id == "proc-p-1"


def test_filters_by_topic_and_audience_and_returns_none_when_nothing_matches() -> None:
    assert choose_next(ITEMS, {}, NOW, audience="clinician").id == "risks-c-1"
    assert choose_next(ITEMS, {}, NOW, topic="procedure").id == "proc-p-1"
    assert choose_next(ITEMS, {}, NOW, topic="procedure", audience="clinician") is None
    assert choose_next([], {}, NOW) is None


def test_exclude_is_dropped_only_when_it_would_leave_nothing() -> None:
    only = [ITEMS[3]]
    assert choose_next(only, {}, NOW, exclude={"proc-p-1"}).id == "proc-p-1"


def test_find_item_by_button_id() -> None:
    assert find_item(ITEMS, "risks-c-1") is ITEMS[2]
    assert find_item(ITEMS, "gone-1") is None


def test_the_daily_question_is_stable_moves_on_each_day_and_differs_between_channels() -> None:
    day = dt.date(2026, 3, 1)
    patient = [i for i in ITEMS if i.audience == "patient"]
    first = daily_item(ITEMS, day, "discord:1", audience="patient")
    assert first is daily_item(ITEMS, day, "discord:1", audience="patient")  # any process, any restart
    week = [daily_item(ITEMS, day + dt.timedelta(days=n), "discord:1", audience="patient") for n in range(3)]
    assert {i.id for i in week} == {i.id for i in patient}  # every item in turn
    others = {daily_item(ITEMS, day, f"slack:C{n}", audience="patient").id for n in range(20)}
    assert len(others) > 1
    assert daily_item(ITEMS, day, "discord:1", topic="none") is None


def test_grade_accepts_only_real_options() -> None:
    it = item("x-1", answer=2)
    assert grade(it, 2) is True
    assert grade(it, 0) is False
    assert grade(it, 3) is None  # a stale button after the options changed
    assert grade(it, -1) is None
    assert grade(it, True) is None  # bool is not a choice


def test_score_card_streaks() -> None:
    card = ScoreCard()
    for right in (True, True, False, True, True, True, False):
        card = card.after(right)
    assert (card.answered, card.correct, card.streak, card.best_streak) == (7, 5, 0, 3)
    assert card.accuracy == pytest.approx(5 / 7)
    assert ScoreCard().accuracy is None
    assert card.to_json()["best_streak"] == 3


def test_button_ids_round_trip() -> None:
    assert decode_custom_id(encode_answer("risks-p-1", 3)) == AnswerButton("risks-p-1", 3)
    assert decode_custom_id(encode_feedback("not_asked", "faq_pain", "clinician")) == FeedbackButton(
        "not_asked", "faq_pain", "clinician"
    )
    assert decode_custom_id(encode_next()) == NextQuestionButton(None, None)
    assert decode_custom_id(encode_next("risks", "patient")) == NextQuestionButton("risks", "patient")
    assert encode_answer("risks-p-1", 0) == "bp:q:risks-p-1:0"


def test_the_longest_ids_fit_discord() -> None:
    longest = [
        encode_answer("a" * 41, 4),
        encode_feedback("unhelpful", "t" * 64, "clinician"),
        encode_next("t" * 64, "clinician"),
    ]
    assert max(len(x) for x in longest) <= MAX_CUSTOM_ID


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "bp:q:risks-p-1",
        "bp:q:risks-p-1:5",
        "bp:q:risks-p-1:01",
        "bp:q:Risks:1",
        "bp:q:risks-p-1:1:extra",
        "bp:q:risks-p-1:1\n",
        " bp:q:risks-p-1:1",
        "bp:fb:great:risks:patient",
        "bp:fb:helpful:risks:doctor",
        "bp:fb:helpful:Risks:patient",
        "bp:qn:risks",
        "xx:q:risks-p-1:1",
        "bp:q:" + "a" * 42 + ":1",
        "bp:fb:helpful:" + "t" * 90 + ":patient",
        None,
        42,
    ],
)
def test_malformed_ids_decode_to_none(bad: object) -> None:
    assert decode_custom_id(bad) is None


def test_encoders_refuse_what_the_decoder_would_reject() -> None:
    for call in (
        lambda: encode_answer("Bad Id", 1),
        lambda: encode_answer("ok", 7),
        lambda: encode_feedback("meh", "risks", "patient"),
        lambda: encode_next("risks", "nurse"),
    ):
        with pytest.raises(ValueError):
            call()


@given(st.text(max_size=120))
def test_decoder_never_raises_and_only_accepts_what_it_can_re_encode(text: str) -> None:
    button = decode_custom_id(text)
    if isinstance(button, AnswerButton):
        assert encode_answer(button.item_id, button.choice) == text
    elif isinstance(button, FeedbackButton):
        assert button.kind in FEEDBACK_KINDS
        assert encode_feedback(button.kind, button.topic, button.audience) == text
    elif isinstance(button, NextQuestionButton):
        assert encode_next(button.topic, button.audience) == text


@given(
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,40}", fullmatch=True),
    st.integers(min_value=0, max_value=4),
)
def test_every_valid_answer_id_round_trips(item_id: str, choice: int) -> None:
    encoded = encode_answer(item_id, choice)
    assert len(encoded) <= MAX_CUSTOM_ID
    assert decode_custom_id(encoded) == AnswerButton(item_id, choice)
