"""reliability (issue 12): a case's reference number indexed for suffix searches, a relative's
country of residence (national phone numbers are read for it)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _cases_up()
    _families_up()


def downgrade() -> None:
    _families_down()
    _cases_down()


# --- cases: the reference's sequence number, indexed ------------------------------------------


def _cases_up() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_number", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cases_reference_number"), ["reference_number"], unique=False
        )
    # References are AAA-YYYY-N… (cases/queries._REFERENCE): the number starts at the 10th
    # character. One statement on both databases (references are not personal data).
    op.execute("UPDATE cases SET reference_number = CAST(substr(reference, 10) AS INTEGER)")


def _cases_down() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_reference_number"))
        batch_op.drop_column("reference_number")


# --- families: a relative's country of residence (encrypted under the relative's key) ---------


def _families_up() -> None:
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country_of_residence_enc", sa.LargeBinary(), nullable=True))


def _families_down() -> None:
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.drop_column("country_of_residence_enc")
