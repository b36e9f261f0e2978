"""the night's record keeps each letter type's render seconds as a step (`render.type.company_formal_notice`):
`run_stages.stage` holds names up to 60 characters

Revision ID: 0014_stage_names
Revises: 0013_claim_facts
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_stage_names"
down_revision = "0013_claim_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_stages", schema=None) as batch_op:
        batch_op.alter_column("stage", existing_type=sa.String(length=20), type_=sa.String(length=60),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("run_stages", schema=None) as batch_op:
        batch_op.alter_column("stage", existing_type=sa.String(length=60), type_=sa.String(length=20),
                              existing_nullable=False)
