"""Views, settings, cooldown and subcommand planning, without a client."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.adapters.discord import DiscordSettings, SettingsError, views
from bot.adapters.discord.cog import (
    ALWAYS_SUBCOMMAND,
    FUTURE_NAMES,
    MAX_SUBCOMMANDS,
    RESERVED_NAMES,
    TOPIC_SLOTS,
    UserCooldown,
    plan_topic_commands,
)
from bot.core import Answer, AnswerSnippet, Kind, SourceRef, TopicRef, Triage

GOOD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.bG9vcGJhY2stdGVzdC10b2tlbi1ub3QtcmVhbA"
SOURCE = SourceRef("s", "Source", "Publisher", "2024", "https://example.org")


def ref(name: str, title: str = "") -> TopicRef:
    return TopicRef(id=name, title=title or name.title(), command=name)


def answer(kind: Kind = Kind.TOPIC, **overrides) -> Answer:
    fields = {
        "question": "q",
        "kind": kind,
        "audience": "patient",
        "title": "Title",
        "disclaimer": "d",
        "topic": "risks",
        "snippets": (AnswerSnippet("text", "patient", SOURCE, ""),),
        "related": (ref("recovery"), ref("faq_pain"), ref("repeat"), ref("overview")),
        "reviewed": dt.date(2026, 1, 1),
    }
    fields.update(overrides)
    return Answer(**fields)


def ids(view) -> list[str]:
    return [item.item.custom_id for item in view.children]


# -- views (discord.py's View needs a running loop, hence async) ----------------------------


async def test_private_topic_view_toggle_share_and_three_related():
    view = views.build_view(answer(), ephemeral=True)

    assert ids(view) == [
        "bloodpatch:aud:clinician:risks",
        "bloodpatch:share:patient:risks",
        "bloodpatch:topic:patient:recovery",
        "bloodpatch:topic:patient:faq_pain",
        "bloodpatch:topic:patient:repeat",
    ]
    assert view.timeout is None
    assert all(item.is_persistent() for item in view.children)


async def test_public_view_has_no_share_and_shared_view_disables_it():
    assert not any(i.startswith("bloodpatch:share:") for i in ids(views.build_view(answer(), ephemeral=False)))
    shared = views.build_view(answer(audience="clinician"), ephemeral=True, shared=True)
    share = next(item.item for item in shared.children if item.item.custom_id.startswith("bloodpatch:share:"))
    assert share.disabled and share.label == "Shared in channel"
    assert ids(shared)[0] == "bloodpatch:aud:patient:risks"


async def test_red_flag_and_out_of_scope_get_no_buttons():
    assert views.build_view(answer(Kind.RED_FLAG, urgent="Call 999"), ephemeral=True) is None
    assert views.build_view(answer(Kind.OUT_OF_SCOPE, topic=None, related=()), ephemeral=True) is None


async def test_not_found_offers_suggestions_as_buttons():
    view = views.build_view(
        answer(Kind.NOT_FOUND, topic=None, related=(), suggestions=(ref("risks", "R" * 200), ref("pain"))),
        ephemeral=True,
    )
    assert ids(view) == ["bloodpatch:topic:patient:risks", "bloodpatch:topic:patient:pain"]
    assert len(view.children[0].item.label) <= 80


async def test_custom_ids_match_their_templates():
    for item in views.build_view(answer(), ephemeral=True).children:
        match = type(item).__discord_ui_compiled_template__.fullmatch(item.item.custom_id)
        assert match and match["topic"] in {"risks", "recovery", "faq_pain", "repeat"}
        assert len(item.item.custom_id) <= views.CUSTOM_ID_MAX


async def test_same_day_answer_marks_its_audience_and_share_buttons():
    same_day = answer(Kind.SEARCH, triage=Triage.SAME_DAY, message="Call your team today.")
    view = views.build_view(same_day, ephemeral=True)

    assert ids(view)[:2] == ["bloodpatch:aud:clinician:risks:today", "bloodpatch:share:patient:risks:today"]
    assert not any(i.endswith(":today") for i in ids(view)[2:])
    for item in view.children[:2]:
        match = type(item).__discord_ui_compiled_template__.fullmatch(item.item.custom_id)
        assert match and match["topic"] == "risks" and match["same_day"] == "today"


async def test_longest_custom_id_fits_discord():
    longest = "t" * 64  # the longest topic id a template accepts
    view = views.build_view(
        answer(topic=longest, audience="clinician", triage=Triage.SAME_DAY, message="m"), ephemeral=True
    )
    assert max(len(i) for i in ids(view)) <= views.CUSTOM_ID_MAX


# -- cooldown and planning ------------------------------------------------------------------


def test_user_cooldown_is_per_user():
    cooldown = UserCooldown(uses=2, per=60)
    assert cooldown.hit(1)[1] is None
    assert cooldown.hit(1)[1] is None
    _, wait = cooldown.hit(1)
    assert wait is not None and 0 < wait <= 60
    assert cooldown.hit(2)[1] is None


def test_plan_skips_reserved_invalid_duplicate_and_overflowing_topics():
    topics = [ref("ask"), ref("quiz"), ref("Bad Name"), ref("risks"), ref("risks")] + [ref(f"t{n}") for n in range(30)]
    planned = [t.command for t in plan_topic_commands(topics)]
    assert planned[0] == "risks"
    assert "ask" not in planned and "quiz" not in planned and "Bad Name" not in planned
    assert len(planned) == TOPIC_SLOTS == MAX_SUBCOMMANDS - len(RESERVED_NAMES)
    assert planned[1:] == [f"t{n}" for n in range(TOPIC_SLOTS - 1)]  # content order: the first ones win


def test_plan_leaves_slots_for_the_subcommands_still_to_come():
    assert set(FUTURE_NAMES) == {"quiz", "score", "leaderboard", "stats", "daily"}
    planned = plan_topic_commands([ref(f"t{n}") for n in range(40)])
    assert len(planned) + len(RESERVED_NAMES) == MAX_SUBCOMMANDS


def test_plan_keeps_risks_and_recovery_wherever_they_are_listed():
    topics = [ref(f"t{n}") for n in range(40)] + [ref("recovery"), ref("risks")]
    planned = [t.command for t in plan_topic_commands(topics)]
    assert set(ALWAYS_SUBCOMMAND) <= set(planned)
    assert planned[-2:] == ["recovery", "risks"]  # still in content order
    assert len(planned) == TOPIC_SLOTS


# -- settings -------------------------------------------------------------------------------


def test_settings_defaults_and_env(tmp_path):
    assert DiscordSettings.from_env({}, use_dotenv=False) == DiscordSettings()
    settings = DiscordSettings.from_env(
        {"DISCORD_TOKEN": f" {GOOD_TOKEN} ", "DISCORD_COOLDOWN_USES": "3", "DISCORD_COOLDOWN_SECONDS": "2.5"},
        use_dotenv=False,
    )
    assert settings == DiscordSettings(token=GOOD_TOKEN, cooldown_uses=3, cooldown_seconds=2.5)
    assert settings.require_token() == GOOD_TOKEN


def test_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DISCORD_TOKEN=from-file\nDISCORD_COOLDOWN_USES=7\n", encoding="utf-8")
    settings = DiscordSettings.from_env({"DISCORD_TOKEN": "from-env"}, dotenv_path=dotenv)
    assert settings.token == "from-env"
    assert settings.cooldown_uses == 7


@pytest.mark.parametrize("value", ["0", "-1", "five"])
def test_bad_cooldown_is_a_settings_error(value):
    with pytest.raises(SettingsError, match="DISCORD_COOLDOWN_USES"):
        DiscordSettings.from_env({"DISCORD_COOLDOWN_USES": value}, use_dotenv=False)
