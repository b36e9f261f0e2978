"""the e-Box (issue 20): who chose it (`ebox_consents`, from ebox.csv) and, per letter, what the e-Box answered
(message id, answer, first try, tries) and the night whose print files took a letter it could not deliver

Revision ID: 0016_ebox
Revises: 0015_desk
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_ebox"
down_revision = "0015_desk"
branch_labels = None
depends_on = None

LETTER_COLUMNS = (
    sa.Column("ebox_message_id", sa.String(length=80), nullable=True),
    sa.Column("ebox_answer", sa.String(length=200), nullable=True),
    sa.Column("ebox_first_try", sa.Date(), nullable=True),
    sa.Column("ebox_tries", sa.Integer(), nullable=True),
    sa.Column("print_night", sa.Date(), nullable=True),
)


def upgrade() -> None:
    op.create_table(
        "ebox_consents",
        sa.Column("recipient_type", sa.String(length=10), nullable=False),
        sa.Column("recipient_id", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("recipient_type", "recipient_id", "since", name=op.f("pk_ebox_consents")),
    )
    with op.batch_alter_table("letters") as batch:
        for column in LETTER_COLUMNS:
            batch.add_column(column)
        batch.create_index("ix_letters_print_night", ["print_night"])


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_index("ix_letters_print_night")
        for column in reversed(LETTER_COLUMNS):
            batch.drop_column(column.name)
    op.drop_table("ebox_consents")
