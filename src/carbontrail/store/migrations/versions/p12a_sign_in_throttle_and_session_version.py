"""sign-in throttle, session version, auth state counter

Revision ID: p12a
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "p12a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_table(
        "auth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_state")),
    )


def downgrade() -> None:
    op.drop_table("auth_state")
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_version")
