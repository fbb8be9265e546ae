"""The saved router matches the content; lint checks labelled questions, rule examples and staleness."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.core import ContentInvalid, Kind, load_content, load_library
from bot.core.modelstore import model_path, stale_reason
from tests.conftest import CONTENT, run_cli


def test_the_committed_model_was_trained_on_the_committed_content() -> None:
    content = load_content(CONTENT, questions=False)
    assert stale_reason(CONTENT, content.topics) is None, "run `bloodpatch-bot train` and commit the model"


def test_lint_reports_a_rule_example_that_no_longer_holds(content_copy: Path) -> None:
    safety = content_copy / "safety.yaml"
    text = safety.read_text()
    marker = '      must_fire:\n        - "partner fitting post epidural"\n'
    assert marker in text
    safety.write_text(text.replace(marker, '      must_fire:\n        - "what is a blood patch"\n'))
    line = safety.read_text().splitlines().index('        - "what is a blood patch"') + 1
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1
    assert f"safety.yaml:{line}:" in result.stderr and "rule 'seizure' does not fire" in result.stderr


def test_lint_reports_a_bad_label_with_its_line(content_copy: Path) -> None:
    path = content_copy / "questions" / "extra.yaml"
    path.write_text('- q: "how long does it take"\n  topic: procedure\n  kind: search\n- q: "x"\n  topic: nosuch\n')
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1
    assert "extra.yaml:4: [1].topic: unknown topic id 'nosuch'" in result.stderr


def test_a_search_label_needs_a_topic_and_an_emergency_has_none_but_red_flags(content_copy: Path) -> None:
    path = content_copy / "questions" / "extra.yaml"
    path.write_text('- q: "how long"\n  kind: search\n- q: "fever"\n  topic: recovery\n  kind: red_flag\n')
    with pytest.raises(ContentInvalid) as caught:
        load_content(content_copy)
    messages = [str(e) for e in caught.value.errors]
    assert any("extra.yaml:1:" in m and "needs a topic" in m for m in messages)
    assert any("extra.yaml:3:" in m and "red_flags" in m for m in messages)


def test_a_stale_model_is_a_lint_error_but_the_bot_still_answers(
    content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = content_copy / "questions" / "reviewer.yaml"
    path.write_text('- q: "how many mls of blood go in"\n  topic: procedure\n  kind: search\n')
    lint = run_cli("lint", str(content_copy))
    assert lint.returncode == 1 and "router.npz:1:" in lint.stderr and "bloodpatch-bot train" in lint.stderr
    with caplog.at_level(logging.WARNING):
        library = load_library(content_copy)  # trains in memory rather than answer from a stale model
    assert "stale" in caplog.text
    assert library.answer("how many mls of blood go in").topic == "procedure"
    trained = run_cli("train", "--content", str(content_copy))
    assert trained.returncode == 0 and "saved" in trained.stdout
    assert stale_reason(content_copy, load_content(content_copy, questions=False).topics) is None
    assert run_cli("lint", str(content_copy)).returncode == 0


def test_a_missing_model_is_reported(content_copy: Path) -> None:
    model_path(content_copy).unlink()
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1 and "no trained router model" in result.stderr


def test_eval_cli_scores_a_set_it_did_not_train_on() -> None:
    result = run_cli("eval", "holdout", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["set"] == "holdout" and report["red_flag_recall"] == 1.0 and report["top1"] >= 0.85


def test_json_answer_carries_triage_and_confidence() -> None:
    result = run_cli("ask", "--json", "how long should I lie flat after the patch")
    data = json.loads(result.stdout)
    assert list(data)[:12] == [
        "question", "kind", "topic", "title", "audience", "snippets", "disclaimer",
        "related", "suggestions", "urgent", "message", "reviewed",
    ]  # fmt: skip
    assert data["kind"] == "search" and data["triage"] == "info" and 0 < data["confidence"] <= 1


def test_markup_and_kinds_through_the_cli() -> None:
    result = run_cli("ask", "--json", "<@U12> *i want to end my life*")
    assert json.loads(result.stdout)["kind"] == Kind.CRISIS.value
