"""The family's own status page: the reporting relative's status code and the look-up throttles.

Nothing here is readable: the code is stored as an HMAC (its look-up key), the secret as an
argon2id hash, and the throttles are keyed by HMACs of the code typed and of the client
address. See `casework.families.family_access`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, new_uuid, utcnow


class FamilyAccess(Base):
    """A case's one status code (a new one replaces it): issued to its reporting relative."""

    __tablename__ = "family_access_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # One code per case: issuing a new one deletes the old row in the same transaction.
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), unique=True)
    relative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("relatives.id"), index=True)
    # HMAC-SHA256 (hex) of the normalised code under a key derived from the instance's index key.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # argon2id hash of the normalised secret.
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FamilyStatusThrottle(Base):
    """Failed look-ups per key (an HMAC of a code typed, or of a client address)."""

    __tablename__ = "family_status_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
