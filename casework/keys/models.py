"""Data keys (one per data subject, stored wrapped) and blind-index entries."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, new_uuid, utcnow


class DataKey(Base):
    """A subject's data key (DEK), wrapped by a versioned KEK; NULL once shredded.

    The wrapped key's associated data binds its id, `subject_type` and `organisation_id`
    (`binding` 2); keys wrapped before migration 0008 (`binding` 1) bind the id only until
    `keys rotate` re-wraps them. `shredded_kek_version` is the KEK that wrapped the key when it
    was shredded: while that KEK, or an older one, is still in the key file, copies of the
    wrapped key left in the WAL, dead rows or backups can be opened (`keys rotate --retire-old`).

    The unwrapped key is cached on the instance, which lives in one session's identity map:
    a key is unwrapped at most once per request or command.
    """

    __tablename__ = "data_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    subject_type: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    binding: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    kek_version: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    shredded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    shredded_kek_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def is_shredded(self) -> bool:
        return self.wrapped_key is None


class BlindIndexEntry(Base):
    """One blind-index token of one record's field (names have several tokens per record).

    `data_key_id` ties the entry to the subject whose data it derives from, so shredding a
    subject removes its index values with one statement.
    """

    __tablename__ = "blind_index_entries"
    __table_args__ = (
        Index("ix_blind_index_entries_owner", "owner_id", "field"),
        Index("ix_blind_index_entries_data_key_id", "data_key_id"),
    )

    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    data_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_keys.id"))
