"""The content core: one object the adapters hold and ask for `Answer`s.

Safety runs before search. Content can be reloaded while the bot runs: a failed
reload keeps serving the last good content and reports every error.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.answer import Answer, AnswerSnippet, Audience, Kind, SourceRef, TopicRef, Triage
from bot.core.language import detect_language
from bot.core.loader import Content, ContentInvalid, load_content
from bot.core.markup import strip_markup
from bot.core.models import QuizItemModel, SameDay, TopicModel
from bot.core.modelstore import Models, load_models
from bot.core.resolve import TopicResolver
from bot.core.router import RUNNER_UP_SHARE, TopicRouter
from bot.core.safety import RedFlagDetector
from bot.core.text import normalize
from bot.core.triage import Triager, TriageResult
from bot.core.vocabulary import known_words

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
RED_FLAG_TOPIC = "red_flags"
MAX_RELATED = 3


@dataclass(frozen=True)
class _State:
    """Everything derived from one content load; swapped whole on reload."""

    content: Content
    topics: dict[str, TopicModel]
    refs: tuple[TopicRef, ...]
    sources: dict[str, SourceRef]
    resolver: TopicResolver
    triage: Triager
    router: TopicRouter
    vocabulary: frozenset[str]
    small_talk: dict[str, tuple[str, str]]  # folded whole message -> (title, reply)

    @classmethod
    def build(cls, content: Content, models: Models | None = None) -> _State:
        models = models or load_models(content)
        vocabulary = known_words(content.topics)
        red_flags = RedFlagDetector(content.safety.red_flags, vocabulary)
        return cls(
            content=content,
            topics={t.id: t for t in content.topics},
            refs=tuple(TopicRef(t.id, t.title, t.command or t.id) for t in content.topics),
            sources={s.id: SourceRef(s.id, s.title, s.publisher, s.year, s.url) for s in content.sources.values()},
            resolver=TopicResolver(content.topics),
            triage=Triager(red_flags, models.emergency, models.crisis),
            router=TopicRouter(models.router, models.temperature),
            vocabulary=vocabulary,
            small_talk={normalize(p): (t.title, t.reply) for t in content.safety.small_talk for p in t.phrases},
        )


class Library:
    """Answers questions from one content directory."""

    def __init__(self, content: Content, models: Models | None = None) -> None:
        """`models` overrides the trained router saved with the content (evaluation folds use this)."""
        self._state = _State.build(content, models)
        self._reload_lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Counts successful reloads: adapters keep rendered answers per generation."""
        return self._generation

    # -- reading -----------------------------------------------------------------
    @property
    def content_dir(self) -> Path:
        return self._state.content.root

    @property
    def topics(self) -> tuple[TopicRef, ...]:
        return self._state.refs

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        """The sources some snippet or quiz item cites (a listed but uncited source is not shown)."""
        content = self._state.content
        cited = {s.source for t in content.topics for s in t.snippets} | {q.item.source for q in content.quiz}
        return tuple(ref for source_id, ref in self._state.sources.items() if source_id in cited)

    def source(self, source_id: str) -> SourceRef | None:
        return self._state.sources.get(source_id)

    def quiz_items(self, topic: str | None = None, audience: Audience | None = None) -> tuple[QuizItemModel, ...]:
        """Quiz items in content order, optionally for one topic and one audience."""
        return tuple(
            q.item
            for q in self._state.content.quiz
            if (topic is None or q.item.topic == topic) and (audience is None or q.item.audience == audience)
        )

    @property
    def disclaimer(self) -> str:
        return self._state.content.safety.disclaimer

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(str(w) for w in self._state.content.warnings)

    def topic_ref(self, topic_id: str) -> TopicRef | None:
        return next((r for r in self._state.refs if r.id == topic_id), None)

    # -- answering ---------------------------------------------------------------
    def answer(self, text: str, audience: Audience = "patient") -> Answer:
        """Answer free text: crisis and emergencies first, then an exact topic name, then the router."""
        state = self._state
        question = text.strip()
        clean = strip_markup(question)[: MAX_QUESTION_CHARS * 4]  # triage reads a long message too
        triage = state.triage.assess(clean)
        if triage.tier is Triage.CRISIS:
            return self._crisis(state, question, audience)
        language = detect_language(clean, state.vocabulary) if clean else "en"
        if triage.tier is Triage.EMERGENCY:
            return self._red_flag(state, question, audience, triage, language)
        if not clean:
            return self._not_found(
                state,
                question,
                audience,
                (),
                state.content.safety.empty_message,
                title="Ask me a question",
                error="empty_question",
            )
        if len(question) > MAX_QUESTION_CHARS:
            return self._not_found(
                state,
                question,
                audience,
                (),
                f"That message is {len(question):,} characters long. Please ask in under {MAX_QUESTION_CHARS:,} "
                "characters: one question at a time works best.",
                title="Message too long",
                error="question_too_long",
            )
        small_talk = state.small_talk.get(normalize(clean))
        if small_talk is not None:
            return Answer(
                question=question,
                kind=Kind.SMALL_TALK,
                audience=audience,
                title=small_talk[0],
                disclaimer=state.content.safety.disclaimer,
                message=small_talk[1],
                topics=state.refs,
            )
        exact = state.resolver.exact(clean)
        if exact:
            return self._topic(state, exact, question, audience, Kind.TOPIC, triage=triage)
        if language != "en":
            same_day = self._same_day_notice(state, triage)
            reply = self._other_language(state, question, audience, language, same_day)
            route = state.router.route(clean) if same_day else None
            if route is None or route.kind != "topic" or route.topic is None:
                return reply
            # A same-day symptom in another language gets the same-day answer, as an emergency gets the
            # urgent one: the topic, with the "English only" line and the notice first.
            found = self._topic(state, route.topic, question, audience, Kind.SEARCH, route.confidence, triage=triage)
            return replace(found, message=reply.message, language=language)
        route = state.router.route(clean)
        refs = {r.id: r for r in state.refs}
        same_day = self._same_day_notice(state, triage)  # kept whatever the router decides
        if route.kind == "out_of_scope":
            message = state.content.safety.out_of_scope
            return Answer(
                question=question,
                kind=Kind.OUT_OF_SCOPE,
                audience=audience,
                title="Outside what I can help with",
                disclaimer=state.content.safety.disclaimer,
                message=f"{same_day}\n\n{message}" if same_day else message,
                suggestions=tuple(refs[t] for t in route.suggestions if t in refs),
                topics=state.refs,
                triage=triage.tier if same_day else Triage.INFO,
                score=route.confidence,
            )
        if route.kind == "clarify":
            message = state.content.safety.clarify
            return Answer(
                question=question,
                kind=Kind.CLARIFY,
                audience=audience,
                title="Did you mean…",
                disclaimer=state.content.safety.disclaimer,
                suggestions=tuple(refs[t] for t in route.suggestions if t in refs),
                message=f"{same_day}\n\n{message}" if same_day else message,
                topics=state.refs,
                triage=triage.tier,
                score=route.confidence,
            )
        runner_up = route.ranked[1] if len(route.ranked) > 1 else None
        close_second = runner_up[0] if runner_up and runner_up[1] >= RUNNER_UP_SHARE * route.confidence else None
        return self._topic(
            state,
            route.topic,
            question,
            audience,
            Kind.SEARCH,
            score=route.confidence,
            also=close_second,
            triage=triage,
        )

    def topic(self, name: str, audience: Audience = "patient") -> Answer:
        """Answer a topic asked for by id, command, alias or title; a typo is forgiven.

        An exact name wins; otherwise a message describing an emergency gets the
        urgent-care answer before any fuzzy matching (people type sentences anywhere).
        """
        state = self._state
        query = name.strip()[:MAX_QUESTION_CHARS]
        exact = state.resolver.exact(query)
        if exact:
            return self._topic(state, exact, query, audience, Kind.TOPIC)
        clean = strip_markup(query)
        triage = state.triage.assess(clean)
        if triage.tier is Triage.CRISIS:
            return self._crisis(state, query, audience)
        if triage.tier is Triage.EMERGENCY:
            return self._red_flag(state, query, audience, triage, detect_language(clean, state.vocabulary))
        resolution = state.resolver.resolve(query)
        if resolution.topic_id:
            return self._topic(state, resolution.topic_id, query, audience, Kind.TOPIC)
        return self._not_found(state, query, audience, resolution.suggestions, state.content.safety.not_found)

    def complete(self, text: str, limit: int = 25) -> list[TopicRef]:
        """Autocomplete choices: best-matching topics for what has been typed so far."""
        state = self._state
        if not text.strip():
            return list(state.refs[:limit])
        refs = {r.id: r for r in state.refs}
        return [refs[t] for t, score in state.resolver.rank(text, limit) if score >= 50][:limit]

    def same_day_notice(self) -> str:
        """The "contact your team today" notice a same-day answer carries as its `message`.

        For adapters that re-issue such an answer (shared in a channel, or in the other
        audience): the copy must keep the notice the original had.
        """
        return _notice(self._state.content.safety.same_day)

    # -- reloading ---------------------------------------------------------------
    def reload(self, root: Path | None = None) -> list[str]:
        """Re-read content; on any error keep the current content and return the errors."""
        with self._reload_lock:
            try:
                content = load_content(root or self.content_dir, questions=False)
                state = _State.build(content)
            except ContentInvalid as exc:
                return [str(e) for e in exc.errors]
            self._state = state
            self._generation += 1
            log.info("content reloaded from %s (%d topics)", content.root, len(content.topics))
            return []

    # -- building answers ----------------------------------------------------------
    def _snippets(self, state: _State, topic: TopicModel, audience: Audience) -> tuple[AnswerSnippet, ...]:
        return tuple(
            AnswerSnippet(s.text, s.audience, state.sources[s.source], s.locator)
            for s in topic.snippets
            if s.audience == audience
        )

    def _related(self, state: _State, topic: TopicModel, also: str | None = None) -> tuple[TopicRef, ...]:
        """The topic's own related list; a close runner-up from search goes first (it may be what was meant)."""
        refs = {r.id: r for r in state.refs}
        ids = [also] if also and also != topic.id else []
        ids += [r for r in topic.related if r not in ids]
        return tuple(refs[r] for r in ids if r in refs)[:MAX_RELATED]

    def _topic(
        self,
        state: _State,
        topic_id: str,
        question: str,
        audience: Audience,
        kind: Kind,
        score: float = 0.0,
        also: str | None = None,
        triage: TriageResult | None = None,
    ) -> Answer:
        topic = state.topics[topic_id]
        same_day = self._same_day_notice(state, triage)
        disclaimer = state.content.safety.disclaimer
        if topic.review_status != "clinician-reviewed":
            disclaimer = f"{state.content.safety.unreviewed} {disclaimer}"
        return Answer(
            question=question,
            kind=kind,
            audience=audience,
            title=topic.title,
            disclaimer=disclaimer,
            topic=topic.id,
            snippets=self._snippets(state, topic, audience),
            related=self._related(state, topic, also),
            reviewed=topic.reviewed,
            review_status=topic.review_status,
            topics=state.refs,
            score=score,
            message=same_day,
            triage=Triage.SAME_DAY if same_day else Triage.INFO,
        )

    @staticmethod
    def _same_day_notice(state: _State, triage: TriageResult | None) -> str | None:
        if triage is None or triage.tier is not Triage.SAME_DAY:
            return None
        return _notice(state.content.safety.same_day)

    def _red_flag(
        self, state: _State, question: str, audience: Audience, triage: TriageResult, language: str = "en"
    ) -> Answer:
        """The urgent-care answer, fitted to the reader and naming what triggered it."""
        urgent = state.content.safety.urgent_care
        topic = state.topics.get(RED_FLAG_TOPIC)
        symptoms = "; ".join(label[0].lower() + label[1:] for label in triage.labels)
        template = urgent.clinician if audience == "clinician" else urgent.patient
        if not symptoms:
            symptoms = "signs of an emergency" if audience == "clinician" else "symptoms that can be a warning sign"
        text = template.replace("{symptoms}", symptoms)
        title = urgent.title
        translation = urgent.translations.get(language)
        if translation is not None:
            title = translation.title
            text = f"{translation.text}\n\n{text}"
        return Answer(
            question=question,
            kind=Kind.RED_FLAG,
            audience=audience,
            title=title,
            disclaimer=state.content.safety.disclaimer,
            topic=RED_FLAG_TOPIC,
            snippets=self._snippets(state, topic, audience) if topic else (),
            related=(),
            urgent=text,
            reviewed=topic.reviewed if topic else None,
            red_flags=triage.rules,
            topics=state.refs,
            triage=Triage.EMERGENCY,
            language=language if language != "en" else None,
        )

    def _crisis(self, state: _State, question: str, audience: Audience) -> Answer:
        """Crisis support first: helplines by country and the local emergency number."""
        crisis = state.content.safety.crisis
        lines = [crisis.text.strip()]
        lines += [f"• {country}: {'; '.join(numbers)}" for country, numbers in crisis.helplines.items()]
        lines.append(crisis.local.strip())
        return Answer(
            question=question,
            kind=Kind.CRISIS,
            audience=audience,
            title=crisis.title,
            disclaimer=state.content.safety.disclaimer,
            urgent="\n".join(lines),
            topics=state.refs,
            triage=Triage.CRISIS,
        )

    def _other_language(
        self, state: _State, question: str, audience: Audience, language: str, same_day: str | None = None
    ) -> Answer:
        """A short reply in the reader's language: we answer in English for now (and, when the message
        describes a same-day symptom, the "contact your care team today" notice too)."""
        translation = state.content.safety.urgent_care.translations.get(language)
        english = "For now I can only answer in English. If you have warning signs, get urgent medical help."
        message = f"{translation.english_only}\n\n{english}" if translation else english
        if same_day:
            message = f"{message}\n\n{same_day}"
        return Answer(
            question=question,
            kind=Kind.OUT_OF_SCOPE,
            audience=audience,
            title="English only for now",
            disclaimer=state.content.safety.disclaimer,
            message=message,
            topics=state.refs,
            language=language,
            error="unsupported_language",
            triage=Triage.SAME_DAY if same_day else Triage.INFO,
        )

    def _not_found(
        self,
        state: _State,
        question: str,
        audience: Audience,
        suggestions: tuple[str, ...],
        message: str,
        error: str | None = None,
        title: str = "Topic not found",
    ) -> Answer:
        refs = {r.id: r for r in state.refs}
        return Answer(
            question=question,
            kind=Kind.NOT_FOUND,
            audience=audience,
            title=title,
            disclaimer=state.content.safety.disclaimer,
            suggestions=tuple(refs[s] for s in suggestions if s in refs),
            message=message,
            topics=state.refs,
            error=error,
        )


def _notice(same_day: SameDay) -> str:
    """The "contact your team today" line a same-day answer carries, in one wording."""
    return f"**{same_day.title}.** {same_day.text}"


def load_library(content_dir: Path | str | None = None) -> Library:
    """Load and validate content (raises ContentInvalid with every error) and index it."""
    return Library(load_content(Path(content_dir) if content_dir is not None else None, questions=False))
