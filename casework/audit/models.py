"""Tables of the audit trail: the append-only, hash-chained `audit_events` and its `audit_head`.

`details` holds NON-PERSONAL facts only (statuses, counts, key versions, reasons from a fixed
vocabulary). Values of personal fields — names, dates of birth, contacts, addresses, free text,
sample ids — must never be written there, nor into any other column of these tables: an audit
event names the field *categories* touched (`categories`), never their values.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime

# The previous hash of the first event: the chain starts from 32 zero bytes.
GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One audited action (allowed or denied); rows are only ever inserted, never changed."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint("decision IN ('allow', 'deny')", name="decision"),
        Index(None, "actor_id", "seq"),
        Index(None, "organisation_id", "seq"),
        Index(None, "case_reference", "seq"),
        Index(None, "action", "seq"),
        Index(None, "created_at"),
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY, hence the variant.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    case_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(64), nullable=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision: Mapped[str] = mapped_column(String(8))
    # NON-PERSONAL facts only — see the module docstring; trail.append enforces the shape.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:  # no field values beyond the chain position
        return f"<AuditEvent seq={self.seq} action={self.action}>"


class AuditHead(Base):
    """The single row (id=1) holding the last seq, hash and time; locking it serialises appends.

    `tag` is an HMAC under the audit key (which lives in the key file only) over the seq, hash
    and time: whoever can write the database but lacks the key cannot reset the head to an
    earlier event (a cut tail). NULL at genesis, and on a chain written before the links were
    keyed until `casework audit reseal` has run.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True)
