"""Run a trained TF-IDF + logistic-regression model with numpy alone.

Importing scikit-learn takes over a second, which would double the bot's cold start,
so `bloodpatch-bot train` fits the model with scikit-learn and saves its vocabularies,
IDF weights and coefficients; this module computes the same probabilities from them
(tests check they match scikit-learn's `predict_proba`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.core.features import ANALYZERS


@dataclass(frozen=True)
class Vectorizer:
    """One TF-IDF block: sublinear term frequency, IDF weights, L2-normalised."""

    analyzer: str
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where this block's columns start in the model's feature space

    def features(self, text: str) -> tuple[list[int], list[float]]:
        counts = Counter(ANALYZERS[self.analyzer](text))
        columns: list[int] = []
        values: list[float] = []
        for term, count in counts.items():
            column = self.vocabulary.get(term)
            if column is not None:
                columns.append(column)
                values.append((1.0 + math.log(count)) * float(self.idf[column]))
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return [c + self.offset for c in columns], [v / norm for v in values]


@dataclass(frozen=True)
class LinearModel:
    """Several TF-IDF blocks side by side, then a linear layer and softmax (or sigmoid)."""

    vectorizers: tuple[Vectorizer, ...]
    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for a binary model
    intercept: np.ndarray

    def logits(self, text: str) -> np.ndarray:
        """The linear layer's output (one value per class, or one for a binary model)."""
        columns: list[int] = []
        values: list[float] = []
        for vectorizer in self.vectorizers:
            c, v = vectorizer.features(text)
            columns += c
            values += v
        if not columns:
            return self.intercept.astype(np.float64)
        return self.coef[:, columns] @ np.asarray(values, dtype=np.float64) + self.intercept

    def probabilities(self, text: str) -> dict[str, float]:
        logits = self.logits(text)
        if len(self.classes) == 2 and logits.shape[0] == 1:
            positive = 1.0 / (1.0 + math.exp(-float(logits[0])))
            return {self.classes[0]: 1.0 - positive, self.classes[1]: positive}
        shifted = np.exp(logits - logits.max())
        probs = shifted / shifted.sum()
        return {name: float(p) for name, p in zip(self.classes, probs, strict=True)}

    # -- saving ------------------------------------------------------------------
    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {
            f"{prefix}.classes": np.array(self.classes),
            f"{prefix}.coef": self.coef.astype(np.float32),
            f"{prefix}.intercept": self.intercept.astype(np.float64),
            f"{prefix}.analyzers": np.array([v.analyzer for v in self.vectorizers]),
        }
        for i, vectorizer in enumerate(self.vectorizers):
            terms = sorted(vectorizer.vocabulary, key=vectorizer.vocabulary.__getitem__)
            arrays[f"{prefix}.terms{i}"] = np.array(terms)
            arrays[f"{prefix}.idf{i}"] = vectorizer.idf.astype(np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LinearModel:
        get = arrays.__getitem__
        vectorizers = []
        offset = 0
        for i, analyzer in enumerate(get(f"{prefix}.analyzers").tolist()):
            terms = get(f"{prefix}.terms{i}").tolist()
            vectorizers.append(
                Vectorizer(analyzer, {t: j for j, t in enumerate(terms)}, get(f"{prefix}.idf{i}"), offset)
            )
            offset += len(terms)
        return cls(
            tuple(vectorizers),
            tuple(get(f"{prefix}.classes").tolist()),
            get(f"{prefix}.coef").astype(np.float64),
            get(f"{prefix}.intercept"),
        )
