"""The argument parser, kept apart from the commands so `--help` needs no heavy imports."""

from __future__ import annotations

import argparse
from pathlib import Path

AUDIENCE_CHOICES = ("patient", "clinician")
DISTRIBUTION = "bloodpatch-bot"
HOST_ENV = "BLOODPATCH_HOST"  # not HOST: shells and platforms set that to the machine's name


def package_version() -> str:
    """The installed package's version (pyproject.toml), as `--version` prints it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`, looking the version up only when asked (keeps `--help` and every command fast)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="content directory (default: $BLOODPATCH_CONTENT or the bundled content/)",
    )


def _json_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--json", action="store_true", help=help)


def _audience_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--audience", choices=AUDIENCE_CHOICES, default="patient", help="who the answer is for")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bloodpatch-bot",
        description="Answers questions about the epidural blood patch and spinal headache (PDPH).",
        epilog="With no command, starts the interactive shell. `bloodpatch-bot COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    shell = sub.add_parser(
        "shell",
        help="interactive shell in this terminal (no tokens needed)",
        description="Ask questions in this terminal. What you type is saved to ~/.bloodpatch_history, or to "
        "$BLOODPATCH_HISTORY_FILE (set it to an empty value to save nothing). Colour is off when "
        "NO_COLOR is set or output is not a terminal.",
    )
    _audience_option(shell)
    shell.add_argument(
        "--no-history",
        action="store_true",
        help="save nothing you type to the history file this session (see also $BLOODPATCH_HISTORY_FILE)",
    )
    _content_option(shell)

    ask = sub.add_parser("ask", help='answer a question, e.g. ask "does it hurt?"; "-" reads one per line from stdin')
    ask.add_argument("question", nargs="+", help='the question, or "-" for JSON Lines from stdin')
    _audience_option(ask)
    _json_option(ask, "print one JSON object per answer")
    _content_option(ask)

    topic = sub.add_parser("topic", help="show one topic by id, alias or name, e.g. topic risks")
    topic.add_argument("name", nargs="+", help="topic id, short name, alias or title (a typo is forgiven)")
    _audience_option(topic)
    _json_option(topic, "print one JSON object")
    _content_option(topic)

    topics = sub.add_parser("topics", help="list the topics")
    _json_option(topics, "print a JSON list of {id, command, title}")
    _content_option(topics)

    sources = sub.add_parser("sources", help="list the cited sources")
    _json_option(sources, "print a JSON list of the sources")
    _content_option(sources)

    lint = sub.add_parser("lint", help="validate a content directory; exit 1 on any error")
    lint.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=None,
        metavar="DIR",
        help="content directory to check; wins over --content when both are given "
        "(default: --content, $BLOODPATCH_CONTENT or the bundled content/)",
    )
    lint.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="the same as DIR, like the other commands; DIR wins when both are given",
    )

    train = sub.add_parser("train", help="fit the router and triage models on the labelled questions and save them")
    _content_option(train)

    evaluate = sub.add_parser(
        "eval", help="score each labelled-question set with a model trained without it (leave one set out)"
    )
    evaluate.add_argument("sets", nargs="*", metavar="SET", help="set names (file stems); default: every set")
    _json_option(evaluate, "one JSON object per set")
    evaluate.add_argument("--misses", action="store_true", help="list every question the model got wrong")
    _content_option(evaluate)

    run = sub.add_parser("run", help="run the bot on a platform: discord, slack or all")
    run.add_argument(
        "platform", choices=("discord", "slack", "all"), help="all: every platform whose settings are present"
    )
    run.add_argument("--socket", action="store_true", help="Slack: use Socket Mode (needs SLACK_APP_TOKEN)")
    run.add_argument(  # checked by bot/settings.py, so a bad port is one clear line like any bad setting
        "--port",
        default=None,
        metavar="PORT",
        help="HTTP port 0-65535 for Slack events and health checks (default $PORT or 3000; 0: any free port)",
    )
    run.add_argument(
        "--host",
        default=None,
        help=f"address to listen on (default ${HOST_ENV} or 0.0.0.0; 127.0.0.1 keeps it local; "
        "$HOST is ignored: it is often the machine's name)",
    )
    run.add_argument("--watch", action="store_true", help="reload content when files under the content dir change")
    _content_option(run)

    sync = sub.add_parser("sync", help="register slash commands with a platform: sync discord [--guild ID]")
    sync.add_argument("platform", choices=("discord",), help="the platform to register with (only discord)")
    sync.add_argument("--guild", type=int, default=None, help="sync to one guild (instant) instead of globally")
    sync.add_argument("--clear", action="store_true", help="with --guild: remove that guild's copy of the commands")
    _content_option(sync)

    reload = sub.add_parser(
        "reload",
        help="tell running bots to reload their content: every worker sharing DATABASE_URL, else SIGHUP to one",
    )
    reload.add_argument(
        "--pid-file",
        type=Path,
        default=None,
        help="SIGHUP only the bot whose pid `run` wrote here (default without DATABASE_URL: $BLOODPATCH_PID_FILE)",
    )

    from bot.cli_state import add_state_commands  # quiz, score, gaps, stats, forget (they use the store)

    add_state_commands(sub)

    return parser
