"""Platform adapters. Each one parses its platform's input, calls bot.core, renders the Answer.

An adapter never imports another adapter.
"""
