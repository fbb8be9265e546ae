"""Malformed content is reported with file:line and the field, every error at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core import ContentInvalid, load_content
from tests.conftest import CONTENT, FIXTURES, run_cli

BROKEN = FIXTURES / "broken"

CASES = [
    ("unknown_source", 28, "snippets[3].source", "unknown source id 'made-up-source'"),
    ("missing_audience", 9, "snippets", "missing audience 'clinician'"),
    ("empty_snippet", 26, "snippets[3].text", "at least 1 character"),
    ("bad_date", 8, "reviewed", "date"),
    ("duplicate_alias", 5, "aliases[1]", "duplicate alias"),
    ("too_long", 26, "snippets[3].text", "too long"),
    ("bad_yaml", 17, "", "invalid YAML"),
]


def test_real_content_is_valid(library) -> None:
    listed = yaml.safe_load((CONTENT / "index.yaml").read_text())["topics"]
    assert [t.id for t in library.topics] == listed  # every topic loads, in the order index.yaml gives
    assert len(listed) >= 22
    assert [t.id for t in library.topics][:3] == ["overview", "causes", "symptoms"]


@pytest.mark.parametrize(("name", "line", "field", "message"), CASES)
def test_broken_topic_names_file_line_and_field(
    content_copy: Path, name: str, line: int, field: str, message: str
) -> None:
    shutil.copy(BROKEN / f"{name}.yaml", content_copy / "topics")
    with pytest.raises(ContentInvalid) as caught:
        load_content(content_copy)
    errors = [e for e in caught.value.errors if e.path.name == f"{name}.yaml"]
    assert errors, caught.value
    first = errors[0]
    assert (first.line, first.field) == (line, field), str(first)
    assert message in first.message
    assert str(first).startswith(f"{content_copy / 'topics' / name}.yaml:{line}: ")


def test_unknown_related_topic_and_id_mismatch(content_copy: Path) -> None:
    text = (BROKEN / "stale.yaml").read_text().replace("related: [overview]", "related: [nope]")
    (content_copy / "topics" / "renamed.yaml").write_text(text)
    with pytest.raises(ContentInvalid) as caught:
        load_content(content_copy)
    messages = [str(e) for e in caught.value.errors]
    assert any("renamed.yaml:1: id: id 'stale' must match the file name 'renamed'" in m for m in messages), messages
    assert any("renamed.yaml:7: related[0]: unknown topic id 'nope'" in m for m in messages), messages


def test_bad_safety_regex_and_unknown_concept(content_copy: Path) -> None:
    path = content_copy / "safety.yaml"
    text = path.read_text().replace("all: [[seizure]]", "all: [[seizures_typo]]", 1)
    path.write_text(text)
    with pytest.raises(ContentInvalid) as caught:
        load_content(content_copy)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "seizures_typo" in row)
    assert any(e.line == line and "unknown concept 'seizures_typo'" in e.message for e in caught.value.errors)


def test_lint_prints_every_error_and_exits_1(content_copy: Path) -> None:
    for case in CASES:
        shutil.copy(BROKEN / f"{case[0]}.yaml", content_copy / "topics")
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1, result.stderr
    for name, line, _field, _message in CASES:
        assert f"{name}.yaml:{line}:" in result.stderr, (name, result.stderr)
    assert "Traceback" not in result.stderr


def _quiz_for(topic: str) -> str:
    """Four quiz items per audience for `topic`, so lint's quiz count does not hide the warning under test."""
    items = [
        f"- id: {topic}-{audience[0]}-{n}\n  topic: {topic}\n  audience: {audience}\n  stem: Which is true?\n"
        f"  options: [One thing, Another thing, A third thing]\n  answer: 0\n  explanation: Because.\n"
        f"  source: paech-2011\n  locator: Results\n"
        for audience in ("patient", "clinician")
        for n in range(1, 5)
    ]
    return "items:\n" + "".join(items)


def test_lint_warns_on_stale_review_but_passes(content_copy: Path) -> None:
    shutil.copy(BROKEN / "stale.yaml", content_copy / "topics")
    (content_copy / "quiz" / "stale.yaml").write_text(_quiz_for("stale"))
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 1 and "run `bloodpatch-bot train`" in result.stderr  # a new topic: retrain
    assert run_cli("train", "--content", str(content_copy)).returncode == 0
    result = run_cli("lint", str(content_copy))
    assert result.returncode == 0, result.stderr
    assert "stale.yaml:8: warning: reviewed: last reviewed 2020-01-01, over 12 months ago" in result.stderr
    assert result.stdout.startswith("ok: 23 topics")


def test_lint_of_real_content_is_clean() -> None:
    result = run_cli("lint")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("ask", "does it hurt", "--content", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "content directory not found" in result.stderr
    assert "Traceback" not in result.stderr
