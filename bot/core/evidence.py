"""Every figure a snippet or quiz item states must be in the evidence table under the source it cites.

The table (`content/evidence/*.yaml`) is what a clinical reviewer checks against the papers; this
module checks the content against the table, so a figure never reaches users without a source row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from bot.core.loader import Content, ContentError
from bot.core.yamlio import load_located

FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def figures(text: str) -> list[str]:
    """The numbers in a text as written ("52.1", "1,000", "16"): each needs a source row."""
    return FIGURE.findall(text)


def figures_by_source(content: Content) -> dict[str, set[str]]:
    table: dict[str, set[str]] = defaultdict(set)
    for located in content.evidence:
        table[located.item.source].update(located.item.figures)
    return table


def _cited_texts(content: Content) -> Iterator[tuple[ContentError, str, str]]:
    """(where, source id, text) for every snippet and quiz item; `where` is an error template."""
    for topic in content.topics:
        path = content.root / "topics" / f"{topic.id}.yaml"
        doc = load_located(path)
        for index, snippet in enumerate(topic.snippets):
            where = ContentError(path, doc.line_of(("snippets", index, "text")), f"snippets[{index}].text", "")
            yield where, snippet.source, snippet.text
    for located in content.quiz:
        item = located.item
        text = " ".join([item.stem, *item.options, item.explanation])
        yield ContentError(located.path, located.line, item.id, ""), item.source, text


def unsupported_figures(content: Content) -> list[ContentError]:
    """One error per figure that the evidence table does not hold under the cited source."""
    table = figures_by_source(content)
    errors: list[ContentError] = []
    for where, source, text in _cited_texts(content):
        missing = [f for f in dict.fromkeys(figures(text)) if f not in table.get(source, ())]
        if missing:
            message = f"figure(s) {', '.join(missing)} not in content/evidence under source {source!r}"
            errors.append(ContentError(where.path, where.line, where.field, message))
    return errors
