"""The text features the learned classifiers see, shared by training and answering.

Training (scikit-learn) and inference (plain numpy, see `linear.py`) call these same
functions, so a question is always turned into the same features both ways. Word
1–2-grams carry meaning; character 2–5-grams inside word boundaries carry typos,
word stems and other languages ("feverr", "fiebre", "Fieber" share "fie"/"ebr").
"""

from __future__ import annotations

import itertools

from bot.core.markup import strip_markup
from bot.core.text import words

CHAR_NGRAMS = (2, 5)


def tokens(text: str) -> list[str]:
    """Folded word tokens of a chat message, markup stripped."""
    return words(strip_markup(text))


def word_ngrams(text: str) -> list[str]:
    toks = tokens(text)
    return toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def char_ngrams(text: str) -> list[str]:
    """Like scikit-learn's `char_wb`: n-grams inside each space-padded word."""
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for token in tokens(text):
        padded = f" {token} "
        size = len(padded)
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


ANALYZERS = {"word": word_ngrams, "char": char_ngrams}
