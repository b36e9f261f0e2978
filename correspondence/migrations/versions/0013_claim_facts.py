"""a claim names the other benefit it is refused for (`claims.other_benefit_kind`) and the day its request became
complete (`claims.completed_on`, when its last document came after it was received); NULL when not given

Revision ID: 0013_claim_facts
Revises: 0012_benefit_payments
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_claim_facts"
# The lead chains this after the newest revision when merging (0011, 0012 are other branches').
down_revision = "0012_benefit_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_benefit_kind", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("completed_on")
        batch_op.drop_column("other_benefit_kind")
