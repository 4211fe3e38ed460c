"""security hardening (issue 11): keyed audit chain and signed head, data keys bound to their
organisation, sign-in throttling per account and address, MFA, role approvals, sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:10:00

One revision with one section per part of the work; each section's functions belong to that
part (audit, keys, auth, mfa).
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _audit_up()
    _keys_up()
    _auth_up()
    _mfa_up()


def downgrade() -> None:
    _mfa_down()
    _auth_down()
    _keys_down()
    _audit_down()


# --- audit: keyed chain, signed head ------------------------------------------------------------


def _audit_up() -> None:
    pass


def _audit_down() -> None:
    pass


# --- keys: data keys bound to their organisation and subject kind ------------------------------


def _keys_up() -> None:
    pass


def _keys_down() -> None:
    pass


# --- auth: throttling, role approvals, passwords, sessions --------------------------------------


def _auth_up() -> None:
    pass


def _auth_down() -> None:
    pass


# --- mfa: TOTP secrets, recovery codes -----------------------------------------------------------


def _mfa_up() -> None:
    pass


def _mfa_down() -> None:
    pass
