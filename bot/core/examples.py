"""A labelled message, as the router and triage learn from it."""

from __future__ import annotations

from dataclasses import dataclass

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    """One labelled message: `kind` is search, red_flag, same_day, crisis or out_of_scope."""

    text: str
    topic: str | None
    kind: str

    @property
    def router_label(self) -> str | None:
        """What the topic router should answer. Emergencies and crisis messages are triage's
        alone: the router's `red_flags` topic means calm questions *about* warning signs, so
        describing a symptom never pulls a question there."""
        if self.kind in ("crisis", "red_flag"):
            return None
        if self.kind == "out_of_scope":
            return OUT_OF_SCOPE
        return self.topic
