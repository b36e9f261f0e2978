"""the night's own record: stage timings per attempt, rule parameter periods consulted

Revision ID: 0006_night
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_night"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_stages",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_date", "attempt", "stage", name=op.f("pk_run_stages")),
    )
    op.create_table(
        "run_parameters",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("run_date", "name", "valid_from", name=op.f("pk_run_parameters")),
    )


def downgrade() -> None:
    op.drop_table("run_parameters")
    op.drop_table("run_stages")
