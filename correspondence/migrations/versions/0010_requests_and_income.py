"""account statements on request (`statement_requests`, imported from statement_requests.csv) and a
regularisation's reference income (`contributions.income`, NULL when not given)

Revision ID: 0010_requests_and_income
Revises: 0009_go_live
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_requests_and_income"
down_revision = "0009_go_live"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_requests",
        sa.Column("affiliate_id", sa.String(length=20), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("affiliate_id", "requested_on", name=op.f("pk_statement_requests")),
    )
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("income", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_column("income")
    op.drop_table("statement_requests")
