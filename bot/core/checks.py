"""Content checks that need the compiled rules or the trained model, run by `lint`.

Loading validates shapes; these check behaviour: every safety rule still catches the
messages it must catch and leaves alone the ones it must not, and the saved router
was trained on the labelled questions content/ holds now.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.core.evidence import unsupported_figures
from bot.core.loader import AUDIENCES, Content, ContentError
from bot.core.modelstore import model_path, stale_reason
from bot.core.safety import RedFlagDetector
from bot.core.vocabulary import known_words
from bot.core.yamlio import load_located


def rule_detector(content: Content) -> RedFlagDetector:
    """The same detector the library builds (same vocabulary for typo correction)."""
    return RedFlagDetector(content.safety.red_flags, known_words(content.topics))


def rule_example_errors(content: Content) -> list[ContentError]:
    """Each rule's `must_fire` examples fire it; its `must_not_fire` examples do not."""
    path = content.root / "safety.yaml"
    doc = load_located(path)
    detector = rule_detector(content)
    errors: list[ContentError] = []
    for index, rule in enumerate(content.safety.red_flags.rules):
        for key, expected in (("must_fire", True), ("must_not_fire", False)):
            for e_index, example in enumerate(getattr(rule, key)):
                fired = {m.rule_id for m in detector.check(example)}
                if (rule.id in fired) != expected:
                    loc = ("red_flags", "rules", index, key, e_index)
                    verb = "does not fire" if expected else "fires"
                    errors.append(
                        ContentError(
                            path,
                            doc.line_of(loc),
                            f"red_flags.rules[{index}].{key}[{e_index}]",
                            f"rule {rule.id!r} {verb} on {example!r}",
                        )
                    )
    return errors


def model_errors(content: Content) -> list[ContentError]:
    reason = stale_reason(content.root, content.topics)
    return [ContentError(model_path(content.root), 1, "", reason)] if reason else []


MIN_QUIZ_ITEMS = 4  # per topic and audience
YEAR = re.compile(r"^(19|20)\d\d(/(19|20)\d\d)?$")
SAYS_NOT_CURRENT = re.compile(r"\b(withdrawn|superseded|replaced|historical)\b", re.IGNORECASE)


def _source_line(content: Content, source_id: str) -> int:
    doc = load_located(content.root / "sources.yaml")
    for index, item in enumerate(doc.data.get("sources", []) if isinstance(doc.data, dict) else []):
        if isinstance(item, dict) and item.get("id") == source_id:
            return doc.line_of(("sources", index, "id"))
    return 1


def source_errors(content: Content) -> list[ContentError]:
    """Years and https on every source; a withdrawn or superseded source only where the text says so."""
    path = content.root / "sources.yaml"
    errors: list[ContentError] = []
    for source in content.sources.values():
        if not YEAR.match(source.year):
            message = f"source {source.id!r}: year {source.year!r} is not a year (e.g. 2019)"
            errors.append(ContentError(path, _source_line(content, source.id), "year", message))
        if not source.url.startswith("https://"):
            message = f"source {source.id!r}: use the https address"
            errors.append(ContentError(path, _source_line(content, source.id), "url", message))
    for topic in content.topics:
        for index, snippet in enumerate(topic.snippets):
            source = content.sources.get(snippet.source)
            if source and source.status != "current" and not SAYS_NOT_CURRENT.search(snippet.text):
                topic_path = content.root / "topics" / f"{topic.id}.yaml"
                line = load_located(topic_path).line_of(("snippets", index, "source"))
                message = f"cites {source.status} source {source.id!r} without saying it is {source.status}"
                errors.append(ContentError(topic_path, line, f"snippets[{index}].source", message))
    for located in content.quiz:
        source = content.sources.get(located.item.source)
        if source and source.status != "current":
            message = f"quiz item cites {source.status} source {source.id!r}"
            errors.append(ContentError(located.path, located.line, "source", message))
    return errors


def uncited_source_warnings(content: Content) -> list[ContentError]:
    """Sources no snippet or quiz item cites: `sources` hides them, a reviewer should drop them."""
    cited = {s.source for t in content.topics for s in t.snippets} | {q.item.source for q in content.quiz}
    path = content.root / "sources.yaml"
    return [
        ContentError(path, _source_line(content, s), "sources", f"source {s!r} is not cited anywhere", "warning")
        for s in content.sources
        if s not in cited
    ]


def quiz_count_errors(content: Content) -> list[ContentError]:
    """Each topic needs enough quiz items per audience for spaced repetition to have something to repeat."""
    counts = Counter((q.item.topic, q.item.audience) for q in content.quiz)
    errors: list[ContentError] = []
    for topic in content.topics:
        for audience in AUDIENCES:
            if counts[topic.id, audience] < MIN_QUIZ_ITEMS:
                where = content.root / "quiz"
                message = (
                    f"topic {topic.id!r} has {counts[topic.id, audience]} {audience} quiz item(s), "
                    f"needs {MIN_QUIZ_ITEMS}"
                )
                errors.append(ContentError(where, 1, "items", message))
    return errors


def content_errors(content: Content) -> list[ContentError]:
    """Everything lint checks beyond shapes, except the rule examples and the model."""
    return source_errors(content) + unsupported_figures(content) + quiz_count_errors(content)
