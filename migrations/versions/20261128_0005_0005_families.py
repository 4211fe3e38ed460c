"""families: relatives, consents, notifications, erasure tombstones, no-relative-reachable records

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 00:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_unreachable_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_family_unreachable_records_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_family_unreachable_records_data_key_id_data_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_unreachable_records")),
    )
    with op.batch_alter_table("family_unreachable_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_unreachable_records_case_id_recorded_at"),
            ["case_id", "recorded_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_family_unreachable_records_data_key_id"), ["data_key_id"], unique=False
        )

    op.create_table(
        "relatives",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("preferred_language", sa.String(length=35), nullable=True),
        sa.Column(
            "preferred_channel",
            sa.Enum(
                "in_person",
                "phone",
                "video",
                "letter",
                "email",
                "sms",
                "messaging_app",
                "other",
                name="contact_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("is_reporting_person", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("relationship_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("address_enc", sa.LargeBinary(), nullable=True),
        sa.Column("safety_note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_relatives_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_relatives_data_key_id_data_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relatives")),
    )
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relatives_case_id_created_at"), ["case_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_relatives_data_key_id"), ["data_key_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relative_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "contact",
                "tracing",
                "identification",
                "dna",
                name="consent_purpose",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("evidence_reference_enc", sa.LargeBinary(), nullable=True),
        sa.Column("withdrawal_reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_consents_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"], ["relatives.id"], name=op.f("fk_consents_relative_id_relatives")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_data_key_id"), ["data_key_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consents_relative_id_purpose"), ["relative_id", "purpose"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relative_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "acknowledgement",
                "progress_update",
                "dna_sample_request",
                "identification",
                "repatriation",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("delivered_date", sa.Date(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "in_person",
                "phone",
                "video",
                "letter",
                "other",
                name="notification_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("officer_id", sa.Uuid(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "delivered",
                "not_reached",
                "declined",
                "rescheduled",
                name="notification_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "support_offered",
            sa.Enum(
                "none",
                "offered",
                "referred",
                name="support_offered",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("follow_up_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_notifications_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_notifications_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"], ["relatives.id"], name=op.f("fk_notifications_relative_id_relatives")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_case_id_follow_up_due"),
            ["case_id", "follow_up_due"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_case_id_planned_date"),
            ["case_id", "planned_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_data_key_id"), ["data_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_relative_id_planned_date"),
            ["relative_id", "planned_date"],
            unique=False,
        )

    op.create_table(
        "relative_erasures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relative_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_by", sa.Uuid(), nullable=True),
        sa.Column("index_entries_removed", sa.Integer(), nullable=False),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_relative_erasures_data_key_id_data_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"],
            ["relatives.id"],
            name=op.f("fk_relative_erasures_relative_id_relatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relative_erasures")),
        sa.UniqueConstraint("relative_id", name=op.f("uq_relative_erasures_relative_id")),
    )
    with op.batch_alter_table("relative_erasures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relative_erasures_data_key_id"), ["data_key_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relative_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relative_erasures_data_key_id"))

    op.drop_table("relative_erasures")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_relative_id_planned_date"))
        batch_op.drop_index(batch_op.f("ix_notifications_data_key_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_case_id_planned_date"))
        batch_op.drop_index(batch_op.f("ix_notifications_case_id_follow_up_due"))

    op.drop_table("notifications")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_relative_id_purpose"))
        batch_op.drop_index(batch_op.f("ix_consents_data_key_id"))

    op.drop_table("consents")
    with op.batch_alter_table("relatives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relatives_data_key_id"))
        batch_op.drop_index(batch_op.f("ix_relatives_case_id_created_at"))

    op.drop_table("relatives")
    with op.batch_alter_table("family_unreachable_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_unreachable_records_data_key_id"))
        batch_op.drop_index(batch_op.f("ix_family_unreachable_records_case_id_recorded_at"))

    op.drop_table("family_unreachable_records")
