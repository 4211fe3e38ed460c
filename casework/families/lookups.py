"""The records a families page or endpoint acts on, for the current request's actor: each a
404 when out of reach (shared by the pages and the API)."""

from __future__ import annotations

import uuid

from casework.access import Access
from casework.auth.context import acting
from casework.cases import queries as case_queries
from casework.cases.models import Case
from casework.families import queries
from casework.families.models import Consent, Notification, Relative
from casework.families.resources import RELATIVE
from casework.web import db_session


def owned_case(reference: str) -> Case:
    """The actor's organisation's case, for a write (another's, or a granted one, is a 404)."""
    return case_queries.case_or_404(db_session(), acting(), reference)


def visible_case(access: Access, reference: str) -> Case:
    """A case whose family the actor may see (own, or granted with family contacts)."""
    return case_queries.visible_case_or_404(access, reference, reaching=RELATIVE)


def owned_relative(relative_id: uuid.UUID) -> Relative:
    """The actor's organisation's relative, for a write or a page that leads to one."""
    return queries.relative_or_404(db_session(), acting(), relative_id)


def visible_relative(
    access: Access, relative_id: uuid.UUID, category: str | None = None
) -> Relative:
    return queries.visible_relative_or_404(access, relative_id, category)


def owned_consent(consent_id: uuid.UUID) -> Consent:
    return queries.consent_or_404(db_session(), acting(), consent_id)


def owned_notification(notification_id: uuid.UUID) -> Notification:
    return queries.notification_or_404(db_session(), acting(), notification_id)
