"""Redaction of question text before it is stored (only in scopes whose admin opted in).

Why so blunt: the text is kept to improve content, not to know who asked. Every number
(ages, dates, doses, phone numbers), email, link, @mention and platform mention goes, and so
do the words after "my name is", "call me", "I'm"/"I am" when they look like a name.
"""

from __future__ import annotations

import re

MAX_STORED_CHARS = 500

_PLATFORM_MENTION = re.compile(r"<(?:[@#!][^<>\s]{0,80}|@[!&]?\d+)>")  # <@U123|bob> <#C1|x> <!here> <@!123> <@&9>
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_AT_MENTION = re.compile(r"(?<![\w@])@[\w.-]+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*(?:st|nd|rd|th)?", re.IGNORECASE)
_NAME_WORD = r"[^\W\d_][\w'-]*"
_NAMED = re.compile(
    rf"\b(my name is|my name's|call me|this is|i'm|i am|im)\s+({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})", re.IGNORECASE
)
_STRONG_INTROS = {"my name is", "my name's", "call me"}
# Words after "I'm"/"I am"/"this is" that are not names (the text is lowercase-compared).
_NOT_NAMES = {
    "a",
    "an",
    "the",
    "not",
    "so",
    "very",
    "really",
    "still",
    "just",
    "having",
    "getting",
    "going",
    "worried",
    "scared",
    "pregnant",
    "in",
    "at",
    "on",
    "due",
    "breastfeeding",
    "about",
    "after",
    "sure",
}


def _name(match: re.Match[str]) -> str:
    intro, words = match.group(1), match.group(2).split()
    if intro.lower() in _STRONG_INTROS:
        return f"{intro} [name]"
    # "I'm Sarah", "this is Dr Jones": only capitalised words that are not ordinary words.
    kept: list[str] = []
    for word in words:
        if not word[0].isupper() or word.lower() in _NOT_NAMES:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    rest = words[len(kept) :]
    return " ".join([intro, "[name]", *rest])


def redact(text: str) -> str:
    """`text` with personal details replaced by [number], [email], [link], [mention], [phone], [name]."""
    out = _PLATFORM_MENTION.sub("[mention]", text)
    out = _EMAIL.sub("[email]", out)
    out = _LINK.sub("[link]", out)
    out = _AT_MENTION.sub("[mention]", out)
    out = _NAMED.sub(_name, out)
    out = _PHONE.sub("[phone]", out)
    out = _NUMBER.sub("[number]", out)
    out = " ".join(out.split())
    return out[:MAX_STORED_CHARS]
