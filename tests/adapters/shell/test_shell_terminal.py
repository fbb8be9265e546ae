"""`bloodpatch-bot shell` in a real terminal: a pseudo-terminal, real readline, real signals.

Each test starts the installed console script with the pty as its controlling terminal,
so Ctrl-C typed on it is a real SIGINT and the window size is what the process asks.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

import fcntl
import pty
import struct
import termios

SGR = re.compile(rb"\x1b\[[0-9;]*m")
PROMPT = "[patient]> "
CTRL_C, CTRL_D = b"\x03", b"\x04"
# A SIGINT that lands after readline shows its prompt but before it waits for a key is only seen
# at the next key (CPython's readline loop; no person types that fast): let it settle first.
READLINE_SETTLE = 0.3


def command() -> list[str]:
    script = shutil.which("bloodpatch-bot", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bot"]


class Terminal:
    """A program on a pseudo-terminal `columns` wide; `expect` reads until a text appears."""

    def __init__(self, args: list[str], env: dict[str, str], columns: int = 80) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

        def take_terminal() -> None:  # in the child, after setsid(): the pty becomes its controlling terminal
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=take_terminal,
        )
        os.close(slave)
        self.master = master
        self.seen = b""  # everything read so far
        self._pending = b""

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Output up to and including the next `text` (\\r\\n as \\n)."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        while needle not in self._pending:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"no {text!r} within {timeout} s; last output: {self._pending[-1500:]!r}")
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program ended
                chunk = b""
            if not chunk:
                raise AssertionError(f"the program ended before {text!r}; last output: {self._pending[-1500:]!r}")
            self._pending += chunk
            self.seen += chunk
        end = self._pending.index(needle) + len(needle)
        out, self._pending = self._pending[:end], self._pending[end:]
        return out.replace(b"\r\n", b"\n").decode(errors="replace")

    def wait(self, timeout: float = 15.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """A clean environment: home in tmp_path, no inputrc, no NO_COLOR, no COLUMNS."""
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "COLUMNS", "LINES", "BLOODPATCH_HISTORY_FILE"}}
    env.update(HOME=str(tmp_path), TERM="dumb", INPUTRC=os.devnull)
    return env


@pytest.fixture
def terminals():
    started: list[Terminal] = []

    def start(*args: str, env: dict[str, str], columns: int = 80) -> Terminal:
        terminal = Terminal([*command(), *args], env, columns)
        started.append(terminal)
        return terminal

    yield start
    for terminal in started:
        terminal.kill()


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves(terminals, environ: dict[str, str]) -> None:
    term = terminals("shell", env=environ)
    term.expect(PROMPT)

    term.type(b"does it hur")  # half a question...
    term.expect("does it hur")  # (readline has it: echoed)
    time.sleep(READLINE_SETTLE)
    term.type(CTRL_C)  # ...then Ctrl-C
    assert term.expect(PROMPT).removesuffix(PROMPT).replace("^C", "").strip() == ""  # a fresh prompt, nothing else
    term.type(b"topic\r")  # would be "does it hurtopic" had the line been kept
    listed = term.expect(PROMPT)
    assert "Topics:" in listed and "Does a blood patch hurt?" in listed

    time.sleep(READLINE_SETTLE)
    term.type(CTRL_C)
    term.expect(PROMPT)
    term.type(CTRL_D)
    assert term.wait() == 0
    assert b"Traceback" not in term.seen and b"KeyboardInterrupt" not in term.seen


def test_quit_leaves(terminals, environ: dict[str, str]) -> None:
    term = terminals("shell", env=environ)
    term.expect(PROMPT)
    term.type(b"quit\r")
    assert term.wait() == 0


def test_wraps_at_the_window_width(terminals, environ: dict[str, str]) -> None:
    term = terminals("shell", "--no-history", env=environ, columns=60)
    term.expect(PROMPT)
    term.type(b"topic recovery\r")
    text = SGR.sub(b"", term.expect(PROMPT).encode()).decode()
    term.type(CTRL_D)
    term.wait()

    lines = text.splitlines()
    assert len(lines) > 10
    assert max(len(line) for line in lines if "://" not in line) <= 60
    assert max(len(line) for line in lines if "://" not in line) > 50  # filled, not just short


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False), ("", True)])
def test_no_color(terminals, environ: dict[str, str], no_color: str | None, coloured: bool) -> None:
    if no_color is not None:
        environ["NO_COLOR"] = no_color
    term = terminals("shell", "--no-history", env=environ)
    term.expect(PROMPT)
    term.type(b"topic risks\r")
    term.expect(PROMPT)
    term.type(CTRL_D)
    term.wait()
    assert bool(SGR.search(term.seen)) is coloured


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_ask_on_a_terminal_honours_no_color(terminals, environ: dict[str, str], no_color, coloured) -> None:
    if no_color is not None:
        environ["NO_COLOR"] = no_color
    term = terminals("ask", "does it hurt", env=environ)
    term.expect("not medical advice")
    assert term.wait() == 0
    assert bool(SGR.search(term.seen)) is coloured


# -- the history file --------------------------------------------------------------------------------


def ask_one_question(terminals, env: dict[str, str], *args: str) -> str:
    term = terminals("shell", *args, env=env)
    term.expect(PROMPT)
    term.type(b"help\r")
    shown = term.expect(PROMPT)
    term.type(b"does it hurt\r")
    term.expect(PROMPT)
    term.type(CTRL_D)
    assert term.wait() == 0
    return shown


def test_history_goes_to_the_file_named_in_the_environment(terminals, environ: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "state" / "questions"
    environ["BLOODPATCH_HISTORY_FILE"] = str(path)

    shown = ask_one_question(terminals, environ)

    assert f"saved to {path}" in shown  # `help` says where
    assert path.read_text().splitlines() == ["help", "does it hurt"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # health questions: the owner's eyes only
    assert not (tmp_path / ".bloodpatch_history").exists()

    # The next session reads it back: Up recalls the last question (TERM=dumb: Ctrl-P is Up).
    term = terminals("shell", env=environ)
    term.expect(PROMPT)
    term.type(b"\x10\r")
    assert "Does a blood patch hurt?" in term.expect(PROMPT)
    term.type(CTRL_D)
    term.wait()


def test_history_defaults_to_the_home_directory(terminals, environ: dict[str, str], tmp_path: Path) -> None:
    shown = ask_one_question(terminals, environ)
    default = tmp_path / ".bloodpatch_history"
    assert f"saved to {default}" in shown
    assert "does it hurt" in default.read_text()


@pytest.mark.parametrize("how", ["--no-history", "BLOODPATCH_HISTORY_FILE="])
def test_history_can_be_turned_off(terminals, environ: dict[str, str], tmp_path: Path, how: str) -> None:
    args: list[str] = []
    if how == "--no-history":
        args.append(how)
    else:
        environ["BLOODPATCH_HISTORY_FILE"] = ""

    shown = ask_one_question(terminals, environ, *args)

    assert "nothing you type is saved" in shown
    assert list(tmp_path.iterdir()) == []  # no history file anywhere in the home directory
