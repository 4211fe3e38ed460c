"""Who may do what with relatives, consents and notifications, and the consent rule itself:
`has_valid_consent` is the one answer to "may purpose P reach recipient R?"."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.models import Organisation, Role
from casework.db import utcnow
from casework.families.models import Consent, ConsentPurpose, Relative

# The families domain's actions (their roles are declared in families/domain.py).
READ_RELATIVES = "relatives.read"
CREATE_RELATIVE = "relatives.create"
UPDATE_RELATIVE = "relatives.update"
LOOKUP_RELATIVES = "relatives.lookup"
ERASE_RELATIVE = "relatives.erase"
GIVE_CONSENT = "consents.give"
WITHDRAW_CONSENT = "consents.withdraw"
READ_NOTIFICATIONS = "notifications.read"
MANAGE_NOTIFICATIONS = "notifications.manage"
READ_WORKLIST = "notifications.worklist"
ISSUE_FAMILY_ACCESS = "family_access.issue"

#: Who may be named as the officer delivering a notification.
OFFICER_ROLES = (Role.family_liaison, Role.focal_point)


def scope_covers(scope: list[dict[str, Any]], recipient: Organisation) -> bool:
    """Does a consent scope name this recipient: by id, by its kind (category), or "any"?"""
    kind = getattr(recipient.kind, "value", recipient.kind)
    for item in scope or []:
        if not isinstance(item, dict):
            continue
        if item.get("kind") == "any":
            return True
        if item.get("kind") == "organisation" and str(item.get("value")) == str(recipient.id):
            return True
        if item.get("kind") == "category" and item.get("value") == kind:
            return True
    return False


def consent_is_valid(
    consent: Consent,
    purpose: ConsentPurpose | str,
    recipient: Organisation,
    owner_organisation_id: uuid.UUID,
    at: dt.datetime | None = None,
) -> bool:
    """One consent record, checked against a purpose and a recipient (pure: no queries)."""
    at = at or utcnow()
    if consent.purpose != ConsentPurpose(purpose):
        return False
    if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
        return False
    if consent.given_at > at:
        return False
    if consent.relative.is_erased:
        return False
    # The consent was given to the organisation that holds the case: it is always covered.
    if recipient.id == owner_organisation_id:
        return True
    return scope_covers(consent.scope, recipient)


def has_valid_consent(
    session: Session,
    relative_or_case: Any,
    purpose: ConsentPurpose | str,
    recipient_org: Organisation | uuid.UUID,
) -> bool:
    """Is there valid consent for `purpose` to `recipient_org`?

    `relative_or_case` is a Relative (their own consents count) or a Case (any of its
    relatives' consents counts). A consent counts when it is for exactly this purpose, was
    given (not in the future), is not withdrawn, its relative is not erased, and its scope
    covers the recipient: the organisation by id, its kind as a category, or "any". The
    organisation holding the case is always covered. Unknown purpose or recipient: False.
    """
    from casework.families import queries

    try:
        purpose = ConsentPurpose(purpose)
    except ValueError:
        return False
    recipient = (
        recipient_org
        if isinstance(recipient_org, Organisation)
        else session.get(Organisation, recipient_org)
    )
    if recipient is None:
        return False
    if isinstance(relative_or_case, Relative):
        consents = queries.active_consents_of_relative(session, relative_or_case.id, purpose)
        owner = relative_or_case.case.organisation_id
    else:
        consents = queries.active_consents_of_case(session, relative_or_case.id, purpose)
        owner = relative_or_case.organisation_id
    now = utcnow()
    return any(consent_is_valid(c, purpose, recipient, owner, now) for c in consents)


def refuse_closing(session: Session, case: Any) -> str | None:
    """The case-closing rule families adds to the case registry (a close guard).

    A case in deceased_identified may be closed only once an identification notification was
    delivered to at least one relative, or a documented reason says none could be reached.
    Returns why closing is refused, or None.
    """
    from casework.families import queries

    if getattr(case.status, "value", case.status) != "deceased_identified":
        return None
    if queries.has_delivered_identification(session, case.id):
        return None
    if queries.has_unreachable_record(session, case.id):
        return None
    return (
        "Before this case is closed, an identification notification must be delivered to at "
        "least one relative, or the reason no relative could be reached documented "
        "(POST /api/v1/cases/<reference>/no-relative-reachable)."
    )
