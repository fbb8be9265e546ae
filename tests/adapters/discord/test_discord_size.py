"""Discord's size limit for one command: counted on the JSON discord.py really sends, kept by lint and sync.

The counts are checked three ways: `size.payload_size` on the payload, an independent walk over
every `name`/`description`/`value` in it, and what reached the stand-in Discord API on `sync`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot.__main__ import main
from bot.adapters.discord import DiscordSettings, create_client, size, sync_commands, sync_tree
from bot.adapters.discord.cog import FIXED_NAMES, FUTURE_NAMES, MAX_SUBCOMMANDS, BloodpatchGroup, CommandTooLarge
from bot.adapters.discord.size import COMMAND_SIZE_LIMIT, command_size, payload_size
from bot.core import TopicRef, load_library
from tests.conftest import run_cli

GUILD = 1100000000000000001
HEADROOM = 600  # room left for more options once every subcommand (quiz, score, leaderboard, stats, daily) is in
COMMANDS_PUT = r"/applications/\d+(/guilds/\d+)?/commands"


def counted(node: Any) -> int:
    """Every name, description and value anywhere in the payload (no localizations in ours)."""
    if isinstance(node, list):
        return sum(counted(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = sum(len(str(node[key])) for key in ("name", "description", "value") if key in node)
    return own + sum(counted(value) for key, value in node.items() if key in ("options", "choices"))


def synthetic(count: int, *, longest: bool = False) -> list[TopicRef]:
    """`count` made-up topics; `longest` gives each the longest name (32) and title (100) Discord allows."""
    if longest:
        return [TopicRef(f"t{n:02d}", f"{n:02d} " + "t" * 97, f"{n:02d}_" + "x" * 29) for n in range(count)]
    title = "A made-up topic number {} about the blood patch"
    return [TopicRef(f"topic_{n:02d}", title.format(n), f"topic_{n:02d}") for n in range(count)]


async def synced_payload(loopback: Any, discord_api: Any) -> dict[str, Any]:
    await sync_tree(loopback.client, GUILD)
    (put,) = discord_api.calls("PUT", COMMANDS_PUT)
    (sent,) = put.json
    return sent


# -- counting ----------------------------------------------------------------------------------


def test_payload_size_counts_names_descriptions_values_and_the_longest_localization():
    payload = {
        "name": "cmd",
        "name_localizations": {"fr": "commande", "de": "befehl"},  # the longest of the three counts: 8
        "description": "desc",
        "description_localizations": None,
        "type": 1,
        "contexts": [0, 1],
        "options": [
            {
                "name": "sub",
                "description": "x" * 10,
                "type": 1,
                "options": [
                    {
                        "name": "opt",
                        "description": "d",
                        "type": 3,
                        "max_length": 2000,  # limits are not text: they do not count
                        "choices": [{"name": "Yes", "value": "yes"}, {"name": "Num", "value": 42}],
                    }
                ],
            }
        ],
    }
    assert payload_size(payload) == 8 + 4 + (3 + 10) + (3 + 1) + (3 + 3) + (3 + 2)


def test_payload_size_never_undercounts_wide_characters():
    assert payload_size({"name": "n", "description": "é😀"}) == 1 + 3  # 😀 is two UTF-16 units


def test_size_line_and_over_limit_message():
    assert size.size_line("bloodpatch", 1428) == "Discord /bloodpatch: 1,428 of 4,000 characters"
    assert size.over_limit("bloodpatch", 4000) is None
    message = size.over_limit("bloodpatch", 4123)
    assert message.startswith("Discord /bloodpatch: 4,123 of 4,000 characters, over the limit by 123: ")
    assert "\n" not in message


def test_command_size_is_the_payload_discord_py_builds(library, discord_settings):
    client = create_client(library=library, settings=discord_settings)
    (group,) = client.tree.get_commands()
    payload = group.to_dict(client.tree)

    assert command_size(client.tree) == command_size(group, client.tree) == command_size(group)
    assert command_size(group) == payload_size(payload) == counted(payload)


# -- the real command, and 40 topics ----------------------------------------------------------------


@pytest.mark.loopback
async def test_real_command_fits_with_room_to_spare(loopback, discord_api, library):
    sent = await synced_payload(loopback, discord_api)

    assert payload_size(sent) == counted(sent) == command_size(loopback.client.tree)
    assert payload_size(sent) <= COMMAND_SIZE_LIMIT - HEADROOM
    names = [o["name"] for o in sent["options"]]
    assert {*FIXED_NAMES, *FUTURE_NAMES, "risks", "recovery"} <= set(names)  # the training subcommands are in
    assert len(names) <= MAX_SUBCOMMANDS
    topic_subcommands = [o for o in sent["options"] if o["name"] not in (*FIXED_NAMES, *FUTURE_NAMES)]
    assert all(not o["options"] for o in topic_subcommands)  # audience and sharing are buttons


@pytest.mark.loopback
@pytest.mark.parametrize("longest", [False, True], ids=["typical", "longest-names-and-titles"])
async def test_forty_topics_fit_with_room_to_spare(loopback, discord_api, library, longest):
    risks, recovery = library.topic_ref("risks"), library.topic_ref("recovery")
    topics = [*synthetic(40, longest=longest), recovery, risks]  # listed last, still given a subcommand
    client = loopback.client
    client.tree.remove_command("bloodpatch")
    client.tree.add_command(BloodpatchGroup(client.bloodpatch_cog, topics))

    sent = await synced_payload(loopback, discord_api)

    assert payload_size(sent) == counted(sent)
    assert payload_size(sent) <= COMMAND_SIZE_LIMIT - HEADROOM, payload_size(sent)
    names = [o["name"] for o in sent["options"]]
    assert len(names) == MAX_SUBCOMMANDS
    assert {"risks", "recovery"} <= set(names)
    answered = await loopback.command("risks")  # the rebuilt group is the one dispatched
    assert answered.data["embeds"][0]["title"] == risks.title


# -- refusing before Discord does --------------------------------------------------------------------


def _oversized_quiz() -> app_commands.Command[Any, ..., None]:
    """A subcommand big enough to push /bloodpatch over 4,000 characters (25 long choices)."""
    choices = [app_commands.Choice(name=f"{n:02d} " + "x" * 97, value=f"item-{n:02d}") for n in range(25)]

    @app_commands.command(name="quiz", description="q" * 100)
    @app_commands.choices(item=choices)
    async def quiz(interaction: Any, item: app_commands.Choice[str]) -> None:  # never run
        raise AssertionError

    return quiz


@pytest.mark.loopback
async def test_sync_refuses_an_oversized_command_before_sending_it(loopback, discord_api):
    (group,) = loopback.client.tree.get_commands()
    group.add_command(_oversized_quiz(), override=True)
    measured = command_size(loopback.client.tree)
    assert measured > COMMAND_SIZE_LIMIT

    with pytest.raises(CommandTooLarge) as refused:
        await sync_tree(loopback.client, GUILD)

    assert str(refused.value) == size.over_limit("bloodpatch", measured)
    assert discord_api.calls("PUT", COMMANDS_PUT) == []


def test_sync_cli_refuses_with_the_line_lint_prints(threaded_discord_api, monkeypatch, capsys):
    monkeypatch.setattr(size, "COMMAND_SIZE_LIMIT", 1000)  # a limit the real command is over

    status = sync_commands(GUILD, None)

    err = capsys.readouterr().err
    assert status == 1
    (line,) = [row for row in err.splitlines() if "Discord /bloodpatch" in row]
    assert "of 1,000 characters, over the limit by" in line and "Traceback" not in err
    assert threaded_discord_api.requests == []  # refused before logging in


# -- lint --------------------------------------------------------------------------------------------


def test_lint_shows_the_discord_count(content_copy: Path):
    result = run_cli("lint", str(content_copy))

    client = create_client(library=load_library(content_copy), settings=DiscordSettings())
    expected = f"Discord /bloodpatch: {command_size(client.tree):,} of 4,000 characters"
    # shown whether or not lint finds other errors (test_lint_of_real_content_is_clean wants none)
    assert any(row.startswith(expected) for row in result.stdout.splitlines()), (result.stdout, result.stderr)
    assert "Discord /bloodpatch" not in result.stderr


def test_lint_fails_with_one_clear_line_when_over(content_copy: Path, monkeypatch, capsys):
    monkeypatch.setattr(size, "COMMAND_SIZE_LIMIT", 1000)

    status = main(["lint", str(content_copy)])

    captured = capsys.readouterr()
    assert status == 1
    (line,) = [row for row in captured.err.splitlines() if "Discord /bloodpatch" in row]
    assert line.startswith("Discord /bloodpatch: ") and "of 1,000 characters, over the limit by" in line
    assert "Discord /bloodpatch" not in captured.out
