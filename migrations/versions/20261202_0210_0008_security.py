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
    # The head's time and its tag: HMAC under the audit key (held in the key file, never here)
    # over (seq, hash, time), so a head reset to an earlier event is detected. An existing
    # head keeps a NULL tag until `casework audit reseal` recomputes its links under the key.
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("tag", sa.String(length=64), nullable=True))


def _audit_down() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("tag")
        batch_op.drop_column("at")


# --- keys: data keys bound to their organisation and subject kind ------------------------------


def _keys_up() -> None:
    # Each data key records its owning organisation and how its wrapping is bound. Keys that
    # exist now were wrapped binding the subject id only (binding 1); the migration cannot
    # re-wrap them (it has no key file), so `casework keys rotate` (or `keys rotate --resume`,
    # which adds no KEK) re-wraps them bound to id, kind and organisation (binding 2).
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("binding", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("shredded_kek_version", sa.Integer(), nullable=True))
    op.execute("UPDATE data_keys SET binding = 1")
    for kind, owner in (
        ("case", "SELECT c.organisation_id FROM cases c WHERE c.data_key_id = data_keys.id"),
        ("remains", "SELECT r.organisation_id FROM remains r WHERE r.data_key_id = data_keys.id"),
        (
            "relative",
            "SELECT c.organisation_id FROM relatives r JOIN cases c ON c.id = r.case_id "
            "WHERE r.data_key_id = data_keys.id",
        ),
    ):
        op.execute(
            f"UPDATE data_keys SET organisation_id = ({owner}) "  # noqa: S608 - constants only
            f"WHERE subject_type = '{kind}'"
        )
    # Keys shredded before this revision: which KEK wrapped them is unknown; the newest KEK in
    # use now is the latest that can have, so `keys shred`/`keys status` report a retirement
    # as due until that KEK is destroyed.
    op.execute(
        "UPDATE data_keys SET shredded_kek_version = "
        "(SELECT COALESCE(MAX(k.kek_version), 1) FROM data_keys k) "
        "WHERE wrapped_key IS NULL"
    )


def _keys_down() -> None:
    # Keys wrapped with binding 2 do not open under the old code: downgrade after re-wrapping
    # is not possible without the key file. The columns go; those keys stay wrapped as they are.
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_column("shredded_kek_version")
        batch_op.drop_column("binding")
        batch_op.drop_column("organisation_id")


# --- auth: throttling, role approvals, passwords, sessions --------------------------------------


def _auth_up() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_reason", sa.String(length=32), nullable=True))
    op.create_table(
        "role_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "focal_point",
                "family_liaison",
                "forensic",
                "partner",
                "auditor",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="role_request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_role_requests_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_role_requests_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_role_requests_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_requests")),
    )
    with op.batch_alter_table("role_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_requests_organisation_id"), ["organisation_id"], unique=False
        )


def _auth_down() -> None:
    with op.batch_alter_table("role_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_requests_organisation_id"))
    op.drop_table("role_requests")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("ended_reason")


# --- mfa: TOTP secrets, recovery codes -----------------------------------------------------------


def _mfa_up() -> None:
    op.create_table(
        "user_mfa",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_user_mfa_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_mfa_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_mfa")),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_mfa_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mfa_recovery_codes_user_id"), ["user_id"], unique=False
        )


def _mfa_down() -> None:
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_recovery_codes_user_id"))
    op.drop_table("mfa_recovery_codes")
    op.drop_table("user_mfa")
