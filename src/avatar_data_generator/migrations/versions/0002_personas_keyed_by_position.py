"""personas keyed by (task, batch, position)

The persona's UUID stays a column, but the primary key becomes the (task, batch, position)
triple that already made storage exactly-once: one index fewer to maintain on every insert,
and the key the exports read in.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:35:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_generation_results_task_id_batch_index_position", type_="unique"
        )
        batch_op.drop_constraint("pk_generation_results", type_="primary")
        batch_op.create_primary_key("pk_generation_results", ["task_id", "batch_index", "position"])


def downgrade() -> None:
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.drop_constraint("pk_generation_results", type_="primary")
        batch_op.create_primary_key("pk_generation_results", ["id"])
        batch_op.create_unique_constraint(
            "uq_generation_results_task_id_batch_index_position",
            ["task_id", "batch_index", "position"],
        )
