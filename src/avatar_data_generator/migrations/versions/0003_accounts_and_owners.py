"""accounts and owners: session epochs, last login, who created a task

`users.session_epoch` ends every session of a user when it is raised (logout, a password
change, "log out everywhere"); `users.last_login_at` is shown on the users page;
`generation_tasks.created_by` names the user who created a task (back-filled from `user_id`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on SQLite too (a literal server default needs no table copy).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("generation_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=80), nullable=True))
    op.execute(
        "UPDATE generation_tasks SET created_by = "
        "(SELECT username FROM users WHERE users.id = generation_tasks.user_id) "
        "WHERE user_id IS NOT NULL"
    )


def downgrade() -> None:
    # recreate="never": ALTER TABLE ... DROP COLUMN (SQLite 3.35+). Copying these tables on
    # SQLite drops the originals, and with foreign keys on, that deletes their tokens and
    # batches or nulls their tasks' user_id.
    with op.batch_alter_table("generation_tasks", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("created_by")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("session_epoch")
