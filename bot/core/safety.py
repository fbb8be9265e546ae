"""Spot messages that describe emergency symptoms, before any search runs.

The rules are data (content/safety.yaml) so clinicians can review them. A rule fires
when each of its concept groups is present (not negated: "no fever"). A message that
only asks *about* a symptom ("can a patch cause a fever and a headache?") does not
count, unless it also describes something happening now ("I have ...", "since last
night"). Recall matters more than precision here: when in doubt, it fires.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.english import is_english_word
from bot.core.models import RedFlagConfig
from bot.core.text import fold, words

_CONDITIONAL_CLAUSE = re.compile(r"\b(if|whether|in case)\b[^.,;!?]*")
_NEGATION_WINDOW = 3
# A negation reaches only within its own clause: "worse not better, my legs are numb" is not "not numb".
_TOKEN_OR_BREAK = re.compile(r"[a-z0-9]+|[,.;:!?]+")
_CLAUSE_WORDS = frozenset({"but", "and", "though", "although", "however", "yet", "then"})
# Spellings that mean the same to the rules ("cannot feel" = "cant feel").
_SAME_AS = {"cannot": "cant", "couldnt": "cant", "wont": "wont", "dont": "dont"}
# Words right after a symptom, in its clause, saying it has ended: "a bit feverish, the headache
# has gone" is a fever alone. A negation looks back; this looks forward.
_ENDED_AFTER = re.compile(
    r"^(\w+ )?(has |have |had |is |was |its |it )?(now |completely |totally |all )?"
    r"(gone|went|disappeared|resolved|cleared|vanished|wore off|worn off|went away|gone away|cleared up"
    # the same in Spanish, French, Portuguese, German and Italian ("la dor de cabeça passou")
    r"|se fue|se me paso|paso|desaparecio|se ha ido|passe|passee|disparu|passou|sumiu|weg|vorbei|verschwunden"
    r"|passato|passata|sparito|sparita|andato via|andata via)"
    r"(?= *$| (now|completely|totally|away|after|since|with|overnight|today|already|for good|by itself|thank|thanks"
    r"|ya|completamente|completement|deja|ja|schon|ganz|gia|del tutto)\b)"
)
# ...unless the message says it is back: "the headache went, then came back" keeps the headache.
_BACK_AGAIN = re.compile(r"\b((came|come|coming|comes|is|its|has come) back|back again|again|returned|returning)\b")


@dataclass(frozen=True)
class _Concept:
    phrases: tuple[tuple[str, ...], ...]
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class RedFlagMatch:
    rule_id: str
    label: str
    tier: str = "emergency"  # emergency | same_day | crisis


class RedFlagDetector:
    """Compiled form of the red-flag rules in safety.yaml."""

    def __init__(self, config: RedFlagConfig, known_words: Iterable[str] = ()) -> None:
        self._concepts: dict[str, _Concept] = {}
        vocabulary: set[str] = set()
        for name, terms in config.concepts.items():
            phrases: list[tuple[str, ...]] = []
            patterns: list[re.Pattern[str]] = []
            for term in terms:
                if term.startswith("re:"):
                    patterns.append(re.compile(term[3:]))
                    # Literal words inside the pattern ("legs?", "numbness") are typo targets too.
                    vocabulary.update(re.findall(r"[a-z]{4,}", term[3:]))
                else:
                    phrase = tuple(words(term))
                    phrases.append(phrase)
                    vocabulary.update(phrase)
            self._concepts[name] = _Concept(tuple(phrases), tuple(patterns))
        self._rules = [(rule.id, rule.label, rule.tier, [tuple(g) for g in rule.all]) for rule in config.rules]
        # First word -> (concept, phrase): one dict lookup per token instead of a scan of every phrase.
        self._by_first_word: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name, concept in self._concepts.items():
            for phrase in concept.phrases:
                if phrase:
                    self._by_first_word.setdefault(phrase[0], []).append((name, phrase))
        self._negations = frozenset(config.negations)
        self._asking = [re.compile(p) for p in config.asking_about]
        self._now = [re.compile(p) for p in config.happening_now]
        self._resolved = [re.compile(p) for p in config.resolved]
        self._still_now = [re.compile(p) for p in config.still_now]
        # Words a typo may be corrected to. Real English words are never corrected (see
        # `_correct`), so "fewer" stays "fewer" while "feverr" and "stif nekc" are fixed.
        self._fuzzy_targets = sorted(w for w in vocabulary if len(w) >= 4)
        self._known = frozenset(known_words) | vocabulary

    def check(self, text: str) -> list[RedFlagMatch]:
        """Rules describing an emergency in `text`; empty when there is none."""
        tokens: list[str] = []
        clauses: list[int] = []
        clause = 0
        for piece in _TOKEN_OR_BREAK.findall(fold(text).replace("'", "")):
            if not piece[0].isalnum():
                clause += 1
                continue
            if piece in _CLAUSE_WORDS:
                clause += 1
            tokens.append(_SAME_AS.get(piece, self._correct(piece)))
            clauses.append(clause)
        if not tokens:
            return []
        joined = " ".join(tokens)
        ended = not _BACK_AGAIN.search(joined)  # "has gone" ends a symptom only if nothing says it is back
        present = self._phrases_present(tokens, clauses, ended)
        present |= {
            name
            for name, concept in self._concepts.items()
            if name not in present and self._pattern_present(concept, tokens, clauses, joined, ended)
        }
        fired = [
            RedFlagMatch(rule_id, label, tier)
            for rule_id, label, tier, groups in self._rules
            if all(any(c in present for c in group) for group in groups)
        ]
        if any(f.tier != "crisis" for f in fired) and (self._only_asking_about(text) or self._over(text)):
            # A question *about* a symptom is not one happening now; thoughts of self-harm always count.
            return [f for f in fired if f.tier == "crisis"]
        return fired

    def _correct(self, token: str) -> str:
        if len(token) < 4 or token in self._known or token.isdigit() or is_english_word(token):
            return token
        limit = 1 if len(token) < 8 else 2
        matches = process.extract(token, self._fuzzy_targets, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not matches:
            return token
        # On a tie the English word wins: "stif" is "stiff", not the German "steif"; "fevre" is "fever".
        return min(matches, key=lambda m: (m[1], not is_english_word(m[0])))[0]

    def _phrases_present(self, tokens: list[str], clauses: list[int], ended: bool = True) -> set[str]:
        """Concepts with a phrase in the text that is neither negated nor said to be over, in its clause."""
        present: set[str] = set()
        for start, token in enumerate(tokens):
            for name, phrase in self._by_first_word.get(token, ()):
                if name in present:
                    continue
                size = len(phrase)
                if (
                    tuple(tokens[start : start + size]) == phrase
                    and not self._negated(tokens, clauses, start)
                    and not (ended and self._ended(tokens, clauses, start + size - 1))
                ):
                    present.add(name)
        return present

    def _pattern_present(
        self, concept: _Concept, tokens: list[str], clauses: list[int], joined: str, ended: bool = True
    ) -> bool:
        last = len(tokens) - 1
        for pattern in concept.patterns:
            for found in pattern.finditer(joined):
                start = min(joined[: found.start()].count(" "), last)
                end = min(joined[: max(found.end() - 1, found.start())].count(" "), last)
                if not self._negated(tokens, clauses, start) and not (ended and self._ended(tokens, clauses, end)):
                    return True
        return False

    @staticmethod
    def _ended(tokens: list[str], clauses: list[int], last: int) -> bool:
        """The words after `last`, in its clause, say the symptom has ended ("headache has gone")."""
        following = [tokens[i] for i in range(last + 1, len(tokens)) if clauses[i] == clauses[last]]
        return bool(following) and bool(_ENDED_AFTER.match(" ".join(following)))

    def _negated(self, tokens: list[str], clauses: list[int], start: int) -> bool:
        """A negation word shortly before `start`, in the same clause ("no fever", "not numb")."""
        first = max(0, start - _NEGATION_WINDOW)
        return any(tokens[i] in self._negations and clauses[i] == clauses[start] for i in range(first, start))

    def _over(self, text: str) -> bool:
        """History or a symptom that has passed ("years ago", "it wore off"), and nothing says it is back."""
        plain = fold(text).replace("'", "")
        return any(p.search(plain) for p in self._resolved) and not any(p.search(plain) for p in self._still_now)

    def _only_asking_about(self, text: str) -> bool:
        plain = fold(text).replace("'", "").strip()
        if not any(p.search(plain) for p in self._asking):
            return False
        described = _CONDITIONAL_CLAUSE.sub(" ", plain)
        return not any(p.search(described) for p in self._now)
