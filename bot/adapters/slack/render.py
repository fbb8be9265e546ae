"""Answer -> Block Kit: pure functions, no I/O, every Slack limit enforced here.

Slack rejects a whole message when one block breaks a limit, so nothing leaves
this module unchecked: texts are clipped (never inside an `&amp;` entity),
block and element counts are capped, and every piece of user text is escaped
so `<!channel>`, `<!here>` or `<@U123>` typed by a user is shown, never acted on.
Core text is plain text with at most `**bold**`; it is escaped too.

Limits: https://docs.slack.dev/reference/block-kit/blocks
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.answer import AUDIENCES, Answer, Audience, Kind, SourceRef, TopicRef, Triage

# -- Block Kit limits ---------------------------------------------------------
MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
# Slack truncates `text` at 40 000 characters; notifications show far less.
MAX_FALLBACK_TEXT = 3000

# -- action ids (namespaced, stable: they are parsed back by the listeners) ---
ACTION_SHARE = "bloodpatch:share"
ACTION_AUDIENCE = "bloodpatch:audience"
ACTION_TOPIC_PREFIX = "bloodpatch:topic:"

MAX_LINK_URL = 1000
MAX_LINK_LABEL = 300
MAX_RELATED_BUTTONS = 3
MAX_HELP_BUTTONS = MAX_ACTIONS_ELEMENTS
MAX_SUGGESTION_BUTTONS = 5
MAX_CLOSEST_BUTTONS = 3  # out of scope: the core's three likeliest topics
MAX_QUESTION_SHOWN = 300

HELP_COMMAND = "`/bloodpatch help`"
_HELP_HINT = f"Try {HELP_COMMAND}, or ask in your own words: `/bloodpatch ask &lt;question&gt;`."  # mrkdwn
# NOT_FOUND answers about the message itself (empty, too long), not a bad topic name: no topic list.
INPUT_ERRORS = frozenset({"empty_question", "question_too_long"})

ELLIPSIS = "…"

# C0/C1 controls (but not tab/newline) and bidi overrides/isolates: they can
# disguise echoed text, and Slack has no use for them.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
# The core's replies say "type help" (right in a DM); in a channel only the slash command works.
_TYPE_HELP = re.compile(r"\btype help\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A message body for chat.postMessage, a response_url post or a slash command's ack."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    # The answer this message shows (None for help, sources, notices): counted for stats after sending.
    answer: Answer | None = field(default=None, repr=False, compare=False)
    # Encoded ack bodies by response_type: a kept (cached) message is encoded once, not per request.
    _json: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    def ack_json(self, response_type: str) -> str:
        """The message as a slash command's ack body (JSON), encoded once per response_type."""
        encoded = self._json.get(response_type)
        if encoded is None:
            encoded = self._json[response_type] = json.dumps({"response_type": response_type, **self.as_kwargs()})
        return encoded


@dataclass(frozen=True, slots=True)
class ButtonState:
    """What a button needs to rebuild an answer: a topic and an audience.

    Kept in the button `value`, so clicks work after a restart and need no store.
    """

    topic: str
    audience: Audience

    def encode(self) -> str:
        return json.dumps({"t": self.topic, "a": self.audience}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str | None) -> ButtonState | None:
        """Parse a button value; None for anything malformed (it came over the wire)."""
        try:
            data = json.loads(value or "")
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        topic, audience = data.get("t"), data.get("a")
        if not isinstance(topic, str) or not topic or len(topic) > 64 or audience not in AUDIENCES:
            return None
        return cls(topic=topic, audience=audience)


# -- text helpers ---------------------------------------------------------------


def escape(text: str) -> str:
    """Escape mrkdwn control characters (`&`, `<`, `>`) and drop invisible controls."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten escaped text to at most `limit` characters, ending in an ellipsis.

    Never cuts through an entity such as `&amp;` (Slack would show the stub).
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0)]
    cut = _ENTITY_TAIL.sub("", cut)
    return cut.rstrip() + ELLIPSIS


def mrkdwn(text: str) -> str:
    """Core text (plain, at most `**bold**`) as escaped Slack mrkdwn."""
    return _BOLD.sub(r"*\1*", escape(text))


def plain(text: str, limit: int) -> str:
    """Text for a plain_text object: no escaping needed, controls dropped, clipped, never empty."""
    text = _INVISIBLE.sub("", text).strip()
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text or "-"


def _link(url: str, label: str) -> str:
    """`<url|label>` with both parts safe inside the angle brackets."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    safe_label = clip(escape(label).replace("|", "¦"), MAX_LINK_LABEL)
    if len(safe_url) > MAX_LINK_URL:  # no link is better than a rejected message
        return safe_label
    return f"<{safe_url}|{safe_label}>"


# -- block builders ---------------------------------------------------------------


def _join_lines(lines: Sequence[str], limit: int) -> str:
    """Whole lines joined while they fit in `limit`, then "…and N more" (a line is never cut)."""
    kept: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        # Room to say what was left out, unless this is the last line.
        reserve = 0 if n == len(lines) - 1 else len(f"\n…and {len(lines)} more")
        if size + len(line) + reserve > limit:
            kept.append(f"…and {len(lines) - n} more")
            break
        kept.append(line)
        size += len(line) + 1
    return clip("\n".join(kept), limit)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT) or "-"}}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, MAX_HEADER_TEXT)}}


def _context(parts: Iterable[str]) -> dict[str, Any]:
    texts = [p for p in parts if p]
    if len(texts) > MAX_CONTEXT_ELEMENTS:
        head = texts[: MAX_CONTEXT_ELEMENTS - 1]
        tail = _join_lines(texts[MAX_CONTEXT_ELEMENTS - 1 :], MAX_CONTEXT_TEXT)
        texts = [*head, tail]
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(t, MAX_CONTEXT_TEXT)} for t in texts],
    }


def _button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    if len(action_id) > MAX_ACTION_ID or len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button {action_id[:40]!r} exceeds Slack's action_id/value limits")
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if primary:
        button["style"] = "primary"
    return button


def _topic_button(topic: TopicRef, audience: Audience) -> dict[str, Any]:
    return _button(
        topic.title,
        ACTION_TOPIC_PREFIX + topic.id,
        ButtonState(topic.id, audience).encode(),
    )


def _topic_buttons(topics: Iterable[TopicRef], audience: Audience, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` topic buttons, one per topic (a repeated action_id would get the message rejected)."""
    seen: set[str] = set()
    buttons = []
    for topic in topics:
        if len(buttons) == limit:
            break
        if topic.id in seen:
            continue
        seen.add(topic.id)
        buttons.append(_topic_button(topic, audience))
    return buttons


def _actions(elements: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One or more actions blocks (at most 25 elements each); none for no elements."""
    return [
        {"type": "actions", "elements": list(elements[i : i + MAX_ACTIONS_ELEMENTS])}
        for i in range(0, len(elements), MAX_ACTIONS_ELEMENTS)
    ]


def _fit(head: list[dict], body: list[dict], tail: list[dict], limit: int) -> list[dict[str, Any]]:
    """Join head + body + tail within `limit` blocks, dropping body blocks from the end."""
    room = limit - len(head) - len(tail)
    if len(body) > room:
        keep = max(room - 1, 0)
        note = [_context([f"{len(body) - keep} more blocks not shown."])] if room >= 1 else []
        body = [*body[:keep], *note]
    return [*head, *body, *tail][:limit]


def _audience_label(audience: Audience) -> str:
    return "Clinician detail" if audience == "patient" else "Patient view"


def _other(audience: Audience) -> Audience:
    return "clinician" if audience == "patient" else "patient"


def _question_context(answer: Answer) -> list[dict[str, Any]]:
    question = " ".join(answer.question.split())
    if not question:
        return []
    return [_context([f"You asked: {clip(escape(question), MAX_QUESTION_SHOWN)}"])]


def _source_line(number: int, source: SourceRef) -> str:
    details = ", ".join(escape(p) for p in (source.publisher, source.year) if p)
    return f"[{number}] {_link(source.url, source.title)}" + (f" ({details})" if details else "")


def _bold_first_line(text: str) -> str:
    """Core text with its first line in `**bold**` (unless it already has bold in it)."""
    first, _, rest = text.strip().partition("\n")
    if "**" not in first and first.strip():
        first = f"**{first.strip()}**"
    return f"{first}\n{rest.strip()}".strip()


def _is_same_day(answer: Answer) -> bool:
    """An ordinary answer whose `message` is a "contact your team today" notice."""
    return answer.triage is Triage.SAME_DAY and not answer.is_urgent and bool((answer.message or "").strip())


def _message_section(answer: Answer) -> dict[str, Any]:
    """The answer's `message`; a same-day notice is marked as advice (warning sign, first line bold)."""
    text = (answer.message or "").strip()
    if _is_same_day(answer):
        return _section(f":warning: {mrkdwn(_bold_first_line(text))}")
    return _section(mrkdwn(text))


def _urgent_section(answer: Answer) -> dict[str, Any]:
    """The urgent text: a siren for red flags; crisis support is calm (its title is already above it)."""
    mark = "" if answer.kind is Kind.CRISIS else ":rotating_light: "
    return _section(mark + mrkdwn(answer.urgent or ""))


def _point_to_help(text: str) -> str:
    """The core's "type help" as `/bloodpatch help`, which works in channels, threads and DMs."""
    return _TYPE_HELP.sub(f"type {HELP_COMMAND}", text)


def _disclaimer(answer: Answer) -> dict[str, Any]:
    parts = [mrkdwn(answer.disclaimer)]
    if answer.reviewed is not None:
        parts.append(f"Reviewed {answer.reviewed.isoformat()}")
    return _context(parts)


def _topic_list(topics: Sequence[TopicRef], heading: str) -> str:
    lines = [f"`{escape(t.command)}` {escape(t.title)}" for t in topics]
    return _join_lines([heading, *lines], MAX_SECTION_TEXT)


# -- renderers ----------------------------------------------------------------------


def to_message(answer: Answer, *, shareable: bool = False, show_question: bool = False) -> SlackMessage:
    """Render an Answer as Block Kit plus a plain `text` fallback.

    Args:
        answer: what the core returned.
        shareable: add "Share in channel" (only for ephemeral replies that have a response_url).
        show_question: echo the (escaped) question, for replies where it is not visible already.
    """
    if answer.kind in (Kind.TOPIC, Kind.SEARCH, Kind.RED_FLAG, Kind.CRISIS):
        blocks = _answer_blocks(answer, shareable=shareable, show_question=show_question)
    elif answer.kind is Kind.CLARIFY:
        blocks = _clarify_blocks(answer, show_question=show_question)
    elif answer.kind in (Kind.OUT_OF_SCOPE, Kind.NOT_FOUND):
        blocks = _miss_blocks(answer, show_question=show_question)
    elif answer.kind is Kind.SMALL_TALK:
        blocks = _small_talk_blocks(answer)
    else:  # a new Kind must get a rendering before it can reach users
        raise ValueError(f"Slack renderer has no rendering for answer kind {answer.kind!r}")
    return SlackMessage(text=_fallback(answer), blocks=blocks, answer=answer)


def _answer_blocks(answer: Answer, *, shareable: bool, show_question: bool) -> list[dict[str, Any]]:
    """Topic, search, red-flag and crisis answers.

    Order: the title (for urgent answers "Get urgent medical help now" and the like), the
    urgent text, the question, the `message` (a same-day notice, or the reply in the
    asker's language), then the snippets.  Head blocks are never dropped for length.
    Urgent answers get no buttons: nothing invites sharing or browsing away.
    """
    head: list[dict[str, Any]] = []
    if answer.title:
        head.append(_header(answer.title))
    if answer.urgent:
        head.append(_urgent_section(answer))
    # a topic's "question" is just its name; a crisis message is never repeated back
    if show_question and answer.kind not in (Kind.TOPIC, Kind.CRISIS):
        head.extend(_question_context(answer))
    if answer.message and answer.message.strip():
        head.append(_message_section(answer))

    body = [_section(f"{mrkdwn(s.text)} _[{answer.citation_number(s)}]_") for s in answer.snippets]

    tail: list[dict[str, Any]] = []
    sources = answer.sources()
    if sources:
        tail.append(_context(_source_line(n, s) for n, s in enumerate(sources, start=1)))
    tail.append(_disclaimer(answer))
    if not answer.is_urgent and answer.topic:
        buttons = []
        if shareable:
            state = ButtonState(answer.topic, answer.audience)
            buttons.append(_button("Share in channel", ACTION_SHARE, state.encode(), primary=True))
        other = ButtonState(answer.topic, _other(answer.audience))
        buttons.append(_button(_audience_label(answer.audience), ACTION_AUDIENCE, other.encode()))
        related = [t for t in answer.related if t.id != answer.topic]
        buttons.extend(_topic_buttons(related, answer.audience, MAX_RELATED_BUTTONS))
        tail.extend(_actions(buttons))
        from bot.adapters.slack.quiz_render import feedback_elements  # it builds on this module

        tail.extend(_actions(feedback_elements(answer)))  # Helpful / Not helpful / Not what I asked
    return _fit(head, body, tail, MAX_MESSAGE_BLOCKS)


def _clarify_blocks(answer: Answer, *, show_question: bool) -> list[dict[str, Any]]:
    """ "Did you mean…": the core's short question, then one button per suggested topic (same audience)."""
    head: list[dict[str, Any]] = []
    if answer.title:
        head.append(_header(answer.title))
    if show_question:
        head.extend(_question_context(answer))
    head.append(_section(mrkdwn(answer.message.strip()) if answer.message else "*Did you mean:*"))
    head.extend(_actions(_topic_buttons(answer.suggestions, answer.audience, MAX_SUGGESTION_BUTTONS)))
    return _fit(head, [], [_disclaimer(answer)], MAX_MESSAGE_BLOCKS)


def _small_talk_blocks(answer: Answer) -> list[dict[str, Any]]:
    """ "hi", "thanks", "bye": the short title and the friendly reply; no question, list or buttons."""
    head = [_header(answer.title)] if answer.title.strip() else []
    body = [_section(mrkdwn(_point_to_help(answer.message or "").strip()) or "-")]
    return _fit(head, body, [_disclaimer(answer)], MAX_MESSAGE_BLOCKS)


def _miss_blocks(answer: Answer, *, show_question: bool) -> list[dict[str, Any]]:
    """Out of scope, not found, and messages the core cannot use (empty, too long).

    - out of scope: the message, then the closest topics as buttons (at most three)
      and a pointer to `/bloodpatch help`; never the full list;
    - a bad topic name: "Did you mean" buttons, then every valid topic;
    - an empty or over-long message: just the core's reply.
    """
    head: list[dict[str, Any]] = []
    if answer.title:
        head.append(_header(answer.title))
    if answer.urgent:
        head.append(_urgent_section(answer))
    if show_question:
        head.extend(_question_context(answer))
    message = _point_to_help(answer.message or "")
    body: list[dict[str, Any]] = []
    if message.strip():
        body.append(_section(mrkdwn(message)))
    if answer.kind is Kind.OUT_OF_SCOPE:
        body.extend(_actions(_topic_buttons(answer.suggestions, answer.audience, MAX_CLOSEST_BUTTONS)))
        if HELP_COMMAND not in message:
            body.append(_section(_HELP_HINT))
    elif answer.error not in INPUT_ERRORS:
        if answer.suggestions:
            body.append(_section("*Did you mean:*"))
            body.extend(_actions(_topic_buttons(answer.suggestions, answer.audience, MAX_SUGGESTION_BUTTONS)))
        if answer.topics:
            body.append(_section(_topic_list(answer.topics, "*Topics I can answer:*")))
        body.append(_section(_HELP_HINT))
    if not body:
        body.append(_section(_HELP_HINT))
    return _fit(head, body, [_disclaimer(answer)], MAX_MESSAGE_BLOCKS)


def _fallback(answer: Answer) -> str:
    """Plain `text` for notifications and screen readers (escaped: Slack parses it as mrkdwn)."""
    lines: list[str] = []
    if answer.title:
        lines.append(answer.title)
    if answer.urgent:
        lines.append(answer.urgent)
    if answer.message:
        lines.append(_point_to_help(answer.message))
    lines.extend(s.text for s in answer.snippets)
    if answer.suggestions and answer.kind is Kind.OUT_OF_SCOPE:
        closest = answer.suggestions[:MAX_CLOSEST_BUTTONS]
        lines.append("Closest topics: " + ", ".join(t.command for t in closest))
    elif answer.suggestions and answer.kind is not Kind.SMALL_TALK:
        lines.append("Did you mean: " + ", ".join(t.command for t in answer.suggestions))
    sources = answer.sources()
    if sources:
        lines.append("Sources: " + "; ".join(f"[{n}] {s.title}" for n, s in enumerate(sources, start=1)))
    lines.append(answer.disclaimer)
    text = "\n".join(line.replace("**", "") for line in lines if line)
    return clip(escape(text), MAX_FALLBACK_TEXT)


def to_help(topics: Sequence[TopicRef], disclaimer: str, *, audience: Audience = "patient") -> SlackMessage:
    """Usage plus every topic, with a button per topic."""
    usage = (
        "`/bloodpatch &lt;topic&gt;`  a topic by name, e.g. `/bloodpatch recovery`\n"
        "`/bloodpatch ask &lt;question&gt;`  a question in your own words\n"
        "`/bloodpatch sources`  where the answers come from\n"
        "Add `--clinician` for clinician detail, e.g. `/bloodpatch --clinician risks`.\n"
        "You can also mention me in a channel or send me a direct message."
    )
    head = [_header("Blood patch help"), _section(usage)]
    body = [_section(_topic_list(topics, "*Topics:*"))] if topics else []
    buttons = [_topic_button(t, audience) for t in topics[:MAX_HELP_BUTTONS]]
    tail = [*_actions(buttons), _context([mrkdwn(disclaimer)])]
    blocks = _fit(head, body, tail, MAX_MESSAGE_BLOCKS)
    text = "Blood patch help. Topics: " + ", ".join(t.command for t in topics)
    return SlackMessage(text=clip(escape(text), MAX_FALLBACK_TEXT), blocks=blocks)


def to_sources(sources: Sequence[SourceRef], disclaimer: str) -> SlackMessage:
    """Every citable source as links, packed into as few sections as fit."""
    lines = [_source_line(n, s) for n, s in enumerate(sources, start=1)]
    body: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > MAX_SECTION_TEXT:
            body.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        body.append(_section("\n".join(chunk)))
    if not body:
        body.append(_section("No sources are listed."))
    blocks = _fit([_header("Sources")], body, [_context([mrkdwn(disclaimer)])], MAX_MESSAGE_BLOCKS)
    text = f"{len(sources)} sources: " + "; ".join(s.title for s in sources)
    return SlackMessage(text=clip(escape(text), MAX_FALLBACK_TEXT), blocks=blocks)


def to_home_view(topics: Sequence[TopicRef], disclaimer: str) -> dict[str, Any]:
    """The App Home tab: one row per topic with a button that sends it to the Messages tab."""
    head = [
        _header("Epidural blood patch: answers with sources"),
        _section(
            "Pick a topic and I will send it to you in the *Messages* tab, or type a question there. "
            "In any channel, `/bloodpatch help` shows what I can do."
        ),
    ]
    body = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(f"*{escape(t.title)}*  `{escape(t.command)}`", 3000)},
            "accessory": _topic_button(t, "patient") | {"text": {"type": "plain_text", "text": "Open"}},
        }
        for t in topics
    ]
    blocks = _fit(head, body, [_context([mrkdwn(disclaimer)])], MAX_HOME_BLOCKS)
    return {"type": "home", "blocks": blocks}


ERROR_TEXT = "Sorry, something went wrong on my side. Please try again in a moment."
UNKNOWN_COMMAND_TEXT = f"Sorry, I only know the `/bloodpatch` command. Try {HELP_COMMAND} to see what I can do."
UNKNOWN_ACTION_TEXT = (
    f"Sorry, that button no longer works (I may have been updated since). Try {HELP_COMMAND} to start again."
)


def to_notice(text: str) -> SlackMessage:
    """A one-sentence message of ours (mrkdwn, already safe): errors, unknown commands and buttons."""
    return SlackMessage(text=text, blocks=[_section(text)])


def to_error() -> SlackMessage:
    """The one calm sentence a user sees for an unexpected error (details go to the log)."""
    return to_notice(ERROR_TEXT)
