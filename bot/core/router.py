"""Pick a topic for a question from the learned classifier, or say we are unsure.

Shaped like Rasa's FallbackClassifier: a confident, clear winner is answered; a low
confidence or two topics within a small margin get "Did you mean…" with the likely
topics; out of scope is a class the model learned, never a one-word veto.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.core.examples import OUT_OF_SCOPE
from bot.core.linear import LinearModel

CONFIDENCE = 0.35  # below this (calibrated) probability the best topic is only a suggestion
AMBIGUITY_MARGIN = 0.05  # two topics closer than this are both offered
SUGGESTIONS = 3
RUNNER_UP_SHARE = 0.25  # a second topic at least this likely (relative to the best) is offered first as related


@dataclass(frozen=True)
class Route:
    kind: str  # "topic" | "clarify" | "out_of_scope"
    topic: str | None
    confidence: float
    ranked: tuple[tuple[str, float], ...]  # topics (no out_of_scope), most likely first

    @property
    def suggestions(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.ranked[:SUGGESTIONS])


class TopicRouter:
    def __init__(self, model: LinearModel, temperature: float = 1.0) -> None:
        self._model = model
        self._temperature = temperature

    def probabilities(self, text: str) -> dict[str, float]:
        logits = self._model.logits(text) / self._temperature
        shifted = np.exp(logits - logits.max())
        probs = shifted / shifted.sum()
        return {name: float(p) for name, p in zip(self._model.classes, probs, strict=True)}

    def route(self, text: str) -> Route:
        probs = self.probabilities(text)
        out_of_scope = probs.pop(OUT_OF_SCOPE, 0.0)
        ranked = tuple(sorted(probs.items(), key=lambda item: -item[1]))
        best, best_p = ranked[0]
        second_p = ranked[1][1] if len(ranked) > 1 else 0.0
        if out_of_scope >= best_p:
            return Route("out_of_scope", None, out_of_scope, ranked)
        if best_p < CONFIDENCE or best_p - second_p < AMBIGUITY_MARGIN:
            return Route("clarify", None, best_p, ranked)
        return Route("topic", best, best_p, ranked)
