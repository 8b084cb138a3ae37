"""indexes on every column that references a contact; the search index's version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 23:59:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# A person's access request and erasure read these tables by contact_id, and deleting a contact makes
# PostgreSQL check each of them for references: without an index every one is a full scan, which at a
# million accounts is millions of rows per request.
_CONTACT_INDEXES = ('activities', 'opportunity_contacts', 'survey_responses', 'tasks', 'tickets')


def upgrade() -> None:
    op.create_table('index_versions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_index_versions'))
    )
    for table in _CONTACT_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    for table in _CONTACT_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_contact_id'))
    op.drop_table('index_versions')
