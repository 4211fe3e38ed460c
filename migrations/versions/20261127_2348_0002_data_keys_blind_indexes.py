"""Data keys (one per data subject, wrapped by a versioned KEK) and blind-index entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:48:06.352597
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_kek_version"), ["kek_version"], unique=False)

    op.create_table(
        "blind_index_entries",
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_blind_index_entries_data_key_id_data_keys"),
        ),
        sa.PrimaryKeyConstraint("field", "token", "owner_id", name=op.f("pk_blind_index_entries")),
    )
    with op.batch_alter_table("blind_index_entries", schema=None) as batch_op:
        batch_op.create_index("ix_blind_index_entries_data_key_id", ["data_key_id"], unique=False)
        batch_op.create_index("ix_blind_index_entries_owner", ["owner_id", "field"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blind_index_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_blind_index_entries_owner")
        batch_op.drop_index("ix_blind_index_entries_data_key_id")

    op.drop_table("blind_index_entries")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_kek_version"))

    op.drop_table("data_keys")
