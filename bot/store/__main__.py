"""`python -m bot.store [URL]`: migrate the database (DATABASE_URL, else the SQLite file) without starting the bot.

Exit status 0 when the database is at the newest revision, 3 when it is unavailable (the reason is printed).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.store import StoreUnavailable, open_store
from bot.store.migrate import HEAD


async def _run(url: str | None) -> int:
    store = await open_store(url)
    try:
        await store.check()
    except StoreUnavailable as exc:
        print(f"bloodpatch-bot: database unavailable: {exc.reason}", file=sys.stderr)
        return 3
    finally:
        await store.close()
    print(f"database at revision {HEAD} ({store.backend})")
    return 0


def main() -> int:
    logging.getLogger("bloodpatch.store").addHandler(logging.NullHandler())  # the reason is printed once, below
    return asyncio.run(_run(sys.argv[1] if len(sys.argv) > 1 else None))


if __name__ == "__main__":
    raise SystemExit(main())
