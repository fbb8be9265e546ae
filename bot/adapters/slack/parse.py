"""What a user typed -> what they asked for. Pure; shared by /bloodpatch, mentions and DMs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.answer import Audience

# Only input longer than any Slack message (40 000 characters) is cut before the core: the core
# answers a question over its own limit (2000 characters) with "Message too long", which needs
# the real length, so anything Slack can deliver reaches it whole.
MAX_INPUT_CHARS = 40_000

_CLINICIAN_FLAGS = frozenset({"--clinician", "-c"})
_PATIENT_FLAGS = frozenset({"--patient", "-p"})


class Intent(StrEnum):
    HELP = "help"
    SOURCES = "sources"
    ASK = "ask"  # free text, answered by search (red flags checked first)
    TOPIC = "topic"  # an explicit topic name
    AUTO = "auto"  # a topic name or a question: the core decides


@dataclass(frozen=True, slots=True)
class Request:
    intent: Intent
    text: str = ""
    audience: Audience = "patient"


def parse_text(text: str) -> Request:
    """Parse `/bloodpatch` text (or a mention/DM with the mention removed).

    `help`, `topics` and `sources` count only as the whole text, so "help my head hurts"
    stays a question. `--clinician` may appear anywhere, `clinician` only first.
    A bare `ask` is an empty question (the core asks for one); a bare `topic` gets help,
    which lists every topic.
    """
    words = text[:MAX_INPUT_CHARS].split()
    audience: Audience = "patient"
    kept: list[str] = []
    for i, word in enumerate(words):
        low = word.casefold()
        if low in _CLINICIAN_FLAGS or (i == 0 and low == "clinician"):
            audience = "clinician"
        elif low in _PATIENT_FLAGS:
            audience = "patient"
        else:
            kept.append(word)
    if not kept:
        return Request(Intent.HELP, audience=audience)
    head, rest = kept[0].casefold(), " ".join(kept[1:])
    if len(kept) == 1 and head == "ask":
        return Request(Intent.ASK, "", audience)
    if len(kept) == 1 and head in {"help", "?", "topics", "list", "topic"}:
        return Request(Intent.HELP, audience=audience)
    if len(kept) == 1 and head in {"sources", "references"}:
        return Request(Intent.SOURCES, audience=audience)
    if head in {"ask", "topic"} and rest:
        return Request(Intent(head), rest, audience)
    return Request(Intent.AUTO, " ".join(kept), audience)


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """Remove mentions of the bot itself (`<@UBOT>`), leaving any other text as typed."""
    if not bot_user_id:  # unknown: an app_mention starts with the bot's mention
        return re.sub(r"^\s*" + _MENTION.pattern, "", text).strip()
    return _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()
