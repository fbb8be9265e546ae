"""Find a topic by name: id, short command, alias or title, forgiving case, accents and typos."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.core.models import TopicModel
from bot.core.text import normalize

TYPO_CUTOFF = 80  # WRatio score for accepting a typo as a topic name
SUGGEST_CUTOFF = 55
WHOLE_NAME_CUTOFF = 75  # plain similarity to the whole name, so "what is the capital of France" is no typo


@dataclass(frozen=True)
class Resolution:
    topic_id: str | None
    suggestions: tuple[str, ...]  # best guesses when there is no match


class TopicResolver:
    def __init__(self, topics: tuple[TopicModel, ...]) -> None:
        self._exact: dict[str, str] = {}
        names: list[tuple[str, str]] = []  # (normalized name, topic id)
        for topic in topics:
            for name in [topic.id, topic.command or topic.id, topic.title, *topic.aliases]:
                key = normalize(name)
                self._exact.setdefault(key, topic.id)
                names.append((key, topic.id))
        self._names = [n for n, _ in names]
        self._owners = [t for _, t in names]
        self._order = [t.id for t in topics]

    def exact(self, text: str) -> str | None:
        """Topic whose id, command, title or alias is exactly `text` (after normalising)."""
        return self._exact.get(normalize(text))

    def resolve(self, text: str) -> Resolution:
        found = self.exact(text)
        if found:
            return Resolution(found, ())
        ranked = self.rank(text)
        if ranked and ranked[0][1] >= TYPO_CUTOFF and self._resembles(text, ranked[0][0]):
            return Resolution(ranked[0][0], ())
        return Resolution(None, tuple(t for t, score in ranked[:3] if score >= SUGGEST_CUTOFF))

    def _resembles(self, text: str, topic_id: str) -> bool:
        """A typo is close to a whole name; WRatio alone would accept a sentence that merely contains one."""
        query = normalize(text)
        names = [n for n, owner in zip(self._names, self._owners, strict=True) if owner == topic_id]
        return max(fuzz.ratio(query, n) for n in names) >= WHOLE_NAME_CUTOFF

    def rank(self, text: str, limit: int | None = None) -> list[tuple[str, float]]:
        """Topics by their best-matching name, best first (for typos and autocomplete)."""
        query = normalize(text)
        if not query:
            return []
        best: dict[str, float] = {}
        matches = process.extract(
            query, self._names, scorer=fuzz.WRatio, processor=utils.default_process, limit=len(self._names)
        )
        for name, score, index in matches:
            owner = self._owners[index]
            if name.startswith(query):
                score = max(score, 95.0)  # a prefix is what autocomplete users type
            best[owner] = max(best.get(owner, 0.0), float(score))
        ranked = sorted(best.items(), key=lambda item: (-item[1], self._order.index(item[0])))
        return ranked[:limit] if limit else ranked
