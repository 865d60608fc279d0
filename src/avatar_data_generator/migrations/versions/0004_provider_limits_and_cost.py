"""provider limits and cost: shared pauses, adaptive concurrency, tokens in and out, cost

`provider_state` pauses a provider for every process (a Retry-After, or an outage the breaker
saw); `provider_limits` holds each process's current adaptive concurrency; tasks gain prompt and
completion tokens, their cost and the number of failed provider calls.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_state",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.String(length=20), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_state")),
    )
    op.create_table(
        "provider_limits",
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("maximum", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "provider", name=op.f("pk_provider_limits")),
    )
    with op.batch_alter_table("generation_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens_in", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tokens_out", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cost", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("provider_errors", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    # recreate="never": ALTER TABLE ... DROP COLUMN; a table copy on SQLite would cascade.
    with op.batch_alter_table("generation_tasks", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("provider_errors")
        batch_op.drop_column("cost")
        batch_op.drop_column("tokens_out")
        batch_op.drop_column("tokens_in")
    op.drop_table("provider_limits")
    op.drop_table("provider_state")
