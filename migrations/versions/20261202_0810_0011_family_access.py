"""family access (issue 14): the reporting relative's status code (an HMAC of the code, an
argon2id hash of the secret, its expiry; one per case) and the status page's look-up throttles
(keyed by HMACs of the code typed and of the client address)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_access_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("relative_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_family_access_codes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"],
            ["relatives.id"],
            name=op.f("fk_family_access_codes_relative_id_relatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_access_codes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_family_access_codes_case_id")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_family_access_codes_code_hash")),
    )
    with op.batch_alter_table("family_access_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_access_codes_relative_id"), ["relative_id"], unique=False
        )
    op.create_table(
        "family_status_throttles",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_family_status_throttles")),
    )


def downgrade() -> None:
    op.drop_table("family_status_throttles")
    with op.batch_alter_table("family_access_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_access_codes_relative_id"))
    op.drop_table("family_access_codes")
