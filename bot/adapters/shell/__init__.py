"""Terminal adapter: the interactive shell and the plain-text renderer."""

from bot.adapters.shell.render import render_answer, render_sources
from bot.adapters.shell.repl import Shell, run_shell

__all__ = ["Shell", "render_answer", "render_sources", "run_shell"]
