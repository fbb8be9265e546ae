"""The console script as a user runs it: text, --json, JSON Lines, the shell over a pipe."""

from __future__ import annotations

import json

from tests.conftest import run_cli

ANSWER_KEYS = {
    "question",
    "kind",
    "topic",
    "title",
    "audience",
    "snippets",
    "disclaimer",
    "related",
    "suggestions",
}
KINDS = {"topic", "search", "red_flag", "out_of_scope", "not_found"}


def assert_answer_schema(obj: dict) -> None:
    assert set(obj) >= ANSWER_KEYS, obj.keys()
    assert obj["kind"] in KINDS
    assert obj["topic"] is None or isinstance(obj["topic"], str)
    assert isinstance(obj["question"], str) and isinstance(obj["title"], str)
    assert obj["audience"] in {"patient", "clinician"}
    assert isinstance(obj["disclaimer"], str) and obj["disclaimer"]
    assert all(isinstance(r, str) for r in obj["related"]) and len(obj["related"]) <= 3
    assert all(isinstance(s, str) for s in obj["suggestions"])
    for snippet in obj["snippets"]:
        assert set(snippet) == {"text", "audience", "source", "locator"}
        assert snippet["text"] and snippet["locator"] and snippet["audience"] == obj["audience"]
        assert set(snippet["source"]) == {"id", "title", "publisher", "year", "url"}
        assert snippet["source"]["url"].startswith("http")


def test_ask_prints_a_sourced_answer() -> None:
    result = run_cli("ask", "does it hurt?")
    assert result.returncode == 0, result.stderr
    assert "Sources" in result.stdout and "[1]" in result.stdout
    assert "not medical advice" in " ".join(result.stdout.split())  # wrapped to the terminal width


def test_ask_json_schema_and_topic() -> None:
    result = run_cli("ask", "--json", "how long do i lie flat after the patch", "--audience", "clinician")
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    assert_answer_schema(obj)
    assert (obj["kind"], obj["topic"], obj["audience"]) == ("search", "recovery", "clinician")
    assert obj["snippets"]


def test_topic_json_and_not_found_exit_code() -> None:
    ok = run_cli("topic", "risks", "--json")
    assert ok.returncode == 0
    obj = json.loads(ok.stdout)
    assert_answer_schema(obj)
    assert (obj["kind"], obj["topic"]) == ("topic", "risks")
    miss = run_cli("topic", "zzqx", "--json")
    assert miss.returncode == 2
    missed = json.loads(miss.stdout)
    assert_answer_schema(missed)
    assert (missed["kind"], missed["topic"], missed["snippets"]) == ("not_found", None, [])


def test_json_lines_from_stdin_in_order() -> None:
    questions = [
        "does it hurt?",
        "",
        "   ",
        "fever and stiff neck since my epidural yesterday",
        "how do i patch a bike tire",
        "x" * 2500,
        "what is a blood patch",
    ]
    result = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5  # empty and whitespace-only lines are skipped
    for row in rows:
        assert_answer_schema(row)
    assert [r["kind"] for r in rows][1:4] == ["red_flag", "out_of_scope", "not_found"]
    assert {rows[0]["kind"], rows[4]["kind"]} <= {"search", "topic"}
    assert rows[0]["topic"] == "faq_pain" and rows[1]["topic"] == "red_flags" and rows[2]["topic"] is None
    assert rows[3]["error"] and rows[3]["question"].startswith("xxx")
    assert rows[4]["topic"] == "overview"


def test_topics_and_sources_commands() -> None:
    topics = run_cli("topics", "--json")
    assert [t["id"] for t in json.loads(topics.stdout)][:2] == ["overview", "causes"]
    sources = run_cli("sources")
    assert sources.returncode == 0 and "https://" in sources.stdout


def test_shell_over_a_pipe() -> None:
    script = "help\ntopics\naudience clinician\ntopic risks\ndoes it hurt\naudience nurse\nquit\nnever reached\n"
    result = run_cli("shell", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "audience clinician" in out  # help text
    assert "faq_antibiotics" not in out or "antibiotics" in out
    assert "Audience is now clinician." in out
    assert "Choose one of: patient, clinician." in out
    assert "never reached" not in out
    assert " ".join(out.split()).count("not medical advice") == 2


def test_bad_arguments_are_clear() -> None:
    result = run_cli("ask", "hi", "--audience", "doctor")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr
