"""Decide how urgent a message is before any topic is picked.

Three tiers and a crisis path, each an auditable rule (content/safety.yaml, with
examples `lint` checks) OR a learned detector for wordings no rule names:
crisis (self-harm) > emergency now > contact your team today > information. Recall
matters most for emergencies, so the detector needs only to be fairly sure; the rules
keep the calm questions with alarming words ("what if my legs go numb?") quiet, and
the detector's negatives include those questions too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.answer import Triage
from bot.core.linear import LinearModel
from bot.core.safety import RedFlagDetector
from bot.core.text import words

EMERGENCY_THRESHOLD = 0.70
# When a same-day rule names what the message describes ("headache for 10 days", "a sore calf")
# and no emergency rule fires, the detector must be very sure to overrule it: its words ("days",
# "headache", "fever") are shared with emergencies, and the same-day answer still says when to
# get help now.
SAME_DAY_EMERGENCY_THRESHOLD = 0.90
# The detectors judge sentences: with L2-normalised TF-IDF one or two words get all the weight
# ("and" alone scored as an emergency), so short messages are left to the rules.
MIN_WORDS_FOR_DETECTORS = 4
CRISIS_THRESHOLD = 0.60


@dataclass(frozen=True)
class TriageResult:
    tier: Triage
    rules: tuple[str, ...] = ()  # ids of the rules that fired for this tier
    labels: tuple[str, ...] = ()  # their plain-words labels, to name what triggered the answer
    by_model: bool = False  # the learned detector fired where no rule did


class Triager:
    def __init__(self, rules: RedFlagDetector, emergency: LinearModel | None, crisis: LinearModel | None) -> None:
        self._rules = rules
        self._emergency = emergency
        self._crisis = crisis

    @staticmethod
    def _positive(model: LinearModel | None, text: str) -> float:
        if model is None:
            return 0.0
        probs = model.probabilities(text)
        return probs.get("True", 0.0)

    def assess(self, text: str) -> TriageResult:
        """Rules first (auditable, named in the answer), then the detectors; crisis before emergency.

        One threshold for every language: measured leave-one-set-out, a lower one for other
        languages caught few more emergencies (the rules hold their vocabulary) and raised false
        alarms on calm messages; a missed one still gets the "English only" reply, which names
        the warning signs in the reader's language."""
        fired = self._rules.check(text)
        by_tier = {tier: [f for f in fired if f.tier == tier] for tier in ("crisis", "emergency", "same_day")}
        if by_tier["crisis"]:
            return self._result(Triage.CRISIS, by_tier["crisis"])
        if by_tier["emergency"]:
            return self._result(Triage.EMERGENCY, by_tier["emergency"])
        if len(words(text)) < MIN_WORDS_FOR_DETECTORS:
            return (
                self._result(Triage.SAME_DAY, by_tier["same_day"]) if by_tier["same_day"] else TriageResult(Triage.INFO)
            )
        crisis = self._positive(self._crisis, text)
        emergency = self._positive(self._emergency, text)
        if crisis >= CRISIS_THRESHOLD and crisis >= emergency:
            return TriageResult(Triage.CRISIS, by_model=True)
        if emergency >= (SAME_DAY_EMERGENCY_THRESHOLD if by_tier["same_day"] else EMERGENCY_THRESHOLD):
            return TriageResult(Triage.EMERGENCY, by_model=True)
        if crisis >= CRISIS_THRESHOLD:
            return TriageResult(Triage.CRISIS, by_model=True)
        if by_tier["same_day"]:
            return self._result(Triage.SAME_DAY, by_tier["same_day"])
        return TriageResult(Triage.INFO)

    @staticmethod
    def _result(tier: Triage, matches) -> TriageResult:
        return TriageResult(tier, tuple(m.rule_id for m in matches), tuple(dict.fromkeys(m.label for m in matches)))
