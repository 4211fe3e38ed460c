"""The gateway for the current request's actor (pages and API): the gateway module itself
stays free of Flask."""

from __future__ import annotations

from casework.access.gateway import Access
from casework.auth.context import acting
from casework.web import db_session


def current_access(purpose: str | None = None) -> Access:
    """The access gateway for who is acting in this request, in its unit of work."""
    return Access(db_session(), acting(), purpose)
