"""Run trained TF-IDF + linear models with numpy alone.

Importing scikit-learn takes over a second, which would double the bot's cold start,
so `bloodpatch-bot train` fits the models with scikit-learn and saves their vocabularies,
IDF weights and coefficients; this module computes the same margins and probabilities
from them (tests check they match scikit-learn's). The router and both detectors share
one feature space, so a message is turned into features once, not three times.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.core.features import ANALYZERS

Features = tuple[list[int], np.ndarray]  # column indices and their TF-IDF values


@dataclass(frozen=True)
class Vectorizer:
    """One TF-IDF block: sublinear term frequency, IDF weights, L2-normalised."""

    analyzer: str
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where this block's columns start in the shared feature space

    def features(self, text: str) -> tuple[list[int], list[float]]:
        columns: list[int] = []
        values: list[float] = []
        vocabulary = self.vocabulary
        idf = self.idf
        for term, count in Counter(ANALYZERS[self.analyzer](text)).items():
            column = vocabulary.get(term)
            if column is not None:
                columns.append(column + self.offset)
                values.append((1.0 + math.log(count)) * idf[column])
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        return columns, [v / norm for v in values]


@dataclass
class FeatureSpace:
    """The vectorizers every model shares, with the last message's features kept for reuse."""

    vectorizers: tuple[Vectorizer, ...]
    _last: tuple[str, Features] | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def features(self, text: str) -> Features:
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        columns: list[int] = []
        values: list[float] = []
        for vectorizer in self.vectorizers:
            c, v = vectorizer.features(text)
            columns += c
            values += v
        result = (columns, np.asarray(values, dtype=np.float64))
        with self._lock:
            self._last = (text, result)
        return result

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {"features.analyzers": np.array([v.analyzer for v in self.vectorizers])}
        for i, vectorizer in enumerate(self.vectorizers):
            terms = sorted(vectorizer.vocabulary, key=vectorizer.vocabulary.__getitem__)
            arrays[f"features.terms{i}"] = np.array(terms)
            arrays[f"features.idf{i}"] = vectorizer.idf.astype(np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> FeatureSpace:
        vectorizers = []
        offset = 0
        for i, analyzer in enumerate(arrays["features.analyzers"].tolist()):
            terms = arrays[f"features.terms{i}"].tolist()
            vocabulary = dict(zip(terms, range(len(terms)), strict=True))
            vectorizers.append(Vectorizer(analyzer, vocabulary, arrays[f"features.idf{i}"], offset))
            offset += len(terms)
        return cls(tuple(vectorizers))


@dataclass(frozen=True)
class LinearModel:
    """A linear layer over the shared features, then softmax (or sigmoid for a binary model)."""

    space: FeatureSpace
    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for a binary model
    intercept: np.ndarray

    def logits(self, text: str) -> np.ndarray:
        """The linear layer's output (one value per class, or one for a binary model)."""
        columns, values = self.space.features(text)
        if not columns:
            return self.intercept.astype(np.float64)
        return self.coef[:, columns] @ values + self.intercept

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
        return {
            f"{prefix}.classes": np.array(self.classes),
            f"{prefix}.coef": self.coef.astype(np.float32),
            f"{prefix}.intercept": self.intercept.astype(np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, space: FeatureSpace) -> LinearModel:
        return cls(
            space,
            tuple(arrays[f"{prefix}.classes"].tolist()),
            arrays[f"{prefix}.coef"].astype(np.float64),
            arrays[f"{prefix}.intercept"],
        )
