"""Identifications: a case (and, usually, remains) identified by a recorded method.

An identification is recorded by one person and confirmed or rejected by another (four eyes).
Its free-text fields (who identified, their reference, the document, the reasons) are encrypted
under the case's data key.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.auth.models import User, str_enum
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_time_uuid, utcnow
from casework.keys import Encrypted, EncryptedMixin


class IdentificationMethod(enum.StrEnum):
    dna = "dna"
    fingerprints = "fingerprints"
    dental = "dental"
    documents_and_visual = "documents_and_visual"
    other = "other"


class IdentificationSource(enum.StrEnum):
    local = "local"
    external = "external"


class IdentificationStatus(enum.StrEnum):
    recorded = "recorded"
    confirmed = "confirmed"
    rejected = "rejected"


class Identification(EncryptedMixin, Base):
    """An identification of a case's missing person, owned by the organisation holding the case."""

    __tablename__ = "identifications"
    __table_args__ = (
        Index(None, "organisation_id", "status", "recorded_at"),
        Index(None, "case_id", "status"),
        Index(None, "remains_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    remains_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("remains.id"), nullable=True)
    match_report_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dna_match_reports.id"), nullable=True
    )
    method: Mapped[IdentificationMethod] = mapped_column(
        str_enum(IdentificationMethod, "identification_method")
    )
    source: Mapped[IdentificationSource] = mapped_column(
        str_enum(IdentificationSource, "identification_source")
    )
    identified_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[IdentificationStatus] = mapped_column(
        str_enum(IdentificationStatus, "identification_status"),
        default=IdentificationStatus.recorded,
    )
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who confirmed or rejected it (never the person who recorded it), and when.
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    identified_by_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    external_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    rejection_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {
        "identified_by": Category.identity,
        "external_reference": Category.identity,
        "document_reference": Category.identity,
        "notes": Category.identity,
        "rejection_reason": Category.identity,
    }
    identified_by = Encrypted("identified_by_enc")
    external_reference = Encrypted("external_reference_enc")
    document_reference = Encrypted("document_reference_enc")
    notes = Encrypted("notes_enc")
    rejection_reason = Encrypted("rejection_reason_enc")

    case: Mapped[Any] = relationship("Case", lazy="joined", innerjoin=True)
    remains: Mapped[Any] = relationship("Remains", lazy="joined")
    recorder: Mapped[User] = relationship(foreign_keys=[recorded_by], lazy="joined")
    decider: Mapped[User | None] = relationship(foreign_keys=[decided_by], lazy="joined")

    def __repr__(self) -> str:
        return f"<Identification {self.id} {self.method} {self.status}>"

    @property
    def case_reference(self) -> str:
        return self.case.reference

    @property
    def recorded_by_email(self) -> str | None:
        return self.recorder.email if self.recorder else None

    @property
    def confirmed_by(self) -> str | None:
        """Who confirmed it (the contract's `confirmed_by`), by e-mail."""
        if self.status is IdentificationStatus.confirmed and self.decider is not None:
            return self.decider.email
        return None
