"""battery declarations keep every revision: one row per revision, linked to the one it replaced (issue 13)

Revision ID: h2redeclare
Revises: g16g
"""

from alembic import op
import sqlalchemy as sa


revision = 'h2redeclare'
down_revision = "g16g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('battery_declaration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_battery_declaration_organisation_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_battery_declaration_organisation_id'),
                                          ['organisation_id', 'model', 'plant', 'revision'])
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_battery_declaration_previous_id'), ['previous_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_battery_declaration_previous_id_battery_declaration'),
                                    'battery_declaration', ['previous_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    # only the newest revision of each model and plant survives (the schema before kept one row per pair)
    op.execute("DELETE FROM battery_declaration WHERE id IN (SELECT previous_id FROM battery_declaration "
               "WHERE previous_id IS NOT NULL)")
    with op.batch_alter_table('battery_declaration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_battery_declaration_previous_id_battery_declaration'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_battery_declaration_previous_id'))
        batch_op.drop_column('previous_id')
        batch_op.drop_constraint(batch_op.f('uq_battery_declaration_organisation_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_battery_declaration_organisation_id'),
                                          ['organisation_id', 'model', 'plant'])
