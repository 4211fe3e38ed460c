"""Helpers of the account tests: browsers signed in as someone, forms posted with their CSRF
token, and the audit events of one kind read back from the table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from casework.audit import AuditEvent
from tests.helpers import PASSWORD, csrf_from, sign_in


def signed_in(app, user, password: str = PASSWORD):
    """A new browser (test client) signed in as `user` through the real sign-in pages (the
    code step too, for the roles that need one)."""
    browser = app.test_client()
    resp = sign_in(browser, user, password)
    assert resp.status_code == 302, resp.status_code
    return browser


def post_form(browser, page: str, action: str | None = None, **data: Any):
    """Open `page`, take its CSRF token, and post `data` to `action` (default: the page)."""
    token = csrf_from(browser.get(page).get_data(as_text=True))
    return browser.post(action or page, data={**data, "csrf_token": token})


def events(database, action: str) -> list[Any]:
    """The audit events of one action, oldest first, as plain rows."""
    with database.session() as s:
        return list(
            s.execute(
                select(
                    AuditEvent.actor_id,
                    AuditEvent.role,
                    AuditEvent.organisation_id,
                    AuditEvent.object_type,
                    AuditEvent.object_id,
                    AuditEvent.details,
                    AuditEvent.decision,
                )
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.seq)
            ).all()
        )


def is_signed_in(browser) -> bool:
    """Whether the browser's session still opens the home page (else: sent to sign in)."""
    return browser.get("/").status_code == 200
