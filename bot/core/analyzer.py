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

from bot.core.english import is_english_word
from bot.core.models import SynonymsFile
from bot.core.text import stem, words

CONCEPT_PREFIX = "~"


@dataclass(frozen=True)
class Analysis:
    """What search needs to know about one piece of text."""

    terms: list[str]  # stems and concept tokens, for BM25
    content_words: list[str]  # corrected non-stopwords, for coverage
    known_words: int  # content words found in the vocabulary
    foreign_words: int  # unknown words that are not English either: names of other things (drugs, games)
    subject: bool  # names the subject: blood patch, PDPH, dural puncture...
    context: bool  # names a procedure that causes it: epidural, spinal, lumbar puncture...
    hint: bool  # a word that points our way in a short question: patch, headache...
    off_topic: bool  # mentions another kind of patch/blood/headache question
    never_ours: bool = False  # another sense of the subject itself, or an attempt to re-task the bot


def _phrase_set(terms: Iterable[str]) -> set[tuple[str, ...]]:
    return {tuple(stem(w) for w in words(t)) for t in terms if words(t)}


class Analyzer:
    """Built once per content load; `analyze()` is the hot path."""

    def __init__(self, synonyms: SynonymsFile, corpus_texts: Iterable[str]) -> None:
        self._stopwords = frozenset(w for s in synonyms.stopwords for w in words(s))
        self._abbreviations = {k.lower(): v for k, v in synonyms.abbreviations.items()}
        self._groups = {name: _phrase_set(terms) for name, terms in synonyms.groups.items()}
        self._hint_groups = frozenset(synonyms.hint_groups)
        self._markers = {
            "subject": _phrase_set(synonyms.subject),
            "context": _phrase_set(synonyms.context),
            "hint": _phrase_set(synonyms.hints),
            "off_topic": _phrase_set(synonyms.off_topic),
            "never_ours": _phrase_set(synonyms.never_ours),
        }
        counts: Counter[str] = Counter()
        for text in corpus_texts:
            counts.update(words(text))
        for group in synonyms.groups.values():
            for term in group:
                counts.update(words(term))
        for term in [*synonyms.subject, *synonyms.context, *synonyms.hints, *synonyms.stopwords]:
            counts.update(words(term))
        self._frequency = counts
        # Off-topic words are recognised exactly but never become correction targets.
        self._off_topic_words = frozenset(w for t in [*synonyms.off_topic, *synonyms.never_ours] for w in words(t))
        self._vocabulary = frozenset(counts) | self._off_topic_words
        self._targets = sorted(w for w in counts if len(w) >= 3 and not w.isdigit())
        # Phrase -> the groups / markers it belongs to: one dict lookup per n-gram on the hot path.
        self._gram_groups: dict[tuple[str, ...], list[str]] = {}
        for name, phrases in self._groups.items():
            for phrase in phrases:
                self._gram_groups.setdefault(phrase, []).append(name)
        self._gram_markers: dict[tuple[str, ...], set[str]] = {}
        for name, phrases in self._markers.items():
            for phrase in phrases:
                self._gram_markers.setdefault(phrase, set()).add(name)
        self._max_phrase = max(
            (len(p) for phrases in [*self._groups.values(), *self._markers.values()] for p in phrases),
            default=1,
        )

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def correct(self, token: str) -> str:
        """Closest vocabulary word for a likely typo; known or short words stay as they are."""
        if token in self._frequency or token in self._off_topic_words or len(token) < 4 or token.isdigit():
            return token
        if is_english_word(token):
            return token
        limit = 1 if len(token) <= 7 else 2
        candidates = process.extract(token, self._targets, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not candidates:
            return token
        best = min(c[1] for c in candidates)
        # Among equally close words prefer the most common one in our content.
        return max((c[0] for c in candidates if c[1] == best), key=lambda w: self._frequency[w])

    def _concepts(self, stems: list[str]) -> tuple[list[str], set[str]]:
        """Synonym concepts, longest phrase first and never overlapping ("blood patch" is one ~ebp),
        plus which markers (subject, context, hint, off_topic) appear."""
        concepts: list[str] = []
        markers: set[str] = set()
        taken = [False] * len(stems)
        for size in range(self._max_phrase, 0, -1):
            for start in range(len(stems) - size + 1):
                gram = tuple(stems[start : start + size])
                markers.update(self._gram_markers.get(gram, ()))
                if any(taken[start : start + size]):
                    continue
                matched = self._gram_groups.get(gram)
                if matched:
                    if self._hint_groups.intersection(matched):
                        markers.add("hint")
                    concepts.extend(CONCEPT_PREFIX + name for name in matched)
                    taken[start : start + size] = [True] * size
        return concepts, markers

    def analyze(self, text: str, *, query: bool = True) -> Analysis:
        """Queries get typo correction and count each term once; documents keep their counts."""
        raw = words(text)
        if query:
            raw = [w for token in raw for w in words(self._abbreviations.get(token, token))]
        tokens = [self.correct(t) for t in raw] if query else raw
        stems = [stem(t) for t in tokens]
        concepts, markers = self._concepts(stems)
        content = [t for t in tokens if t not in self._stopwords]
        wordy = [t for t in content if not any(ch.isdigit() for ch in t)]  # "71", "1hr" say nothing of topic
        terms = [stem(t) for t in content] + concepts
        if query:
            terms = list(dict.fromkeys(terms))
        known = sum(1 for t in wordy if t in self._frequency)
        foreign = sum(1 for t in wordy if t not in self._vocabulary and not is_english_word(t)) if query else 0
        return Analysis(
            terms,
            wordy,
            known,
            foreign,
            subject="subject" in markers,
            context="context" in markers,
            hint="hint" in markers,
            off_topic="off_topic" in markers,
            never_ours="never_ours" in markers,
        )
