"""Quality on text the model never saw: each labelled set is scored by a model trained without it.

The sets live in content/questions/ (they are training data too). `holdout*` sets were written
by people who saw neither the content nor the other sets; each file's header gives its first-run
figures. Bars here are the regression floor: safety bars are absolute, topic bars sit a little
under today's figures so a change that loses ground fails.
"""

from __future__ import annotations

import pytest

from bot.core import Library
from bot.core.evaluation import Report, cross_validate
from bot.core.modelstore import model_path, read_models

# set -> top-1 floor (leave-one-set-out)
TOP1_FLOOR = {
    "questions": 0.88,
    "holdout": 0.90,
    "holdout2": 0.84,
    "holdout3": 0.85,
    "holdout4": 0.88,
    "holdout5": 0.90,
    "holdout_blind6": 0.82,
    "holdout_blind7": 0.88,
    "holdout_oos": 0.70,
    "holdout_rf": 0.75,
    "holdout_rf2": 0.62,
    # written blind for issue 10 (its header has the first run: 0.724); a regression set since
    "holdout_blind8": 0.70,
}
# Issue 10 added 7 topics that sit next to everyday off-topic questions (driving, flying,
# breastfeeding, children): off-topic rejection fell from 0.969 to 0.939 pooled, holdout3 to
# 0.84. The bars below are today's figures less a small margin, so a further drop fails.
OFF_TOPIC_FLOOR = 0.83
POOLED_OFF_TOPIC_FLOOR = 0.93
POOLED_TOP1_FLOOR = 0.86


@pytest.fixture(scope="session")
def reports(library: Library) -> dict[str, Report]:
    content = library._state.content
    saved = read_models(model_path(content.root))
    assert saved is not None
    result = dict(cross_validate(content, list(TOP1_FLOOR), temperature=saved.temperature))
    for name, report in result.items():
        print(f"\n{name}: {report.summary()}")
    return result


def test_every_eval_set_is_scored(reports: dict[str, Report]) -> None:
    assert set(reports) == set(TOP1_FLOOR)


@pytest.mark.parametrize("name", list(TOP1_FLOOR))
def test_every_emergency_gets_the_urgent_answer(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert report.red_flag_recall == 1.0 or report.red_flag_total == 0, "\n".join(
        m for m in report.misses if m.startswith("[red_flag")
    )


@pytest.mark.parametrize("name", list(TOP1_FLOOR))
def test_few_false_alarms(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert report.false_alarm_rate <= 0.03, "\n".join(m for m in report.misses if "got red_flag" in m)


@pytest.mark.parametrize("name", list(TOP1_FLOOR))
def test_off_topic_is_rejected(reports: dict[str, Report], name: str) -> None:
    report = reports[name]
    assert report.off_topic_total == 0 or report.off_topic_rejection >= OFF_TOPIC_FLOOR, "\n".join(
        m for m in report.misses if m.startswith("[out_of")
    )


@pytest.mark.parametrize("name", list(TOP1_FLOOR))
def test_topic_right_first_time(reports: dict[str, Report], name: str) -> None:
    assert reports[name].top1_accuracy >= TOP1_FLOOR[name], "\n".join(reports[name].misses)


def test_crisis_messages_get_crisis_support(reports: dict[str, Report]) -> None:
    crisis = [r for r in reports.values() if r.crisis_total]
    assert crisis and all(r.crisis_recall == 1.0 for r in crisis)


def test_pooled_figures(reports: dict[str, Report]) -> None:
    pooled = Report()
    for report in reports.values():
        for key in vars(pooled):
            if key != "misses":
                setattr(pooled, key, getattr(pooled, key) + getattr(report, key))
    print("\npooled: " + pooled.summary())
    assert pooled.red_flag_recall == 1.0
    assert pooled.off_topic_rejection >= POOLED_OFF_TOPIC_FLOOR
    assert pooled.false_alarm_rate <= 0.015
    assert pooled.top1_accuracy >= POOLED_TOP1_FLOOR
