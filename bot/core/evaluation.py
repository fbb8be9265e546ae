"""Score a question-answering function on a labelled question set (content/questions/*.yaml).

Shared by the quality test and the benchmark, so both report the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.answer import Kind


@dataclass(frozen=True)
class Labelled:
    question: str
    topic: str | None
    kind: str  # search | red_flag | out_of_scope


@dataclass
class Report:
    """Figures named as the quality bars in the issue."""

    top1_correct: int = 0
    top1_total: int = 0
    red_flag_hits: int = 0
    red_flag_total: int = 0
    off_topic_rejected: int = 0
    off_topic_total: int = 0
    false_alarms: int = 0
    normal_total: int = 0
    crisis_hits: int = 0
    crisis_total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / max(1, self.top1_total)

    @property
    def red_flag_recall(self) -> float:
        return self.red_flag_hits / max(1, self.red_flag_total)

    @property
    def off_topic_rejection(self) -> float:
        return self.off_topic_rejected / max(1, self.off_topic_total)

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(1, self.normal_total)

    @property
    def crisis_recall(self) -> float:
        return self.crisis_hits / max(1, self.crisis_total)

    def to_json(self) -> dict[str, Any]:
        """The figures as `bloodpatch-bot eval --json` prints them."""
        return {
            "top1": round(self.top1_accuracy, 4),
            "top1_counts": [self.top1_correct, self.top1_total],
            "red_flag_recall": round(self.red_flag_recall, 4),
            "red_flag_counts": [self.red_flag_hits, self.red_flag_total],
            "off_topic_rejection": round(self.off_topic_rejection, 4),
            "off_topic_counts": [self.off_topic_rejected, self.off_topic_total],
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "false_alarm_counts": [self.false_alarms, self.normal_total],
            "crisis_recall": round(self.crisis_recall, 4),
            "crisis_counts": [self.crisis_hits, self.crisis_total],
        }

    def summary(self) -> str:
        crisis = (
            f", crisis recall {self.crisis_recall:.3f} ({self.crisis_hits}/{self.crisis_total})"
            if self.crisis_total
            else ""
        )
        return (
            f"top-1 accuracy {self.top1_accuracy:.3f} ({self.top1_correct}/{self.top1_total}), "
            f"red-flag recall {self.red_flag_recall:.3f} ({self.red_flag_hits}/{self.red_flag_total}), "
            f"off-topic rejection {self.off_topic_rejection:.3f} ({self.off_topic_rejected}/{self.off_topic_total}), "
            f"red-flag false alarms {self.false_alarm_rate:.3f} ({self.false_alarms}/{self.normal_total})"
            f"{crisis}"
        )


def load_questions(path: Path) -> list[Labelled]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Labelled(str(i["q"]), i.get("topic"), i.get("kind", "search")) for i in items]


def library_predictor(library: Any, audience: str = "patient") -> Callable[[str], tuple[str, str | None]]:
    """`predict` for `evaluate`: one `answer()` call per question, kind and topic from it."""

    def predict(question: str) -> tuple[str, str | None]:
        answer = library.answer(question, audience)
        return answer.kind, answer.topic

    return predict


def evaluate(questions: list[Labelled], predict: Callable[[str], tuple[str, str | None]]) -> Report:
    """`predict(question) -> (kind, topic id or None)`."""
    report = Report()
    for item in questions:
        kind, topic = predict(item.question)
        if item.kind == "red_flag":
            report.red_flag_total += 1
            hit = kind == Kind.RED_FLAG
            report.red_flag_hits += hit
        elif item.kind == "crisis":
            report.crisis_total += 1
            hit = kind == "crisis"
            report.crisis_hits += hit
        elif item.kind == "out_of_scope":
            report.off_topic_total += 1
            hit = kind in (Kind.OUT_OF_SCOPE, Kind.SMALL_TALK)  # "thanks" gets a kind word, not a topic
            report.off_topic_rejected += hit
        else:
            report.top1_total += 1
            report.normal_total += 1
            hit = topic == item.topic
            report.top1_correct += hit
            report.false_alarms += kind == Kind.RED_FLAG
        if not hit:
            report.misses.append(f"[{item.kind}:{item.topic}] got {kind}:{topic} <- {item.question}")
    return report


def set_questions(labelled: Any) -> list[Labelled]:
    """A content `LabelledSet` as evaluation items."""
    return [Labelled(q.q, q.topic, q.kind) for q in labelled.questions]


def cross_validate(
    content: Any, names: list[str] | None = None, *, temperature: float | None = None
) -> Iterator[tuple[str, Report]]:
    """Leave one set out: score each labelled set with models trained on everything else.

    This is the honest figure for text a model has not seen; the saved model, trained on
    every set, would score near 1.0 on its own training data and prove nothing. A given
    `temperature` (the saved model's) skips refitting it per fold, which is faster and
    changes only how sure the router says it is.
    """
    from dataclasses import replace

    from bot.core.library import Library
    from bot.core.modelstore import train_models

    content = content.with_questions()
    for labelled in content.questions:
        if names and labelled.name not in names:
            continue
        models = train_models(content.examples(exclude=labelled.name), calibrate=temperature is None)
        if temperature is not None:
            models = replace(models, temperature=temperature)
        library = Library(content, models)
        yield labelled.name, evaluate(set_questions(labelled), library_predictor(library))
