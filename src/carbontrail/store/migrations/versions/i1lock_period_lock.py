"""reporting periods locked for verification (issue 17)

Revision ID: i1lock
Revises: h3monitor
Create Date: 2026-12-04 19:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i1lock'
down_revision = 'h3monitor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_by', sa.String(length=254), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.drop_column('locked_by')
        batch_op.drop_column('locked_at')
