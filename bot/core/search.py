"""Rank topics for a free-text question with BM25 (bm25s) over analysed text.

Each topic contributes several small documents (its title and aliases, each example
question, each snippet), and a topic scores as the sum of its three best documents:
a topic that several of its examples and snippets agree on beats one lucky match,
while snippets still catch the words only clinicians use. Low confidence means out
of scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np

from bot.core.analyzer import Analysis, Analyzer
from bot.core.models import TopicModel

TOP_DOCS_PER_TOPIC = 3


@dataclass(frozen=True)
class SearchResult:
    topic_id: str | None  # None: out of scope
    score: float
    ranked: tuple[tuple[str, float], ...]  # (topic id, score), best first
    analysis: Analysis


@dataclass(frozen=True)
class Thresholds:
    """BM25 confidence needed to answer; the surer the wording is ours, the less we need."""

    subject: float = 1.0
    context_with_hint: float = 1.5
    hint: float = 2.0
    bare: float = 3.0  # no marker at all ("does it hurt?")
    bare_coverage: float = 0.67  # share of known words needed below the subject level


class SearchIndex:
    def __init__(
        self, topics: tuple[TopicModel, ...], analyzer: Analyzer, thresholds: Thresholds | None = None
    ) -> None:
        self._analyzer = analyzer
        self._thresholds = thresholds or Thresholds()
        self._topic_ids = [t.id for t in topics]
        doc_topics: list[int] = []
        corpus: list[list[str]] = []
        for index, topic in enumerate(topics):
            texts = [
                " ".join([topic.title, *topic.aliases]),
                *topic.examples,
                *(s.text for s in topic.snippets),
            ]
            for text in texts:
                corpus.append(analyzer.analyze(text, query=False).terms or ["~empty"])
                doc_topics.append(index)
        self._doc_topics = np.array(doc_topics)
        self._retriever = bm25s.BM25()
        self._retriever.index(corpus, show_progress=False)
        self._vocab = set(self._retriever.vocab_dict)

    def topic_scores(self, analysis: Analysis) -> np.ndarray:
        """Score per topic (in content order) for analysed text."""
        terms = [t for t in analysis.terms if t in self._vocab]
        scores = np.zeros(len(self._topic_ids))
        if not terms:
            return scores
        doc_scores = self._retriever.get_scores(terms)
        for index in range(len(self._topic_ids)):
            mine = np.sort(doc_scores[self._doc_topics == index])[::-1]
            scores[index] = mine[:TOP_DOCS_PER_TOPIC].sum()
        return scores

    def search(self, text: str) -> SearchResult:
        analysis = self._analyzer.analyze(text)
        scores = self.topic_scores(analysis)
        order = np.argsort(-scores)
        ranked = tuple((self._topic_ids[i], float(scores[i])) for i in order if scores[i] > 0)
        best = ranked[0] if ranked else (None, 0.0)
        topic = best[0] if ranked and self._confident(analysis, best[1]) else None
        return SearchResult(topic, best[1], ranked, analysis)

    def _confident(self, analysis: Analysis, score: float) -> bool:
        limits = self._thresholds
        if analysis.never_ours:
            return False
        if analysis.subject:
            return score >= limits.subject
        if analysis.off_topic:
            return False
        # Below the subject level, words we do not know are evidence of another subject
        # ("knit an elbow patch", "apixaban instead of warfarin"); non-English ones count twice.
        unknown_weight = len(analysis.content_words) + analysis.foreign_words
        covered = analysis.known_words / max(1, unknown_weight) >= limits.bare_coverage
        if analysis.context:
            # "does an epidural hurt in labour" is about the epidural, not its headache.
            return analysis.hint and covered and score >= limits.context_with_hint
        if analysis.hint:
            return covered and score >= limits.hint
        return covered and score >= limits.bare
