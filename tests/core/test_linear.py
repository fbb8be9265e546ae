"""The numpy-only runtime computes exactly what scikit-learn computed at training time."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from bot.core.linear import FeatureSpace
from bot.core.training import _export, _vectorizers

TEXTS = [
    "does a blood patch hurt",
    "how much blood do they inject",
    "fever and stiff neck after my epidural",
    "how long to lie flat after the patch",
    "nicotine patch for smoking",
    "my head pounds when i sit up",
    "Est-ce que le blood patch fait mal ?",
    "worst headache of my life came on suddenly",
    "can I drive after the patch",
    "how do I patch a bike tyre",
]
LABELS = ["pain", "procedure", "urgent", "recovery", "oos", "symptoms", "pain", "urgent", "recovery", "oos"]
UNSEEN = ["does it hurt a lot", "how much blood", "tyre patch kit", "", "🙂", "FEVERR neck stiff!!", "fiebre"]


@pytest.fixture(scope="module")
def features():
    fitted = _vectorizers()
    matrix = hstack([v.fit_transform(TEXTS) for _, v in fitted]).tocsr()

    def transform(texts: list[str]):
        return hstack([v.transform(texts) for _, v in fitted]).tocsr()

    return fitted, matrix, transform


def test_multiclass_margins_match_scikit_learn(features) -> None:
    fitted, matrix, transform = features
    model = LinearSVC(C=1.0).fit(matrix, LABELS)
    runtime = _export(fitted, model)
    expected = model.decision_function(transform(UNSEEN))
    got = np.array([runtime.logits(text) for text in UNSEEN])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_binary_probabilities_match_scikit_learn(features) -> None:
    fitted, matrix, transform = features
    labels = np.array([label == "urgent" for label in LABELS])
    model = LogisticRegression(C=10.0, solver="liblinear").fit(matrix, labels)
    runtime = _export(fitted, model)
    expected = model.predict_proba(transform(UNSEEN))[:, 1]
    got = np.array([runtime.probabilities(text)["True"] for text in UNSEEN])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_saved_arrays_load_back_identically(features, tmp_path) -> None:
    fitted, matrix, _ = features
    model = LinearSVC(C=1.0).fit(matrix, LABELS)
    runtime = _export(fitted, model)
    path = tmp_path / "m.npz"
    np.savez_compressed(path, **runtime.space.to_arrays(), **runtime.to_arrays("router"))
    with np.load(path) as arrays:
        data = {k: arrays[k] for k in arrays.files}
    loaded = type(runtime).from_arrays(data, "router", FeatureSpace.from_arrays(data))
    for text in UNSEEN:
        # float32 storage of the coefficients: equal to about 6 significant digits
        np.testing.assert_allclose(loaded.logits(text), runtime.logits(text), rtol=1e-5, atol=1e-6)
    assert loaded.classes == runtime.classes
