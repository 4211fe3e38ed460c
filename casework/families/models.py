"""Relatives of a case, their consent records and the notifications planned or given to them.

Every personal field is encrypted under the relative's own data key (the notes of a
notification and a consent's evidence too), so shredding that key erases them at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    orm,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.auth.models import str_enum
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_uuid, utcnow
from casework.keys import Encrypted, EncryptedMixin

#: Blind-index fields of relatives (tokens under `blind_index_entries.field`).
PHONE_INDEX = "relatives.phone"
EMAIL_INDEX = "relatives.email"


class ContactChannel(enum.StrEnum):
    """How a relative prefers to be contacted."""

    in_person = "in_person"
    phone = "phone"
    video = "video"
    letter = "letter"
    email = "email"
    sms = "sms"
    messaging_app = "messaging_app"
    other = "other"


class ConsentPurpose(enum.StrEnum):
    contact = "contact"
    tracing = "tracing"
    identification = "identification"
    dna = "dna"


class NotificationKind(enum.StrEnum):
    acknowledgement = "acknowledgement"
    progress_update = "progress_update"
    dna_sample_request = "dna_sample_request"
    identification = "identification"
    repatriation = "repatriation"


class NotificationChannel(enum.StrEnum):
    in_person = "in_person"
    phone = "phone"
    video = "video"
    letter = "letter"
    other = "other"


class NotificationOutcome(enum.StrEnum):
    delivered = "delivered"
    not_reached = "not_reached"
    declined = "declined"
    rescheduled = "rescheduled"


class SupportOffered(enum.StrEnum):
    """Psychosocial support at a notification: none, offered on the spot, or referred."""

    none = "none"
    offered = "offered"
    referred = "referred"


class Relative(EncryptedMixin, Base):
    """A relative of a missing person: contacts encrypted under the relative's own data key."""

    __tablename__ = "relatives"
    __table_args__ = (Index(None, "case_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    preferred_language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    preferred_channel: Mapped[ContactChannel | None] = mapped_column(
        str_enum(ContactChannel, "contact_channel"), nullable=True
    )
    is_reporting_person: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    full_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    relationship_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    email_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    safety_note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # ISO 3166-1 alpha-2 country the relative lives in: national phone numbers are read for it.
    country_of_residence_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    #: The one declaration of the categories of a relative's fields (see Case.__categories__).
    __categories__: ClassVar[dict[str, Category]] = {
        "full_name": Category.family_contacts,
        "relationship": Category.family_contacts,
        "phone": Category.family_contacts,
        "email": Category.family_contacts,
        "address": Category.family_contacts,
        "safety_note": Category.family_contacts,
        "country_of_residence": Category.family_contacts,
        "preferred_language": Category.family_contacts,
        "preferred_channel": Category.family_contacts,
        "is_reporting_person": Category.family_contacts,
    }
    full_name = Encrypted("full_name_enc")
    relationship = Encrypted("relationship_enc")
    phone = Encrypted("phone_enc")
    email = Encrypted("email_enc")
    address = Encrypted("address_enc")
    safety_note = Encrypted("safety_note_enc")
    country_of_residence = Encrypted("country_of_residence_enc")

    case: Mapped[Any] = orm.relationship("Case", lazy="joined", innerjoin=True)

    @property
    def is_erased(self) -> bool:
        """The relative's data key was shredded: contacts and notes are gone for good."""
        return self.is_shredded

    @property
    def case_reference(self) -> str:
        return self.case.reference

    @property
    def erased_at(self) -> dt.datetime | None:
        return self.data_key.shredded_at if self.data_key is not None else None


class Consent(EncryptedMixin, Base):
    """A relative's consent for one purpose and scope; withdrawn, never deleted.

    `scope` is a list of {"kind": "organisation"|"category"|"any", "value": ...}: recipient
    organisations by id, categories of recipients by organisation kind, or anyone. The
    evidence reference and the withdrawal reason are encrypted under the relative's key.
    """

    __tablename__ = "consents"
    __table_args__ = (Index(None, "relative_id", "purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    relative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("relatives.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    scope: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)

    evidence_reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    withdrawal_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {
        "purpose": Category.consent,
        "scope": Category.consent,
        "evidence_reference": Category.consent,
        "withdrawal_reason": Category.consent,
    }
    evidence_reference = Encrypted("evidence_reference_enc")
    withdrawal_reason = Encrypted("withdrawal_reason_enc")

    relative: Mapped[Relative] = orm.relationship(lazy="joined", innerjoin=True)


class Notification(EncryptedMixin, Base):
    """A notification to a relative. Kind, dates, channel and outcome are non-personal facts in
    clear and survive the relative's erasure; the notes are encrypted under the relative's key.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "case_id", "planned_date"),
        Index(None, "case_id", "follow_up_due"),
        Index(None, "relative_id", "planned_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    relative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("relatives.id"))
    # The relative's case, kept here for the worklist and the case's list (a relative never
    # moves to another case).
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    planned_date: Mapped[dt.date] = mapped_column(Date)
    delivered_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[NotificationChannel | None] = mapped_column(
        str_enum(NotificationChannel, "notification_channel"), nullable=True
    )
    officer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    outcome: Mapped[NotificationOutcome | None] = mapped_column(
        str_enum(NotificationOutcome, "notification_outcome"), nullable=True
    )
    support_offered: Mapped[SupportOffered | None] = mapped_column(
        str_enum(SupportOffered, "support_offered"), nullable=True
    )
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    follow_up_completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    __categories__: ClassVar[dict[str, Category]] = {"notes": Category.notifications}
    notes = Encrypted("notes_enc")

    relative: Mapped[Relative] = orm.relationship(lazy="joined", innerjoin=True)

    @property
    def is_pending(self) -> bool:
        """Still to be given: no outcome yet, or the relative was not reached or it moved."""
        return self.outcome is None or self.outcome in (
            NotificationOutcome.not_reached,
            NotificationOutcome.rescheduled,
        )

    @property
    def follow_up_completed(self) -> bool:
        return self.follow_up_completed_at is not None

    @property
    def due_date(self) -> dt.date | None:
        """When it next needs the officer: the planned date, then the follow-up."""
        if self.is_pending:
            return self.planned_date
        if self.follow_up_due is not None and self.follow_up_completed_at is None:
            return self.follow_up_due
        return None

    @property
    def due_reason(self) -> str | None:
        """ "delivery" while it is still to be given, "follow_up" while a follow-up is open."""
        if self.is_pending:
            return "delivery"
        if self.follow_up_due is not None and self.follow_up_completed_at is None:
            return "follow_up"
        return None

    @property
    def is_overdue(self) -> bool:
        due = self.due_date
        return due is not None and due < utcnow().date()

    @property
    def case_reference(self) -> str:
        return self.relative.case.reference


class RelativeErasure(EncryptedMixin, Base):
    """The tombstone of a relative's erasure: who erased them, when, and the officer's note.

    The note documents the request and is encrypted under the *case's* data key, since the
    relative's own key is the one destroyed.
    """

    __tablename__ = "relative_erasures"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    relative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("relatives.id"), unique=True)
    erased_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    index_entries_removed: Mapped[int] = mapped_column(Integer, default=0)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {"note": Category.family_contacts}
    note = Encrypted("note_enc")


class FamilyUnreachable(EncryptedMixin, Base):
    """A documented reason why no relative could be given the identification notification.

    With one of these, a case in deceased_identified may be closed without a delivered
    identification notification. The reason is encrypted under the case's data key.
    """

    __tablename__ = "family_unreachable_records"
    __table_args__ = (Index(None, "case_id", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {"reason": Category.family_contacts}
    reason = Encrypted("reason_enc")

    case: Mapped[Any] = orm.relationship("Case", lazy="joined", innerjoin=True)

    @property
    def case_reference(self) -> str:
        return self.case.reference
