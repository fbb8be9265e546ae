"""Answers built by hand for adapter rendering tests (the router decides when each happens;
these tests are about how each platform shows it). Shared so every platform renders the same."""

from __future__ import annotations

import datetime as dt

from bot.core import Answer, AnswerSnippet, Kind, SourceRef, TopicRef, Triage

DISCLAIMER = "General information only, not medical advice."
SOURCE = SourceRef("s1", "A source", "Publisher", "2024", "https://example.org/1")
CRISIS_TEXT = (
    "You deserve support right now. You don't have to face this alone.\n"
    "• UK: call Samaritans free on 116 123, any time\n"
    "• US: call or text 988\n"
    "• If you might act on these thoughts, call 999 or 911 now"
)
SAME_DAY_TEXT = "Contact your maternity or anaesthetic team today.\nThis is not an emergency, but it should not wait."


def ref(topic_id: str, title: str = "", command: str = "") -> TopicRef:
    return TopicRef(id=topic_id, title=title or topic_id.replace("_", " ").title(), command=command or topic_id)


def clarify(*suggestions: TopicRef, audience: str = "patient", question: str = "patch") -> Answer:
    return Answer(
        question=question,
        kind=Kind.CLARIFY,
        audience=audience,
        title="Did you mean…",
        disclaimer=DISCLAIMER,
        suggestions=suggestions,
        message="Did you mean one of these?",
    )


def crisis(question: str = "i want to die") -> Answer:
    return Answer(
        question=question,
        kind=Kind.CRISIS,
        audience="patient",
        title="You are not alone",
        disclaimer=DISCLAIMER,
        urgent=CRISIS_TEXT,
        triage=Triage.CRISIS,
    )


def same_day(triage: Triage = Triage.SAME_DAY) -> Answer:
    return Answer(
        question="my headache is back a week after the patch",
        kind=Kind.SEARCH,
        audience="patient",
        title="Having another blood patch",
        disclaimer=DISCLAIMER,
        topic="repeat",
        snippets=(AnswerSnippet("Most people need only one patch.", "patient", SOURCE, "p1"),),
        related=(ref("recovery"),),
        message=SAME_DAY_TEXT,
        reviewed=dt.date(2026, 1, 1),
        triage=triage,
    )
