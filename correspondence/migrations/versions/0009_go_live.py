"""go-live cut-over: `letters_sent` (what the former system sent, imported from letters_sent.csv) and
`former_letters` (events due before go-live, journaled as the former system's, never printed)

Revision ID: 0009_go_live
Revises: 0008_letter_address
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_go_live"
down_revision = "0008_letter_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letters_sent",
        sa.Column("recipient_type", sa.String(length=10), nullable=False),
        sa.Column("recipient_id", sa.String(length=20), nullable=False),
        sa.Column("letter_type", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("recipient_type", "recipient_id", "letter_type", "period", name=op.f("pk_letters_sent")),
        sa.UniqueConstraint("event_key", name=op.f("uq_letters_sent_event_key")),
    )
    op.create_table(
        "former_letters",
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("letter_type", sa.String(length=40), nullable=False),
        sa.Column("recipient_type", sa.String(length=10), nullable=False),
        sa.Column("recipient_id", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["run_date"], ["runs.run_date"], name=op.f("fk_former_letters_run_date_runs")),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_former_letters")),
    )
    op.create_index(op.f("ix_former_letters_run_date"), "former_letters", ["run_date"], unique=False)
    op.create_index(op.f("ix_former_letters_recipient_id"), "former_letters", ["recipient_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_former_letters_recipient_id"), table_name="former_letters")
    op.drop_index(op.f("ix_former_letters_run_date"), table_name="former_letters")
    op.drop_table("former_letters")
    op.drop_table("letters_sent")
