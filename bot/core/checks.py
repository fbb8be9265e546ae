"""Content checks that need the compiled rules or the trained model, run by `lint`.

Loading validates shapes; these check behaviour: every safety rule still catches the
messages it must catch and leaves alone the ones it must not, and the saved router
was trained on the labelled questions content/ holds now.
"""

from __future__ import annotations

from bot.core.loader import Content, ContentError
from bot.core.modelstore import model_path, stale_reason
from bot.core.safety import RedFlagDetector
from bot.core.vocabulary import known_words
from bot.core.yamlio import load_located


def rule_detector(content: Content) -> RedFlagDetector:
    """The same detector the library builds (same vocabulary for typo correction)."""
    return RedFlagDetector(content.safety.red_flags, known_words(content.topics))


def rule_example_errors(content: Content) -> list[ContentError]:
    """Each rule's `must_fire` examples fire it; its `must_not_fire` examples do not."""
    path = content.root / "safety.yaml"
    doc = load_located(path)
    detector = rule_detector(content)
    errors: list[ContentError] = []
    for index, rule in enumerate(content.safety.red_flags.rules):
        for key, expected in (("must_fire", True), ("must_not_fire", False)):
            for e_index, example in enumerate(getattr(rule, key)):
                fired = {m.rule_id for m in detector.check(example)}
                if (rule.id in fired) != expected:
                    loc = ("red_flags", "rules", index, key, e_index)
                    verb = "does not fire" if expected else "fires"
                    errors.append(
                        ContentError(
                            path,
                            doc.line_of(loc),
                            f"red_flags.rules[{index}].{key}[{e_index}]",
                            f"rule {rule.id!r} {verb} on {example!r}",
                        )
                    )
    return errors


def model_errors(content: Content) -> list[ContentError]:
    reason = stale_reason(content.root, content.topics)
    return [ContentError(model_path(content.root), 1, "", reason)] if reason else []
