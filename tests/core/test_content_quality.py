"""Content rules a reviewer would otherwise check by hand: figures are sourced, patient text is plain."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import CONTENT

FACTS = CONTENT / "evidence" / "facts.md"  # the cited fact table, kept with the content it checks
TOPICS = sorted((CONTENT / "topics").glob("*.yaml"))
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def snippets():
    for path in TOPICS:
        for index, snippet in enumerate(yaml.safe_load(path.read_text())["snippets"]):
            yield pytest.param(snippet, id=f"{path.stem}[{index}]")


def _facts_by_source() -> dict[str, str]:
    by_source: dict[str, str] = defaultdict(str)
    for line in FACTS.read_text(encoding="utf-8").splitlines():
        for source in re.findall(r"\[([a-z0-9-]+)\]", line):
            by_source[source] += line + "\n"
    return by_source


@pytest.mark.parametrize("snippet", list(snippets()))
def test_every_figure_is_in_the_fact_table_under_its_source(snippet: dict) -> None:
    facts = _facts_by_source()[snippet["source"]]
    assert facts, f"source {snippet['source']} has no facts in facts.md"
    source_row = next(line for line in FACTS.read_text().splitlines() if line.startswith(f"| {snippet['source']} |"))
    for number in NUMBER.findall(snippet["text"]):
        assert number in facts or number in source_row, f"{number!r} is not in facts.md under {snippet['source']}"


def _syllables(word: str) -> int:
    groups = len(re.findall(r"[aeiouy]+", word.lower()))
    if word.lower().endswith("e") and groups > 1 and not word.lower().endswith("le"):
        groups -= 1
    return max(1, groups)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade with a vowel-group syllable count (close enough to rank text)."""
    sentences = max(1, len(re.findall(r"[.!?]+(?:\s|$)", text)))
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


@pytest.mark.parametrize("snippet", [p for p in snippets() if p.values[0]["audience"] == "patient"])
def test_patient_text_is_plain(snippet: dict) -> None:
    text = snippet["text"]
    assert reading_grade(text) <= 9.0, f"reading grade {reading_grade(text):.1f}: {text}"
    longest = max(len(s.split()) for s in re.split(r"(?<=[.!?])\s+", text))
    assert longest <= 25, f"a sentence of {longest} words"


def test_no_mirror_urls_are_shown() -> None:
    mirrors = ("vdocuments", "vdocument.in", "scribd", "issuu", "researcher.life", "trials.co", "unibo.it")
    urls = [s["url"] for s in yaml.safe_load((CONTENT / "sources.yaml").read_text())["sources"]]
    assert not [u for u in urls if any(m in u for m in mirrors)]


def test_seed_errors_are_not_repeated() -> None:
    """The seed calls the patch "surgery" and its needle a "spinal needle"; neither is true."""
    as_surgery = re.compile(r"\b(patch|ebp|procedure)\b[^.]{0,20}\b(is|as)\b[^.]{0,10}\b(surgery|an operation)\b")
    spinal_needle = re.compile(r"\b(patch|ebp)\b[^.]{0,30}\b(through|with|uses?) an? spinal needle\b")
    for path in TOPICS:
        for snippet in yaml.safe_load(path.read_text())["snippets"]:
            text = snippet["text"].lower()
            assert not as_surgery.search(text), (path, text)
            assert not spinal_needle.search(text), (path, text)


def test_fact_table_path_is_where_ci_puts_it() -> None:
    assert Path(FACTS).name == "facts.md"
