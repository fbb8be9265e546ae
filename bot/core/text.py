"""Text normalisation shared by topic names, safety rules and the router, so they agree on what a word is."""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and invisible characters; keeps punctuation."""
    text = unicodedata.normalize("NFKD", text.translate(_ZERO_WIDTH).translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


_APOSTROPHE_S = re.compile(r"'s\b")


def words(text: str) -> list[str]:
    """Plain word tokens; apostrophes are dropped so "can't" and "cant" meet, and "'s" goes
    ("how big's the needle", "head's killing me") so it never glues onto a word."""
    return _WORD.findall(_APOSTROPHE_S.sub("", fold(text)).replace("'", ""))


def normalize(text: str) -> str:
    """Words joined by single spaces: the key used for ids, aliases and phrases."""
    return " ".join(words(text.replace("_", " ")))
