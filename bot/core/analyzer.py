"""Turn chat text into search terms: typo correction, synonym concepts, stems.

Documents and questions go through the same analyzer, so "does it hurt" and a
snippet about "pain" meet on the shared concept token `~pain_feel`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.models import SynonymsFile
from bot.core.text import stem, words

CONCEPT_PREFIX = "~"


@dataclass(frozen=True)
class Analysis:
    """What search needs to know about one piece of text."""

    terms: list[str]  # stems and concept tokens, for BM25
    content_words: list[str]  # corrected non-stopwords, for coverage
    known_words: int  # content words found in the vocabulary
    anchors: bool  # mentions the subject (epidural, dural, blood patch...)
    off_topic: bool  # mentions another kind of patch/blood/headache question


def _phrase_set(terms: Iterable[str]) -> set[tuple[str, ...]]:
    return {tuple(stem(w) for w in words(t)) for t in terms if words(t)}


class Analyzer:
    """Built once per content load; `analyze()` is the hot path."""

    def __init__(self, synonyms: SynonymsFile, corpus_texts: Iterable[str]) -> None:
        self._stopwords = frozenset(w for s in synonyms.stopwords for w in words(s))
        self._groups = {name: _phrase_set(terms) for name, terms in synonyms.groups.items()}
        self._anchors = _phrase_set(synonyms.anchors)
        self._off_topic = _phrase_set(synonyms.off_topic)
        counts: Counter[str] = Counter()
        for text in corpus_texts:
            counts.update(words(text))
        for group in synonyms.groups.values():
            for term in group:
                counts.update(words(term))
        for term in [*synonyms.anchors, *synonyms.stopwords]:
            counts.update(words(term))
        self._frequency = counts
        # Off-topic words are recognised exactly but never become correction targets.
        self._off_topic_words = frozenset(w for t in synonyms.off_topic for w in words(t))
        self._targets = sorted(w for w in counts if len(w) >= 3 and not w.isdigit())
        self._max_phrase = max(
            (len(p) for phrases in [*self._groups.values(), self._anchors, self._off_topic] for p in phrases),
            default=1,
        )

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._frequency) | self._off_topic_words

    def correct(self, token: str) -> str:
        """Closest vocabulary word for a likely typo; known or short words stay as they are."""
        if token in self._frequency or token in self._off_topic_words or len(token) < 4 or token.isdigit():
            return token
        limit = 1 if len(token) <= 7 else 2
        candidates = process.extract(token, self._targets, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not candidates:
            return token
        best = min(c[1] for c in candidates)
        # Among equally close words prefer the most common one in our content.
        return max((c[0] for c in candidates if c[1] == best), key=lambda w: self._frequency[w])

    def analyze(self, text: str, *, correct: bool = True) -> Analysis:
        raw = words(text)
        tokens = [self.correct(t) for t in raw] if correct else raw
        stems = [stem(t) for t in tokens]
        concepts: list[str] = []
        anchors = off_topic = False
        for size in range(1, self._max_phrase + 1):
            for start in range(len(stems) - size + 1):
                gram = tuple(stems[start : start + size])
                for name, phrases in self._groups.items():
                    if gram in phrases:
                        concepts.append(CONCEPT_PREFIX + name)
                anchors = anchors or gram in self._anchors
                off_topic = off_topic or gram in self._off_topic
        content = [t for t in tokens if t not in self._stopwords]
        terms = [stem(t) for t in content] + concepts
        known = sum(1 for t in content if t in self._frequency)
        return Analysis(terms, content, known, anchors, off_topic)
