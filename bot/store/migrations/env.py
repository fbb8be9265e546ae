"""Alembic environment for the store: always given a live connection by `bot.store.migrate`.

Why no alembic.ini: an installed package has none in the working directory, so
`bot.store.migrate.alembic_config()` builds the config in code and passes the
connection (already inside the transaction that holds the migration lock).
"""

from __future__ import annotations

from alembic import context

from bot.store.schema import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "bloodpatch-bot migrations run from bot.store (open_store or `python -m bot.store URL`), "
        "not from the alembic command line without a connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
