"""Core benchmark: topic lookup and free-text search, beside baselines measured in the same run.

Run: .venv/bin/python bench/bench_core.py
Baselines: a plain dict lookup (for topics) and plain BM25 with no typo, stemming or
synonym handling (for search, speed and accuracy). Goals: topic p99 < 1 ms, search
p99 < 5 ms, cold start of `bloodpatch-bot ask` < 0.5 s.
"""

from __future__ import annotations

import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import Kind, load_library  # noqa: E402
from bot.core.evaluation import evaluate, library_predictor, load_questions  # noqa: E402


def timings(fn: Callable[[str], object], inputs: list[str], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        for item in inputs:
            start = time.perf_counter()
            fn(item)
            out.append(time.perf_counter() - start)
    return out


def describe(name: str, samples: list[float]) -> tuple[str, float, float, float]:
    arr = np.array(samples) * 1000
    return (
        name,
        len(samples) / (arr.sum() / 1000),
        float(np.percentile(arr, 50)),
        float(np.percentile(arr, 99)),
    )


class PlainBM25:
    """The baseline: whitespace words, no stemming, no typo fixing, no synonyms, no safety."""

    def __init__(self, topics) -> None:
        self.owner: list[str] = []
        corpus = []
        for topic in topics:
            for text in [
                " ".join([topic.title, *topic.aliases]),
                *topic.examples,
                *(s.text for s in topic.snippets),
            ]:
                corpus.append(self.tokens(text) or ["_"])
                self.owner.append(topic.id)
        self.retriever = bm25s.BM25()
        self.retriever.index(corpus, show_progress=False)
        self.vocab = set(self.retriever.vocab_dict)
        self.ids = [t.id for t in topics]

    @staticmethod
    def tokens(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    def search(self, text: str) -> str | None:
        terms = [t for t in self.tokens(text) if t in self.vocab]
        if not terms:
            return None
        scores = self.retriever.get_scores(terms)
        return self.owner[int(np.argmax(scores))]


def cold_start(command: list[str], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    library = load_library(ROOT / "content")
    content = library._state.content
    questions = load_questions(ROOT / "tests" / "eval" / "questions.yaml")
    names = [n for t in content.topics for n in (t.id, t.command or t.id, *t.aliases)]
    plain = {t.id: t for t in content.topics}
    for t in content.topics:
        for alias in t.aliases:
            plain.setdefault(alias, t)
    baseline = PlainBM25(content.topics)
    texts = [q.question for q in questions]

    rows = [
        describe("topic lookup (ours: id/alias/typo)", timings(library.topic, names, 20)),
        describe("topic lookup (baseline: dict.get)", timings(plain.get, names, 20)),
        describe("search (ours: safety+typos+synonyms+BM25)", timings(library.answer, texts, 5)),
        describe("search (baseline: plain BM25)", timings(baseline.search, texts, 5)),
    ]
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"{'benchmark':46} {'answers/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rate, p50, p99 in rows:
        print(f"{name:46} {rate:11.0f} {p50:8.3f} {p99:8.3f}")
    print(
        f"ratio topic p99 ours/baseline: {rows[0][3] / rows[1][3]:.1f}x; "
        f"search p99 ours/baseline: {rows[2][3] / rows[3][3]:.1f}x"
    )

    ours = evaluate(questions, library_predictor(library))

    def plain_predict(q: str) -> tuple[str, str | None]:
        topic = baseline.search(q)
        return (Kind.SEARCH if topic else Kind.OUT_OF_SCOPE), topic

    base = evaluate(questions, plain_predict)
    print(f"accuracy ours:     {ours.summary()}")
    print(f"accuracy baseline: {base.summary()}")

    script = shutil.which("bloodpatch-bot", path=str(Path(sys.executable).parent))
    if script:
        ours_cold = cold_start([script, "ask", "--json", "does it hurt?"])
        python_cold = cold_start([sys.executable, "-c", "pass"])
        print(
            f"cold start `bloodpatch-bot ask`: {ours_cold * 1000:.0f} ms "
            f"(bare python start: {python_cold * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
