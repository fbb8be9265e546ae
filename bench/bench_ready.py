"""One Slack worker: ready time (process start -> /readyz 200) and RSS, this tree beside a baseline tree.

Run: .venv/bin/python bench/bench_ready.py [--base /tmp/wt-base] [--runs 5] [--content DIR]

The baseline is another checkout of the project (e.g. `git worktree add /tmp/wt-base HEAD` made
before a change), measured in the same run, alternating with this tree so both see the same
machine load. Each run starts `python -m bot run slack` (the same interpreter and venv for both;
PYTHONPATH picks the tree) in a scratch directory with no `.env`, Slack settings pointing at a
loopback stand-in (bench/_loopback.py), `--host 127.0.0.1 --port <free>`, each tree's own
`content/` unless `--content` / `--base-content` say otherwise. Figures:

- ready: spawn -> first 200 from /readyz, polled every 10 ms (median of the runs);
- RSS at ready, and after BATCH signed slash commands answered at concurrency 8 (VmRSS from /proc).

A tree whose router model is stale retrains at every start (its log says so); that is reported,
since it swamps the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import (  # noqa: E402
    HOST,
    SIGNING_SECRET,
    SLACK_BOT_TOKEN,
    SlackStandIn,
    free_port,
    machine,
    proc_status_kb,
    slash_command,
    stop_process,
)

BATCH = 200
CONCURRENCY = 8
READY_TIMEOUT = 120.0
TOPICS = ("recovery", "risks", "pain", "overview", "does it hurt?")


@dataclass
class Sample:
    ready: float
    rss_ready_kb: int
    rss_after_kb: int
    answered: int
    retrained: bool
    exit_code: int | None


@dataclass
class Tree:
    name: str
    root: Path
    content: Path
    samples: list[Sample] = field(default_factory=list)


def scrubbed_env() -> dict[str, str]:
    prefixes = ("SLACK_", "DISCORD_", "BLOODPATCH_", "DATABASE_URL", "PORT", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


async def poll_ready(port: int, started: float, proc: subprocess.Popen[bytes]) -> float:
    deadline = time.monotonic() + READY_TIMEOUT
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                async with session.get(f"http://{HOST}:{port}/readyz") as resp:
                    if resp.status == 200:
                        return time.perf_counter() - started
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.01)
    raise RuntimeError(f"not ready within {READY_TIMEOUT}s (exit code {proc.poll()})")


async def load(port: int, standin: SlackStandIn, tag: str) -> int:
    """BATCH signed slash commands; returns how many got an answer (in the ack body or at the response_url)."""
    names = [f"{tag}-{i}" for i in range(BATCH)]
    pending = iter(enumerate(names))
    in_ack = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal in_ack
        for i, name in pending:
            body, headers = slash_command(TOPICS[i % len(TOPICS)], standin.response_url(name))
            async with session.post(f"http://{HOST}:{port}/slack/events", data=body, headers=headers) as resp:
                text = await resp.text()
                in_ack += resp.status == 200 and '"blocks"' in text

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and in_ack + sum(n in standin.answers for n in names) < BATCH:
        await asyncio.sleep(0.02)
    return in_ack + sum(n in standin.answers for n in names)


async def measure(tree: Tree, standin: SlackStandIn, scratch: Path, run: int) -> Sample:
    port = free_port()
    env = scrubbed_env() | {
        "PYTHONPATH": str(tree.root),
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "BLOODPATCH_PID_FILE": str(scratch / f"{tree.name}.pid"),
    }
    command = [sys.executable, "-m", "bot", "run", "slack", "--content", str(tree.content)]
    command += ["--host", HOST, "--port", str(port)]
    log_path = scratch / f"{tree.name}-{run}.log"
    with log_path.open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ready = await poll_ready(port, started, proc)
        rss_ready = proc_status_kb(proc.pid, "VmRSS")
        answered = await load(port, standin, f"{tree.name}-{run}")
        rss_after = proc_status_kb(proc.pid, "VmRSS")
    finally:
        code = await asyncio.to_thread(stop_process, proc)
    retrained = "training the router now" in log_path.read_text(errors="replace")
    return Sample(ready, rss_ready, rss_after, answered, retrained, code)


def mb(kb: float) -> str:
    return f"{kb / 1024:.1f}"


async def main(trees: list[Tree], runs: int) -> None:
    load_before = os.getloadavg()[0]
    standin = SlackStandIn()
    await standin.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ready-") as tmp:
            for run in range(runs):
                for tree in trees if run % 2 == 0 else reversed(trees):  # alternate who goes first
                    tree.samples.append(await measure(tree, standin, Path(tmp), run))
    finally:
        await standin.close()
    print(f"machine: {machine()}; load average before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}")
    print(f"one `run slack` worker, median of {runs} cold starts; load = {BATCH} slash commands at concurrency 8")
    print(f"{'tree':10} {'ready s':>8} {'min-max s':>12} {'RSS MB ready':>12} {'RSS MB after load':>17} answered")
    for tree in trees:
        s = tree.samples
        ready = [x.ready for x in s]
        rss_ready = mb(statistics.median(x.rss_ready_kb for x in s))
        rss_after = mb(statistics.median(x.rss_after_kb for x in s))
        print(
            f"{tree.name:10} {statistics.median(ready):8.2f} {min(ready):5.2f}-{max(ready):<6.2f} "
            f"{rss_ready:>12} {rss_after:>17} {min(x.answered for x in s)}/{BATCH}"
        )
        notes = []
        if any(x.retrained for x in s):
            notes.append("its router model was stale: the bot retrained it at start (run `bloodpatch-bot train`)")
        if any(x.exit_code not in (0, None) for x in s):
            notes.append(f"exit codes after SIGTERM: {sorted({x.exit_code for x in s})}")
        for note in notes:
            print(f"  {tree.name}: {note}")
        print(f"  {tree.name}: {tree.root} (content {tree.content})")
    if len(trees) == 2:
        a, b = (statistics.median(x.ready for x in t.samples) for t in trees)
        ra, rb = (statistics.median(x.rss_ready_kb for x in t.samples) for t in trees)
        print(f"{trees[0].name} / {trees[1].name}: ready {a / b:.2f}x, RSS at ready {ra / rb:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("/tmp/wt-base"), help="baseline tree (/tmp/wt-base)")
    parser.add_argument("--runs", type=int, default=5, help="cold starts per tree (5)")
    parser.add_argument("--content", type=Path, default=None, help="content for this tree (default: its content/)")
    parser.add_argument("--base-content", type=Path, default=None, help="content for the baseline tree")
    args = parser.parse_args()
    trees = [Tree("this", ROOT, args.content or ROOT / "content")]
    if (args.base / "bot").is_dir():
        trees.append(Tree("baseline", args.base, args.base_content or args.base / "content"))
    else:
        print(f"no baseline tree at {args.base}: measuring this tree only")
    asyncio.run(main(trees, args.runs))
