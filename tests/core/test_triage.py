"""Triage before topics: crisis support, emergency now, contact your team today, information."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core import Kind, Library, Triage
from bot.core.router import Route


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
        for q in (
            "I have questions about my spinal",
            "what about the blood",
            "the needle thing",
            "question about the patch",
        )
    ]
    clarified = [a for a in unsure if a.kind is Kind.CLARIFY]
    assert clarified, [a.kind for a in unsure]
    for answer in clarified:
        assert answer.topic is None and 2 <= len(answer.suggestions) <= 3
        assert answer.message and answer.to_json()["kind"] == "clarify"
        assert answer.to_json()["suggestions"] == [t.id for t in answer.suggestions]


# --- the same-day tier, from the clinical review (2026-11, section 2a) -----------------------


@pytest.mark.parametrize(
    "message",
    [
        # a fever alone after a needle in the back
        "fever of 38 after the patch",
        "i feel feverish since my blood patch",
        "running a temperature after the lumbar puncture",
        "got a temp since the patch yesterday",
        "fever after epidural blood patch",
        # calf pain or swelling: a possible clot after days in bed
        "my calf is swollen and sore after bed rest with the headache",
        "left calf is red and hot since the blood patch",
        "painful calf, been in bed 5 days with the spinal headache",
        "i think i have a dvt, calf is tender",
        # repeated vomiting, or can't eat or drink
        "i keep vomiting and cant keep anything down with this headache",
        "been sick 6 times today with the spinal headache",
        "cant keep water down with the headache",
        "too sick to eat or drink with this headache",
        "not eating or drinking because of the headache",
        # a headache lasting about a week or more, getting worse, or back after a patch
        "my headache has lasted 10 days now",
        "its been three weeks and the headache is still there",
        "spinal headache getting worse every day",
        "my headache has been going on for over a week",
        "had the patch 4 days ago and the headache is back",
        # a change in hearing, light that hurts
        "my ears feel muffled since the spinal",
        "i hear a whooshing in my ears and headache after epidural",
        "ringing in my ears since the epidural",
        "tinnitus since my epidural",
        "the light hurts my eyes since the spinal",
        # a lump at the site, no fever
        "there's a lump on my back where they did the patch",
    ],
)
def test_same_day_symptoms_get_contact_your_team_today_not_the_emergency_answer(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is not Kind.RED_FLAG, message
    assert answer.triage is Triage.SAME_DAY, (message, answer.kind, answer.triage)
    assert answer.message and "today" in answer.message


@pytest.mark.parametrize(
    "message",
    [
        "can you get a blood clot from bed rest",
        "how do I avoid a DVT while lying flat",
        "had a DVT in 2015, can I still have a blood patch",
        "is vomiting common with a spinal headache",
        "felt a bit sick once after the patch but fine now",
        "can I eat before the patch",
        "can a spinal headache cause ringing in the ears?",
        "does the patch fix muffled hearing",
        "had tinnitus years ago, fine now, can I still have the patch",
        "can a blood patch cause a fever?",
        "the midwife checked my temperature and it was normal, just the headache when I sit up",
        "my temp is normal today, 36.8",
        "is a lump normal after a blood patch?",
        "what if i get a lump where they did the patch",
        "my headache is getting worse when i sit up",
        "two weeks postpartum, can i still get a blood patch",
        "bad headache when i stand up after my epidural, what is this",
    ],
)
def test_asking_about_same_day_symptoms_is_information(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.triage is Triage.INFO, (message, answer.triage)


def test_the_same_day_notice_lists_the_review_items(library: Library) -> None:
    notice = library.answer("my headache has lasted 10 days now").message or ""
    for words in (
        "more than about a week",
        "comes back after a blood patch",
        "looking after yourself or your baby",
        "repeated vomiting",
        "hearing",
        "fever or chills after your procedure",
        "calf",
        "get urgent help now instead",
    ):
        assert words in notice, words


# --- safety review 2: indirect thoughts of suicide, same-day wording, other languages ----------


@pytest.mark.parametrize(
    "message",
    [
        "how many of these sleeping pills would it take so I never wake up",
        "what's a fatal amount of paracetamol, I've had enough",
        "is there an amount of co-codamol that would stop my heart",
        "I just want to let go, I'm so tired of everything",
        "I want to go to sleep and not wake up for good",
        "my kids would be better off if I wasn't here anymore",
        "there's no reason to go on living like this",
        "I've had enough of life with this pain",
        "I can't cope anymore and it all feels hopeless",
        "I feel like such a burden to my family",
        "tengo ganas de morirme con este dolor",
    ],
)
def test_indirect_thoughts_of_suicide_and_lethal_doses_get_crisis_support(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.CRISIS, (message, answer.kind)


@pytest.mark.parametrize(
    "message",
    [
        "what is the highest dose of paracetamol I can take in a day for the headache",
        "how much ibuprofen can I take with the paracetamol",
        "I'm done with this headache, how long will it last?",
        "I can't take this anymore, the headache is awful, what else can they try?",
        "I've had enough of lying flat, when can I sit up after the patch?",
        "is there any point in having a second patch if the first one failed?",
        "letting go of my birth plan was hard, now I've got this headache",
        "can you overdose on caffeine tablets?",
    ],
)
def test_dosing_questions_and_frustration_are_not_a_crisis(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.CRISIS, message


@pytest.mark.parametrize(
    "message",
    [
        # a long headache and nothing else
        "this headache has gone on for 9 days now since the lumbar puncture",
        "day 11 of the spinal headache and nothing has changed",
        "the spinal headache is dragging on, it's the tenth day today",
        # a low fever with the headache gone
        "temperature of 37.9 since the patch but the headache has gone",
        "a bit feverish since the epidural, the headache went after the patch",
        # repeated vomiting, a sore calf
        "sick over and over today with this headache",
        "my calf aches since all the bed rest",
    ],
)
def test_same_day_messages_are_not_emergencies(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is not Kind.RED_FLAG, (message, answer.red_flags)
    assert answer.triage is Triage.SAME_DAY, (message, answer.triage)


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("hace diez días que tengo dolor de cabeza por la epidural", "es"),
        ("j'ai mal à la tête depuis neuf jours après ma péridurale", "fr"),
        ("faz dez dias que tenho dor de cabeça depois da epidural", "pt"),
        ("seit zehn Tagen habe ich Kopfschmerzen nach der Lumbalpunktion", "de"),
        ("ho mal di testa da nove giorni dopo l'epidurale", "it"),
        ("tengo fiebre desde la epidural", "es"),
    ],
)
def test_same_day_messages_in_other_languages_get_the_same_day_notice(
    library: Library, message: str, language: str
) -> None:
    answer = library.answer(message)
    assert answer.kind is not Kind.RED_FLAG, message
    assert answer.triage is Triage.SAME_DAY and answer.language == language, (message, answer.triage, answer.language)
    assert answer.message and "today" in answer.message
    translation = SAFETY_TRANSLATIONS[language]
    assert answer.message.startswith(translation)  # the reader's language first


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Comment se passe un blood patch et combien de temps ça dure ?", "fr"),
        ("c'est quoi exactement un blood patch ?", "fr"),
        ("¿el parche hemático duele?", "es"),
        ("el blood patch es seguro para el bebé", "es"),
        ("é normal precisar de dois blood patch?", "pt"),
        ("Cos'è un blood patch epidurale?", "it"),
        ("parche hemático", "es"),
        ("Kann man nach dem blood patch stillen?", "de"),
    ],
)
def test_on_subject_questions_with_borrowed_english_words_get_the_reply_in_their_language(
    library: Library, message: str, language: str
) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.OUT_OF_SCOPE and answer.language == language, (message, answer.kind, answer.language)
    assert answer.message and answer.message.startswith(SAFETY_TRANSLATIONS[language])


@pytest.mark.parametrize(
    "message",
    [
        "can I have a café latte after the blood patch?",
        "my name is José, will the blood patch hurt?",
        "um so do I need to stay in bed after the patch",
        "I had my epidural at the Hôpital Necker, do they do blood patches there?",
        "blood patch",
    ],
)
def test_english_with_a_foreign_word_stays_english(library: Library, message: str) -> None:
    assert library.answer(message).language is None, message


def _translations() -> dict[str, str]:
    import yaml

    from tests.conftest import CONTENT

    safety = yaml.safe_load((CONTENT / "safety.yaml").read_text())
    return {code: t["english_only"].split(".")[0] for code, t in safety["urgent_care"]["translations"].items()}


SAFETY_TRANSLATIONS = _translations()


class _EverythingOutOfScope:
    """A router that refuses every message: what triage tells the reader must not depend on the router."""

    def route(self, text: str) -> Route:
        return Route("out_of_scope", None, 0.9, (("symptoms", 0.05), ("recovery", 0.03), ("risks", 0.02)))


def test_a_same_day_message_keeps_its_notice_when_the_router_says_out_of_scope(library: Library) -> None:
    message = "my calf is sore and swollen"
    assert library.answer(message).triage is Triage.SAME_DAY
    refusing = Library(library._state.content)
    refusing._state = dataclasses.replace(refusing._state, router=_EverythingOutOfScope())
    answer = refusing.answer(message)
    assert answer.kind is Kind.OUT_OF_SCOPE and answer.triage is Triage.SAME_DAY
    assert library.same_day_notice() in (answer.message or "")
    calm = refusing.answer("what is the capital of France")
    assert calm.triage is Triage.INFO and library.same_day_notice() not in (calm.message or "")
