"""Sharing: agreements with partner organisations, share requests and their decisions, the
grants an allowed share gives, and the exchange log.

Nothing here holds a personal value in clear: a share's written justification and a
revocation's note are encrypted under the case's data key; the rest (organisations, purposes,
categories, legal bases, decisions, reasons, references, times) describes the exchange, not
the person.
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
    UniqueConstraint,
    Uuid,
    orm,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.auth.models import Organisation, User, str_enum
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_time_uuid, utcnow
from casework.exchange.policy import Decision, LegalBasis, Purpose
from casework.keys import Encrypted, EncryptedMixin


class ShareStatus(enum.StrEnum):
    pending_approval = "pending_approval"
    active = "active"
    denied = "denied"
    expired = "expired"
    revoked = "revoked"


class EndReason(enum.StrEnum):
    """Why a share stopped giving access (non-personal codes)."""

    revoked = "revoked"
    consent_withdrawn = "consent_withdrawn"
    agreement_ended = "agreement_ended"
    expired = "expired"
    case_shredded = "case_shredded"
    denied_on_approval = "denied_on_approval"


class Direction(enum.StrEnum):
    outgoing = "outgoing"
    incoming = "incoming"


class LogEvent(enum.StrEnum):
    """What an exchange-log entry records."""

    requested = "requested"
    approved = "approved"
    granted = "granted"  # the recipient's side: access starts
    revoked = "revoked"
    grant_ended = "grant_ended"
    viewed = "viewed"


class Agreement(Base):
    """A data-sharing agreement of one organisation with one partner organisation.

    Never edited silently: every change raises `version` and keeps the previous terms in
    `AgreementRevision`; ending it early sets `ended_on`.
    """

    __tablename__ = "agreements"
    __table_args__ = (
        Index(None, "organisation_id", "partner_organisation_id"),
        Index(None, "partner_organisation_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    partner_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purposes: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    legal_bases: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    consent_required: Mapped[bool] = mapped_column(Boolean, default=True)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    organisation: Mapped[Organisation] = orm.relationship(
        foreign_keys=[organisation_id], lazy="joined", innerjoin=True
    )
    partner: Mapped[Organisation] = orm.relationship(
        foreign_keys=[partner_organisation_id], lazy="joined", innerjoin=True
    )

    def __repr__(self) -> str:
        return f"<Agreement {self.id} v{self.version}>"

    @property
    def last_day(self) -> dt.date | None:
        # `ended_on` is the day it was ended: it no longer applies from that day on.
        ended = self.ended_on - dt.timedelta(days=1) if self.ended_on is not None else None
        days = [d for d in (self.valid_to, ended) if d is not None]
        return min(days) if days else None

    def active_on(self, today: dt.date) -> bool:
        last = self.last_day
        return self.valid_from <= today and (last is None or today <= last)

    @property
    def is_active(self) -> bool:
        return self.active_on(utcnow().date())

    def terms(self) -> dict[str, Any]:
        """The terms as plain values (what a revision keeps)."""
        return {
            "title": self.title,
            "purposes": {p: list(c) for p, c in sorted(self.purposes.items())},
            "legal_bases": list(self.legal_bases),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "retention_days": self.retention_days,
            "consent_required": self.consent_required,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
        }


class AgreementRevision(Base):
    """The terms of one version of an agreement, who set them and when."""

    __tablename__ = "agreement_revisions"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agreements.id"))
    version: Mapped[int] = mapped_column(Integer)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    author: Mapped[User | None] = orm.relationship(lazy="joined")

    @property
    def changed_by_email(self) -> str | None:
        return self.author.email if self.author else None


class Share(EncryptedMixin, Base):
    """A request to share categories of one case with one recipient, and what became of it.

    Denied requests are kept too. The written justification (vital or public interest) and the
    revocation note are encrypted under the case's data key.
    """

    __tablename__ = "shares"
    __table_args__ = (
        Index(None, "organisation_id", "case_id", "requested_at"),
        Index(None, "organisation_id", "status", "requested_at"),
        Index(None, "recipient_organisation_id", "status"),
        Index(None, "consent_id"),
        Index(None, "agreement_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    recipient_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    agreement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agreements.id"), nullable=True
    )
    agreement_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "share_purpose"))
    categories: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[LegalBasis | None] = mapped_column(
        str_enum(LegalBasis, "legal_basis"), nullable=True
    )
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "share_decision"))
    status: Mapped[ShareStatus] = mapped_column(str_enum(ShareStatus, "share_status"))
    #: Every rule's outcome: [{"rule", "outcome", "code", "message"}] (no personal value).
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When access started (an allowed decision, or the second approval) and when it runs out.
    granted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    end_reason: Mapped[EndReason | None] = mapped_column(
        str_enum(EndReason, "share_end_reason"), nullable=True
    )

    justification_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    revocation_note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    __categories__: ClassVar[dict[str, Category]] = {
        "justification": Category.circumstances,
        "revocation_note": Category.circumstances,
    }
    justification = Encrypted("justification_enc")
    revocation_note = Encrypted("revocation_note_enc")

    case: Mapped[Any] = orm.relationship("Case", lazy="joined", innerjoin=True)
    recipient: Mapped[Organisation] = orm.relationship(
        foreign_keys=[recipient_organisation_id], lazy="joined", innerjoin=True
    )
    organisation: Mapped[Organisation] = orm.relationship(
        foreign_keys=[organisation_id], lazy="joined", innerjoin=True
    )
    requester: Mapped[User] = orm.relationship(foreign_keys=[requested_by], lazy="joined")
    approver: Mapped[User | None] = orm.relationship(foreign_keys=[approved_by], lazy="joined")

    def __repr__(self) -> str:
        return f"<Share {self.id} {self.status}>"

    @property
    def case_reference(self) -> str:
        return self.case.reference

    @property
    def requested_by_email(self) -> str | None:
        return self.requester.email if self.requester else None

    @property
    def approved_by_email(self) -> str | None:
        return self.approver.email if self.approver else None

    @property
    def current_status(self) -> ShareStatus:
        """The status as it stands now: an active share past its end is expired, even before
        the sweep that records it has run."""
        if (
            self.status is ShareStatus.active
            and self.expires_at is not None
            and self.expires_at <= utcnow()
        ):
            return ShareStatus.expired
        return self.status


class PartnerGrant(Base):
    """What an active share gives: one row per category, read by the access gateway.

    The recipient organisation's partner users may read that category of that case until
    `expires_at`, or until `ended_at` is set (revoked, consent withdrawn, agreement ended).
    """

    __tablename__ = "partner_grants"
    __table_args__ = (
        Index(None, "recipient_organisation_id", "case_id", "category"),
        Index(None, "share_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    share_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shares.id"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    recipient_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ExchangeEntry(Base):
    """One line of an organisation's exchange log: a request and its decision, an approval, a
    revocation, a grant starting or ending, a partner's view. No personal value: references,
    organisations, purposes, categories, legal bases, decisions and reason codes only."""

    __tablename__ = "exchange_log"
    __table_args__ = (
        Index(None, "organisation_id", "at"),
        Index(None, "organisation_id", "case_reference", "at"),
        Index(None, "organisation_id", "partner_organisation_id", "at"),
        Index(None, "organisation_id", "direction", "at"),
        Index(None, "share_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    #: Whose log this line is in.
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "exchange_direction"))
    event: Mapped[LogEvent] = mapped_column(str_enum(LogEvent, "exchange_event"))
    share_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shares.id"), nullable=True)
    case_reference: Mapped[str | None] = mapped_column(String(32), nullable=True)
    partner_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    purpose: Mapped[str | None] = mapped_column(String(32), nullable=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    package_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Non-personal codes: the rules that refused, why a grant ended.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    partner: Mapped[Organisation | None] = orm.relationship(
        foreign_keys=[partner_organisation_id], lazy="joined"
    )
    actor: Mapped[User | None] = orm.relationship(foreign_keys=[actor_id], lazy="joined")

    @property
    def partner_name(self) -> str | None:
        return self.partner.name if self.partner else None

    @property
    def actor_email(self) -> str | None:
        return self.actor.email if self.actor else None
