"""fiscal certificates on request: `statement_requests` gets `letter_type` (account_statement | fiscal_certificate)
and `year` (the year certified; 0 for an account statement), both in its key — the requests already imported
are account statements

Revision ID: 0011_certificate_requests
Revises: 0010_requests_and_income
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_certificate_requests"
down_revision = "0010_requests_and_income"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statement_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_type", sa.String(length=40), nullable=False,
                                      server_default="account_statement"))
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("pk_statement_requests", type_="primary")
        batch_op.create_primary_key("pk_statement_requests", ["affiliate_id", "requested_on", "letter_type", "year"])


def downgrade() -> None:
    op.execute("DELETE FROM statement_requests WHERE letter_type <> 'account_statement'")
    with op.batch_alter_table("statement_requests", schema=None) as batch_op:
        batch_op.drop_constraint("pk_statement_requests", type_="primary")
        batch_op.create_primary_key("pk_statement_requests", ["affiliate_id", "requested_on"])
        batch_op.drop_column("year")
        batch_op.drop_column("letter_type")
