"""Triage before topics: crisis support, emergency now, contact your team today, information."""

from __future__ import annotations

import pytest

from bot.core import Kind, Library, Triage


@pytest.mark.parametrize(
    "message",
    [
        "this headache is so bad i want to end it all",
        "honestly thinking about killing myself, nobody gets how bad this pain is",
        "I don't want to be here anymore",
        "quiero morirme, no aguanto más este dolor de cabeza",
        "ich will nicht mehr leben, die Kopfschmerzen hören nie auf",
        "I can't stop hurting myself when the headache peaks",
        "I don't see any way out of this pain except dying",
        "Si el parche no funciona me voy a quitar la vida",
    ],
)
def test_thoughts_of_self_harm_get_crisis_support_first(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.CRISIS and answer.triage is Triage.CRISIS
    assert answer.urgent and "116 123" in answer.urgent and "988" in answer.urgent
    assert "local emergency number" in answer.urgent
    assert answer.to_json()["kind"] == "crisis"


@pytest.mark.parametrize(
    "message",
    [
        "this headache is killing me, how long does it last",
        "dying for a coffee, does caffeine actually help the spinal headache",
        "is a blood patch ever fatal",
        "I'm not suicidal, just exhausted by this headache - what else can I try?",
        "can I take all my tablets as normal before the patch?",
    ],
)
def test_casual_words_about_death_are_not_a_crisis(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.CRISIS


def test_helplines_cover_the_default_countries(library: Library) -> None:
    urgent = library.answer("i want to kill myself").urgent or ""
    for country in ("UK", "IE", "US", "CA", "AU", "NZ"):
        assert f"• {country}:" in urgent


@pytest.mark.parametrize(
    ("message", "language", "title_word"),
    [
        ("tengo fiebre alta y el cuello rígido desde la epidural", "es", "urgente"),
        ("j'ai de la fièvre et la nuque raide depuis la péridurale", "fr", "urgente"),
        ("estou com febre e o pescoço rígido depois da raqui", "pt", "urgente"),
        ("seit der PDA habe ich hohes Fieber und einen steifen Nacken", "de", "dringend"),
    ],
)
def test_emergencies_in_other_languages_get_the_urgent_answer_in_that_language(
    library: Library, message: str, language: str, title_word: str
) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG
    assert answer.language == language
    assert title_word in answer.title.lower()
    assert answer.urgent and "999" in answer.urgent  # the English text follows the translation


@pytest.mark.parametrize(
    ("message", "language", "word"),
    [
        ("¿Qué es un parche hemático epidural y para qué sirve?", "es", "inglés"),
        ("Est-ce que le blood patch fait mal ?", "fr", "anglais"),
        ("Wie lange dauert ein Blutpatch und tut es weh?", "de", "englisch"),
    ],
)
def test_other_questions_in_other_languages_get_a_short_reply_in_that_language(
    library: Library, message: str, language: str, word: str
) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.OUT_OF_SCOPE
    assert answer.language == language and answer.to_json()["language"] == language
    assert answer.message and word in answer.message.lower()


def test_patient_emergency_answer_is_short_and_names_the_symptom(library: Library) -> None:
    answer = library.answer("my wife just had a seizure, she had an epidural on monday")
    urgent = answer.urgent or ""
    assert "seizure" in urgent.lower()
    assert "epidural, a spinal, a lumbar puncture or a blood patch" in urgent
    assert "drive yourself" in urgent and "local emergency number" in urgent
    assert len(urgent) < 600


def test_clinician_emergency_answer_is_an_escalation_card(library: Library) -> None:
    answer = library.answer("post LP pt now febrile 38.9 with neck stiffness and photophobia", "clinician")
    urgent = answer.urgent or ""
    assert answer.kind is Kind.RED_FLAG
    for condition in ("meningitis", "epidural abscess", "subdural haematoma", "venous sinus thrombosis", "PRES"):
        assert condition in urgent
    assert "999" not in urgent


@pytest.mark.parametrize(
    "message",
    [
        "had the blood patch 3 days ago and the headache came back today when I stand up",
        "my headache is still there after two weeks, lying down helps but it's not going away",
        "I can't look after my baby with this headache, it's only ok lying flat",
    ],
)
def test_same_day_tier_adds_contact_your_team_today(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is not Kind.RED_FLAG
    assert answer.triage is Triage.SAME_DAY and answer.to_json()["triage"] == "same_day"
    assert answer.message and "today" in answer.message


def test_an_ordinary_question_is_information(library: Library) -> None:
    answer = library.answer("how long do I need to lie flat after the patch?")
    assert answer.triage is Triage.INFO and answer.message is None
    assert answer.kind is Kind.SEARCH and answer.topic == "recovery"


@pytest.mark.parametrize(
    "message",
    [
        "I had epilepsy as a teenager but haven't had a seizure in over ten years - can I still have a patch?",
        "my legs felt numb for ten minutes after the patch but it wore off before I left",
        "I suddenly felt my headache lift while they were injecting, is that normal?",
        "honestly I can't see myself sitting up to feed with this head, is that what a spinal headache is like?",
    ],
)
def test_history_passed_symptoms_and_idioms_are_not_emergencies(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.RED_FLAG


def test_unsure_router_asks_did_you_mean_instead_of_guessing(library: Library) -> None:
    answer = library.answer("patch")
    assert answer.kind in (Kind.CLARIFY, Kind.SEARCH, Kind.TOPIC)
    unsure = [
        library.answer(q)
        for q in ("I have questions about my spinal", "what about the blood", "the needle thing", "is it worth it")
    ]
    clarified = [a for a in unsure if a.kind is Kind.CLARIFY]
    assert clarified, [a.kind for a in unsure]
    for answer in clarified:
        assert answer.topic is None and 2 <= len(answer.suggestions) <= 3
        assert answer.message and answer.to_json()["kind"] == "clarify"
        assert answer.to_json()["suggestions"] == [t.id for t in answer.suggestions]
