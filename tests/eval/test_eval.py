"""Quality bars on our own labelled set (a separate hidden set is used too, so rules stay general)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import Library
from bot.core.evaluation import Report, evaluate, library_predictor, load_questions

QUESTIONS = Path(__file__).with_name("questions.yaml")
HOLDOUT = Path(__file__).with_name("holdout.yaml")
HOLDOUT_SAFETY = Path(__file__).with_name("holdout2.yaml")
HOLDOUT_CHAT = Path(__file__).with_name("holdout3.yaml")
HOLDOUT_PHONE = Path(__file__).with_name("holdout4.yaml")
HOLDOUT_MIXED = Path(__file__).with_name("holdout5.yaml")
HOLDOUT_OOS = Path(__file__).with_name("holdout_oos.yaml")
HOLDOUT_RF = Path(__file__).with_name("holdout_rf.yaml")
HOLDOUT_RF2 = Path(__file__).with_name("holdout_rf2.yaml")


@pytest.fixture(scope="module")
def report(library: Library) -> Report:
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 150

    result = evaluate(questions, library_predictor(library))
    print("\n" + result.summary())
    return result


def test_set_has_the_required_mix(report: Report) -> None:
    assert report.red_flag_total >= 20
    assert report.off_topic_total >= 20


def test_top1_accuracy(report: Report) -> None:
    assert report.top1_accuracy >= 0.90, "\n".join(report.misses)


def test_red_flag_recall_is_total(report: Report) -> None:
    assert report.red_flag_recall == 1.0, "\n".join(m for m in report.misses if m.startswith("[red_flag"))


def test_off_topic_rejection(report: Report) -> None:
    assert report.off_topic_rejection >= 0.90, "\n".join(m for m in report.misses if m.startswith("[out_of"))


def test_few_false_alarms(report: Report) -> None:
    assert report.false_alarm_rate <= 0.03


@pytest.mark.parametrize(
    ("path", "top1_bar"), [(HOLDOUT, 0.85), (HOLDOUT_SAFETY, 0.75), (HOLDOUT_CHAT, 0.75), (HOLDOUT_PHONE, 0.80)]
)
def test_held_out_sets_from_other_writers(library: Library, path: Path, top1_bar: float) -> None:
    """Other writers' questions: the same safety bars; a lower topic bar where the questions are
    deliberately ambiguous (symptom words in non-emergency questions)."""
    result = evaluate(load_questions(path), library_predictor(library))
    print("\nholdout: " + result.summary())
    assert result.red_flag_total == 0 or result.red_flag_recall == 1.0, "\n".join(result.misses)
    assert result.off_topic_total == 0 or result.off_topic_rejection >= 0.90, "\n".join(result.misses)
    assert result.false_alarm_rate <= 0.03, "\n".join(result.misses)
    assert result.top1_accuracy >= top1_bar, "\n".join(result.misses)
