"""A new user can take the quiz from the README's first command: `bloodpatch-bot shell`, then `quiz`."""

from __future__ import annotations

from tests.conftest import run_cli


def _shell(stdin: str, tmp_path) -> str:
    env = {"BLOODPATCH_DATA_DIR": str(tmp_path), "BLOODPATCH_HISTORY_FILE": "", "DATABASE_URL": ""}
    result = run_cli("shell", stdin=stdin, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quiz_in_the_shell_scores_and_keeps_progress(tmp_path) -> None:
    out = _shell("quiz risks\n1\n2\nstop\nscore\n", tmp_path)
    assert out.count("Quiz: Side effects and risks") == 3  # two answered, one waiting when stopped
    assert out.count("Source: ") == 2
    assert "Score: " in out and "of 2" in out
    assert "You've answered 2" in out
    again = _shell("score\n", tmp_path)  # a new session, the same local database
    assert "You've answered 2" in again


def test_a_question_ends_the_quiz_and_gets_its_answer(tmp_path) -> None:
    out = _shell("quiz\nhow much blood do they use\n", tmp_path)
    assert "Quiz:" in out and "20 mL" in out


def test_an_unknown_quiz_topic_lists_the_topics(tmp_path) -> None:
    out = _shell("quiz teeth\n", tmp_path)
    assert "I don't have a topic called that" in out and "breastfeeding" in out


def test_the_quiz_says_so_when_the_database_is_down(tmp_path) -> None:
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "BLOODPATCH_HISTORY_FILE": ""}
    result = run_cli("shell", stdin="quiz\nhow much blood do they use\n", env=env)
    assert result.returncode == 0
    assert "unavailable right now" in result.stdout and "20 mL" in result.stdout
