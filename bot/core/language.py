"""Tell English from other languages, cheaply for the common case.

Most messages are plainly English: when most of their words are English words we
answer at once. Only the rest pay for the language identifier (py3langid, whose model
ships inside the package and takes about a second to load, so it loads on first use).

Questions about our subject in other languages borrow English terms ("le blood patch",
"o blood patch dói?"): those terms are left out when the identifier is unsure, so a short
foreign question is not taken for English because of the words it borrowed.
"""

from __future__ import annotations

import re
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
        # short words that are not English, which the share test would otherwise count as English
        "de",
        "un",
        "une",
        "des",
        "du",
        "se",
        "al",
        "lo",
        "um",
        "em",
        "na",
        "ao",
        "dem",
        "den",
        "im",
        "zu",
        "ob",
        "ca",
        "gli",
        "ho",
        "si",
        "tu",
        "ou",
        "muy",
        "como",
        "pero",
        "despues",
        "apres",
        "depois",
        "nach",
        "dopo",
        "kann",
        "wie",
        "muito",
        "puedo",
        "tengo",
        "depuis",
        "desde",
        "combien",
        "quanto",
        "cuanto",
    ]
)
# Words of our subject in other languages ("parche hemático", "péridurale", "Lumbalpunktion"):
# like the function words, a sign the message may not be English, so the identifier decides.
_FOREIGN_SUBJECT_WORDS = frozenset(
    [
        "parche",
        "hematico",
        "sangre",
        "cabeza",
        "dolor",
        "duele",
        "doloroso",
        "dolorosa",
        "epidurale",
        "peridurale",
        "peridural",
        "raquidea",
        "raquianestesia",
        "puncion",
        "ponction",
        "lombaire",
        "puncao",
        "lombar",
        "lumbalpunktion",
        "kopfschmerzen",
        "kopfschmerz",
        "blutpatch",
        "spinalanasthesie",
        "rachianesthesie",
        "rachianestesia",
        "cephalee",
        "cefalea",
        "cefaleia",
        "tete",
        "cabeca",
        "testa",
        "douleur",
        "douloureux",
        "schmerzen",
        "schmerzhaft",
        "dolore",
        "puntura",
        "lombare",
        "sangue",
        "sang",
        "doi",
    ]
)
_FOREIGN_SIGNS = _FOREIGN_FUNCTION_WORDS | _FOREIGN_SUBJECT_WORDS
# English terms other languages borrow for our subject: left out when the identifier is unsure.
_BORROWED = re.compile(
    r"\b(blood ?patch(es)?|patch(es)?|blood|ebp|pdph|headaches?|spinal|epidural|ok)\b", re.IGNORECASE
)
# Letters (and marks) English rarely uses: with them, a short message is judged on its other words.
_FOREIGN_LETTER = re.compile(r"[à-öø-ÿßœ¿¡]", re.IGNORECASE)
RETRY_CONFIDENCE = 0.5  # the identifier on a message without its borrowed terms, with other signs it is foreign

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
    foreign = sum(1 for w in tokens if w in _FOREIGN_SIGNS)
    # Two words are enough to judge when both look foreign ("parche hemático").
    if len(tokens) < MIN_WORDS and not (len(tokens) == 2 and foreign == 2):
        return "en"
    if foreign < 2 and sum(1 for w in tokens if w in known) / len(tokens) >= ENGLISH_SHARE:
        return "en"
    english = sum(1 for w in tokens if (is_english_word(w) or len(w) <= 2) and w not in _FOREIGN_SIGNS)
    if foreign < 2 and english / len(tokens) >= ENGLISH_SHARE:
        return "en"
    identifier = _get_identifier()
    code, confidence = identifier.classify(text)
    if code != "en" and confidence >= MIN_CONFIDENCE:
        return code
    strong = foreign >= 2 or bool(_FOREIGN_LETTER.search(text))
    if not strong:
        return "en"
    # Unsure, with signs of another language: judge the words left once borrowed English terms go.
    rest = _BORROWED.sub(" ", text)
    if len(words(rest)) < 2:
        return "en"
    code, confidence = identifier.classify(rest)
    return code if code != "en" and confidence >= RETRY_CONFIDENCE else "en"
