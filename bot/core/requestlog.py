"""One structured log line per answered request, without the user's words or ids in clear.

Adapters call `log_request(...)` after replying. User and channel ids are hashed with
a per-process salt (so logs can count repeat users, not identify them), and the
message text is never logged: only its length.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os

from bot.core.answer import Answer

log = logging.getLogger("bloodpatch.requests")
_SALT = os.environ.get("BLOODPATCH_LOG_SALT", "") or os.urandom(16).hex()


def pseudonym(identifier: object) -> str | None:
    """A short salted hash of a platform id; None stays None."""
    if identifier is None or identifier == "":
        return None
    return hashlib.blake2s(f"{_SALT}:{identifier}".encode(), digest_size=6).hexdigest()


def log_request(
    platform: str,
    command: str,
    answer: Answer | None,
    latency_ms: float,
    *,
    user: object = None,
    outcome: str = "ok",
) -> None:
    record = {
        "platform": platform,
        "command": command,
        "topic": answer.topic if answer else None,
        "kind": answer.kind.value if answer else None,
        "audience": answer.audience if answer else None,
        "chars": len(answer.question) if answer else None,
        "latency_ms": round(latency_ms, 2),
        "user": pseudonym(user),
        "outcome": outcome,
    }
    log.info(json.dumps(record, separators=(",", ":")))
