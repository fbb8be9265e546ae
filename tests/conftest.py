"""Shared fixtures: the real content, loaded once per session (tests never mock the core)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from bot.core import Library, load_library

# CI runs the same generated inputs every time (a failure there is reproducible, never flaky);
# a local run explores new ones, and `FUZZ_EXAMPLES=10000` makes the fuzz tests go long.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(CONTENT)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the real content, for tests that break or edit it."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def run_cli(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a user would (falls back to `python -m bot`)."""
    script = shutil.which("bloodpatch-bot", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "bot"]
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
