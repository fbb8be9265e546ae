"""Strip chat markup before triage and routing, so "<@U123> *fever*" reads as "fever".

Slack and Discord wrap mentions, channels, links and emoji in angle brackets, and both
use Markdown-like emphasis. None of it carries meaning for the router, and an HTML
entity ("&gt;") or a URL full of letters would only add noise to the features.
"""

from __future__ import annotations

import html
import re

# Slack: <https://x|label>, <mailto:a@b|label>, <@U123|name>, <#C123|general>, <!channel>, <!subteam^S1|@team>
_SLACK_LABELLED = re.compile(r"<(?:https?://|mailto:|#|@|!subteam\^)[^<>|]*\|([^<>]*)>")
_SLACK_BARE = re.compile(r"<(?:[@#!][^<>]*|https?://[^<>]*|mailto:[^<>]*)>")
# Discord: <@123>, <@!123>, <@&123>, <#123>, <:name:123>, <a:name:123>, <t:1700000000:R>, </cmd:123>
_DISCORD_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?\d+|#\d+|t:\d+(?::\w)?|/[\w -]+:\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
_CODE_FENCE = re.compile(r"```(?:\w+\n)?")
_EMPHASIS = re.compile(r"(?<![\w*~`|])(\*\*|__|\*|_|~~|~|`|\|\|)(?=\S)(.+?)(?<=\S)\1(?![\w*~`|])")
_QUOTE_MARK = re.compile(r"^\s*(?:>|&gt;)+ ?", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")


def strip_markup(text: str) -> str:
    """Plain words from a chat message: mentions and links dropped or reduced to their label."""
    text = _SLACK_LABELLED.sub(r" \1 ", text)
    text = _SLACK_BARE.sub(" ", text)
    text = _DISCORD_EMOJI.sub(r" \1 ", text)
    text = _DISCORD_TOKEN.sub(" ", text)
    text = _QUOTE_MARK.sub("", text)
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _EVERYONE.sub(" ", text)
    text = _CODE_FENCE.sub(" ", text)
    for _ in range(2):  # nested emphasis: ***bold italic***
        text = _EMPHASIS.sub(r"\2", text)
    return _SPACES.sub(" ", text).strip()
