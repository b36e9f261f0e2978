"""the benefits the fund paid on a claim (`benefit_payments`, imported from benefit_payments.csv: a recovery
claims back what was paid) and the day the fund learnt of the cared-for person's death
(`claims.death_reported_on`, NULL when not given)

Revision ID: 0012_benefit_payments
Revises: 0010_requests_and_income
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_benefit_payments"
down_revision = "0011_certificate_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "benefit_payments",
        sa.Column("claim_id", sa.String(length=30), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.claim_id"], name=op.f("fk_benefit_payments_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("claim_id", "month", "paid_on", name=op.f("pk_benefit_payments")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("death_reported_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("death_reported_on")
    op.drop_table("benefit_payments")
