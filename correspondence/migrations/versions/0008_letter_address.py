"""the recipient's address as fields of each letter (street line, city, country; postcode was there), so the
deposit list reads fields, not the template context; letters planned before stay NULL and fall back

Revision ID: 0008_letter_address
Revises: 0007_mailroom
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_letter_address"
down_revision = "0007_mailroom"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("street", sa.String(length=260), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("city")
        batch_op.drop_column("street")
