"""Is this a real English word? Typo correction must leave real words alone.

Without this, "mess" would be corrected to "less" and "fewer" to "fever". The word
list (pyspellchecker's English frequencies) loads lazily: only a message with a word
outside our own vocabulary pays for it, once per process.
"""

from __future__ import annotations

from functools import cache

MIN_FREQUENCY = 50  # rarer entries in the list are mostly misspellings and fragments


@cache
def _frequencies() -> dict[str, int]:
    from spellchecker import SpellChecker

    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def is_english_word(word: str) -> bool:
    return _frequencies().get(word, 0) >= MIN_FREQUENCY
