"""Red flags come before anything else; asking *about* a risk is not an emergency."""

from __future__ import annotations

import pytest
import yaml

from bot.core import Kind, Library, Triage
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
    "fever_with_back_pain": [
        "temperature 38.5 and sore back after the blood patch",
        "i have a lump on my back where they did the patch and fever",
    ],
    "leg_pain": ["i have shooting pain down my leg since the patch", "electric shocks down my left leg since the EBP"],
    "headache_worse_lying": ["headache is worse lying flat and in the morning"],
    "coughing_blood": ["I'm coughing up blood tonight, had my caesarean on monday"],
    "breathless_clot_signs": ["out of nowhere I'm breathless, and my left calf is swollen"],
    "sudden_headache": ["my headache went from nothing to the worst pain in seconds an hour ago"],
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


# --- gaps found by the clinical review (2026-11, section 2c) --------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "temperature 38.5 and sore back after the blood patch",
        "fever and back pain since my patch yesterday",
        "i had a blood patch 2 days ago and now i have a fever and my back really hurts",
        "my back is killing me and ive got a temp, patch was on tuesday",
        "38.2 temperature and pain in my lower back after the blood patch",
        "hot and cold sweats and backache since the patch",
        "got a high temperature and the patch site is really sore",
        "feverish with a sore spine since my spinal for the c section",
        "i have a lump on my back where they did the patch and fever",
        "theres a lump where the needle went in and i have a fever",
        "she has a temperature and a swelling where the spinal went in",
        "post EBP site erythematous, warm, fluctuant, pt febrile 38.5",
    ],
)
def test_fever_with_back_pain_or_a_lump_at_the_site_is_an_emergency(library: Library, message: str) -> None:
    """The classic picture of an epidural abscess, in everyday and clinical words."""
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG, message
    assert answer.red_flags, "a named rule, not only the learned detector"


@pytest.mark.parametrize(
    "message",
    [
        "i have shooting pain down my leg since the patch",
        "shooting pains down both legs since the epidural",
        "sharp pain going down my right leg since the blood patch",
        "pain shooting into my bum and down my leg after the spinal",
        "sciatica since the blood patch yesterday",
        "since the patch i have a terrible pain in my left leg",
        "burning pain down my leg after the lumbar puncture",
        "new leg pain since my blood patch",
    ],
)
def test_shooting_or_new_leg_pain_after_a_needle_in_the_back_is_an_emergency(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG, message
    assert "leg_pain" in answer.red_flags


@pytest.mark.parametrize(
    "message",
    [
        "i havent been able to wee since my patch this morning",
        "havent passed urine since the patch",
        "i havent peed since the patch",
        "haven't had a wee since the epidural yesterday",
        "no urine since the blood patch this morning",
        "bladder feels full but i cant go since the patch",
    ],
)
def test_not_being_able_to_pass_urine_is_an_emergency(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG, message
    assert "cauda_equina" in answer.red_flags


@pytest.mark.parametrize(
    "message",
    [
        "headache is worse lying flat and in the morning",
        "my headache is worse when i lie down",
        "headache worst first thing in the morning since the patch",
        "lying down makes the headache worse now",
    ],
)
def test_a_headache_worse_lying_down_or_on_waking_is_an_emergency(library: Library, message: str) -> None:
    assert "headache_worse_lying" in library.answer(message).red_flags, message


@pytest.mark.parametrize(
    "message",
    [
        "should i go to a&e, fever and stiff neck after my epidural",
        "should i go to a&e? i have a fever and my back hurts after the patch",
        "should i go to a&e, i cant feel my legs after the patch",
        "should i call 999? fever and a stiff neck since the spinal",
        "should i go to hospital, my headache doesnt ease lying down anymore",
    ],
)
def test_asking_whether_to_go_with_symptoms_listed_is_an_emergency(library: Library, message: str) -> None:
    """ "Should I go?" only asks about a symptom when it comes with an "if"; listed symptoms are present."""
    assert library.answer(message).kind is Kind.RED_FLAG, message


@pytest.mark.parametrize(
    "message",
    [
        # asking about the symptom in general
        "can a blood patch cause an infection or fever?",
        "what should I do if I get a fever after the patch",
        "what are the signs of an infection after a blood patch, like fever or back pain",
        "is shooting pain down the leg a known risk of a blood patch",
        "can the patch cause leg pain",
        "is a spinal headache worse lying down?",
        "is a spinal headache worse lying down or standing up?",
        "should i go to a&e if my headache gets worse?",
        "should I call someone if I get a fever after the patch",
        "can i have the patch if i have a temperature",
        "will they still do the patch if i have a fever",
        "do I need to wee before the blood patch",
        # history, or over
        "i had back pain and a fever years ago, can i still have an epidural",
        "I had a shooting pain down my leg during the injection but it went away straight away",
        # the usual spinal headache, and everyday words
        "my headache is better lying down and worse sitting up",
        "the headache is worse when I sit up and better lying down",
        "my temperature was normal and my back is only a bit sore",
        "temperature was fine this morning, back a bit sore after the patch",
        "bit of back ache after the patch, no fever, is that normal",
        "i work as a temp, can i take time off after the patch",
        "what temperature should I keep the room for the baby",
        "my legs ache a bit from lying in bed so much",
    ],
)
def test_calm_counterparts_of_the_new_rules_stay_calm(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.RED_FLAG, message


@pytest.mark.parametrize(
    "message",
    [
        "my headache suddenly got better",
        "the patch suddenly made me feel better",
        "my headache suddenly stopped after the patch",
        "suddenly my head felt clear after the patch",
        "I suddenly get the headache when I sit up, it goes when I lie down",
        "the headache comes on suddenly when I stand up",
    ],
)
def test_suddenly_alone_is_not_a_thunderclap(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.RED_FLAG, message


@pytest.mark.parametrize(
    "message",
    [
        "suddenly the worst headache of my life, like being hit with a bat",
        "severe headache came on suddenly an hour ago, nothing like before",
        "all of a sudden an explosive pain in my head",
    ],
)
def test_sudden_and_severe_is_still_a_thunderclap(library: Library, message: str) -> None:
    assert "worst_headache" in library.answer(message).red_flags, message


@pytest.mark.parametrize(
    "message",
    [
        "new diplopia on lateral gaze, postpartum PDPH day 5. can this wait for clinic?",
        "everything doubles when i look to the side, spinal headache day 7",
        "my eye has turned inward since the lumbar puncture",
        "PDPH day 6, headache has now lost its postural component and is constant",
        "i need to pee but nothing comes out, had a blood patch today",
        "pain travelling down into my foot since the patch",
        "head pounds more when i lie flat, opposite of before",
    ],
)
def test_clinical_and_everyday_words_for_the_same_signs(library: Library, message: str) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG and answer.red_flags, message


@pytest.mark.parametrize(
    "message",
    [
        "worse standing, better lying down, is that a spinal headache",
        "non-postural headache post ADP, what's the ddx",
        "what is diplopia and why does it happen with a spinal headache",
    ],
)
def test_the_usual_pattern_and_teaching_questions_stay_calm(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.RED_FLAG, message


def test_a_typo_is_corrected_to_the_english_word_first(library: Library) -> None:
    """ "stif" is "stiff" (not the German "steif"), "fevre" is "fever"."""
    answer = library.answer("had epidurel 3 days ago now fevre and my neck is realy stif")
    assert answer.kind is Kind.RED_FLAG and "fever_with_headache" in answer.red_flags


# --- one source of truth for triage wording (safety.yaml `advice`) ---------------------------

SAFETY = yaml.safe_load((CONTENT / "safety.yaml").read_text())

# Messages for each advice entry: triage must give them the entry's tier, so what topics say
# about a symptom ("if you have X, get help now / contact your team today") is what the bot does.
ADVICE_EXAMPLES = {
    "seizure_or_drowsy": ["my wife just had a seizure after her epidural", "she fainted twice today after the spinal"],
    "confusion_or_one_side": ["she seems confused and her speech is slurred", "my left arm is weak and numb"],
    "double_vision": ["seeing double since last night", "my eye has turned inward since the lumbar puncture"],
    "fever_with_headache": ["fever and a stiff neck since the blood patch", "temperature of 38.5 and a bad headache"],
    "rash_with_headache": ["purple rash that doesnt fade and a headache since the LP"],
    "headache_not_eased_lying": [
        "my headache doesnt get better lying down anymore",
        "my headache is worse when i lie down",
    ],
    "sudden_severe_headache": ["worst headache of my life came on suddenly"],
    "headache_high_blood_pressure": ["gave birth 5 days ago, bad headache and my blood pressure is 165/110"],
    "breathing_or_chest_pain": [
        "cant breathe properly and my chest hurts after the patch",
        "bringing up blood when I cough, 5 days after the birth",
    ],
    "back_pain_after_patch": ["severe back pain since the patch", "shooting pain down my leg since the patch"],
    "back_infection": [
        "fever and back pain since my patch yesterday",
        "lump on my back where they did the patch and a fever",
    ],
    "leg_weakness_or_bladder": ["my legs are weak and numb since the patch", "havent passed urine since the patch"],
    "headache_lasting": ["my headache has lasted 10 days now", "headache came back 2 days after my patch"],
    "vomiting_or_cant_cope": [
        "i keep vomiting with this spinal headache",
        "i can't look after my baby with this headache",
    ],
    "fever_alone": ["fever of 38 after the patch", "running a temperature after the lumbar puncture"],
    "hearing_or_light": ["my ears feel muffled since the spinal", "ringing in my ears since the epidural"],
    "calf_pain": ["my calf is swollen and sore after bed rest with the headache"],
    "lump_at_site": ["there's a lump on my back where they did the patch"],
}
_TIER_OF = {Triage.EMERGENCY: "emergency", Triage.SAME_DAY: "same_day"}


def test_every_advice_entry_has_examples_and_an_action_for_its_tier() -> None:
    assert set(ADVICE_EXAMPLES) == set(SAFETY["advice"])
    assert {entry["tier"] for entry in SAFETY["advice"].values()} <= set(SAFETY["actions"])


@pytest.mark.parametrize(("advice_id", "message"), [(a, m) for a, ms in ADVICE_EXAMPLES.items() for m in ms])
def test_triage_does_what_the_advice_says(library: Library, advice_id: str, message: str) -> None:
    answer = library.answer(message)
    assert _TIER_OF.get(answer.triage) == SAFETY["advice"][advice_id]["tier"], (advice_id, message, answer.triage)


def test_urgent_list_and_same_day_notice_use_the_advice_words() -> None:
    urgent = SAFETY["urgent_care"]["text"]
    same_day = SAFETY["same_day"]["text"]
    for advice_id, entry in SAFETY["advice"].items():
        where = urgent if entry["tier"] == "emergency" else same_day
        assert f"• {entry['symptoms']}\n" in f"{where}\n", advice_id
    assert SAFETY["actions"]["emergency"].rstrip(".").lower() in urgent.lower()


def test_an_advice_placeholder_becomes_the_action_and_its_symptoms() -> None:
    from bot.core.loader import advice_sentence, load_content

    safety = load_content(CONTENT, questions=False).safety
    text = advice_sentence(safety, "back_pain_after_patch, leg_weakness_or_bladder") or ""
    first, *bullets = text.strip().split("\n")
    assert first.endswith("go to the nearest emergency department.")
    assert bullets == [f"- {safety.advice[i].symptoms}" for i in ("back_pain_after_patch", "leg_weakness_or_bladder")]
    assert "today." in (advice_sentence(safety, "fever_alone") or "")
    assert advice_sentence(safety, "no_such_advice") is None
    assert advice_sentence(safety, "fever_alone,back_infection") is None  # one action per list


# --- the urgent message, disclaimer and out-of-scope reply (review section 2a) ---------------


def test_urgent_list_covers_every_symptom_group_its_rules_fire_on() -> None:
    urgent = SAFETY["urgent_care"]["text"].lower()
    for words in ("trouble breathing", "chest pain", "rash", "fever", "back pain", "peeing", "leg", "double vision"):
        assert words in urgent, words
    for line in (
        "don't drive yourself",
        "if someone is fitting or can't be woken, call an ambulance",
        "tell them you recently had an epidural, a spinal, a lumbar puncture or a blood patch",
        "your local emergency number",
    ):
        assert line in urgent, line


def test_patient_urgent_answer_says_what_to_do(library: Library) -> None:
    urgent = library.answer("fever and back pain since my patch yesterday").urgent or ""
    assert "local emergency number" in urgent and "Don't drive yourself" in urgent
    assert "fitting or can't be woken, call an ambulance" in urgent
    assert "epidural, a spinal, a lumbar puncture or a blood patch" in urgent


def test_disclaimer_says_the_bot_cannot_examine_and_practice_varies(library: Library) -> None:
    assert len(SAFETY["disclaimer"]) <= 300
    disclaimer = library.answer("does a blood patch hurt?").disclaimer
    assert SAFETY["disclaimer"] in disclaimer
    assert "can't examine or diagnose you" in disclaimer and "practice varies" in disclaimer
    assert "local emergency number" in disclaimer


def test_out_of_scope_reply_has_a_safety_net(library: Library) -> None:
    answer = library.answer("how do I patch a bike tyre")
    assert answer.kind is Kind.OUT_OF_SCOPE
    assert "worried about symptoms" in (answer.message or "") and "emergency" in (answer.message or "")


# --- safety review 2: a clot in the lung, leg weakness and a thunderclap in everyday words ------


@pytest.mark.parametrize(
    "message",
    [
        # a clot in the lung: coughing up blood, sudden breathlessness, breathless with a sore calf
        "there was blood in what I coughed up this morning, been in bed for days with the headache",
        "streaks of blood in my phlegm since yesterday, 10 days after the c section",
        "all of a sudden I can't get enough air, gave birth on saturday",
        "I'm winded just sitting on the bed and my heart is going really fast",
        "calf has been hot and puffy since the weekend and now I'm out of breath",
        "it hurts to breathe in and my chest is sore on the right, 4 days after the spinal",
        # sudden leg weakness hours after the needle
        "hours after the epidural was stopped my right leg is still floppy",
        "my legs keep buckling under me since the blood patch this morning",
        "I'm not able to lift my leg off the bed, the spinal was at 8 this morning",
        "legs won't take my weight since the patch, I had to crawl to the loo",
        "lost all the strength in my left leg since the patch",
        # a thunderclap headache in everyday words
        "felt like I'd been whacked on the head with a hammer, it came from nowhere",
        "my head suddenly exploded while I was on the toilet",
        "there was a loud bang in my head and the worst headache came on straight away",
        "I've never felt a headache like this, it hit me in a second",
        "the headache started in an instant while I was straining, never felt anything like it",
    ],
)
def test_everyday_words_for_a_clot_leg_weakness_or_a_thunderclap_are_emergencies(
    library: Library, message: str
) -> None:
    answer = library.answer(message)
    assert answer.kind is Kind.RED_FLAG, (message, answer.kind, answer.red_flags)
    assert answer.red_flags, message  # a named rule, not only the learned detector


@pytest.mark.parametrize(
    "message",
    [
        "what are the signs of a blood clot in the lungs after having a baby?",
        "can being in bed for a week with the headache give you a clot?",
        "does coughing hard affect a blood patch?",
        "I had a clot on my lung in 2018, can I still have a patch?",
        "how soon after a spinal for a caesarean can you move your legs?",
        "my legs were numb for an hour after the patch but that wore off before I went home",
        "can the blood patch cause weakness in your legs?",
        "what does a thunderclap headache feel like?",
        "how is a thunderclap headache different from a spinal headache?",
        "the headache comes on within seconds of me standing up and eases lying down, is that the spinal kind?",
        "never had a headache like this before, it comes when I sit up and goes when I lie down",
        "is it ok to strain on the toilet after the blood patch?",
        "my head was sore this morning but it has gone now, when can I drive after the patch?",
    ],
)
def test_calm_counterparts_of_review_2_stay_calm(library: Library, message: str) -> None:
    assert library.answer(message).kind is not Kind.RED_FLAG, message


def test_a_sore_calf_alone_is_same_day_but_with_breathlessness_is_an_emergency(library: Library) -> None:
    assert library.answer("my calf is sore and a bit swollen since lying in bed").triage is Triage.SAME_DAY
    answer = library.answer("my calf is sore and a bit swollen, and now I'm suddenly breathless")
    assert answer.kind is Kind.RED_FLAG and "breathless_clot_signs" in answer.red_flags


def test_the_clinician_card_names_a_clot_in_the_lung(library: Library) -> None:
    urgent = library.answer("post LSCS day 3, new haemoptysis and breathless", "clinician").urgent or ""
    assert "pulmonary embolism" in urgent
