"""Tell English from other languages, cheaply for the common case.

Most messages are plainly English: when most of their words are English words we
answer at once. Only the rest pay for the language identifier (py3langid, whose model
ships inside the package and takes about a second to load, so it loads on first use).
"""

from __future__ import annotations

import threading

from bot.core.english import is_english_word
from bot.core.text import words

ENGLISH_SHARE = 0.6  # at least this share of English words: English, no identifier needed
MIN_WORDS = 3  # "hola" or "ok" alone is too short to judge: treated as English
MIN_CONFIDENCE = 0.9
LANGUAGES = ("en", "es", "fr", "pt", "de", "it", "nl", "pl", "ro", "tr", "sv", "da", "no", "ca", "id")

# Function words of the languages we meet most that the English word list also holds
# ("que", "la", "de"): two of them send a message to the identifier even when most of its
# words look English. Only a gate: the identifier decides.
_FOREIGN_FUNCTION_WORDS = frozenset(
    [
        "que",
        "el",
        "la",
        "los",
        "las",
        "del",
        "y",
        "para",
        "por",
        "con",
        "una",
        "mi",
        "es",
        "est",
        "le",
        "les",
        "je",
        "et",
        "ce",
        "pas",
        "ne",
        "mon",
        "ma",
        "avec",
        "pour",
        "dans",
        "sur",
        "o",
        "os",
        "as",
        "do",
        "da",
        "dos",
        "das",
        "com",
        "uma",
        "eu",
        "meu",
        "minha",
        "nao",
        "e",
        "der",
        "die",
        "das",
        "und",
        "ich",
        "ist",
        "nicht",
        "mit",
        "seit",
        "ein",
        "eine",
        "mein",
        "meine",
        "habe",
        "il",
        "di",
        "che",
        "non",
        "sono",
        "per",
    ]
)

_identifier = None
_lock = threading.Lock()


def _get_identifier():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(LANGUAGES))
            _identifier = identifier
    return _identifier


def detect_language(text: str, known: frozenset[str] = frozenset()) -> str:
    """ISO 639-1 code of the message's language; "en" when English or unsure.

    `known` is our own (English) content vocabulary: a message made mostly of it is English
    without loading the English word list or the identifier.
    """
    tokens = [w for w in words(text) if not w.isdigit()]
    if len(tokens) < MIN_WORDS:
        return "en"
    foreign_function_words = sum(1 for w in tokens if w in _FOREIGN_FUNCTION_WORDS)
    if foreign_function_words < 2 and sum(1 for w in tokens if w in known) / len(tokens) >= ENGLISH_SHARE:
        return "en"
    english = sum(1 for w in tokens if (is_english_word(w) or len(w) <= 2) and w not in _FOREIGN_FUNCTION_WORDS)
    if foreign_function_words < 2 and english / len(tokens) >= ENGLISH_SHARE:
        return "en"
    code, confidence = _get_identifier().classify(text)
    return code if code != "en" and confidence >= MIN_CONFIDENCE else "en"
