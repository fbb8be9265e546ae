"""Fit the router and triage classifiers from labelled questions (scikit-learn, offline).

Used by `bloodpatch-bot train` and by the tests; the bot itself only loads the saved
arrays (`linear.py`), so answering never imports scikit-learn. Three models share one
feature space: the topic router (every topic plus `out_of_scope`), an emergency
detector and a crisis detector. The router is a linear SVM (under a second to fit,
where multinomial logistic regression took half a minute on the same features); its
margins become probabilities through a softmax temperature fitted on out-of-fold
predictions, so its confidence means what it says. The detectors are binary logistic
regressions, which give probabilities directly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from bot.core.examples import Example
from bot.core.features import ANALYZERS
from bot.core.linear import FeatureSpace, LinearModel, Vectorizer
from bot.core.modelstore import Models

TRAINER_VERSION = "4"  # bump when features or settings change: old models become stale
C_ROUTER = 1.0  # LinearSVC
C_DETECTOR = 10.0  # logistic regression
CHAR_MIN_DF = 2
CALIBRATION_FOLDS = 4


def settings_key() -> str:
    """The trainer's settings: a model fitted with other settings is stale too."""
    return json.dumps([TRAINER_VERSION, C_ROUTER, C_DETECTOR, CHAR_MIN_DF])


def _vectorizers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        ("word", TfidfVectorizer(analyzer=ANALYZERS["word"], sublinear_tf=True, dtype=np.float64)),
        ("char", TfidfVectorizer(analyzer=ANALYZERS["char"], sublinear_tf=True, min_df=CHAR_MIN_DF, dtype=np.float64)),
    ]


def _space(fitted) -> FeatureSpace:
    blocks = []
    offset = 0
    for name, vectorizer in fitted:
        vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        blocks.append(Vectorizer(name, vocabulary, vectorizer.idf_.astype(np.float64), offset))
        offset += len(vocabulary)
    return FeatureSpace(tuple(blocks))


def _export(fitted, classifier, space: FeatureSpace | None = None) -> LinearModel:
    """The fitted classifier over the fitted vectorizers, as numpy arrays (`space` shared if given)."""
    classes = tuple(str(c) for c in classifier.classes_)
    return LinearModel(space or _space(fitted), classes, classifier.coef_.astype(np.float64), classifier.intercept_)


def _fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that best calibrates out-of-fold logits (lowest log loss)."""
    best, best_loss = 1.0, float("inf")
    for temperature in np.geomspace(0.02, 5.0, 120):
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(len(gold)), gold].mean()
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def train(examples: Sequence[Example], *, calibrate: bool = True, content_hash: str = "") -> Models:
    """Fit all three models; `calibrate=False` skips the temperature fit (faster, for evaluation folds)."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    texts = [e.text for e in examples]
    fitted = _vectorizers()
    matrix = hstack([v.fit_transform(texts) for _, v in fitted]).tocsr()

    routed = [i for i, e in enumerate(examples) if e.router_label]
    router_labels = np.array([examples[i].router_label for i in routed])
    router = LinearSVC(C=C_ROUTER, class_weight="balanced").fit(matrix[routed], router_labels)

    def detector(positive: np.ndarray):
        return LogisticRegression(C=C_DETECTOR, solver="liblinear", class_weight="balanced").fit(matrix, positive)

    emergency = detector(np.array([e.kind == "red_flag" for e in examples]))
    crisis = detector(np.array([e.kind == "crisis" for e in examples]))
    space = _space(fitted)
    temperature = 1.0
    if calibrate:
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=0)
        logits = cross_val_predict(
            LinearSVC(C=C_ROUTER, class_weight="balanced"),
            matrix[routed],
            router_labels,
            cv=folds,
            method="decision_function",
        )
        gold = np.searchsorted(router.classes_, router_labels)
        temperature = _fit_temperature(logits, gold)
    return Models(
        router=_export(fitted, router, space),
        emergency=_export(fitted, emergency, space),
        crisis=_export(fitted, crisis, space),
        temperature=temperature,
        content_hash=content_hash,
    )
