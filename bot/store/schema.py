"""The tables, as SQLAlchemy Core objects that queries use; migrations/versions create the same ones.

Why Core and not the ORM: every write is one small statement (often an upsert), and
plain tables keep that visible. All times are naive UTC (`bot.store.store` converts);
table names start with `bp_` so the store can share a PostgreSQL database with others.
A test checks that the migrations produce exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
)

VERSION_TABLE = "bp_alembic_version"
HASH_LEN = 32
SCOPE_LEN = 80
TOPIC_LEN = 64
ITEM_LEN = 41
TEXT_LEN = 600
EVENT_LEN = 200

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Installation-wide values: the user salt ("user_salt").
meta = Table(
    "bp_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

# Named integers changed atomically: "reload" (publish_reload / reload_version).
counters = Table(
    "bp_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Event ids already handled (button presses, platform retries); the primary key makes a repeat fail.
events = Table(
    "bp_events",
    metadata,
    Column("event_key", String(EVENT_LEN), primary_key=True),
    Column("expires_at", DateTime, nullable=False, index=True),
)

scores = Table(
    "bp_scores",
    metadata,
    Column("user_hash", String(HASH_LEN), primary_key=True),
    Column("scope", String(SCOPE_LEN), nullable=False, index=True),
    Column("answered", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("streak", Integer, nullable=False),
    Column("best_streak", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One user's Leitner state per item.
progress = Table(
    "bp_quiz_progress",
    metadata,
    Column("user_hash", String(HASH_LEN), primary_key=True),
    Column("item_id", String(ITEM_LEN), primary_key=True),
    Column("box", SmallInteger, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("seen", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
)

# Anonymous per-item totals; first_* count each user's first answer only ("most people get it wrong").
item_stats = Table(
    "bp_item_stats",
    metadata,
    Column("item_id", String(ITEM_LEN), primary_key=True),
    Column("answered", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("first_answered", Integer, nullable=False),
    Column("first_correct", Integer, nullable=False),
)

leaderboard = Table(
    "bp_leaderboard",
    metadata,
    Column("user_hash", String(HASH_LEN), primary_key=True),
    Column("scope", String(SCOPE_LEN), nullable=False, index=True),
    Column("display_name", String(32), nullable=False),
    Column("opted_in_at", DateTime, nullable=False),
)

# Per server/workspace settings: keep_text = an admin opted in to keeping redacted question text.
scopes = Table(
    "bp_scopes",
    metadata,
    Column("scope", String(SCOPE_LEN), primary_key=True),
    Column("keep_text", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Anonymous daily counts of answered questions by topic ("" for none) and answer kind.
ask_counts = Table(
    "bp_ask_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("topic", String(TOPIC_LEN), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("audience", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
)

# Anonymous daily counts of Helpful / Not helpful / Not what I asked by topic.
feedback_counts = Table(
    "bp_feedback_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("topic", String(TOPIC_LEN), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("audience", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
)

# Redacted question text, only from opted-in scopes, deleted after the retention limit.
question_texts = Table(
    "bp_question_texts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("category", String(20), nullable=False),  # not_found | out_of_scope | clarify | not_asked
    Column("topic", String(TOPIC_LEN), nullable=True),  # the topic answered or guessed, if any
    Column("audience", String(10), nullable=False),
    Column("scope", String(SCOPE_LEN), nullable=False),
    Column("user_hash", String(HASH_LEN), nullable=True, index=True),  # so `forget` removes it too
    Column("text", String(TEXT_LEN), nullable=False),
)

daily_channels = Table(
    "bp_daily_channels",
    metadata,
    Column("channel", String(SCOPE_LEN), primary_key=True),
    Column("scope", String(SCOPE_LEN), nullable=False),
    Column("hour_utc", SmallInteger, nullable=False),
    Column("topic", String(TOPIC_LEN), nullable=True),
    Column("audience", String(10), nullable=True),
    Column("last_posted", Date, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

Index("ix_bp_daily_channels_hour_utc", daily_channels.c.hour_utc)
