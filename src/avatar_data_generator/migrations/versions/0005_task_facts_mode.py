"""task facts mode: who decides a persona's facts, the population sampler or the model

`generation_tasks.facts` is `sampled` (the default: the sampler draws every fact and the model
writes only the prose) or `model` (the model invents every fact, as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generation_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("facts", sa.String(length=10), server_default="sampled", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("generation_tasks", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("facts")
