"""Initial schema: quiz progress and scores, leaderboard, feedback and ask counts, opted-in question text,
daily-question channels, event dedupe, reload counter, installation salt.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 21:10:55.289713
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bp_ask_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "topic", "kind", "audience", name=op.f("pk_bp_ask_counts")),
    )
    op.create_table(
        "bp_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_bp_counters")),
    )
    op.create_table(
        "bp_daily_channels",
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("hour_utc", sa.SmallInteger(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=True),
        sa.Column("last_posted", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_bp_daily_channels")),
    )
    op.create_index("ix_bp_daily_channels_hour_utc", "bp_daily_channels", ["hour_utc"])

    op.create_table(
        "bp_events",
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_bp_events")),
    )
    op.create_index(op.f("ix_bp_events_expires_at"), "bp_events", ["expires_at"])

    op.create_table(
        "bp_feedback_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "topic", "kind", "audience", name=op.f("pk_bp_feedback_counts")),
    )
    op.create_table(
        "bp_item_stats",
        sa.Column("item_id", sa.String(length=41), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("first_answered", sa.Integer(), nullable=False),
        sa.Column("first_correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_bp_item_stats")),
    )
    op.create_table(
        "bp_leaderboard",
        sa.Column("user_hash", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=32), nullable=False),
        sa.Column("opted_in_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_hash", name=op.f("pk_bp_leaderboard")),
    )
    op.create_index(op.f("ix_bp_leaderboard_scope"), "bp_leaderboard", ["scope"])

    op.create_table(
        "bp_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bp_meta")),
    )
    op.create_table(
        "bp_question_texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("user_hash", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=600), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bp_question_texts")),
    )
    op.create_index(op.f("ix_bp_question_texts_created_at"), "bp_question_texts", ["created_at"])
    op.create_index(op.f("ix_bp_question_texts_user_hash"), "bp_question_texts", ["user_hash"])

    op.create_table(
        "bp_quiz_progress",
        sa.Column("user_hash", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=41), nullable=False),
        sa.Column("box", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_hash", "item_id", name=op.f("pk_bp_quiz_progress")),
    )
    op.create_table(
        "bp_scopes",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("keep_text", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_bp_scopes")),
    )
    op.create_table(
        "bp_scores",
        sa.Column("user_hash", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("best_streak", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_hash", name=op.f("pk_bp_scores")),
    )
    op.create_index(op.f("ix_bp_scores_scope"), "bp_scores", ["scope"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bp_scores_scope"), table_name="bp_scores")

    op.drop_table("bp_scores")
    op.drop_table("bp_scopes")
    op.drop_table("bp_quiz_progress")
    op.drop_index(op.f("ix_bp_question_texts_user_hash"), table_name="bp_question_texts")
    op.drop_index(op.f("ix_bp_question_texts_created_at"), table_name="bp_question_texts")

    op.drop_table("bp_question_texts")
    op.drop_table("bp_meta")
    op.drop_index(op.f("ix_bp_leaderboard_scope"), table_name="bp_leaderboard")

    op.drop_table("bp_leaderboard")
    op.drop_table("bp_item_stats")
    op.drop_table("bp_feedback_counts")
    op.drop_index(op.f("ix_bp_events_expires_at"), table_name="bp_events")

    op.drop_table("bp_events")
    op.drop_index("ix_bp_daily_channels_hour_utc", table_name="bp_daily_channels")

    op.drop_table("bp_daily_channels")
    op.drop_table("bp_counters")
    op.drop_table("bp_ask_counts")
