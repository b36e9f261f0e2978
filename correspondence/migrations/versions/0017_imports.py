"""the import record (issue 22): each `correspondence import` (`imports`: when, the folder, the export's age
reference) and each file it read (`import_files`: sha256, rows read/new/changed/unchanged/rejected/gone), and
the import a night planned on (`runs.import_id`); `import_starts`: imports under way

Revision ID: 0017_imports
Revises: 0016_ebox
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_imports"
down_revision = "0016_ebox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_removals", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_finished_at"), "imports", ["finished_at"])
    op.create_table(
        "import_files",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("disappeared", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("checks", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_import_files_import_id_imports")),
        sa.PrimaryKeyConstraint("import_id", "name", name=op.f("pk_import_files")),
    )
    op.create_table(
        "import_starts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_starts")),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("import_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("import_id")
    op.drop_table("import_starts")
    op.drop_table("import_files")
    op.drop_index(op.f("ix_imports_finished_at"), table_name="imports")
    op.drop_table("imports")
