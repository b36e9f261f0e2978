"""each letter's form (correspondence/render/forms.py): the digest of its context's structure, by which the
night counts the letters of a shape before filling any template (journal.stamped_forms)

Revision ID: 0018_letter_forms
Revises: 0017_imports
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_letter_forms"
down_revision = "0017_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("form", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("form")
