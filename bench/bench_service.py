"""Service benchmark: `bloodpatch-bot run all` cold start to ready, and steady-state RSS.

Run: .venv/bin/python bench/bench_service.py            (about 30 s; everything on 127.0.0.1)

The real console script runs as a subprocess in a scratch directory (no `.env`, its own pid
file), with `--content content/ --port <free port>`, in two configurations:
- `slack`: Slack HTTP mode (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET set, SLACK_API_URL at a
  loopback stand-in); Discord skipped (no DISCORD_TOKEN), as the service logs.
- `slack+discord`: the same plus DISCORD_TOKEN, with discord.py pointed at a loopback stand-in
  (REST API and gateway WebSocket: HELLO, READY, heartbeat ACKs). discord.py has no setting for
  its API and gateway URLs, so a `sitecustomize.py` written to a scratch directory on
  PYTHONPATH sets `Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY` (the command line is still
  the unmodified `bloodpatch-bot run all`; discord.py is imported by `run all` anyway).
Cold start = process spawn -> first 200 from /readyz (polled every 10 ms). RSS = VmRSS from
/proc/<pid>/status at ready and after each batch of answered requests (Slack slash commands
over HTTP; Discord interactions pushed through the gateway). Goal: RSS < 120 MB.
Baselines in the same run: `python -c "import aiohttp"` (wall time, peak RSS) and a bare
aiohttp server with a /readyz route, polled the same way. No timing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import (  # noqa: E402
    DISCORD_TOKEN,
    HOST,
    SIGNING_SECRET,
    SLACK_BOT_TOKEN,
    FakeDiscord,
    Interactions,
    SlackStandIn,
    free_port,
    machine,
    proc_status_kb,
    slash_command,
    stop_process,
    wait_until,
)

COLD_RUNS = 3  # cold starts per configuration (median reported)
BATCH = 300  # Slack commands (and Discord interactions) per batch
BATCHES = 3
CONCURRENCY = 16
READY_TIMEOUT = 30.0
ANSWER_TIMEOUT = 30.0
GOAL_MB = 120
TOPICS = ("recovery", "risks", "pain", "overview", "procedure", "does it hurt?", "red_flags", "alternatives")

SITECUSTOMIZE = '''\
"""Written by bench/bench_service.py: point discord.py at the loopback stand-in (benchmark only)."""
import os

if os.environ.get("BENCH_DISCORD_API"):
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = os.environ["BENCH_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["BENCH_DISCORD_GATEWAY"])
'''

BARE_SERVER = """
import sys
from aiohttp import web
async def readyz(_):
    return web.json_response({"ready": True})
app = web.Application()
app.router.add_get("/readyz", readyz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


@dataclass
class Run:
    name: str
    listening: float = 0.0  # spawn -> first HTTP answer from /readyz (503 or 200)
    ready: float = 0.0  # spawn -> first 200
    rss_kb: list[tuple[str, int]] = field(default_factory=list)
    hwm_kb: int = 0
    slack_sent: int = 0
    slack_answered: int = 0
    discord_sent: int = 0
    discord_answered: int = 0
    stop_seconds: float = 0.0
    exit_code: int | None = None
    log_problems: list[str] = field(default_factory=list)
    log_lines: int = 0


def scrubbed_env() -> dict[str, str]:
    """This environment without any real platform settings."""
    prefixes = ("SLACK_", "DISCORD_", "BLOODPATCH_", "BENCH_", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


async def poll_ready(port: int, started: float, proc: subprocess.Popen[Any]) -> tuple[float, float]:
    """Poll /readyz every 10 ms; (first answer, first 200) in seconds since `started`."""
    listening = 0.0
    deadline = time.monotonic() + READY_TIMEOUT
    timeout = aiohttp.ClientTimeout(total=1)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                async with session.get(f"http://{HOST}:{port}/readyz") as resp:
                    now = time.perf_counter() - started
                    listening = listening or now
                    if resp.status == 200:
                        return listening, now
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.01)
    raise RuntimeError(f"not ready within {READY_TIMEOUT}s (exit code {proc.poll()})")


async def slack_batch(port: int, standin: SlackStandIn, tag: str, count: int) -> tuple[int, int]:
    names = [f"{tag}-{i}" for i in range(count)]
    requests = [slash_command(TOPICS[i % len(TOPICS)], standin.response_url(n)) for i, n in enumerate(names)]
    pending = iter(zip(names, requests, strict=True))
    url = f"http://{HOST}:{port}/slack/events"
    acked = 0
    in_ack: set[str] = set()  # commands whose answer came back in the ack body (issue 12)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal acked
        for name, (body, headers) in pending:
            async with session.post(url, data=body, headers=headers) as resp:
                raw = await resp.read()
                acked += resp.status == 200
                if raw.startswith(b"{") and json.loads(raw).get("response_type") == "ephemeral":
                    in_ack.add(name)

    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY), timeout=timeout) as session:
        await asyncio.wait_for(asyncio.gather(*(worker(session) for _ in range(CONCURRENCY))), ANSWER_TIMEOUT)
    await wait_until(lambda: all(n in standin.answers or n in in_ack for n in names), ANSWER_TIMEOUT, interval=0.02)
    answered = sum(
        1
        for n in names
        if (n in in_ack and n not in standin.answers)
        or (
            n not in in_ack
            and len(standin.answers.get(n, [])) == 1
            and standin.answers[n][0].body.get("response_type") == "ephemeral"
        )
    )
    return min(acked, answered), count


async def discord_batch(fake: FakeDiscord, interactions: Interactions, count: int) -> tuple[int, int]:
    payloads = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            payloads.append(interactions.command(TOPICS[i % 5]))
        elif kind == 1:
            payloads.append(interactions.command("ask", question="does a blood patch hurt?"))
        else:
            payloads.append(interactions.autocomplete("rec"))
    waiters = [fake.expect(p["id"]) for p in payloads]
    for p in payloads:
        await fake.push_interaction(p)
    done, _ = await asyncio.wait(waiters, timeout=ANSWER_TIMEOUT)
    good = sum(1 for w in done if w.result().body.get("type") in (4, 8))
    for w in waiters:
        w.cancel()
    return good, count


async def run_service(
    name: str,
    *,
    discord_on: bool,
    measure: bool,
    batches: int,
    slack: SlackStandIn,
    fake: FakeDiscord | None,
    scratch: Path,
    script: str,
) -> Run:
    run = Run(name)
    port = free_port()
    env = scrubbed_env() | {
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "BLOODPATCH_PID_FILE": str(scratch / "bot.pid"),
        "BLOODPATCH_LOG_LEVEL": "INFO",
    }
    if discord_on:
        assert fake is not None
        fake.identified.clear()
        env |= {
            "DISCORD_TOKEN": DISCORD_TOKEN,
            "DISCORD_COOLDOWN_USES": "1000000",
            "PYTHONPATH": str(scratch / "site"),
            "BENCH_DISCORD_API": fake.api_base,
            "BENCH_DISCORD_GATEWAY": fake.gateway_url,
        }
    log_path = scratch / f"{name}.log"
    command = [script, "run", "all", "--content", str(ROOT / "content"), "--port", str(port)]
    with log_path.open("w") as log_file:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=scratch, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        run.listening, run.ready = await poll_ready(port, started, proc)
        run.rss_kb.append(("at ready", proc_status_kb(proc.pid, "VmRSS")))
        if measure:
            interactions = Interactions()
            for batch in range(batches):
                answered, sent = await slack_batch(port, slack, f"{name}-{batch}", BATCH)
                run.slack_answered += answered
                run.slack_sent += sent
                if discord_on:
                    assert fake is not None
                    answered, sent = await discord_batch(fake, interactions, BATCH)
                    run.discord_answered += answered
                    run.discord_sent += sent
                await asyncio.sleep(0.5)
                done = run.slack_sent + run.discord_sent
                run.rss_kb.append((f"after {done} requests", proc_status_kb(proc.pid, "VmRSS")))
            run.hwm_kb = proc_status_kb(proc.pid, "VmHWM")
    finally:
        stopping = time.perf_counter()
        run.exit_code = await asyncio.to_thread(stop_process, proc)
        run.stop_seconds = time.perf_counter() - stopping
    lines = log_path.read_text(errors="replace").splitlines()
    run.log_lines = len(lines)
    run.log_problems = [line for line in lines if " ERROR " in line or " WARNING " in line or "Traceback" in line]
    return run


def python_import_aiohttp() -> tuple[float, int]:
    """Wall seconds and peak RSS (kB) of `python -c "import aiohttp"`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import aiohttp"])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss


async def bare_server_ready(scratch: Path) -> tuple[float, int]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port)], cwd=scratch)
    try:
        _, ready = await poll_ready(port, started, proc)
        return ready, proc_status_kb(proc.pid, "VmRSS")
    finally:
        await asyncio.to_thread(stop_process, proc)


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


async def main(cold_runs: int, batches: int) -> None:
    started_all = time.monotonic()
    load_before = os.getloadavg()[0]
    script = str(Path(sys.executable).parent / "bloodpatch-bot")
    if not Path(script).exists():
        raise SystemExit(f"{script} not found: install the project into this venv (pip install -e .)")
    slack = SlackStandIn()
    fake = FakeDiscord()
    await slack.start()
    await fake.start()
    results: dict[str, list[Run]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
            scratch = Path(tmp)
            (scratch / "site").mkdir()
            (scratch / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
            baseline_import = [python_import_aiohttp() for _ in range(5)]
            baseline_server = [await bare_server_ready(scratch) for _ in range(cold_runs)]
            for name, discord_on in (("slack", False), ("slack+discord", True)):
                results[name] = []
                for i in range(cold_runs):
                    results[name].append(
                        await run_service(
                            name,
                            discord_on=discord_on,
                            measure=i == cold_runs - 1,
                            batches=batches,
                            slack=slack,
                            fake=fake,
                            scratch=scratch,
                            script=script,
                        )
                    )
    finally:
        await fake.close()
        await slack.close()

    print(f"machine: {machine()}; load average before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}")
    print(f"cold start: median of {cold_runs} runs, spawn -> first 200 from /readyz (polled every 10 ms)")
    print(f"{'process':52} {'listening s':>11} {'ready s':>8} {'RSS MB at ready':>15}")
    imp_wall = statistics.median(w for w, _ in baseline_import)
    imp_rss = statistics.median(r for _, r in baseline_import)
    label = 'baseline: python -c "import aiohttp" (exit; peak RSS)'
    print(f"{label:52} {'':>11} {imp_wall:8.3f} {mb(imp_rss):>15}")
    srv_ready = statistics.median(r for r, _ in baseline_server)
    srv_rss = statistics.median(k for _, k in baseline_server)
    print(f"{'baseline: bare aiohttp server with /readyz':52} {'':>11} {srv_ready:8.3f} {mb(srv_rss):>15}")
    for name, runs in results.items():
        listening = statistics.median(r.listening for r in runs)
        ready = statistics.median(r.ready for r in runs)
        rss = statistics.median(r.rss_kb[0][1] for r in runs)
        label = f"bloodpatch-bot run all ({name})"
        print(f"{label:52} {listening:11.3f} {ready:8.3f} {mb(rss):>15}")
    print("steady state (last run of each configuration):")
    for name, runs in results.items():
        last = runs[-1]
        trail = ", ".join(f"{what} {mb(kb)} MB" for what, kb in last.rss_kb)
        final = last.rss_kb[-1][1]
        goal = "met" if final / 1024 < GOAL_MB else "NOT met"
        print(f"  {name}: VmRSS {trail}; VmHWM {mb(last.hwm_kb)} MB -> goal < {GOAL_MB} MB {goal}")
        answered = f"slack {last.slack_answered}/{last.slack_sent} answered"
        if last.discord_sent:
            answered += f", discord {last.discord_answered}/{last.discord_sent} answered"
        print(
            f"    {answered}; ratio RSS / bare aiohttp server {final / srv_rss:.1f}x; "
            f"SIGTERM -> exit {last.exit_code} in {last.stop_seconds:.2f} s; {last.log_lines} log lines"
        )
        problems = [p for r in runs for p in r.log_problems]
        distinct = sorted({p.split(" ", 2)[-1][:200] for p in problems})  # without the timestamp
        if problems:
            print(f"    {len(problems)} warning/error log line(s) over {len(runs)} runs, distinct:")
            for line in distinct[:5]:
                print(f"      {line}")
    if fake.unexpected:
        print(f"unexpected Discord API calls: {sorted(set(fake.unexpected))}")
    print(
        "ready / bare aiohttp server ready: "
        + ", ".join(
            f"{name} {statistics.median(r.ready for r in runs) / srv_ready:.1f}x" for name, runs in results.items()
        )
    )
    own_peak = mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(f"total {time.monotonic() - started_all:.1f} s (this process: peak RSS {own_peak} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS, help=f"cold starts per configuration ({COLD_RUNS})")
    parser.add_argument("--batches", type=int, default=BATCHES, help=f"batches of {BATCH} requests ({BATCHES})")
    args = parser.parse_args()
    asyncio.run(main(args.cold_runs, args.batches))
