"""Content rules a reviewer would otherwise check by hand: figures are sourced, patient text is plain."""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from bot.core.evidence import unsupported_figures
from bot.core.loader import load_content
from tests.conftest import CONTENT

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@lru_cache(maxsize=1)
def _content():
    return load_content(CONTENT, questions=False)


def snippets():
    for topic in _content().topics:
        for index, snippet in enumerate(topic.snippets):
            yield pytest.param(snippet.model_dump(), id=f"{topic.id}[{index}]")


def test_every_figure_is_in_the_evidence_table_under_its_source() -> None:
    problems = unsupported_figures(_content())
    assert not problems, "\n".join(map(str, problems))


def test_the_figure_check_catches_an_unsourced_figure(tmp_path: Path) -> None:
    """Guard the guard: a snippet figure missing from the table is reported with its file and line."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy, ignore=shutil.ignore_patterns("questions", "model"))
    path = copy / "topics" / "risks.yaml"
    path.write_text(
        path.read_text().replace(
            "snippets:\n  - audience: patient\n    text: ",
            "snippets:\n  - audience: patient\n    text: 4321 people. ",
            1,
        )
    )
    problems = unsupported_figures(load_content(copy, questions=False))
    assert [p for p in problems if "4321" in p.message and p.path == path and p.line > 1]


def _syllables(word: str) -> int:
    groups = len(re.findall(r"[aeiouy]+", word.lower()))
    if word.lower().endswith("e") and groups > 1 and not word.lower().endswith("le"):
        groups -= 1
    return max(1, groups)


def sentences(text: str) -> list[str]:
    """Sentences, counting each bullet line ("- a symptom") as one: a list reads item by item."""
    return [s for s in re.split(r"(?<=[.!?:])\s+|\n+", text) if s.strip()]


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade with a vowel-group syllable count (close enough to rank text)."""
    sentences_ = max(1, len(sentences(text)))
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences_ + 11.8 * syllables / len(words) - 15.59


@pytest.mark.parametrize("snippet", [p for p in snippets() if p.values[0]["audience"] == "patient"])
def test_patient_text_is_plain(snippet: dict) -> None:
    text = snippet["text"]
    assert reading_grade(text) <= 9.0, f"reading grade {reading_grade(text):.1f}: {text}"
    longest = max(len(s.split()) for s in sentences(text))
    assert longest <= 25, f"a sentence of {longest} words"


def test_no_mirror_urls_are_shown() -> None:
    mirrors = ("vdocuments", "vdocument.in", "scribd", "issuu", "researcher.life", "trials.co", "unibo.it")
    urls = [s["url"] for s in yaml.safe_load((CONTENT / "sources.yaml").read_text())["sources"]]
    assert not [u for u in urls if any(m in u for m in mirrors)]


def test_seed_errors_are_not_repeated() -> None:
    """The seed calls the patch "surgery" and its needle a "spinal needle"; neither is true."""
    as_surgery = re.compile(r"\b(patch|ebp|procedure)\b[^.]{0,20}\b(is|as)\b[^.]{0,10}\b(surgery|an operation)\b")
    spinal_needle = re.compile(r"\b(patch|ebp)\b[^.]{0,30}\b(through|with|uses?) an? spinal needle\b")
    for topic in _content().topics:
        for snippet in topic.snippets:
            text = snippet.text.lower()
            assert not as_surgery.search(text), (topic.id, text)
            assert not spinal_needle.search(text), (topic.id, text)
