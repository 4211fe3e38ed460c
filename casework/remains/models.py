"""Unidentified remains: post-mortem records kept by forensic staff.

The remains of an unidentified person are a data subject of their own: their personal fields
(the exact found date and place, the recovery context, marks, clothing and effects) are
encrypted under the remains' own data key. Values that candidate matching filters and scores
on stay in clear: sex, the estimated age and stature ranges, the found month and country.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.auth.models import str_enum
from casework.cases.models import DatePrecision, Sex
from casework.categories import Category
from casework.db import Base, UTCDateTime, new_time_uuid, utcnow
from casework.keys import Encrypted, EncryptedMixin


class RemainsStatus(enum.StrEnum):
    unidentified = "unidentified"
    identified = "identified"
    returned_to_family = "returned_to_family"


class Remains(EncryptedMixin, Base):
    """Unidentified remains, owned by the organisation (forensic institute) that recorded them."""

    __tablename__ = "remains"
    __table_args__ = (
        Index(None, "organisation_id", "status"),
        Index(None, "organisation_id", "created_at"),
        # Candidate matching filters on sex and the found month before scoring.
        Index(None, "organisation_id", "sex", "found_month"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_time_uuid)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[RemainsStatus] = mapped_column(
        str_enum(RemainsStatus, "remains_status"), default=RemainsStatus.unidentified
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The case these remains were identified as (set when an identification is confirmed).
    identified_case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id"), nullable=True, index=True
    )

    # In clear: what matching filters and scores on.
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), default=Sex.unknown)
    age_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stature_min_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stature_max_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    found_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # First day of the found month (January for a year-only date) and the date's precision;
    # the date as given (YYYY, YYYY-MM or YYYY-MM-DD) stays encrypted in found_date.
    found_month: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    found_precision: Mapped[DatePrecision | None] = mapped_column(
        str_enum(DatePrecision, "found_precision"), nullable=True
    )

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    found_date_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    found_place_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    recovery_context_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    distinguishing_marks_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    effects_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    #: The one declaration of the categories of the remains' fields (see Case.__categories__).
    __categories__: ClassVar[dict[str, Category]] = {
        "found_date": Category.circumstances,
        "found_month": Category.circumstances,
        "found_precision": Category.circumstances,
        "found_country": Category.circumstances,
        "found_place": Category.circumstances,
        "recovery_context": Category.circumstances,
        "sex": Category.physical_description,
        "age_min": Category.physical_description,
        "age_max": Category.physical_description,
        "stature_min_cm": Category.physical_description,
        "stature_max_cm": Category.physical_description,
        "distinguishing_marks": Category.physical_description,
        "effects": Category.physical_description,
    }
    found_date = Encrypted("found_date_enc")
    found_place = Encrypted("found_place_enc")
    recovery_context = Encrypted("recovery_context_enc")
    distinguishing_marks = Encrypted("distinguishing_marks_enc")
    effects = Encrypted("effects_enc")

    def __repr__(self) -> str:  # never a personal value
        return f"<Remains {self.reference} {self.status}>"
