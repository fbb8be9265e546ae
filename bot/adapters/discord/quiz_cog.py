"""The quiz cog: quiz cards and answers, feedback, score, leaderboard, admin stats and the daily question.

Everything it says comes from `bot.engagement` (the same words and scoring as Slack and the
shell); this cog only knows Discord: who pressed, which server, which message, admin rights,
and how to answer within Discord's 3-second deadline. State lives in the store and in button
ids, so buttons and the daily question survive a restart.

Replies about a quiz answer are private to the presser. A question card from `/bloodpatch quiz`
or the daily question is posted in the channel, so anyone there can answer; each presser is
scored, once per question message (a double click or a second option counts once).

If the store is down, answers to questions still work and every reply here is a polite
"... is unavailable right now"; nothing here raises to the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.adapters.discord import quiz_render, quiz_views, render
from bot.adapters.discord.cog import _NETWORK_ERRORS, CHOICE_NAME_MAX, UserCooldown, report_interaction_error
from bot.adapters.discord.cog import _release as release
from bot.adapters.discord.quiz_views import QUIZ_COG_NAME
from bot.core.answer import Answer
from bot.core.quiz import AnswerButton, decode_custom_id, utc, utcnow
from bot.core.requestlog import pseudonym
from bot.engagement import STALE_BUTTON, UNAVAILABLE, Engagement, Notice
from bot.store import DailyChannel, StoreUnavailable, clean_display_name, user_key

if TYPE_CHECKING:
    from bot.core import Library
    from bot.store import Store

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds: a store slower than this gets "thinking…" first (Discord's deadline is 3 s)
DAILY_CHECK_MINUTES = 2.0
DAILY_DEFAULT_HOUR = 9
MAX_BACKGROUND = 500  # asks being recorded at once; past this (a stuck database) new ones are dropped

SERVER_ONLY = "This works in a server, not in direct messages."
ADMIN_ONLY = "Only members with the Manage Server permission can use this."
NOT_A_BUTTON = "This button no longer works. Please run the command again."
DAILY_NO_ACCESS = (
    "I can't post in this channel. Give the bot View Channel, Send Messages and Embed Links here, then try again."
)
DAILY_OFF = "The daily question is off in this channel."
DAILY_WAS_OFF = "The daily question wasn't on in this channel."
FALLBACK_NAME = "Quiz player"
THREAD_TYPES = (discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread)

Reply = tuple[render.Rendered, discord.ui.View | None, bool]  # what to send, its buttons, public or not


def user_of(interaction: discord.Interaction) -> str:
    """The store's key for whoever caused the interaction (`discord:<guild>:<user>` or `discord:dm:<user>`)."""
    guild = str(interaction.guild_id) if interaction.guild_id else None
    return user_key("discord", guild, str(interaction.user.id))


def scope_of_interaction(interaction: discord.Interaction) -> str:
    return f"discord:{interaction.guild_id}" if interaction.guild_id else "discord:dm"


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in this server, as Discord computed it for this interaction."""
    perms = interaction.permissions
    return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)


def can_post_here(interaction: discord.Interaction) -> bool:
    """Whether the bot itself may post an embed in this channel (the daily question is not an interaction reply)."""
    perms = interaction.app_permissions
    in_thread = getattr(interaction.channel, "type", None) in THREAD_TYPES
    can_send = perms.send_messages_in_threads if in_thread else perms.send_messages
    return perms.view_channel and perms.embed_links and can_send


def display_name_of(interaction: discord.Interaction) -> str:
    """The member's server display name, cleaned for the leaderboard (falls back to the user name)."""
    user = interaction.user
    for candidate in (user.display_name, user.name):
        with contextlib.suppress(ValueError):
            return clean_display_name(candidate)
    return FALLBACK_NAME


def _notice(text: str) -> Reply:
    """A private one-line reply (unavailable, refused, thanks, score)."""
    return render.render_notice(text), None, False


class QuizCog(commands.Cog, name=QUIZ_COG_NAME):
    """The training subcommands (defined in `quiz_commands`), quiz and feedback buttons, the daily loop."""

    def __init__(self, bot: commands.Bot, engagement: Engagement, cooldown: UserCooldown) -> None:
        self.bot = bot
        self.engagement = engagement
        self.cooldown = cooldown  # shared with the answer commands and buttons
        self._background: set[asyncio.Task[None]] = set()

    @property
    def library(self) -> Library:
        return self.engagement.library

    @property
    def store(self) -> Store:
        return self.engagement.store

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*quiz_views.DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*quiz_views.DYNAMIC_ITEMS)
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop the daily loop and give asks still being recorded a moment to finish."""
        self.daily_loop.cancel()
        if self._background:
            await asyncio.wait(set(self._background), timeout=2.0)

    # -- the daily question ----------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self.daily_loop.is_running():
            self.daily_loop.start()

    @tasks.loop(minutes=DAILY_CHECK_MINUTES)
    async def daily_loop(self) -> None:
        try:
            await self.post_due_daily()
        except Exception:  # the loop must outlive any one bad round
            log.exception("daily question: round failed")

    async def post_due_daily(self, now: dt.datetime | None = None) -> int:
        """Post today's question in every Discord channel whose hour has come; returns how many were posted.

        Each channel is claimed in the store first (`mark_daily_posted`), so with several
        workers sharing one database exactly one of them posts it.
        """
        moment = utc(now or utcnow())
        try:
            due = await self.store.due_daily(moment)
        except StoreUnavailable as exc:
            log.warning("daily question: store unavailable (%s); trying again next round", exc.reason)
            return 0
        posted = 0
        for entry in due:
            if entry.channel.startswith("discord:") and await self._post_daily(entry, moment.date()):
                posted += 1
        return posted

    async def _post_daily(self, entry: DailyChannel, day: dt.date) -> bool:
        card = self.engagement.daily_card(entry.topic, entry.audience, day)
        try:
            if not await self.store.mark_daily_posted(entry.channel, day):
                return False  # another worker claimed it
        except StoreUnavailable as exc:
            log.warning("daily question: store unavailable (%s)", exc.reason)
            return False
        if isinstance(card, Notice):
            log.warning("daily question: nothing to ask in %s (%s)", entry.channel, card.text)
            return False
        channel = self.bot.get_partial_messageable(int(entry.channel.split(":", 1)[1]))
        rendered = quiz_render.render_card(card, daily=True)
        view = quiz_views.card_view(card)
        try:
            await channel.send(embeds=rendered.embeds, view=view, allowed_mentions=discord.AllowedMentions.none())
        except discord.NotFound:
            log.warning("daily question: channel %s is gone; switching it off", entry.channel)
            with contextlib.suppress(StoreUnavailable):
                await self.store.remove_daily(entry.channel)
            return False
        except discord.Forbidden as exc:
            log.warning("daily question: not allowed to post in %s (%s); it stays on", entry.channel, exc.text)
            return False
        except (*_NETWORK_ERRORS, aiohttp.ClientError) as exc:
            log.warning("daily question: could not post in %s (%s)", entry.channel, exc)
            return False
        finally:
            release(view)
        log.info("daily question: posted %s in %s", card.item_id, entry.channel)
        return True

    # -- answers to questions: counted after the reply ---------------------------------------------
    def after_answer(self, interaction: discord.Interaction, answer: Answer) -> None:
        """Record an answered command for stats and gaps, in the background (the reply is already sent)."""
        if interaction.type is not discord.InteractionType.application_command:
            return
        if len(self._background) >= MAX_BACKGROUND:
            log.info("ask not recorded: %d still being recorded (database slow?)", len(self._background))
            return
        task = asyncio.get_running_loop().create_task(self.engagement.record_ask(user_of(interaction), answer))
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("recording an ask failed", exc_info=task.exception())

    # -- replying in time ----------------------------------------------------------------------------
    async def _respond(self, interaction: discord.Interaction, work: Awaitable[Reply]) -> None:
        """Send what `work` produces, public or private as it says.

        If it takes longer than DEFER_AFTER (a slow database), the interaction is acknowledged
        privately first ("thinking…") and then filled in, so Discord's 3-second deadline is kept;
        a question card is then private too, rather than a notice ever being public.
        """
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
            if not done:
                await interaction.response.defer(ephemeral=True, thinking=True)
            rendered, view, public = await task
        finally:
            task.cancel()  # no-op when finished; stops the work if acknowledging failed
        if interaction.response.is_done():
            kwargs = render.edit_kwargs(rendered)
            if view is not None:
                kwargs["view"] = view
            await interaction.edit_original_response(**kwargs)
        else:
            kwargs = render.send_kwargs(rendered, ephemeral=not public)
            if view is not None:
                kwargs["view"] = view
            await interaction.response.send_message(**kwargs)
        release(view)

    # -- commands (defined in quiz_commands) ---------------------------------------------------------
    def quiz_topic_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete: matching topics that have quiz items."""
        with_items = {item.topic for item in self.library.quiz_items()}
        refs = [ref for ref in self.library.complete(current, limit=25) if ref.id in with_items]
        return [
            app_commands.Choice(name=render.truncate(f"{ref.title} ({ref.command})", CHOICE_NAME_MAX), value=ref.id)
            for ref in refs[:25]
        ]

    async def quiz(self, interaction: discord.Interaction, topic: str | None, audience: str | None) -> None:
        """A question card in the channel (anyone there may answer); a notice privately when there is none."""
        started = time.perf_counter()

        async def work() -> Reply:
            card = await self.engagement.next_card(user_of(interaction), topic, audience)
            if isinstance(card, Notice):
                return _notice(card.text)
            log.info("quiz card %s user=%s %.0fms", card.item_id, pseudonym(interaction.user.id), _ms(started))
            return quiz_render.render_card(card), quiz_views.card_view(card), True

        await self._respond(interaction, work())

    async def score(self, interaction: discord.Interaction) -> None:
        async def work() -> Reply:
            return _notice((await self.engagement.score(user_of(interaction))).text)

        await self._respond(interaction, work())

    async def leaderboard(self, interaction: discord.Interaction, action: str) -> None:
        if interaction.guild_id is None:
            await self._respond(interaction, _ready(_notice(SERVER_ONLY)))
            return

        async def work() -> Reply:
            user = user_of(interaction)
            if action == "join":
                return _notice((await self.engagement.join_leaderboard(user, display_name_of(interaction))).text)
            if action == "leave":
                return _notice((await self.engagement.join_leaderboard(user, None)).text)
            rows = await self.engagement.leaderboard(scope_of_interaction(interaction))
            if isinstance(rows, Notice):
                return _notice(rows.text)
            return quiz_render.render_leaderboard(rows), None, False

        await self._respond(interaction, work())

    async def stats(self, interaction: discord.Interaction, keep_text: bool | None) -> None:
        refusal = self._admin_refusal(interaction)
        if refusal is not None:
            await self._respond(interaction, _ready(_notice(refusal)))
            return

        async def work() -> Reply:
            note = None
            if keep_text is not None:
                note = (await self.engagement.keep_text(scope_of_interaction(interaction), keep_text)).text
            report = await self.engagement.stats_text()
            if not report.ok:
                return _notice(f"{note}\n{report.text}" if note else report.text)
            return quiz_render.render_stats(report.text, note=note), None, False

        await self._respond(interaction, work())

    async def daily(
        self,
        interaction: discord.Interaction,
        switch: str,
        hour_utc: int | None,
        topic: str | None,
        audience: str | None,
    ) -> None:
        refusal = self._admin_refusal(interaction)
        if refusal is None and switch == "on":
            problem = self.engagement.topic_problem(topic, audience)
            if problem is not None:
                refusal = problem.text
            elif not can_post_here(interaction):
                refusal = DAILY_NO_ACCESS
        if refusal is not None:
            await self._respond(interaction, _ready(_notice(refusal)))
            return
        channel = f"discord:{interaction.channel_id}"

        async def work() -> Reply:
            try:
                if switch == "off":
                    return _notice(DAILY_OFF if await self.store.remove_daily(channel) else DAILY_WAS_OFF)
                entry = await self.store.set_daily(
                    channel,
                    scope_of_interaction(interaction),
                    DAILY_DEFAULT_HOUR if hour_utc is None else hour_utc,
                    topic=self.engagement.resolve_topic(topic) if topic else None,
                    audience=audience,
                )
            except StoreUnavailable as exc:
                log.warning("daily question: store unavailable (%s)", exc.reason)
                return _notice(UNAVAILABLE.format(what="The daily question"))
            today = utcnow().date()
            return _notice(quiz_render.daily_summary(entry, today_done=entry.last_posted == today))

        await self._respond(interaction, work())

    def _admin_refusal(self, interaction: discord.Interaction) -> str | None:
        if interaction.guild_id is None:
            return SERVER_ONLY
        if not is_admin(interaction):
            log.info("admin command refused: user=%s", pseudonym(interaction.user.id))
            return ADMIN_ONLY
        return None

    # -- buttons (quiz_views and views.FeedbackChoice) -------------------------------------------------
    async def on_answer_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        await self._guarded(interaction, self._answer, custom_id)

    async def _answer(self, interaction: discord.Interaction, custom_id: str) -> None:
        button = decode_custom_id(custom_id)
        question = button.item_id if isinstance(button, AnswerButton) else custom_id
        message_id = interaction.message.id if interaction.message else interaction.id
        # One scored answer per person per question message: a double click, or a second option, counts once.
        event_id = f"{message_id}:{interaction.user.id}:{question}"
        started = time.perf_counter()

        async def work() -> Reply:
            outcome = await self.engagement.answer(user_of(interaction), custom_id, event_id=event_id)
            if isinstance(outcome, Notice):
                return _notice(outcome.text)
            log.info(
                "quiz answer %s correct=%s duplicate=%s user=%s %.0fms",
                question,
                outcome.correct,
                outcome.duplicate,
                pseudonym(interaction.user.id),
                _ms(started),
            )
            return quiz_render.render_outcome(outcome), quiz_views.outcome_view(outcome), False

        await self._respond(interaction, work())

    async def on_next_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        await self._guarded(interaction, self._next, custom_id)

    async def _next(self, interaction: discord.Interaction, custom_id: str) -> None:
        async def work() -> Reply:
            filters = self.engagement.next_filters(custom_id)
            if filters is None:
                return _notice(STALE_BUTTON)
            card = await self.engagement.next_card(user_of(interaction), *filters)
            if isinstance(card, Notice):
                return _notice(card.text)
            return quiz_render.render_card(card), quiz_views.card_view(card), False

        await self._respond(interaction, work())

    async def on_feedback_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        await self._guarded(interaction, self._feedback, custom_id)

    async def _feedback(self, interaction: discord.Interaction, custom_id: str) -> None:
        message_id = interaction.message.id if interaction.message else interaction.id
        rated = custom_id.split(":", 3)[-1]  # topic and audience: one vote per person per answer shown
        event_id = f"{message_id}:{interaction.user.id}:{rated}"
        question = asked_question(interaction.message)

        async def work() -> Reply:
            user = user_of(interaction)
            reply = await self.engagement.feedback(user, custom_id, event_id=event_id, question=question)
            return _notice(reply.text)

        await self._respond(interaction, work())

    async def on_stale_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        text = STALE_BUTTON if custom_id.startswith("bp:") else NOT_A_BUTTON
        await self._guarded(interaction, self._stale, text)

    async def _stale(self, interaction: discord.Interaction, text: str) -> None:
        log.info("stale button user=%s", pseudonym(interaction.user.id))
        await self._respond(interaction, _ready(_notice(text)))

    async def _guarded(self, interaction: discord.Interaction, handler: Any, *args: Any) -> None:
        """The cooldown and error reporting the commands get (discord.py only logs dynamic item errors)."""
        try:
            self.cooldown.check(interaction.user.id)
            await handler(interaction, *args)
        except Exception as exc:
            await report_interaction_error(interaction, exc)


def asked_question(message: discord.Message | None) -> str | None:
    """The question an answer message shows ("You asked: “…”", see `render.render_answer`), or None.

    Only what is in the message can be passed on: the bot keeps no copy of questions. It is
    the shown (cleaned, possibly shortened) text; the store keeps it only where an admin opted in.
    """
    if message is None or not message.embeds:
        return None
    author = message.embeds[0].author.name or ""
    prefix, suffix = "You asked: “", "”"
    if not (author.startswith(prefix) and author.endswith(suffix)):
        return None
    text = author[len(prefix) : -len(suffix)].replace("\u200b", "").strip()
    return text or None


async def _ready(reply: Reply) -> Reply:
    return reply


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
