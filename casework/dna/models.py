"""DNA databases, sample references (never profiles), custody steps and lab match reports.

A reference's data key is its subject's: a family reference uses the donor relative's key
(erasing the relative erases it), a personal effect the case's, a post-mortem sample the
remains'. The external sample identifier is encrypted and blind-indexed in its normalised
writing (upper case, no separators), so `SV-FR-2026/00123` and `sv fr 2026 00123` find it.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User, str_enum
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_time_uuid, new_uuid, utcnow
from casework.keys import Encrypted, EncryptedMixin

#: Blind-index field of external sample identifiers.
SAMPLE_ID_INDEX = "dna.sample_id"


class DnaDatabaseKind(enum.StrEnum):
    national_genetic_bank = "national_genetic_bank"
    icmp = "icmp"
    interpol_ifamilia = "interpol_ifamilia"
    forensic_lab = "forensic_lab"
    other = "other"


class SampleKind(enum.StrEnum):
    family_reference = "family_reference"
    personal_effect = "personal_effect"
    post_mortem = "post_mortem"


class CustodyStatus(enum.StrEnum):
    """The chain of custody, in this order."""

    collected = "collected"
    shipped = "shipped"
    received = "received"
    profiled = "profiled"
    uploaded = "uploaded"


class MatchReportStatus(enum.StrEnum):
    reported = "reported"
    confirmed = "confirmed"
    excluded = "excluded"


class DnaDatabase(Base):
    """A DNA database or laboratory (national genetic bank, ICMP, Interpol I-Familia…): a
    reference table shared by every organisation of the instance; no personal data."""

    __tablename__ = "dna_databases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    institution: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[DnaDatabaseKind] = mapped_column(str_enum(DnaDatabaseKind, "dna_database_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class DnaReference(EncryptedMixin, Base):
    """A sample reference held by a DNA database: whose sample it is and where it stands."""

    __tablename__ = "dna_references"
    __table_args__ = (
        Index(None, "organisation_id", "created_at"),
        Index(None, "case_id", "created_at"),
        Index(None, "remains_id", "created_at"),
        Index(None, "relative_id"),
        Index(None, "consent_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    database_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dna_databases.id"))
    sample_kind: Mapped[SampleKind] = mapped_column(str_enum(SampleKind, "sample_kind"))
    # Family reference and personal effect: the case; post-mortem: the remains.
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    remains_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("remains.id"), nullable=True)
    # Family reference: the donor and the consent (purpose dna) the sample relies on.
    relative_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("relatives.id"), nullable=True)
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    custody_status: Mapped[CustodyStatus] = mapped_column(
        str_enum(CustodyStatus, "custody_status"), default=CustodyStatus.collected
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    sample_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    donor_relationship_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {
        "sample_id": Category.dna_references,
        "donor_relationship": Category.dna_references,
        "database_id": Category.dna_references,
        "custody_status": Category.dna_references,
        "custody_history": Category.dna_references,
    }
    sample_id = Encrypted("sample_id_enc")
    donor_relationship = Encrypted("donor_relationship_enc")

    database: Mapped[DnaDatabase] = relationship(lazy="joined", innerjoin=True)
    case: Mapped[Any] = relationship("Case", lazy="joined")
    remains: Mapped[Any] = relationship("Remains", lazy="joined")
    relative: Mapped[Any] = relationship("Relative", lazy="select")
    steps: Mapped[list[CustodyStep]] = relationship(
        lazy="selectin", order_by="CustodyStep.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:  # never a personal value
        return f"<DnaReference {self.id} {self.sample_kind} {self.custody_status}>"

    @property
    def case_reference(self) -> str | None:
        return self.case.reference if self.case is not None else None

    @property
    def custody_history(self) -> list[dict[str, Any]]:
        return [
            {"status": s.status.value, "date": s.date.isoformat(), "by": s.actor_email}
            for s in self.steps
        ]


class CustodyStep(EncryptedMixin, Base):
    """One step of a reference's chain of custody: date, who recorded it, a note (encrypted
    under the reference's data key)."""

    __tablename__ = "dna_custody_steps"
    __table_args__ = (Index(None, "dna_reference_id", "position", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    dna_reference_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dna_references.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[CustodyStatus] = mapped_column(str_enum(CustodyStatus, "custody_status"))
    date: Mapped[dt.date] = mapped_column(Date)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {"note": Category.dna_references}
    note = Encrypted("note_enc")

    actor: Mapped[User | None] = relationship(lazy="joined")

    @property
    def actor_email(self) -> str | None:
        return self.actor.email if self.actor else None


class DnaMatchReport(EncryptedMixin, Base):
    """A laboratory-reported match between a family reference and a post-mortem sample.

    Encrypted under the case's data key; the likelihood ratio is kept as reported.
    """

    __tablename__ = "dna_match_reports"
    __table_args__ = (
        Index(None, "organisation_id", "created_at"),
        Index(None, "case_id"),
        Index(None, "remains_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    remains_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("remains.id"))
    family_reference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dna_references.id"))
    post_mortem_reference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dna_references.id"))
    likelihood_ratio: Mapped[float] = mapped_column(Float)
    reported_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[MatchReportStatus] = mapped_column(
        str_enum(MatchReportStatus, "match_report_status"), default=MatchReportStatus.reported
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)

    lab_report_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    exclusion_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {
        "family_reference_id": Category.dna_references,
        "post_mortem_reference_id": Category.dna_references,
        "lab_report_reference": Category.dna_references,
        "likelihood_ratio": Category.dna_references,
        "reported_date": Category.dna_references,
        "exclusion_reason": Category.dna_references,
    }
    lab_report_reference = Encrypted("lab_report_reference_enc")
    exclusion_reason = Encrypted("exclusion_reason_enc")

    case: Mapped[Any] = relationship("Case", lazy="joined", innerjoin=True)
    remains: Mapped[Any] = relationship("Remains", lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<DnaMatchReport {self.id} {self.status}>"

    @property
    def case_reference(self) -> str:
        return self.case.reference
