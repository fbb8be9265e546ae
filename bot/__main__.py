"""Command line: `bloodpatch-bot shell | ask | topic | topics | sources | lint | train | eval | run | sync | reload`.

Heavy imports (platform SDKs) happen only inside the command that needs them, so
`bloodpatch-bot ask` starts fast and works without any platform installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.cli_args import build_parser
from bot.exit_status import ExitStatus


def _library(args: argparse.Namespace):  # -> Library, imported lazily
    from bot.core import load_library

    return load_library(args.content)


def _print_json(obj: object, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


# How to see every topic, after "Closest topics: …" (the shell says "type help for all").
ALL_TOPICS_HINT = "`bloodpatch-bot topics` lists all"


def _text_options(out: TextIO) -> dict:  # -> render_answer's style and width for this stream
    from bot.adapters.shell.render import WIDTH, Style, terminal_width

    style = Style.for_stream(out)  # colour only on a terminal, and never with NO_COLOR
    width = terminal_width() if out.isatty() else WIDTH  # a pipe gets the same text on any machine
    return {"style": style, "width": width, "all_topics_hint": ALL_TOPICS_HINT}


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.adapters.shell.render import render_answer

    library = _library(args)
    out = sys.stdout
    if args.question == ["-"]:
        # JSON Lines (or text blocks): one question per line, content loaded once.
        for raw in sys.stdin:
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            answer = library.answer(line, args.audience)  # over-long lines get not_found + "error"
            if args.json:
                _print_json(answer.to_json(), out)
            else:
                out.write(render_answer(answer, all_topics_hint=ALL_TOPICS_HINT) + "\n\n")
            out.flush()
        return ExitStatus.OK
    question = " ".join(args.question)
    answer = library.answer(question, args.audience)
    if args.json:
        _print_json(answer.to_json(), out)
    else:
        out.write(render_answer(answer, **_text_options(out)) + "\n")
    return ExitStatus.OK


def cmd_topic(args: argparse.Namespace) -> int:
    from bot.adapters.shell.render import render_answer
    from bot.core import Kind

    answer = _library(args).topic(" ".join(args.name), args.audience)
    if args.json:
        _print_json(answer.to_json(), sys.stdout)
    else:
        sys.stdout.write(render_answer(answer, **_text_options(sys.stdout)) + "\n")
    return ExitStatus.OK if answer.kind is not Kind.NOT_FOUND else ExitStatus.USAGE


def cmd_topics(args: argparse.Namespace) -> int:
    from bot.adapters.shell.render import topic_list

    library = _library(args)
    if args.json:
        _print_json([{"id": t.id, "command": t.command, "title": t.title} for t in library.topics], sys.stdout)
    else:
        sys.stdout.write(topic_list(library.topics) + "\n")
    return ExitStatus.OK


def cmd_sources(args: argparse.Namespace) -> int:
    from bot.adapters.shell.render import render_sources

    library = _library(args)
    if args.json:
        _print_json([s.to_json() for s in library.sources], sys.stdout)
    else:
        sys.stdout.write(render_sources(library.sources, _text_options(sys.stdout)["width"]) + "\n")
    return ExitStatus.OK


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.adapters.shell import run_shell

    return run_shell(_library(args), args.audience, history=not args.no_history)


def _content_or_errors(directory: Path | None):  # -> Content | None, imported lazily
    """Load content with its labelled questions, or print every error and return None."""
    from bot.core import ContentInvalid, load_content

    try:
        return load_content(directory)
    except ContentInvalid as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        count = sum(1 for e in exc.errors if e.severity == "error")
        print(f"{count} error(s) in {exc.errors[0].path.parent if exc.errors else directory}", file=sys.stderr)
        return None


def cmd_lint(args: argparse.Namespace) -> int:
    content = _content_or_errors(args.directory or args.content)  # DIR wins over --content (the help says so)
    if content is None:
        return ExitStatus.CONTENT_INVALID
    from bot.core.checks import content_errors, model_errors, rule_example_errors, uncited_source_warnings

    errors = content_errors(content) + rule_example_errors(content) + model_errors(content)
    from bot.adapters.discord.size import lint_discord  # lazily: the core never imports discord

    discord_line, discord_over = lint_discord(content.topics)
    warnings = (*content.warnings, *uncited_source_warnings(content))
    for warning in warnings:
        print(warning, file=sys.stderr)
    if errors or discord_over:
        for error in errors:
            print(error, file=sys.stderr)
        print(discord_line, file=sys.stderr if discord_over else sys.stdout)  # the count, even when lint fails
        print(f"{len(errors) + discord_over} error(s) in {content.root}", file=sys.stderr)
        return ExitStatus.CONTENT_INVALID
    rules = content.safety.red_flags.rules
    print(
        f"ok: {len(content.topics)} topics, {len(content.sources)} sources, "
        f"{sum(len(t.snippets) for t in content.topics)} snippets "
        f"(every figure in the evidence table, {len(content.evidence)} rows), {len(content.quiz)} quiz items, "
        f"{sum(len(s.questions) for s in content.questions)} labelled questions, {len(rules)} safety rules "
        f"({sum(len(r.must_fire) + len(r.must_not_fire) for r in rules)} rule examples checked), "
        f"router model current, {len(warnings)} warning(s)"
    )
    print(discord_line)
    return ExitStatus.OK


def cmd_train(args: argparse.Namespace) -> int:
    """Fit the router and triage models on content/ and save them beside it."""
    import time

    content = _content_or_errors(args.content)
    if content is None:
        return ExitStatus.CONTENT_INVALID
    from bot.core.modelstore import model_path, training_hash
    from bot.core.training import train

    examples = content.examples()
    started = time.perf_counter()
    trained = train(examples, content_hash=training_hash(content.root, content.topics))
    path = model_path(content.root)
    trained.save(path)
    print(
        f"trained on {len(examples)} labelled questions in {time.perf_counter() - started:.1f} s "
        f"(temperature {trained.temperature:.3f}); saved {path}"
    )
    return ExitStatus.OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Leave-one-set-out figures: each labelled set scored by a model trained without it."""
    content = _content_or_errors(args.content)
    if content is None:
        return ExitStatus.CONTENT_INVALID
    from bot.core.evaluation import cross_validate

    names = args.sets or None
    for name, report in cross_validate(content, names):
        if args.json:
            _print_json({"set": name, **report.to_json()}, sys.stdout)
        else:
            print(f"{name}: {report.summary()}", flush=True)
            if args.misses:
                print("\n".join(f"  {m}" for m in report.misses))
    return ExitStatus.OK


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return run(
        args.platform, content_dir=args.content, socket=args.socket, host=args.host, port=args.port, watch=args.watch
    )


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.exit_status import fail

    if args.clear and args.guild is None:
        return fail(ExitStatus.USAGE, "--clear needs --guild ID")
    from bot.adapters.discord import sync_commands

    return sync_commands(args.guild, args.content, clear=args.clear)


def cmd_reload(args: argparse.Namespace) -> int:
    from bot.runner import send_reload

    return send_reload(args.pid_file)


COMMANDS = {
    "ask": cmd_ask,
    "topic": cmd_topic,
    "topics": cmd_topics,
    "sources": cmd_sources,
    "shell": cmd_shell,
    "lint": cmd_lint,
    "train": cmd_train,
    "eval": cmd_eval,
    "run": cmd_run,
    "sync": cmd_sync,
    "reload": cmd_reload,
}
from bot.cli_state import STATE_COMMANDS  # noqa: E402 (quiz, score, gaps, stats, forget; imports nothing heavy)

COMMANDS.update(STATE_COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # the embedded default, as errbot's Text backend
        args = parser.parse_args(["shell"])
    command = args.command
    try:
        return int(COMMANDS[command](args))
    except KeyboardInterrupt:
        return ExitStatus.CTRL_C
    except BrokenPipeError:  # `bloodpatch-bot topics | head`
        return ExitStatus.OK
    except Exception as exc:  # content errors get one clear line each, not a traceback
        from bot.core import ContentInvalid

        if isinstance(exc, ContentInvalid):
            for error in exc.errors:
                print(error, file=sys.stderr)
            print(
                "content is invalid: fix the lines above (bloodpatch-bot lint shows them all)",
                file=sys.stderr,
            )
            return ExitStatus.CONTENT_INVALID
        raise


if __name__ == "__main__":
    sys.exit(main())
