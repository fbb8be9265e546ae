"""Find, load and (when stale) rebuild the trained router for a content directory.

The model lives beside the labelled questions it was trained on
(`content/model/router.npz`) and carries a hash of that training data. A model
trained on other data is stale: `bloodpatch-bot lint` reports it as an error, and
loading retrains in memory (a few seconds, with a warning) rather than answer from
a model that no longer matches the content.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.core.examples import Example
from bot.core.linear import FeatureSpace, LinearModel
from bot.core.models import TopicModel

if TYPE_CHECKING:
    from bot.core.loader import Content

log = logging.getLogger(__name__)

MODEL_FILE = Path("model") / "router.npz"


@dataclass(frozen=True)
class Models:
    router: LinearModel
    emergency: LinearModel
    crisis: LinearModel
    temperature: float
    content_hash: str

    def save(self, path: Path) -> None:
        """Write the arrays `read_models` reads; atomically, so a running bot never sees half a file."""
        from bot.core.training import TRAINER_VERSION

        arrays = {
            **self.router.space.to_arrays(),
            **self.router.to_arrays("router"),
            **self.emergency.to_arrays("emergency"),
            **self.crisis.to_arrays("crisis"),
            "temperature": np.array(self.temperature),
            "content_hash": np.array(self.content_hash),
            "trainer_version": np.array(TRAINER_VERSION),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)


def model_path(content_root: Path) -> Path:
    return content_root / MODEL_FILE


def read_models(path: Path) -> Models | None:
    """The saved models, or None when the file is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            data = {key: arrays[key] for key in arrays.files}
    except (OSError, ValueError, KeyError):
        return None
    try:
        space = FeatureSpace.from_arrays(data)
        return Models(
            router=LinearModel.from_arrays(data, "router", space),
            emergency=LinearModel.from_arrays(data, "emergency", space),
            crisis=LinearModel.from_arrays(data, "crisis", space),
            temperature=float(data["temperature"]),
            content_hash=str(data["content_hash"]),
        )
    except KeyError:
        return None


def training_hash(content_root: Path, topics: Iterable[TopicModel]) -> str:
    """Key of everything the model learns from: the labelled-question files as bytes (no
    parsing needed, so a current model loads fast), every topic's examples, the settings."""
    from bot.core.training import settings_key

    digest = hashlib.sha256(settings_key().encode())
    for path in sorted((content_root / "questions").glob("*.yaml")):
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    for topic in sorted(topics, key=lambda t: t.id):  # the order users see (index.yaml) is not training data
        digest.update(json.dumps([topic.id, topic.examples], ensure_ascii=False).encode())
    return digest.hexdigest()


def stale_reason(content_root: Path, topics: Iterable[TopicModel]) -> str | None:
    """Why the saved model cannot be used with this content (None when it is current)."""
    path = model_path(content_root)
    models = read_models(path)
    if models is None:
        return "no trained router model: run `bloodpatch-bot train`"
    if models.content_hash != training_hash(content_root, topics):
        return "the router model was trained on other labelled questions or topic examples: run `bloodpatch-bot train`"
    return None


def load_models(content: Content) -> Models:
    """The saved models when they match the content, else a fresh in-memory training."""
    key = training_hash(content.root, content.topics)
    models = read_models(model_path(content.root))
    if models is not None and models.content_hash == key:
        return models
    log.warning(
        "%s is missing or stale: training the router now (run `bloodpatch-bot train` to save it)",
        model_path(content.root),
    )
    return train_models(content.with_questions().examples(), content_hash=key)


def train_models(examples: list[Example], *, calibrate: bool = True, content_hash: str = "") -> Models:
    from bot.core.training import train

    return train(examples, calibrate=calibrate, content_hash=content_hash)
