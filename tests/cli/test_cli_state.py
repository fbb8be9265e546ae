"""quiz, score, gaps, gaps export, stats and forget, run as a user would, on a store in a temp folder."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.cli_state import quiz_items
from bot.core import ContentInvalid, load_content
from bot.core.loader import Content
from bot.core.models import QuestionsFile
from bot.store import open_store
from bot.store.devserver import free_port
from tests.conftest import CONTENT, ROOT


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(CONTENT, questions=False)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("BLOODPATCH_DATA_DIR", str(folder))
    monkeypatch.setenv("DATABASE_URL", "")  # wins over a developer's ./.env
    monkeypatch.delenv("BLOODPATCH_USER_SALT", raising=False)
    monkeypatch.delenv("BLOODPATCH_USER", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return folder


def cli(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def seed(data_dir: Path, steps) -> None:
    async def run() -> None:
        store = await open_store(data_dir=data_dir)
        try:
            await steps(store)
        finally:
            await store.close()

    asyncio.run(run())


def test_quiz_over_a_pipe_grades_cites_scores_and_brings_the_miss_back(
    content: Content, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = quiz_items(content, "risks", "patient")[:2]
    wrong = (second.answer + 1) % len(second.options)
    answers = f"{first.answer + 1}\nseven\n{wrong + 1}\n"  # right, a typo, wrong, then the input ends
    status, out, _ = cli(["quiz", "--topic", "risks", "--count", "3", "--user", "ann"], capsys, monkeypatch, answers)
    assert status == 0
    assert f"Question 1 of 3 · risks · {first.difficulty}" in out
    assert " ".join(first.stem.split()) in " ".join(out.split())
    assert "Right!" in out and f"Not quite: the answer is {second.answer + 1}. {second.options[second.answer]}" in out
    assert "Type a number from 1 to" in out
    source = content.sources[first.source]
    assert source.title.split()[0] in out and source.url.split("//")[1][:20] in out
    assert "This time: 1 of 2 right." in out

    status, out, _ = cli(["score", "--user", "ann", "--json"], capsys, monkeypatch)
    report = json.loads(out)
    assert (status, report["user"], report["answered"], report["correct"], report["due_now"]) == (
        0,
        "shell:ann",
        2,
        1,
        1,
    )

    # Next time the missed question comes first; q stops cleanly.
    status, out, _ = cli(["quiz", "--topic", "risks", "--user", "ann"], capsys, monkeypatch, "q\n")
    assert status == 0 and " ".join(second.stem.split()) in " ".join(out.split()).split("Question 1")[1][:400]
    assert "This time" not in out  # nothing answered


def test_quiz_refuses_an_unknown_topic_and_a_bad_count(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = cli(["quiz", "--topic", "nope"], capsys, monkeypatch)
    assert status == 2 and "unknown topic 'nope'" in err
    with pytest.raises(SystemExit) as exit_info:
        cli(["quiz", "--count", "0"], capsys, monkeypatch)
    assert exit_info.value.code == 2
    assert "must be between 1 and 100" in capsys.readouterr().err


def test_gaps_and_export_leave_every_label_to_a_reviewer(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def steps(store) -> None:
        await store.set_keep_text("slack:T1", True)
        for _ in range(2):
            await store.record_ask("slack:T1", "not_found", None, "patient", text="Can I fly 2 days after?")
        await store.record_ask("slack:T1", "clarify", "recovery", "patient", text='what about "lifting" my baby')
        await store.record_feedback("slack:T1", "not_asked", "risks", "clinician", text="I'm Dr Who: dose?")
        await store.record_ask("discord:5", "out_of_scope", None, "patient", text="not kept: no opt-in")

    seed(data_dir, steps)
    status, out, _ = cli(["gaps", "--json"], capsys, monkeypatch)
    report = json.loads(out)
    assert status == 0
    assert report["counts"] == {"not_found": 2, "out_of_scope": 1, "clarify": 1, "not_asked": 1}
    assert (report["entries"][0]["text"], report["entries"][0]["count"]) == ("Can I fly [number] days after?", 2)
    status, out, _ = cli(["gaps"], capsys, monkeypatch)
    assert "did you mean: 1" in out and "  2×  not found" in out and "no opt-in" not in out

    target = tmp_path / "gaps.yaml"
    status, out, _ = cli(["gaps", "export", str(target)], capsys, monkeypatch)
    assert status == 0 and "wrote 3 unlabelled question(s)" in out
    text = target.read_text()
    assert text.startswith("# Unlabelled questions") and "To label one, set" in text
    entries = yaml.safe_load(text)
    assert entries[0]["q"] == "Can I fly [number] days after?"
    assert all(e["topic"] is None and e["kind"] == "search" for e in entries)
    assert len(QuestionsFile.model_validate({"questions": entries}).questions) == 3
    status, _, err = cli(["gaps", "export", str(target)], capsys, monkeypatch)
    assert status == 2 and "--force" in err

    # In content/questions/ the file fails lint until a reviewer labels it, then it loads.
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "questions" / "gaps.yaml").write_text(text)
    with pytest.raises(ContentInvalid, match="needs a topic"):
        load_content(copy)
    labelled = [{"q": e["q"], "topic": "recovery", "kind": "search"} for e in entries]
    (copy / "questions" / "gaps.yaml").write_text(yaml.safe_dump(labelled))
    assert any(s.name == "gaps" and len(s.questions) == 3 for s in load_content(copy).questions)


def test_stats_flag_the_item_most_people_get_wrong(
    content: Content, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hard = quiz_items(content, "risks", "clinician")[0]

    async def steps(store) -> None:
        for n in range(5):
            await store.record_quiz_answer(f"shell:u{n}", hard, (hard.answer + 1) % len(hard.options))
        await store.record_ask("shell", "search", "risks", "patient")
        await store.record_feedback("shell", "helpful", "risks", "patient")

    seed(data_dir, steps)
    status, out, _ = cli(["stats", "--json"], capsys, monkeypatch)
    report = json.loads(out)
    assert status == 0 and report["items"][0]["item_id"] == hard.id and report["items"][0]["hard"]
    assert report["asks"] == {"risks": {"search": 1}} and report["feedback"] == {"risks": {"helpful": 1}}
    status, out, _ = cli(["stats"], capsys, monkeypatch)
    assert f"{hard.id}" in out and "⚑" in out and "risks: helpful 1" in out
    status, out, _ = cli(["stats", "--min-people", "6", "--json"], capsys, monkeypatch)
    assert not json.loads(out)["items"][0]["hard"]


def test_forget_erases_a_user_and_explains_the_key_shape(
    content: Content, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    item = content.quiz[0].item

    async def steps(store) -> None:
        await store.record_quiz_answer("discord:42:7", item, item.answer)
        await store.set_leaderboard("discord:42:7", "Seven")

    seed(data_dir, steps)
    status, out, _ = cli(["forget", "discord:42:7"], capsys, monkeypatch)
    assert status == 0 and "Forgot discord:42:7: 3 row(s)" in out
    status, out, _ = cli(["forget", "discord:42:7"], capsys, monkeypatch)
    assert status == 0 and "Nothing was kept about discord:42:7" in out
    status, _, err = cli(["forget", "bob"], capsys, monkeypatch)
    assert status == 2 and "discord:<guild_id>:<user_id>" in err


def test_a_database_that_is_down_is_one_line_and_status_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bp@127.0.0.1:{free_port()}/bp")
    for command in (["score"], ["stats"], ["gaps"], ["forget", "shell:x"]):
        status, _, err = cli(command, capsys, monkeypatch)
        assert status == 3, command
        assert "unavailable right now (postgresql:" in err and "Traceback" not in err
        assert err.count("\n") == 1


def test_the_console_script_quiz_ends_cleanly_on_ctrl_c(data_dir: Path) -> None:
    script = Path(sys.executable).parent / "bloodpatch-bot"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    env = {**os.environ, "BLOODPATCH_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    proc = subprocess.Popen(
        [*command, "quiz", "--count", "2"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    deadline = time.monotonic() + 60
    seen = ""
    while "Your answer" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.read(1)
    assert "Question 1 of 2" in seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Stopped." in out and "Traceback" not in err
