"""Rules of identification (to be completed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from casework.identification.models import Identification, IdentificationStatus

# The actions of the identification domain (their roles are in identification/domain.py).
READ_IDENTIFICATIONS = "identifications.read"
RECORD_IDENTIFICATIONS = "identifications.record"
REVIEW_IDENTIFICATIONS = "identifications.review"


def has_confirmed_identification(session: Session, case: Any) -> bool:
    """The hook the case registry asks: does the case hold a confirmed identification?"""
    stmt = select(
        exists().where(
            Identification.case_id == case.id,
            Identification.status == IdentificationStatus.confirmed,
        )
    )
    return bool(session.scalar(stmt))
