"""computed product-footprint results, and the result each PACT footprint version was made from

Revision ID: x13c
Revises: p12a
"""

from alembic import op
import sqlalchemy as sa


revision = 'x13c'
down_revision = "p12a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_footprint_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('model_key', sa.String(length=64), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('model_digest', sa.String(length=64), nullable=False),
    sa.Column('inputs_digest', sa.String(length=64), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('allocation', sa.String(length=16), nullable=False),
    sa.Column('boundary', sa.String(length=16), nullable=False),
    sa.Column('assessment', sa.String(length=8), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('fossil_kg_per_unit', sa.Float(), nullable=False),
    sa.Column('biogenic_kg_per_unit', sa.Float(), nullable=False),
    sa.Column('primary_data_share', sa.Float(), nullable=False),
    sa.Column('dqr_technological', sa.Float(), nullable=True),
    sa.Column('dqr_temporal', sa.Float(), nullable=True),
    sa.Column('dqr_geographical', sa.Float(), nullable=True),
    sa.Column('supplier_inputs', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_product_footprint_result_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_footprint_result'))
    )
    with op.batch_alter_table('product_footprint_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_footprint_result_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_footprint_result_inputs_digest'), ['inputs_digest'], unique=False)
    with op.batch_alter_table('pact_footprint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pact_footprint_result_id'), ['result_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pact_footprint_result_id_product_footprint_result'), 'product_footprint_result', ['result_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('pact_footprint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pact_footprint_result_id_product_footprint_result'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pact_footprint_result_id'))
        batch_op.drop_column('result_id')
    with op.batch_alter_table('product_footprint_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_footprint_result_inputs_digest'))
        batch_op.drop_index(batch_op.f('ix_product_footprint_result_organisation_id'))
    op.drop_table('product_footprint_result')
