"""The `/bloodpatch` slash command group, its buttons, cooldown and error reporting.

The cog is thin: it parses what Discord sends, asks the core `Library` and sends
what `render` produced.  Topic subcommands are built from `library.topics` when the
client is built, so a topic added to `content/` needs no code change here.

The shape keeps the command small (Discord caps a command's total size, see `size`):

    /bloodpatch ask question [audience] [public]   free text
    /bloodpatch topic name [audience] [public]     every topic, by autocomplete (ids, aliases, typos)
    /bloodpatch sources [public] | help [public]
    /bloodpatch quiz | score | leaderboard | stats | daily   training (quiz_commands, quiz_cog)
    /bloodpatch <topic>                            the first topics of content/index.yaml, no options

A topic subcommand has no options: it answers privately in the patient view, and the
buttons under the answer switch to "Clinician detail" and "Share in channel".  Options
repeated on every topic cost ~150 characters each, which is what filled the command.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import quiz_commands, render, size, views
from bot.core.answer import Answer, Kind, TopicRef, Triage
from bot.core.library import MAX_QUESTION_CHARS
from bot.core.requestlog import log_request, pseudonym

if TYPE_CHECKING:
    from bot.adapters.discord.settings import DiscordSettings
    from bot.core import Library

log = logging.getLogger(__name__)

GROUP_NAME = "bloodpatch"
SLASH_NAME = re.compile(r"[-_a-z0-9]{1,32}")  # stricter than Discord (which allows any lowercase letter)
GROUP_DESCRIPTION = "Sourced answers about the epidural blood patch and spinal headache (PDPH)"
FIXED_NAMES = ("ask", "topic", "sources", "help")
# Training subcommands (quiz_commands.py). Their slots were kept free before they existed, so adding
# them took no subcommand away from a topic people already used; the name is kept for that history.
FUTURE_NAMES = quiz_commands.NAMES
RESERVED_NAMES = FIXED_NAMES + FUTURE_NAMES
MAX_SUBCOMMANDS = 25  # Discord's limit per group
TOPIC_SLOTS = MAX_SUBCOMMANDS - len(RESERVED_NAMES)
# Topics that keep their own subcommand wherever they sit in content/index.yaml (people use them).
ALWAYS_SUBCOMMAND = ("risks", "recovery")
QUESTION_MAX = MAX_QUESTION_CHARS  # what the core accepts; Discord allows up to 6,000 in a string option
DESCRIPTION_MAX = 100
CHOICE_NAME_MAX = 100

AudienceOption = Literal["patient", "clinician"]
AUDIENCE_HELP = "Who the answer is written for (default: patient)"
PUBLIC_HELP = "Show the answer to the whole channel (default: only you see it)"

ERROR_TEXT = "Sorry, something went wrong on our side. Please try again in a moment."
COOLDOWN_TEXT = "You're going a little fast. Please try again in {seconds} s."
STALE_TEXT = (
    "This command has changed since it was registered with Discord. "
    "Please try again later (an admin needs to run `bloodpatch-bot sync discord`)."
)
ALREADY_SHARED_TEXT = "This answer has already been shared in the channel."
SHARE_UNAVAILABLE_TEXT = "This answer can no longer be shared; ask again to get a fresh one."
SHARED_BY_TEXT = "Shared by {mention}"

_NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError)


class UserCooldown:
    """A per-user rate limit shared by every command and button (e.g. 5 uses per 10 s)."""

    def __init__(self, uses: int, per: float, *, max_users: int = 10_000) -> None:
        self.uses = uses
        self.per = per
        self._buckets: OrderedDict[int, app_commands.Cooldown] = OrderedDict()
        self._max_users = max_users

    def hit(self, user_id: int) -> tuple[app_commands.Cooldown, float | None]:
        """Count one use; return the bucket and the wait in seconds, or None when allowed."""
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = app_commands.Cooldown(self.uses, self.per)
            self._buckets[user_id] = bucket
            if len(self._buckets) > self._max_users:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(user_id)
        return bucket, bucket.update_rate_limit(time.time())

    def check(self, user_id: int) -> None:
        """Count one use, raising `CommandOnCooldown` when the user must wait."""
        bucket, retry_after = self.hit(user_id)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


def plan_topic_commands(topics: Sequence[TopicRef], slots: int = TOPIC_SLOTS) -> list[TopicRef]:
    """Topics that get their own subcommand, in content order: valid, unique, not reserved, at most `slots`.

    `ALWAYS_SUBCOMMAND` topics are chosen first, then the others in order; the rest are
    reached through `/bloodpatch topic` (its autocomplete covers every topic).
    """
    candidates: list[TopicRef] = []
    names: set[str] = set(RESERVED_NAMES)
    for ref in topics:
        name = ref.command
        if name in names or not SLASH_NAME.fullmatch(name):
            log.warning("topic %r gets no subcommand: name %r is invalid or taken", ref.id, name)
            continue
        names.add(name)
        candidates.append(ref)
    pinned = [r.command for r in candidates if r.command in ALWAYS_SUBCOMMAND]
    others = [r.command for r in candidates if r.command not in ALWAYS_SUBCOMMAND]
    chosen = set([*pinned, *others][: max(0, slots)])
    if len(chosen) < len(candidates):
        log.info(
            "%d topics have no subcommand of their own (a group holds %d); /%s topic has them all",
            len(candidates) - len(chosen),
            MAX_SUBCOMMANDS,
            GROUP_NAME,
        )
    return [r for r in candidates if r.command in chosen]


def _describe(title: str) -> str:
    return render.truncate(title.strip() or "A bloodpatch topic", DESCRIPTION_MAX)


class BloodpatchGroup(app_commands.Group):
    """`/bloodpatch`: fixed subcommands below, plus one per planned topic added in `__init__`.

    `cog` is None only when the group is built to be measured (lint), never to be run.
    """

    def __init__(self, cog: BloodpatchCog | None, topics: Sequence[TopicRef]) -> None:
        super().__init__(
            name=GROUP_NAME,
            description=GROUP_DESCRIPTION,
            # Servers and DMs with the bot.  Installing to a user account (usable in any DM) would
            # also need "User Install" enabled in the developer portal, so it is not requested.
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        )
        self.cog = cog
        for command in quiz_commands.build(self):
            self.add_command(command)
        self.topic_commands: dict[str, str] = {}  # subcommand name -> topic id
        for ref in plan_topic_commands(topics):
            self.add_command(self._topic_command(ref))
            self.topic_commands[ref.command] = ref.id

    def _topic_command(self, ref: TopicRef) -> app_commands.Command[Any, ..., None]:
        group, topic_id = self, ref.id

        async def show_topic(interaction: discord.Interaction) -> None:
            await group.bound.send_topic(interaction, topic_id, "patient", public=False)

        return app_commands.Command(
            name=ref.command, description=_describe(ref.title), callback=show_topic, parent=self
        )

    @property
    def bound(self) -> BloodpatchCog:
        if self.cog is None:
            raise RuntimeError("this /bloodpatch group was built to be measured, not run")
        return self.cog

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Apply the per-user cooldown to every subcommand (autocomplete is not counted)."""
        self.bound.cooldown.check(interaction.user.id)
        return True

    @app_commands.command(name="ask", description="Ask a question in your own words (typos are fine)")
    @app_commands.describe(question="Your question", audience=AUDIENCE_HELP, public=PUBLIC_HELP)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        audience: AudienceOption = "patient",
        public: bool = False,
    ) -> None:
        answer = self.bound.library.answer(question, audience=audience)
        await self.bound.send_answer(interaction, answer, public=public)

    @app_commands.command(name="topic", description="Look up a topic by name (pick from the list as you type)")
    @app_commands.describe(name="Topic name", audience=AUDIENCE_HELP, public=PUBLIC_HELP)
    async def topic(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, CHOICE_NAME_MAX],
        audience: AudienceOption = "patient",
        public: bool = False,
    ) -> None:
        answer = self.bound.library.topic(name, audience=audience)
        await self.bound.send_answer(interaction, answer, public=public)

    @topic.autocomplete("name")
    async def topic_name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.bound.topic_choices(current)

    @app_commands.command(name="sources", description="List every source the answers cite")
    @app_commands.describe(public=PUBLIC_HELP)
    async def sources(self, interaction: discord.Interaction, public: bool = False) -> None:
        lib = self.bound.library
        first, *rest = render.render_sources(lib.sources, lib.disclaimer)
        await interaction.response.send_message(**render.send_kwargs(first, ephemeral=not public))
        for page in rest:
            await interaction.followup.send(**render.send_kwargs(page, ephemeral=not public))

    @app_commands.command(name="help", description="How to use /bloodpatch, and the list of topics")
    @app_commands.describe(public=PUBLIC_HELP)
    async def help(self, interaction: discord.Interaction, public: bool = False) -> None:
        lib = self.bound.library
        rendered = render.render_help(lib.topics, lib.disclaimer, exposed=self.topic_commands)
        await interaction.response.send_message(**render.send_kwargs(rendered, ephemeral=not public))


class BloodpatchCog(commands.Cog, name=views.COG_NAME):
    """Owns the `/bloodpatch` group and handles its buttons.

    The group is built in `__init__` (so `create_client()` can register it at
    once) and handed to discord.py as this cog's app command, so loading and
    unloading the cog adds and removes it like any cog-defined group.
    """

    def __init__(self, bot: commands.Bot, library: Library, settings: DiscordSettings) -> None:
        self.bot = bot
        self.library = library
        self.cooldown = UserCooldown(settings.cooldown_uses, settings.cooldown_seconds)
        self.group = BloodpatchGroup(self, library.topics)
        self.__cog_app_commands__ = [self.group]
        self._shared: OrderedDict[int, None] = OrderedDict()  # message ids shared from, newest last

    async def cog_load(self) -> None:
        """Register the persistent button templates (needs the bot, hence not `__init__`)."""
        self.bot.add_dynamic_items(*views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*views.DYNAMIC_ITEMS)

    @property
    def exposed(self) -> dict[str, str]:
        return self.group.topic_commands

    # -- commands ------------------------------------------------------------------
    def topic_choices(self, current: str) -> list[app_commands.Choice[str]]:
        choices = []
        for ref in self.library.complete(current, limit=25)[:25]:
            label = render.truncate(f"{ref.title} ({ref.command})", CHOICE_NAME_MAX)
            choices.append(app_commands.Choice(name=label, value=ref.id[:CHOICE_NAME_MAX]))
        return choices

    def topic_answer(self, topic_id: str, audience: str, *, same_day: bool = False) -> Answer:
        """A topic's answer; `same_day` puts back the "contact your team today" notice the original had."""
        answer = self.library.topic(topic_id, audience=_audience(audience))
        if same_day and answer.kind is Kind.TOPIC:
            answer = dataclasses.replace(answer, message=self.library.same_day_notice(), triage=Triage.SAME_DAY)
        return answer

    async def send_topic(self, interaction: discord.Interaction, topic_id: str, audience: str, public: bool) -> None:
        await self.send_answer(interaction, self.topic_answer(topic_id, audience), public=public)

    async def send_answer(self, interaction: discord.Interaction, answer: Answer, *, public: bool) -> None:
        """Respond once with the rendered answer and its buttons."""
        kwargs = render.to_send_kwargs(answer, ephemeral=not public, exposed=self.exposed)
        view = views.build_view(answer, ephemeral=not public, feedback=True)
        if view is not None:
            kwargs["view"] = view
        await interaction.response.send_message(**kwargs)
        _release(view)
        quiz: Any = self.bot.get_cog(views.QUIZ_COG_NAME)
        if quiz is not None:
            quiz.after_answer(interaction, answer)  # counted for stats in the background, after the reply
        log_request(
            "discord",
            _command_name(interaction),
            answer,
            _age_ms(interaction),
            user=interaction.user.id,
            outcome="public" if public else "ephemeral",
        )

    # -- buttons -------------------------------------------------------------------
    async def on_audience_button(
        self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool = False
    ) -> None:
        """Private message: switch it in place.  Public message: answer the clicker privately."""
        await self._guarded(interaction, self._audience_button, topic, audience, same_day)

    async def _audience_button(
        self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool
    ) -> None:
        answer = self.topic_answer(topic, audience, same_day=same_day)
        if not views.is_ephemeral(interaction.message):
            await self.send_answer(interaction, answer, public=False)
            return
        view = views.build_view(answer, ephemeral=True, shared=views.was_shared(interaction.message), feedback=True)
        rendered = render.render_answer(answer, exposed=self.exposed)
        await interaction.response.edit_message(**render.edit_kwargs(rendered), view=view)
        _release(view)

    async def on_share_button(
        self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool = False
    ) -> None:
        await self._guarded(interaction, self._share_button, topic, audience, same_day)

    async def _share_button(self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool) -> None:
        """Post the answer publicly once, then disable the button on the private copy."""
        message = interaction.message
        if message is None or not views.is_ephemeral(message) or views.was_shared(message):
            await _notice(interaction, ALREADY_SHARED_TEXT)
            return
        if message.id in self._shared:
            await _notice(interaction, ALREADY_SHARED_TEXT)
            return
        answer = self.topic_answer(topic, audience, same_day=same_day)
        if answer.kind is not Kind.TOPIC:
            await _notice(interaction, SHARE_UNAVAILABLE_TEXT)
            return
        self._remember_shared(message.id)
        private_view = views.build_view(answer, ephemeral=True, shared=True, feedback=True)
        await interaction.response.edit_message(view=private_view)
        _release(private_view)
        kwargs = render.to_send_kwargs(answer, ephemeral=False, exposed=self.exposed)
        kwargs["content"] = SHARED_BY_TEXT.format(mention=interaction.user.mention)
        public_view = views.build_view(answer, ephemeral=False, feedback=True)
        if public_view is not None:
            kwargs["view"] = public_view
        try:
            await interaction.followup.send(**kwargs)
            _release(public_view)
        except _NETWORK_ERRORS:
            # Nothing was posted, so give the button back before reporting the failure.
            self._shared.pop(message.id, None)
            with contextlib.suppress(*_NETWORK_ERRORS):
                await interaction.edit_original_response(view=views.build_view(answer, ephemeral=True, feedback=True))
            raise
        log_request("discord", "share", answer, _age_ms(interaction), user=interaction.user.id, outcome="shared")

    async def on_topic_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None:
        await self._guarded(interaction, self._topic_button, topic, audience)

    async def _topic_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None:
        await self.send_topic(interaction, topic, audience, public=False)

    async def _guarded(
        self,
        interaction: discord.Interaction,
        handler: Callable[..., Awaitable[None]],
        *args: Any,
    ) -> None:
        """Run a button handler under the same cooldown and error reporting as the commands.

        discord.py only logs exceptions from dynamic items, so this is the buttons'
        equivalent of `CommandTree.on_error`.
        """
        try:
            self.cooldown.check(interaction.user.id)
            await handler(interaction, *args)
        except Exception as exc:  # the fallback: the user gets one sentence, the log the traceback
            await report_interaction_error(interaction, exc)

    def _remember_shared(self, message_id: int) -> None:
        self._shared[message_id] = None
        while len(self._shared) > 5000:
            self._shared.popitem(last=False)


def _audience(value: str) -> Literal["patient", "clinician"]:
    return "clinician" if value == "clinician" else "patient"


async def _notice(interaction: discord.Interaction, text: str) -> None:
    """A short private message; a follow-up when the interaction already has its response."""
    kwargs = render.send_kwargs(render.render_notice(text), ephemeral=True)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (
        (interaction.data or {}).get("custom_id") if interaction.type is discord.InteractionType.component else None
    )
    guild, user = pseudonym(interaction.guild_id), pseudonym(interaction.user.id)
    return f"command={command!r} component={custom_id!r} guild={guild} user={user}"


def _release(view: discord.ui.View | None) -> None:
    """Drop a sent view from discord.py's view store.

    Every button is a DynamicItem registered once on the client, so clicks are routed
    by custom_id alone (even after a restart); keeping each sent view in the store would
    only hold memory for every answer ever sent.
    """
    if view is not None:
        view.stop()


def _command_name(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return interaction.command.qualified_name
    custom_id = (interaction.data or {}).get("custom_id", "") if interaction.data else ""
    return str(custom_id).rsplit(":", 2)[0] or "component"


def _age_ms(interaction: discord.Interaction) -> float:
    """Time since Discord created the interaction: what counts against its 3-second deadline."""
    return max(0.0, (discord.utils.utcnow() - interaction.created_at).total_seconds() * 1000)


async def report_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The one fallback for commands and buttons: tell the user briefly and privately, log the rest.

    Expected outcomes (cooldown, stale command) get their own sentence and no
    traceback; anything else is logged with its traceback and ids, never with
    message text.  A failure to deliver the notice is logged, not raised.
    """
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, app_commands.CommandOnCooldown):
        text = COOLDOWN_TEXT.format(seconds=max(1, math.ceil(original.retry_after)))
        log.info("cooldown %.1fs %s", original.retry_after, _where(interaction))
    elif isinstance(original, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
        text = STALE_TEXT
        log.warning("stale command (%s): %s", original, _where(interaction))
    else:
        text = ERROR_TEXT
        log.error("interaction failed: %s", _where(interaction), exc_info=original)
    try:
        await _notice(interaction, text)
    except _NETWORK_ERRORS as exc:
        log.warning("could not tell the user about the failure (%s): %s", _where(interaction), exc)


class CommandTooLarge(app_commands.AppCommandError):
    """A command is over Discord's size limit: `sync` is refused before anything is sent."""


class BloodpatchTree(app_commands.CommandTree):
    """A command tree whose `on_error` is `report_interaction_error`, and whose `sync` checks sizes first."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await report_interaction_error(interaction, error)

    async def sync(self, *, guild: discord.abc.Snowflake | None = None) -> list[app_commands.AppCommand]:
        """Refuse, with the line lint prints, a command Discord would reject for its size."""
        for name, measured in (await size.synced_sizes(self, guild)).items():
            problem = size.over_limit(name, measured)
            if problem is not None:
                raise CommandTooLarge(problem)
        return await super().sync(guild=guild)
