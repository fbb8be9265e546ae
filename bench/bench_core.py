"""Core benchmark: topic lookup and free-text answers, beside baselines measured in the same run.

Run: .venv/bin/python bench/bench_core.py [--baseline-ref REF]
Baselines: a plain dict lookup (for topics), plain BM25 over the topics (speed and accuracy
of a router that learns nothing), and the previous router (rules + BM25, git ref
`--baseline-ref`, default 9fb9cb1) checked out into a temporary worktree, whose `ask` cold
start and free-text latency are measured in this same run. Goals (issue 9): `ask` cold
start < 1.0 s, free-text p99 < 5 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import Kind, load_library  # noqa: E402
from bot.core.evaluation import cross_validate, evaluate, set_questions  # noqa: E402
from bot.core.modelstore import model_path, read_models  # noqa: E402


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


def cold_start(command: list[str], runs: int = 5, cwd: Path | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=cwd)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


BLIND_SET = "holdout_blind6"


def baseline_worktree(ref: str) -> Path | None:
    """A checkout of the previous router, or None when git or the ref is not available."""
    target = Path(tempfile.mkdtemp(prefix="bloodpatch-baseline-")) / "tree"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), ref], capture_output=True, check=False
    )
    return target if done.returncode == 0 else None


def baseline_latency(tree: Path, texts: list[str]) -> list[float]:
    """Free-text latency of the previous router, timed in a child process that imports it."""
    code = (
        "import json,sys,time\n"
        "from bot.core import load_library\n"
        "lib=load_library('content'); texts=json.load(sys.stdin); out=[]\n"
        "for _ in range(3):\n"
        "    for t in texts:\n"
        "        s=time.perf_counter(); lib.answer(t); out.append(time.perf_counter()-s)\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-ref", default="9fb9cb1", help="git ref of the previous router")
    args = parser.parse_args()
    library = load_library(ROOT / "content")
    content = library._state.content.with_questions()
    questions = [item for s in content.questions for item in set_questions(s)]
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
        describe("free text (ours: markup+triage+language+router)", timings(library.answer, texts, 3)),
        describe("free text (baseline: plain BM25)", timings(baseline.search, texts, 3)),
    ]
    tree = baseline_worktree(args.baseline_ref)
    if tree is not None:
        rows.append(describe(f"free text (previous router, {args.baseline_ref})", baseline_latency(tree, texts)))
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"{'benchmark':46} {'answers/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rate, p50, p99 in rows:
        print(f"{name:46} {rate:11.0f} {p50:8.3f} {p99:8.3f}")
    print(
        f"ratio topic p99 ours/dict: {rows[0][3] / rows[1][3]:.1f}x; "
        f"free-text p99 ours/plain BM25: {rows[2][3] / rows[3][3]:.1f}x"
        + (f"; ours/previous router: {rows[2][3] / rows[4][3]:.2f}x" if len(rows) > 4 else "")
    )

    blind = next(s for s in content.questions if s.name == BLIND_SET)
    saved = read_models(model_path(content.root))
    _, ours = next(cross_validate(content, [BLIND_SET], temperature=saved.temperature if saved else None))

    def plain_predict(q: str) -> tuple[str, str | None]:
        topic = baseline.search(q)
        return (Kind.SEARCH if topic else Kind.OUT_OF_SCOPE), topic

    base = evaluate(set_questions(blind), plain_predict)
    print(f"accuracy on {BLIND_SET}, ours trained without it: {ours.summary()}")
    print(f"accuracy on {BLIND_SET}, plain BM25:              {base.summary()}")

    script = shutil.which("bloodpatch-bot", path=str(Path(sys.executable).parent))
    if script:
        ours_cold = cold_start([script, "ask", "--json", "does it hurt?"])
        python_cold = cold_start([sys.executable, "-c", "pass"])
        line = f"cold start `ask`: ours {ours_cold * 1000:.0f} ms"
        if tree is not None:
            before = cold_start([sys.executable, "-m", "bot", "ask", "--json", "does it hurt?"], cwd=tree)
            line += f", previous router {before * 1000:.0f} ms (ratio {ours_cold / before:.2f}x)"
        print(f"{line}; bare python start {python_cold * 1000:.0f} ms")
    if tree is not None:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


if __name__ == "__main__":
    main()
