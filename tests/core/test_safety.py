"""Red flags come before anything else; asking *about* a risk is not an emergency."""

from __future__ import annotations

import pytest
import yaml

from bot.core import Kind, Library
from tests.conftest import CONTENT

# One or more messages per rule in content/safety.yaml (a test below checks none is missing).
EMERGENCIES = {
    "fever_with_headache": ["blood patch yesterday and now fever 39.2C with a pounding headache"],
    "infected_back": ["the spot where they did the patch is red and hot and oozing pus"],
    "severe_back_pain": ["running a high temperature and severe back pain since the patch"],
    "rash_with_headache": ["there's a purple rash on his legs and a terrible headache since the LP"],
    "seizure": ["my wife just had a seizure, she had an epidural on monday"],
    "weakness_or_numbness": [
        "my left leg is weak and numb since this morning",
        "one side of my face is drooping",
    ],
    "confusion": ["she seems confused and doesnt know where she is"],
    "vision_loss": ["i suddenly cant see properly out of my right eye", "seeing double since last night"],
    "headache_not_positional": ["my headache doesnt get better lying down anymore"],
    "headache_changed": ["headache after my spinal has changed, it feels different now"],
    "worst_headache": ["worst headache of my life came on suddenly"],
    "postpartum_preeclampsia": ["gave birth 5 days ago, bad headache and my blood pressure is high"],
    "cauda_equina": ["after the patch i cant control my bladder and im numb between my legs"],
    "unconscious": ["he fainted twice today after the lumbar puncture"],
    "breathing_or_chest": ["cant breathe properly and my chest is tight after the patch"],
    "clinical_signs": ["post-spinal pt now unrousable, GCS dropping"],
}


def test_every_emergency_rule_has_an_example() -> None:
    rules = yaml.safe_load((CONTENT / "safety.yaml").read_text())["red_flags"]["rules"]
    assert {r["id"] for r in rules if r.get("tier", "emergency") == "emergency"} == set(EMERGENCIES)


@pytest.mark.parametrize(("rule", "message"), [(r, m) for r, ms in EMERGENCIES.items() for m in ms])
def test_emergency_gets_urgent_answer_first(library: Library, rule: str, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG, message
    assert rule in answer.red_flags
    assert answer.topic == "red_flags"
    assert answer.urgent and "urgent" in answer.title.lower()
    assert answer.related == ()  # nothing to distract from getting help
    assert answer.snippets and all(s.source.url for s in answer.snippets)
    assert answer.disclaimer


def test_red_flag_beats_an_exact_topic_word_and_typos(library: Library) -> None:
    assert library.answer("recovery: had a siezure this morning").kind is Kind.RED_FLAG
    assert library.answer("feaver and a stiff neck after my epidurel").kind is Kind.RED_FLAG
    assert library.answer("HAVING A SEIZURE").kind is Kind.RED_FLAG


def test_red_flag_works_in_either_audience(library: Library) -> None:
    answer = library.answer("new leg weakness 6h after EBP", audience="clinician")
    assert answer.kind is Kind.RED_FLAG
    assert {s.audience for s in answer.snippets} == {"clinician"}


@pytest.mark.parametrize(
    "question",
    [
        "can the patch cause infection?",
        "what are the warning signs of meningitis after a blood patch",
        "what if i get a fever and a headache after the patch",
        "how common is a seizure after an epidural blood patch",
        "i have no fever and no stiff neck, just the usual spinal headache",
        "does the headache get better when you lie down",
    ],
)
def test_asking_about_a_risk_is_not_an_emergency(library: Library, question: str) -> None:
    answer = library.answer(question)
    assert answer.kind is not Kind.RED_FLAG, question
    assert answer.topic is not None


def test_describing_now_beats_the_question_form(library: Library) -> None:
    assert library.answer("is it normal that i have a fever and a stiff neck right now?").kind is Kind.RED_FLAG


@pytest.mark.parametrize(
    "message",
    [
        "stif nekc and feverr after my epidural",
        "numbnes in my legz after the blood patch",
        "my left arm is weeak and numb",
    ],
)
def test_typos_in_symptoms_still_raise_the_flag(library: Library, message: str) -> None:
    assert library.answer(message).kind is Kind.RED_FLAG


def test_real_words_are_not_corrected_into_symptoms(library: Library) -> None:
    """ "fewer" is one letter from "fever", but it is a word: no false alarm."""
    assert library.answer("i get fewer headaches now after the patch").kind is not Kind.RED_FLAG
    assert library.answer("feel fine, no fevr, just a sore back").kind is not Kind.RED_FLAG


@pytest.mark.parametrize(
    "message",
    [
        "crushing chest pain and short of breath RIGHT NOW, had a blood patch this morning",
        "lips swelling up and struggling to breathe, started right after the patch",
    ],
)
def test_general_emergencies_are_urgent_too(library: Library, message: str) -> None:
    assert library.answer(message).kind is Kind.RED_FLAG


@pytest.mark.parametrize(
    "question",
    [
        "I had a seizure years ago, fine now - can I still have a patch?",
        "had some leg tingling for a day after the patch, gone now. is that a known side effect?",
    ],
)
def test_symptoms_in_the_past_are_history_not_an_emergency(library: Library, question: str) -> None:
    assert library.answer(question).kind is not Kind.RED_FLAG


@pytest.mark.parametrize(
    "message",
    [
        "theres a big hard lump growing where they did the patch and my legs are getting weaker",
        "my back after the blood patch is very swollen and I have fever and chills now",
    ],
)
def test_signs_of_a_collection_at_the_site(library: Library, message: str) -> None:
    assert library.answer(message).kind is Kind.RED_FLAG


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("she seems confused and doesnt know where she is", True),
        ("i feel confused and sleepy since the epidural", True),
        ("im confused about when to take my meds before the patch", False),
        ("they explained it and now im more confused, is it like an epidural?", False),
        ("lying flat makes zero difference now and its way worse", True),
        ("my partner's lips look a bit blue and she's breathing really fast", True),
    ],
)
def test_colloquial_wording(library: Library, message: str, urgent: bool) -> None:
    assert (library.answer(message).kind is Kind.RED_FLAG) is urgent


@pytest.mark.parametrize(
    "question",
    ["i had a seizure as a child, can i still get a blood patch", "I had a seizure last year, can I have the patch"],
)
def test_history_is_not_an_emergency(library: Library, question: str) -> None:
    assert library.answer(question).kind is not Kind.RED_FLAG


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ("New focal deficit in a post-spinal pt - L arm drift. Stroke call or anaesthetic review first?", True),
        ("one pupil looks bigger than the other and I see double since the epidural", True),
        ("Teaching question: how do you tell PDPH apart from a pre-eclampsia headache postpartum?", False),
        ("Nurses, which symptoms after a blood patch need urgent review - back pain, leg weakness?", False),
    ],
)
def test_clinicians_describing_a_patient_and_teaching_questions(library: Library, message: str, urgent: bool) -> None:
    assert (library.answer(message).kind is Kind.RED_FLAG) is urgent
