"""Quiz, feedback, score, leaderboard and stats as platform-neutral replies.

Discord and Slack parse their own payloads, call one method here and render what comes
back, so both platforms (and the shell) say the same words and score the same way. The
core `Library` supplies the items; `bot.store` keeps the state. Whenever the store is down,
the reply is a polite `Notice` and answers to questions keep working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.answer import Answer, SourceRef
from bot.core.models import QuizItemModel
from bot.core.quiz import (
    AnswerButton,
    FeedbackButton,
    NextQuestionButton,
    ScoreCard,
    decode_custom_id,
    encode_answer,
    encode_feedback,
    encode_next,
)
from bot.core.text import normalize
from bot.store import LeaderboardRow, StatsReport, Store, StoreUnavailable, scope_of

log = logging.getLogger(__name__)

AUDIENCES = ("patient", "clinician")
OPTION_LETTERS = "ABCDE"

UNAVAILABLE = "{what} is unavailable right now. Answers to questions still work; please try again later."
STALE_BUTTON = "This button is out of date (the question may have changed). Start a new one with /bloodpatch quiz."
NO_ITEMS = "There are no quiz questions for that choice yet. Try /bloodpatch quiz without a topic."
ALREADY_COUNTED = "Already counted: {summary}"
FEEDBACK_THANKS = {
    "helpful": "Thanks, glad it helped.",
    "unhelpful": "Thanks for telling us. We use this to improve the answers.",
    "not_asked": "Thanks. We'll use this to improve how questions are matched to topics.",
}
FEEDBACK_LABELS = {"helpful": "Helpful", "unhelpful": "Not helpful", "not_asked": "Not what I asked"}
KEEP_TEXT_ON = (
    'From now on, questions marked "Not what I asked" or left unanswered here are kept, redacted '
    "(numbers, emails, names and mentions removed), and deleted after the retention limit."
)
KEEP_TEXT_OFF = "Question text is no longer kept here (only anonymous counts); text kept so far was deleted."
LEADERBOARD_EMPTY = "Nobody is on the leaderboard yet. Join with /bloodpatch leaderboard join."


@dataclass(frozen=True, slots=True)
class Notice:
    """A short, usually private reply: unavailable, stale button, thanks, score."""

    text: str
    ok: bool = True  # False when the action could not be done (adapters may log it)


@dataclass(frozen=True, slots=True)
class QuizButton:
    label: str  # "A", "B"... (options are in the card text; labels stay short on every platform)
    custom_id: str


@dataclass(frozen=True, slots=True)
class QuizCard:
    """One question: its text, the option list, and a button per option (state lives in the ids)."""

    item_id: str
    title: str  # "Quiz: Side effects and risks (clinician, hard)"
    stem: str
    options: tuple[str, ...]
    buttons: tuple[QuizButton, ...]

    def option_lines(self) -> list[str]:
        return [f"{OPTION_LETTERS[i]}. {text}" for i, text in enumerate(self.options)]


@dataclass(frozen=True, slots=True)
class QuizOutcome:
    """The reply to an answer button: right or wrong, the cited explanation, the presser's score."""

    correct: bool
    duplicate: bool
    answer: int  # 0-based index of the right option
    chosen: str  # "B. ..."
    right: str  # "C. ..."
    explanation: str
    source: SourceRef | None
    locator: str
    score: ScoreCard
    next_button: QuizButton

    @property
    def verdict(self) -> str:
        return "Right!" if self.correct else "Not quite."

    def summary(self) -> str:
        card = self.score
        streak = f", streak {card.streak}" if card.streak > 1 else ""
        return f"Score: {card.correct} of {card.answered}{streak}"


def citation(source, locator: str) -> str:  # source: SourceRef or SourceModel (title, publisher, year, url)
    """The one way a quiz explanation names its source, in the shell and the CLI alike."""
    if source is None:
        return ""
    return f"Source: {source.title} ({source.publisher}, {source.year}), {locator}. {source.url}"


def feedback_buttons(answer: Answer) -> tuple[QuizButton, ...]:
    """Helpful / Not helpful / Not what I asked, for answers that came from a topic."""
    if answer.topic is None:
        return ()
    return tuple(
        QuizButton(label, encode_feedback(kind, answer.topic, answer.audience))
        for kind, label in FEEDBACK_LABELS.items()
    )


class Engagement:
    """The quiz and feedback flows over one `Library` and one `Store`."""

    def __init__(self, library, store: Store) -> None:  # library: bot.core.Library
        self.library = library
        self.store = store

    # -- quiz ----------------------------------------------------------------------
    def topic_problem(self, topic: str | None, audience: str | None) -> Notice | None:
        """A helpful reply for an unknown topic or audience, listing the valid ones; None when fine."""
        if audience is not None and audience not in AUDIENCES:
            return Notice(f"Audience must be one of: {', '.join(AUDIENCES)}.", ok=False)
        if topic is not None and self.resolve_topic(topic) is None:
            names = ", ".join(t.command for t in self.library.topics)
            return Notice(f"I don't have a topic called that. Topics: {names}.", ok=False)
        return None

    def resolve_topic(self, topic: str) -> str | None:
        wanted = normalize(topic.replace("_", " "))
        for ref in self.library.topics:
            if wanted in (normalize(ref.id.replace("_", " ")), normalize(ref.command.replace("_", " "))):
                return ref.id
        return None

    async def next_card(
        self, user: str, topic: str | None = None, audience: str | None = None, *, exclude: Collection[str] = ()
    ) -> QuizCard | Notice:
        """The next question for `user` (missed items come back first, but not the ones in `exclude`,
        e.g. the question just answered), or a Notice saying why not."""
        problem = self.topic_problem(topic, audience)
        if problem:
            return problem
        topic_id = self.resolve_topic(topic) if topic else None
        items = self.library.quiz_items()
        try:
            item = await self.store.next_quiz_item(user, items, topic=topic_id, audience=audience, exclude=exclude)
            if item is None and exclude:  # everything on offer was just asked: start the round again
                item = await self.store.next_quiz_item(user, items, topic=topic_id, audience=audience)
        except StoreUnavailable as exc:
            log.warning("quiz unavailable: %s", exc)
            return Notice(UNAVAILABLE.format(what="The quiz"), ok=False)
        if item is None:
            return Notice(NO_ITEMS, ok=False)
        return self.card(item)

    def daily_card(self, topic: str | None, audience: str | None, day: dt.date) -> QuizCard | Notice:
        """The question of the day for a channel: every matching item in turn, in a fixed shuffled order.

        Not per user (nobody in particular is asked), so no store is needed; the order is a hash of
        the item ids, which spreads the topics instead of walking through one topic at a time.
        """
        topic_id = self.resolve_topic(topic) if topic else None
        if topic and topic_id is None:
            return Notice(NO_ITEMS, ok=False)
        items = sorted(
            self.library.quiz_items(topic_id, audience),
            key=lambda i: hashlib.sha256(i.id.encode()).hexdigest(),
        )
        if not items:
            return Notice(NO_ITEMS, ok=False)
        return self.card(items[day.toordinal() % len(items)])

    def card(self, item: QuizItemModel) -> QuizCard:
        ref = self.library.topic_ref(item.topic)
        title = f"Quiz: {ref.title if ref else item.topic} ({item.audience}, {item.difficulty})"
        buttons = tuple(QuizButton(OPTION_LETTERS[i], encode_answer(item.id, i)) for i in range(len(item.options)))
        return QuizCard(item.id, title, item.stem, tuple(item.options), buttons)

    def _item(self, item_id: str) -> QuizItemModel | None:
        return next((i for i in self.library.quiz_items() if i.id == item_id), None)

    async def answer(self, user: str, custom_id: str, *, event_id: str | None) -> QuizOutcome | Notice:
        """Score the person who pressed (not whoever got the question); a double click counts once."""
        button = decode_custom_id(custom_id)
        item = self._item(button.item_id) if isinstance(button, AnswerButton) else None
        if item is None or not isinstance(button, AnswerButton) or button.choice >= len(item.options):
            return Notice(STALE_BUTTON, ok=False)
        try:
            result = await self.store.record_quiz_answer(user, item, button.choice, event_id=event_id)
        except StoreUnavailable as exc:
            log.warning("quiz unavailable: %s", exc)
            return Notice(UNAVAILABLE.format(what="The quiz"), ok=False)
        letters = OPTION_LETTERS
        return QuizOutcome(
            correct=result.correct,
            duplicate=result.duplicate,
            answer=item.answer,
            chosen=f"{letters[button.choice]}. {item.options[button.choice]}",
            right=f"{letters[item.answer]}. {item.options[item.answer]}",
            explanation=item.explanation,
            source=self.library.source(item.source),
            locator=item.locator,
            score=result.score,
            next_button=QuizButton("Next question", encode_next(item.topic, item.audience)),
        )

    def next_filters(self, custom_id: str) -> tuple[str | None, str | None] | None:
        """(topic, audience) of a "Next question" button, or None when it is not one."""
        button = decode_custom_id(custom_id)
        return (button.topic, button.audience) if isinstance(button, NextQuestionButton) else None

    # -- feedback ------------------------------------------------------------------
    async def feedback(self, user: str, custom_id: str, *, event_id: str | None, question: str | None = None) -> Notice:
        """Count a feedback press; `question` is kept (redacted) only where the scope opted in."""
        button = decode_custom_id(custom_id)
        if not isinstance(button, FeedbackButton) or self.library.topic_ref(button.topic) is None:
            return Notice(STALE_BUTTON.replace(" Start a new one with /bloodpatch quiz.", ""), ok=False)
        try:
            result = await self.store.record_feedback(
                scope_of(user),
                button.kind,
                button.topic,
                button.audience,
                event_id=event_id,
                text=question if button.kind == "not_asked" else None,
                user=user,
            )
        except StoreUnavailable as exc:
            log.warning("feedback unavailable: %s", exc)
            return Notice(UNAVAILABLE.format(what="Feedback"), ok=False)
        if result.duplicate:
            return Notice("Already counted, thank you.")
        return Notice(FEEDBACK_THANKS[button.kind])

    async def keep_text(self, scope: str, keep: bool) -> Notice:
        """An admin's opt-in (or out) for keeping redacted "not what I asked" / gap question text in `scope`."""
        try:
            await self.store.set_keep_text(scope, keep)
        except StoreUnavailable:
            return Notice(UNAVAILABLE.format(what="Settings"), ok=False)
        if keep:
            return Notice(KEEP_TEXT_ON)
        return Notice(KEEP_TEXT_OFF)

    async def record_ask(self, user: str, answer: Answer) -> None:
        """Count an answered question for stats and gaps; never fails the answer it follows."""
        try:
            await self.store.record_ask(
                scope_of(user), str(answer.kind), answer.topic, answer.audience, text=answer.question, user=user
            )
        except (StoreUnavailable, ValueError) as exc:
            log.info("ask not recorded: %s", exc)

    # -- score and leaderboard --------------------------------------------------------
    async def score(self, user: str) -> Notice:
        try:
            report = await self.store.score(user)
        except StoreUnavailable:
            return Notice(UNAVAILABLE.format(what="Scores"), ok=False)
        card = report.score
        if card.answered == 0:
            return Notice("You haven't answered any quiz questions yet. Try /bloodpatch quiz.")
        lines = [
            f"You've answered {card.answered} and got {card.correct} right.",
            f"Current streak {card.streak}, best {card.best_streak}.",
            f"{report.items_seen} questions seen, {report.mastered} mastered, {report.due_now} due for review now.",
        ]
        return Notice(" ".join(lines))

    async def join_leaderboard(self, user: str, display_name: str | None) -> Notice:
        try:
            await self.store.set_leaderboard(user, display_name)
        except StoreUnavailable:
            return Notice(UNAVAILABLE.format(what="The leaderboard"), ok=False)
        except ValueError:  # nothing left of the name once markup is stripped
            return Notice("That name can't be shown. Please set a display name with letters in it.", ok=False)
        if display_name is None:
            return Notice("You've left the leaderboard.")
        return Notice("You're on the leaderboard here. Leave any time with /bloodpatch leaderboard leave.")

    async def leaderboard(self, scope: str) -> Sequence[LeaderboardRow] | Notice:
        try:
            rows = await self.store.leaderboard(scope)
        except StoreUnavailable:
            return Notice(UNAVAILABLE.format(what="The leaderboard"), ok=False)
        return rows or Notice(LEADERBOARD_EMPTY)

    async def stats_text(self, since_days: int = 30) -> Notice:
        """A short admin summary: asks and feedback per topic, and the quiz items most people miss."""
        try:
            report = await self.store.stats(since_days=since_days)
        except StoreUnavailable:
            return Notice(UNAVAILABLE.format(what="Stats"), ok=False)
        return Notice(format_stats(report))


def format_stats(report: StatsReport) -> str:
    """Asks and feedback per topic (most asked first) and the quiz items most people miss."""
    lines = [f"Last {report.since_days} days." if report.since_days else "All time."]
    for counts, title in ((report.asks, "Questions per topic"), (report.feedback, "Feedback per topic")):
        ranked = sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))[:10]
        if ranked:
            rows = "; ".join(
                f"{topic or '(no topic)'}: " + ", ".join(f"{kind} {n}" for kind, n in kinds.items())
                for topic, kinds in ranked
            )
            lines.append(f"{title}: {rows}")
    hard = [i.item_id for i in report.items if i.hard][:10]
    if hard:
        lines.append("Quiz items most people get wrong first time: " + ", ".join(hard))
    if len(lines) == 1:
        lines.append("Nothing recorded yet.")
    return "\n".join(lines)
