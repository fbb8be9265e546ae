"""The content core: load content, resolve topics, search, apply safety, build answers.

It imports no platform library; adapters call `load_library().answer(...)`.
"""

from bot.core.answer import AUDIENCES, Answer, AnswerSnippet, Audience, Kind, SourceRef, TopicRef, Triage
from bot.core.library import MAX_QUESTION_CHARS, Library, load_library
from bot.core.loader import ContentError, ContentInvalid, default_content_dir, load_content

__all__ = [
    "AUDIENCES",
    "MAX_QUESTION_CHARS",
    "Answer",
    "AnswerSnippet",
    "Audience",
    "ContentError",
    "ContentInvalid",
    "Kind",
    "Library",
    "SourceRef",
    "TopicRef",
    "Triage",
    "default_content_dir",
    "load_content",
    "load_library",
]
