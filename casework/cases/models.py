"""Tables of the case registry: cases, their vulnerabilities, timeline events, reference counters.

Personal fields are `Encrypted` under the case's data key; only non-identifying values used for
search and statistics (sex, age band, nationality, last-seen country and month, route, event
type, vulnerabilities, protection-flag targets) are stored in clear.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from casework.auth.models import User, str_enum
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_time_uuid, new_uuid, utcnow
from casework.keys import Encrypted, EncryptedMixin


class CaseStatus(enum.StrEnum):
    reported = "reported"
    active_search = "active_search"
    located_alive = "located_alive"
    deceased_identified = "deceased_identified"
    closed = "closed"


class ClosureReason(enum.StrEnum):
    located = "located"
    identified = "identified"
    withdrawn_by_family = "withdrawn_by_family"
    duplicate = "duplicate"


class Sex(enum.StrEnum):
    female = "female"
    male = "male"
    other = "other"
    unknown = "unknown"


class AgeBand(enum.StrEnum):
    age_0_4 = "0-4"
    age_5_11 = "5-11"
    age_12_17 = "12-17"
    age_18_24 = "18-24"
    age_25_34 = "25-34"
    age_35_44 = "35-44"
    age_45_59 = "45-59"
    age_60_plus = "60+"


class EventType(enum.StrEnum):
    shipwreck = "shipwreck"
    land_crossing = "land_crossing"
    desert_crossing = "desert_crossing"
    detention = "detention"
    other = "other"


class Vulnerability(enum.StrEnum):
    child = "child"
    unaccompanied = "unaccompanied"
    pregnant = "pregnant"
    disability = "disability"
    other = "other"


class DatePrecision(enum.StrEnum):
    year = "year"
    month = "month"
    day = "day"


class TimelineKind(enum.StrEnum):
    created = "created"
    updated = "updated"
    status_changed = "status_changed"
    duplicate_linked = "duplicate_linked"
    linked_as_duplicate = "linked_as_duplicate"
    # Recorded by the domains above the registry (the DNA and identification domains).
    dna_custody = "dna_custody"
    identification_recorded = "identification_recorded"
    identification_confirmed = "identification_confirmed"
    identification_rejected = "identification_rejected"


class DocumentKind(enum.StrEnum):
    passport = "passport"
    national_id = "national_id"
    birth_certificate = "birth_certificate"
    driving_licence = "driving_licence"
    consular_card = "consular_card"
    other = "other"


class ProtectionKind(enum.StrEnum):
    country = "country"
    organisation = "organisation"


def reference_number_of(reference: str | None) -> int | None:
    """The sequence number at the end of a case reference (SLV-2026-000123 → 123), or None."""
    tail = (reference or "").rpartition("-")[2]
    return int(tail) if tail.isascii() and tail.isdigit() else None


def joined_names(given: str | None, family: str | None, aliases: list[str] | None) -> str:
    """Given names, family names and aliases as one string (empty parts left out)."""
    return " ".join(p for p in (given, family, *(aliases or [])) if p)


class Case(EncryptedMixin, Base):
    """A missing person's case, owned by the organisation that registered it."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(None, "organisation_id", "status"),
        Index(None, "organisation_id", "nationality"),
        Index(None, "organisation_id", "last_seen_country"),
        Index(None, "organisation_id", "last_seen_month"),
        Index(None, "organisation_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The reference's sequence number (000123 of SLV-2026-000123), indexed: a search for the end
    # of a reference is an index look-up, not a scan. Set with the reference (see below).
    reference_number: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "case_status"), default=CaseStatus.reported
    )
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        str_enum(ClosureReason, "closure_reason"), nullable=True
    )
    # Optimistic locking: every write claims `version` with UPDATE … WHERE version = :seen.
    version: Mapped[int] = mapped_column(Integer, default=1)
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id"), nullable=True, index=True
    )

    # In clear: non-identifying values for search and statistics.
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), default=Sex.unknown)
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, "age_band"), nullable=True)
    nationality: Mapped[str | None] = mapped_column(String(2), nullable=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_seen_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # First day of the last-seen month (January for a year-only date) and the date's precision;
    # the exact day stays encrypted in last_seen_date.
    last_seen_month: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_seen_precision: Mapped[DatePrecision | None] = mapped_column(
        str_enum(DatePrecision, "last_seen_precision"), nullable=True
    )
    route_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Stature as the family describes it (a range in centimetres), for matching with remains.
    stature_min_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stature_max_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event_type: Mapped[EventType | None] = mapped_column(
        str_enum(EventType, "event_type"), nullable=True
    )
    # [{"kind": "country"|"organisation", "value": ISO2 or organisation id}] — the reasons, which
    # may describe persecution, are encrypted in protection_reasons (same order).
    protection_targets: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Encrypted under the case's data key.
    given_names_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    family_names_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    aliases_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    date_of_birth_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    place_of_origin_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    identity_documents_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    last_seen_date_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    last_seen_place_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    circumstances_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    distinguishing_marks_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    clothing_and_belongings_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    protection_reasons_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    #: The one declaration of which category each field (as the API names it) belongs to:
    #: the access gateway, response shaping and the audit trail all read it. Fields not named
    #: here (reference, status, version, dates of the record) are not personal.
    __categories__: ClassVar[dict[str, Category]] = {
        "given_names": Category.identity,
        "family_names": Category.identity,
        "aliases": Category.identity,
        "sex": Category.identity,
        "date_of_birth": Category.identity,
        "age_band": Category.identity,
        "nationality": Category.identity,
        "languages": Category.identity,
        "place_of_origin": Category.identity,
        "identity_documents": Category.identity,
        "last_seen_date": Category.circumstances,
        "last_seen_country": Category.circumstances,
        "last_seen_place": Category.circumstances,
        "route_countries": Category.circumstances,
        "event_type": Category.circumstances,
        "circumstances": Category.circumstances,
        "vulnerabilities": Category.circumstances,
        "protection_flags": Category.circumstances,
        "protection_reasons": Category.circumstances,
        "has_protection_flags": Category.circumstances,
        # Columns behind those fields, as pages read them.
        "protection_targets": Category.circumstances,
        "last_seen_month": Category.circumstances,
        "last_seen_precision": Category.circumstances,
        "vulnerability_rows": Category.circumstances,
        "stature_min_cm": Category.physical_description,
        "stature_max_cm": Category.physical_description,
        "distinguishing_marks": Category.physical_description,
        "clothing_and_belongings": Category.physical_description,
    }

    given_names = Encrypted("given_names_enc")
    family_names = Encrypted("family_names_enc")
    aliases = Encrypted("aliases_enc", kind="json")
    # Approximate dates are stored as YYYY, YYYY-MM or YYYY-MM-DD: the precision is the format.
    date_of_birth = Encrypted("date_of_birth_enc")
    place_of_origin = Encrypted("place_of_origin_enc")
    identity_documents = Encrypted("identity_documents_enc", kind="json")
    last_seen_date = Encrypted("last_seen_date_enc")
    last_seen_place = Encrypted("last_seen_place_enc")
    circumstances = Encrypted("circumstances_enc")
    distinguishing_marks = Encrypted("distinguishing_marks_enc")
    clothing_and_belongings = Encrypted("clothing_and_belongings_enc")
    protection_reasons = Encrypted("protection_reasons_enc", kind="json")

    vulnerability_rows: Mapped[list[CaseVulnerability]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CaseVulnerability.vulnerability"
    )
    duplicate_of: Mapped[Case | None] = relationship(
        remote_side=[id], back_populates="duplicates", lazy="select"
    )
    duplicates: Mapped[list[Case]] = relationship(
        back_populates="duplicate_of", lazy="select", order_by="Case.created_at"
    )

    def __repr__(self) -> str:  # never a personal value
        return f"<Case {self.reference} {self.status}>"

    @validates("reference")
    def _number_follows_reference(self, _key: str, reference: str | None) -> str | None:
        self.reference_number = reference_number_of(reference)
        return reference

    @property
    def vulnerabilities(self) -> list[str]:
        present = {row.vulnerability for row in self.vulnerability_rows}
        return [v.value for v in Vulnerability if v in present]

    @property
    def protection_flags(self) -> list[dict[str, Any]]:
        reasons = self.protection_reasons or []
        return [
            {**target, "reason": reasons[i] if i < len(reasons) else None}
            for i, target in enumerate(self.protection_targets or [])
        ]

    @property
    def all_names(self) -> str:
        """Given names, family names and aliases as one string, for name matching."""
        return joined_names(self.given_names, self.family_names, self.aliases)

    @property
    def duplicate_of_reference(self) -> str | None:
        return self.duplicate_of.reference if self.duplicate_of else None

    @property
    def linked_duplicates(self) -> list[str]:
        return [c.reference for c in self.duplicates]


class CaseVulnerability(Base):
    """One vulnerability flag of a case: a row per flag, so the filter uses an index."""

    __tablename__ = "case_vulnerabilities"
    __table_args__ = (Index(None, "vulnerability", "case_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    vulnerability: Mapped[Vulnerability] = mapped_column(
        str_enum(Vulnerability, "vulnerability"), primary_key=True
    )


class CaseEvent(EncryptedMixin, Base):
    """One entry of a case's timeline: who did what, when, and their note (encrypted)."""

    __tablename__ = "case_events"
    __table_args__ = (Index(None, "case_id", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[TimelineKind] = mapped_column(str_enum(TimelineKind, "kind"))
    from_status: Mapped[CaseStatus | None] = mapped_column(
        str_enum(CaseStatus, "from_status"), nullable=True
    )
    to_status: Mapped[CaseStatus | None] = mapped_column(
        str_enum(CaseStatus, "to_status"), nullable=True
    )
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        str_enum(ClosureReason, "closure_reason"), nullable=True
    )
    related_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    # Names of the fields a change touched, never their values.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A non-personal detail of events recorded by higher domains (e.g. the custody step
    # "shipped", an identification's method); never a personal value.
    detail: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {"note": Category.circumstances}
    note = Encrypted("note_enc")

    case: Mapped[Case] = relationship(foreign_keys=[case_id], lazy="joined", innerjoin=True)
    related_case: Mapped[Case | None] = relationship(foreign_keys=[related_case_id], lazy="select")
    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.kind} v{self.version}>"

    @property
    def case_reference(self) -> str:
        return self.case.reference

    @property
    def related_case_reference(self) -> str | None:
        return self.related_case.reference if self.related_case else None

    @property
    def actor_email(self) -> str | None:
        return self.actor.email if self.actor else None


class ReferenceCounter(Base):
    """The last sequence number handed out per reference prefix (country alpha-3) and year."""

    __tablename__ = "reference_counters"

    # A country's alpha-3 code for cases (SLV); other records add a suffix (SLV-UR for remains).
    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)
