"""The command line's own surface: --version, help for every argument, lint's DIR and --content, shell flags."""

from __future__ import annotations

import argparse
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli_args import build_parser
from tests.conftest import CONTENT, run_cli


def parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    root = build_parser()
    found = [("bloodpatch-bot", root)]
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(f"bloodpatch-bot {name}", parser) for name, parser in action.choices.items()]
    return found


def test_version_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"bloodpatch-bot {version('bloodpatch-bot')}\n"


def test_every_command_and_argument_has_help_text() -> None:
    missing = []
    for name, parser in parsers():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {c.dest}" for c in action._choices_actions if not (c.help or "").strip()]
            elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == [], f"no help text: {missing}"
    assert len(parsers()) == 17  # the root and its 16 commands


def test_lint_help_says_dir_wins_over_content() -> None:
    text = run_cli("lint", "--help").stdout
    assert "DIR" in text and "--content" in text
    assert "wins over --content" in " ".join(text.split())


@pytest.mark.parametrize(
    ("positional", "option", "status"),
    [("good", "bad", 0), ("bad", "good", 1), (None, "good", 0), (None, "bad", 1), ("bad", None, 1)],
)
def test_lint_dir_wins_over_content(tmp_path: Path, positional: str | None, option: str | None, status: int) -> None:
    dirs = {"good": str(CONTENT), "bad": str(tmp_path / "no-content-here")}
    args = ["lint"]
    if positional:
        args.append(dirs[positional])
    if option:
        args += ["--content", dirs[option]]

    result = run_cli(*args)

    assert result.returncode == status, result.stderr
    if status:
        assert "no-content-here" in result.stderr  # the directory it checked is the one that won


def test_shell_help_names_its_flags_and_settings() -> None:
    text = " ".join(run_cli("shell", "--help").stdout.split())
    for needle in ("--no-history", "BLOODPATCH_HISTORY_FILE", "~/.bloodpatch_history", "NO_COLOR"):
        assert needle in text


def test_shell_no_history_over_a_pipe() -> None:
    result = run_cli("shell", "--no-history", stdin="help\ntopic\nhi\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "nothing you type is saved" in result.stdout  # over a pipe nothing is ever saved
    assert "Closest topics" not in result.stdout
    assert result.stdout.count("Topics:") == 2  # help, and a bare "topic"
    assert "\x1b[" not in result.stdout


def test_run_host_help_names_bloodpatch_host() -> None:
    text = " ".join(run_cli("run", "--help").stdout.split())
    assert "$BLOODPATCH_HOST" in text and "$HOST is ignored" in text
