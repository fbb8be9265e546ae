"""Waiting helpers for loopback tests: poll with a deadline instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest


async def wait_for_log(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 10.0) -> logging.LogRecord:
    """The first captured record containing `text`; fails with what was seen if none comes in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in caplog.records:
            if text in record.getMessage():
                return record
        await asyncio.sleep(0.01)
    raise AssertionError(f"no log line containing {text!r}; saw {[r.getMessage() for r in caplog.records]}")


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
