"""the mailroom's record of every file in a night's folder (path, size, sha256) for `mailroom verify`

Revision ID: 0007_mailroom
Revises: 0006_night
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_mailroom"
down_revision = "0006_night"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mailroom_files",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_date", "path", name=op.f("pk_mailroom_files")),
    )


def downgrade() -> None:
    op.drop_table("mailroom_files")
