"""The commands that use the store: `quiz`, `score`, `gaps` (and `gaps export FILE`), `stats`, `forget USER`.

Why apart from `bot.__main__`: they share opening the store and its one failure mode (the
database is unavailable: exit status 3 with the reason), and they import nothing heavy until
run, so `--help` stays fast. The store is the one from DATABASE_URL, else the SQLite file in
BLOODPATCH_DATA_DIR (both also read from ./.env, like `run`).

The local user of `quiz` and `score` is `shell:<name>`: `--user NAME`, else $BLOODPATCH_USER,
else the login name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

AUDIENCES = ("patient", "clinician")
DEFAULT_COUNT = 5
MAX_COUNT = 100
WIDTH = 88
CATEGORY_NAMES = {
    "not_found": "not found",
    "out_of_scope": "out of scope",
    "clarify": "did you mean",
    "not_asked": "not what I asked",
}
FEEDBACK_NAMES = {"helpful": "helpful", "unhelpful": "not helpful", "not_asked": "not what I asked"}
USER_HELP = (
    "a user key: discord:<guild_id>:<user_id> (discord:dm:<user_id> in a DM), slack:<team_id>:<user_id> or shell:<name>"
)


# -- arguments --------------------------------------------------------------------------------


def _positive(limit: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit}, got {value}")
        return value

    return parse


def _days(raw: str) -> int:
    return _positive(3650)(raw)


def _user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", default=None, metavar="NAME", help="local user name (default $BLOODPATCH_USER or your login name)"
    )


def add_state_commands(sub: argparse._SubParsersAction) -> None:
    """Add quiz, score, gaps, stats and forget to the `bloodpatch-bot` sub-command parser."""
    quiz = sub.add_parser(
        "quiz",
        help="a multiple-choice quiz in this terminal, with spaced repetition and a score",
        description="Answer with the option's number; q (or Ctrl-D) stops. Missed questions come back first "
        "next time. Scores are kept per local user in the store (see docs/storage.md).",
    )
    quiz.add_argument("--topic", default=None, help="only questions on this topic id (`bloodpatch-bot topics`)")
    quiz.add_argument("--audience", choices=AUDIENCES, default="patient", help="patient (plain) or clinician (exam)")
    quiz.add_argument(
        "--count",
        type=_positive(MAX_COUNT),
        default=DEFAULT_COUNT,
        metavar="N",
        help=f"how many questions (default {DEFAULT_COUNT})",
    )
    _user_option(quiz)
    quiz.add_argument("--content", type=Path, default=None, metavar="DIR", help="content directory")

    score = sub.add_parser("score", help="your quiz score, streak and progress")
    _user_option(score)
    score.add_argument("--json", action="store_true", help="print one JSON object")

    gaps = sub.add_parser(
        "gaps",
        help="questions the bot could not answer well (not found, out of scope, did you mean, not what I asked)",
        description="Counts come from every server and workspace; question text only from those whose admin "
        "opted in (redacted, deleted after the retention limit).",
    )
    gaps.add_argument("--since", type=_days, default=30, metavar="DAYS", help="the last DAYS days (default 30)")
    gaps.add_argument("--json", action="store_true", help="print one JSON object")
    gaps_sub = gaps.add_subparsers(dest="gaps_command", metavar="export")
    export = gaps_sub.add_parser(
        "export", help="write the questions as unlabelled entries for content/questions/ (a reviewer labels them)"
    )
    export.add_argument("file", type=Path, metavar="FILE", help='YAML file to write ("-": standard output)')
    export.add_argument(
        "--since", type=_days, default=None, dest="export_since", metavar="DAYS", help="the last DAYS days (default 30)"
    )
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    stats = sub.add_parser("stats", help="asks and feedback per topic, quiz accuracy per item")
    stats.add_argument("--since", type=_days, default=None, metavar="DAYS", help="asks and feedback of the last DAYS")
    stats.add_argument(
        "--min-people",
        type=_positive(100_000),
        default=5,
        metavar="N",
        help="flag an item as hard only when at least N people answered it (default 5)",
    )
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    forget = sub.add_parser("forget", help="erase everything kept about one user", description=f"USER is {USER_HELP}.")
    forget.add_argument("user", metavar="USER", help="e.g. discord:81384788765712384:80351110224678912")


# -- running against the store ----------------------------------------------------------------


def _exit(status: str) -> int:
    from bot.exit_status import ExitStatus

    return int(ExitStatus[status])


def _fail(status: str, message: str) -> int:
    print(f"bloodpatch-bot: {message}", file=sys.stderr)
    return _exit(status)


def _with_store(what: str, body: Callable) -> int:
    """Run `body(run, store)` with an open store; `run(coro)` awaits on one event loop.

    StoreUnavailable anywhere becomes one line and exit status 3 (UNAVAILABLE).
    """
    import asyncio

    from bot.settings import read_env
    from bot.store import StoreConfigError, StoreUnavailable, open_store, store_settings

    logging.getLogger("bloodpatch.store").addHandler(logging.NullHandler())  # the CLI prints the reason itself
    try:
        settings = store_settings(environ=read_env())
    except StoreConfigError as exc:
        return _fail("USAGE", str(exc))
    with asyncio.Runner() as runner:
        store = runner.run(open_store(settings=settings))
        try:
            return body(runner.run, store)
        except StoreUnavailable as exc:
            return _fail("UNAVAILABLE", f"{what} unavailable right now ({exc.reason})")
        finally:
            runner.run(store.close())


def local_user(name: str | None) -> str:
    """`shell:<name>` for --user, $BLOODPATCH_USER or the login name (characters a key cannot hold become -)."""
    if not name:
        name = os.environ.get("BLOODPATCH_USER", "").strip()
    if not name:
        import getpass

        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name (some containers)
            name = "local"
    cleaned = re.sub(r"[^A-Za-z0-9._@-]", "-", name.strip())[:64].lstrip("._@-") or "local"
    return f"shell:{cleaned}"


# -- quiz --------------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent)


def _read_choice(options: int, inp: TextIO, out: TextIO) -> int | None:
    """The 0-based choice typed, or None to stop (q, EOF). Asks again after anything else."""
    while True:
        out.write(f"Your answer (1-{options}, q to stop): ")
        out.flush()
        line = inp.readline()
        if not line:  # EOF (Ctrl-D or the end of piped input)
            out.write("\n")
            return None
        typed = line.strip().lower().rstrip(".)")
        if not inp.isatty():
            out.write(f"{line.strip()}\n")  # piped input: show what was answered
        if typed in ("q", "quit", "exit"):
            return None
        if typed.isdigit() and 1 <= int(typed) <= options:
            return int(typed) - 1
        out.write(f"Type a number from 1 to {options}, or q to stop.\n")


def _source_line(content, item) -> str:
    from bot.engagement import citation

    source = content.sources.get(item.source)
    return citation(source, item.locator) if source else f"Source: {item.source}, {item.locator}"


def quiz_items(content, topic: str | None, audience: str | None) -> tuple:
    """The content's quiz items for `topic`/`audience` (None: any), in content order."""
    return tuple(
        q.item
        for q in content.quiz
        if (topic is None or q.item.topic == topic) and (audience is None or q.item.audience == audience)
    )


def cmd_quiz(args: argparse.Namespace) -> int:
    # Content only, not the Library: a quiz needs no router model, so it starts fast and never trains one.
    from bot.core import load_content

    content = load_content(args.content, questions=False)
    if args.topic is not None and args.topic not in {t.id for t in content.topics}:
        return _fail("USAGE", f"unknown topic {args.topic!r} (`bloodpatch-bot topics` lists the ids)")
    items = quiz_items(content, args.topic, args.audience)
    if not items:
        with_items = sorted({i.topic for i in quiz_items(content, None, args.audience)})
        where = f" on {args.topic}" if args.topic else ""
        hint = f"; topics with {args.audience} questions: {', '.join(with_items)}" if with_items else ""
        return _fail("USAGE", f"no {args.audience} quiz questions{where}{hint}")
    user = local_user(args.user)
    count = min(args.count, len(items))
    out, inp = sys.stdout, sys.stdin

    def body(run, store) -> int:
        from bot.core.quiz import utcnow

        asked: list[str] = []
        right = answered = 0
        topic_note = f"{args.topic}, " if args.topic else ""
        out.write(f"Quiz for {user}: {count} question(s) ({topic_note}{args.audience}). Type a number; q stops.\n")
        try:
            for number in range(1, count + 1):
                item = run(store.next_quiz_item(user, items, exclude=asked, now=utcnow()))
                if item is None:
                    break
                asked.append(item.id)
                out.write(f"\nQuestion {number} of {count} · {item.topic} · {item.difficulty}\n")
                out.write(_wrap(item.stem) + "\n")
                for index, option in enumerate(item.options, start=1):
                    out.write(f"  {index}. {option}\n")
                choice = _read_choice(len(item.options), inp, out)
                if choice is None:
                    break
                result = run(store.record_quiz_answer(user, item, choice))
                answered += 1
                right += result.correct
                answer = f"{item.answer + 1}. {item.options[item.answer]}"
                out.write("Right! " if result.correct else f"Not quite: the answer is {answer}\n")
                out.write(_wrap(item.explanation) + "\n")
                out.write(_wrap(_source_line(content, item)) + "\n")
                card = result.score
                out.write(f"Score: {card.correct} of {card.answered} right · streak {card.streak}\n")
        except KeyboardInterrupt:
            out.write("\nStopped.\n")
            _summary(out, right, answered)
            return _exit("CTRL_C")
        _summary(out, right, answered)
        return _exit("OK")

    return _with_store("the quiz is", body)


def _summary(out: TextIO, right: int, answered: int) -> None:
    if answered:
        out.write(f"\nThis time: {right} of {answered} right. `bloodpatch-bot score` shows your totals.\n")
    out.flush()


# -- score, gaps, stats, forget -----------------------------------------------------------------


def cmd_score(args: argparse.Namespace) -> int:
    user = local_user(args.user)

    def body(run, store) -> int:
        report = run(store.score(user))
        if args.json:
            print(json.dumps({"user": user, **report.to_json()}))
            return _exit("OK")
        card = report.score
        if not card.answered:
            print(f"{user}: no answers yet. Try `bloodpatch-bot quiz`.")
            return _exit("OK")
        print(
            f"{user}: {card.correct} of {card.answered} right ({card.accuracy:.0%}), streak {card.streak}, "
            f"best {card.best_streak}; {report.items_seen} question(s) seen, {report.mastered} mastered, "
            f"{report.due_now} due for review."
        )
        return _exit("OK")

    return _with_store("scores are", body)


def cmd_gaps(args: argparse.Namespace) -> int:
    exporting = getattr(args, "gaps_command", None) == "export"
    since = (getattr(args, "export_since", None) if exporting else None) or args.since
    if exporting and str(args.file) != "-" and args.file.exists() and not args.force:
        return _fail("USAGE", f"{args.file} exists (a reviewer may be labelling it); use --force to overwrite it")

    def body(run, store) -> int:
        report = run(store.gaps(since))
        if exporting:
            text = export_yaml(report, dt.datetime.now(dt.UTC).date())
            if str(args.file) == "-":
                sys.stdout.write(text)
            else:
                args.file.write_text(text, encoding="utf-8")
                print(f"wrote {len(report.entries)} unlabelled question(s) to {args.file}")
            return _exit("OK")
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
            return _exit("OK")
        print(f"Knowledge gaps, last {report.since_days} days (every server and workspace):")
        print("  " + "   ".join(f"{CATEGORY_NAMES[k]}: {v}" for k, v in report.counts.items()))
        if not report.entries:
            print("No question text kept (an admin opts in per server or workspace; see docs/storage.md).")
            return _exit("OK")
        print("Questions (redacted; only where an admin opted in), most frequent first:")
        for entry in report.entries:
            topics = f"  [{', '.join(entry.topics)}]" if entry.topics else ""
            print(f"  {entry.count:>3}×  {CATEGORY_NAMES[entry.category]:<16} {entry.text}{topics}")
        return _exit("OK")

    return _with_store("gaps are", body)


def export_yaml(report, today: dt.date) -> str:
    """The gaps as a labelled-questions file (content/questions/*.yaml) with every label left to a reviewer."""
    header = [
        f"# Unlabelled questions from `bloodpatch-bot gaps export` on {today.isoformat()} "
        f"(last {report.since_days} days): {len(report.entries)} question(s).",
        "# They are real questions (redacted) the bot could not answer well. To label one, set",
        "#   topic: a topic id (`bloodpatch-bot topics` lists them), or null",
        "#   kind:  search | red_flag | same_day | crisis | out_of_scope",
        "#          (crisis and out_of_scope take topic: null; red_flag takes red_flags or null)",
        "# The comment after each entry says how often it came and what the bot did; it is not a label.",
        "# Delete entries that are not questions, then move the file to content/questions/ and run",
        "# `bloodpatch-bot lint` and `bloodpatch-bot train`. While an entry is left as it is (kind: search",
        "# with topic: null), lint rejects the file, so unlabelled questions never train the router.",
    ]
    lines = [*header]
    if not report.entries:
        lines.append("[]")
    for entry in report.entries:
        guess = f"; topic answered or guessed: {', '.join(entry.topics)}" if entry.topics else ""
        lines.append(f"- q: {json.dumps(entry.text, ensure_ascii=False)}")
        lines.append(f"  topic: null  # {entry.count}x {entry.category}{guess}")
        lines.append("  kind: search")
    return "\n".join(lines) + "\n"


def cmd_stats(args: argparse.Namespace) -> int:
    def body(run, store) -> int:
        report = run(store.stats(args.since, min_people=args.min_people))
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
            return _exit("OK")
        period = f"last {args.since} days" if args.since else "all kept"
        print(f"Asks per topic ({period}):")
        for topic, kinds in sorted(report.asks.items(), key=lambda kv: -sum(kv[1].values())):
            detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            print(f"  {topic or '(no topic)'}: {sum(kinds.values())} ({detail})")
        if not report.asks:
            print("  none yet")
        print(f"Feedback per topic ({period}):")
        for topic, kinds in sorted(report.feedback.items()):
            print(
                f"  {topic or '(no topic)'}: " + ", ".join(f"{FEEDBACK_NAMES.get(k, k)} {v}" for k, v in kinds.items())
            )
        if not report.feedback:
            print("  none yet")
        print("Quiz accuracy per item (hardest first; ⚑ most people get it wrong the first time):")
        for item in report.items:
            first = f"{item.first_accuracy:.0%}" if item.first_accuracy is not None else "-"
            overall = f"{item.accuracy:.0%}" if item.accuracy is not None else "-"
            flag = "  ⚑" if item.hard else ""
            print(
                f"  {item.item_id:<42} {item.people:>4} people, {first:>4} right first time, "
                f"{overall:>4} of {item.answered} answers{flag}"
            )
        if not report.items:
            print("  no answers yet")
        return _exit("OK")

    return _with_store("stats are", body)


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.store import InvalidKey, parse_user

    try:
        user = parse_user(args.user.strip()).key
    except InvalidKey:
        return _fail("USAGE", f"{args.user!r} is not a user key; USER is {USER_HELP}")

    def body(run, store) -> int:
        deleted = run(store.forget(user))
        if deleted:
            print(f"Forgot {user}: {deleted} row(s) deleted (scores, quiz progress, leaderboard entry, kept text).")
        else:
            print(f"Nothing was kept about {user}.")
        return _exit("OK")

    return _with_store("the store is", body)


STATE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "quiz": cmd_quiz,
    "score": cmd_score,
    "gaps": cmd_gaps,
    "stats": cmd_stats,
    "forget": cmd_forget,
}
