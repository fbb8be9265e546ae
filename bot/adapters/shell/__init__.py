"""Terminal adapter: the interactive shell and the plain-text renderer."""

from bot.adapters.shell.render import render_answer, render_sources
from bot.adapters.shell.repl import Shell, history_file, run_shell

__all__ = ["Shell", "history_file", "render_answer", "render_sources", "run_shell"]
