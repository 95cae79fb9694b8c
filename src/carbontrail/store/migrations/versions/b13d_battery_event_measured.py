"""battery events keep a test's state-of-health measurements

Revision ID: b13d
Revises: x13c
"""

from alembic import op
import sqlalchemy as sa


revision = "b13d"
down_revision = "x13c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("battery_event") as batch:
        batch.add_column(sa.Column("measured", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("battery_event") as batch:
        batch.drop_column("measured")
