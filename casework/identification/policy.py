"""Rules of identification: who may do what, the four-eyes rule, and the hook the case registry
asks (`has_confirmed_identification`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from casework.cases.models import CaseStatus
from casework.errors import Conflict
from casework.identification.models import Identification, IdentificationStatus
from casework.remains.models import RemainsStatus
from casework.remains.operations import RemainsNotUnidentified

# The actions of the identification domain (their roles are in identification/domain.py).
READ_IDENTIFICATIONS = "identifications.read"
RECORD_IDENTIFICATIONS = "identifications.record"
REVIEW_IDENTIFICATIONS = "identifications.review"

#: Case statuses in which no identification can be recorded or confirmed any more.
FINISHED_CASE_STATUSES = frozenset({CaseStatus.closed, CaseStatus.located_alive})


class FourEyesRequired(Conflict):
    """The person who recorded an identification may neither confirm nor reject it."""

    code = "four_eyes_required"


class AlreadyDecided(Conflict):
    code = "already_decided"


class CaseNotOpen(Conflict):
    code = "case_not_open"


def has_confirmed_identification(session: Session, case: Any) -> bool:
    """The hook the case registry asks: does the case hold a confirmed identification?"""
    stmt = select(
        exists().where(
            Identification.case_id == case.id,
            Identification.status == IdentificationStatus.confirmed,
        )
    )
    return bool(session.scalar(stmt))


def check_case_open(case: Any) -> None:
    """An identification concerns a case still being searched for (409 otherwise)."""
    if case.status in FINISHED_CASE_STATUSES:
        raise CaseNotOpen(
            f"A case in status {case.status.value} takes no identification.",
            {"case_reference": [f"The case is {case.status.value}."]},
        )


def check_remains_unidentified(remains: Any) -> None:
    status = RemainsStatus(remains.status).value
    if status != RemainsStatus.unidentified:
        raise RemainsNotUnidentified(
            f"These remains are {status}: only unidentified remains can be identified.",
            {"remains_id": [f"The remains are {status}."]},
        )


def check_decidable(ident: Identification, user_id: uuid.UUID | None) -> None:
    """Only a recorded identification may be confirmed or rejected, and only by someone other
    than the person who recorded it (409 `already_decided` or `four_eyes_required`)."""
    if ident.status is not IdentificationStatus.recorded:
        raise AlreadyDecided(
            f"This identification is already {ident.status.value}.",
            {"status": [f"Already {ident.status.value}."]},
        )
    if user_id is None or user_id == ident.recorded_by:
        raise FourEyesRequired(
            "A second person must confirm or reject an identification: not the one who recorded it."
        )


def awaits_second_person(ident: Identification, user_id: uuid.UUID | None) -> bool:
    """Is the identification waiting for someone other than this user to decide it?"""
    return ident.status is IdentificationStatus.recorded and ident.recorded_by == user_id
