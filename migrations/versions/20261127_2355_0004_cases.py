"""cases: missing-person cases, vulnerabilities, timeline events and reference counters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_counters",
        sa.Column("prefix", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_reference_counters")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "active_search",
                "located_alive",
                "deceased_identified",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "closure_reason",
            sa.Enum(
                "located",
                "identified",
                "withdrawn_by_family",
                "duplicate",
                name="closure_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("duplicate_of_id", sa.Uuid(), nullable=True),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "other",
                "unknown",
                name="sex",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "age_band",
            sa.Enum(
                "0-4",
                "5-11",
                "12-17",
                "18-24",
                "25-34",
                "35-44",
                "45-59",
                "60+",
                name="age_band",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("last_seen_country", sa.String(length=2), nullable=True),
        sa.Column("last_seen_month", sa.Date(), nullable=True),
        sa.Column(
            "last_seen_precision",
            sa.Enum(
                "year",
                "month",
                "day",
                name="last_seen_precision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("route_countries", sa.JSON(), nullable=False),
        sa.Column(
            "event_type",
            sa.Enum(
                "shipwreck",
                "land_crossing",
                "desert_crossing",
                "detention",
                "other",
                name="event_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("protection_targets", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_names_enc", sa.LargeBinary(), nullable=True),
        sa.Column("family_names_enc", sa.LargeBinary(), nullable=True),
        sa.Column("aliases_enc", sa.LargeBinary(), nullable=True),
        sa.Column("date_of_birth_enc", sa.LargeBinary(), nullable=True),
        sa.Column("place_of_origin_enc", sa.LargeBinary(), nullable=True),
        sa.Column("identity_documents_enc", sa.LargeBinary(), nullable=True),
        sa.Column("last_seen_date_enc", sa.LargeBinary(), nullable=True),
        sa.Column("last_seen_place_enc", sa.LargeBinary(), nullable=True),
        sa.Column("circumstances_enc", sa.LargeBinary(), nullable=True),
        sa.Column("distinguishing_marks_enc", sa.LargeBinary(), nullable=True),
        sa.Column("clothing_and_belongings_enc", sa.LargeBinary(), nullable=True),
        sa.Column("protection_reasons_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_cases_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["cases.id"], name=op.f("fk_cases_duplicate_of_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cases_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_data_key_id"), ["data_key_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cases_duplicate_of_id"), ["duplicate_of_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_created_at"),
            ["organisation_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_last_seen_country"),
            ["organisation_id", "last_seen_country"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_last_seen_month"),
            ["organisation_id", "last_seen_month"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_nationality"),
            ["organisation_id", "nationality"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id_status"),
            ["organisation_id", "status"],
            unique=False,
        )

    op.create_table(
        "case_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "updated",
                "status_changed",
                "duplicate_linked",
                "linked_as_duplicate",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "reported",
                "active_search",
                "located_alive",
                "deceased_identified",
                "closed",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "reported",
                "active_search",
                "located_alive",
                "deceased_identified",
                "closed",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "closure_reason",
            sa.Enum(
                "located",
                "identified",
                "withdrawn_by_family",
                "duplicate",
                name="closure_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("related_case_id", sa.Uuid(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_keys.id"], name=op.f("fk_case_events_data_key_id_data_keys")
        ),
        sa.ForeignKeyConstraint(
            ["related_case_id"], ["cases.id"], name=op.f("fk_case_events_related_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_events_case_id_occurred_at"),
            ["case_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_case_events_data_key_id"), ["data_key_id"], unique=False
        )

    op.create_table(
        "case_vulnerabilities",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "vulnerability",
            sa.Enum(
                "child",
                "unaccompanied",
                "pregnant",
                "disability",
                "other",
                name="vulnerability",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_vulnerabilities_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "vulnerability", name=op.f("pk_case_vulnerabilities")),
    )
    with op.batch_alter_table("case_vulnerabilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_vulnerabilities_vulnerability_case_id"),
            ["vulnerability", "case_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_vulnerabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_vulnerabilities_vulnerability_case_id"))

    op.drop_table("case_vulnerabilities")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_data_key_id"))
        batch_op.drop_index(batch_op.f("ix_case_events_case_id_occurred_at"))

    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_status"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_nationality"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_last_seen_month"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_last_seen_country"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_cases_duplicate_of_id"))
        batch_op.drop_index(batch_op.f("ix_cases_data_key_id"))

    op.drop_table("cases")
    op.drop_table("reference_counters")
