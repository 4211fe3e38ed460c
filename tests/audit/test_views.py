"""The /audit page: auditors see their organisation's events, filter them and verify the chain."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import delete, select, text

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor
from tests.helpers import csrf_from


def _empty_trail(database) -> None:
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))


@pytest.fixture
def db(app, database):
    _empty_trail(database)
    return database


@pytest.fixture
def auditor(db, make_user, login):
    user = make_user("auditor")
    assert login(user).status_code == 302
    # The account's creation and sign-in are audited too; the tests start from an empty trail.
    _empty_trail(db)
    return user


def _record(database, organisation_id, n: int, action: str = "case.read") -> None:
    actor = PlainActor(uuid.uuid4(), organisation_id, "focal_point", "req")
    with database.session() as s:
        for i in range(n):
            audit.append(
                s,
                actor,
                action,
                object_type="case",
                case_reference=f"SLV-2026-{i:06d}",
                categories=["identity"],
            )


def test_auditor_sees_the_page_with_events_and_the_nav_entry(client, auditor, db, org):
    _record(db, org.id, 3)
    _record(db, uuid.uuid4(), 1, action="remains.read")  # another organisation
    page = client.get("/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Audit trail" in html
    assert 'href="/audit"' in html  # navigation entry
    assert "SLV-2026-000002" in html
    assert "remains.read" not in html
    assert "Verify chain" in html
    with db.session() as s:
        read = s.scalar(select(AuditEvent).where(AuditEvent.action == "audit.read"))
        assert read.actor_id == auditor.id


def test_filters_and_pagination(client, auditor, db, org):
    _record(db, org.id, 3)
    html = client.get("/audit?case=SLV-2026-000001&action=case.*").get_data(as_text=True)
    assert "SLV-2026-000001" in html and "SLV-2026-000002" not in html
    paged = client.get("/audit?per_page=1&action=case.read").get_data(as_text=True)
    assert re.search(r'href="/audit\?page=2&amp;action=case.read"', paged)


def test_invalid_filter_is_shown_not_queried(client, auditor, db):
    resp = client.get("/audit?from=not-a-date")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "Not a valid ISO 8601" in html


def test_verify_button_reports_an_intact_chain(client, auditor, db, org):
    _record(db, org.id, 4)
    token = csrf_from(client.get("/audit").get_data(as_text=True))
    resp = client.post("/audit/verify", data={"csrf_token": token}, follow_redirects=True)
    assert resp.status_code == 200
    # 4 events, then the page view's audit.read: 5 when verified.
    assert "Audit chain intact: 5 events." in resp.get_data(as_text=True)
    with db.session() as s:
        verified = s.scalar(select(AuditEvent).where(AuditEvent.action == "audit.verify"))
        assert verified.details == {"ok": True, "count": 5, "first_bad_seq": None}


def test_verify_button_names_the_broken_event(client, auditor, db, org):
    _record(db, org.id, 4)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET case_reference = 'X' WHERE seq = 2"))
    token = csrf_from(client.get("/audit").get_data(as_text=True))
    resp = client.post("/audit/verify", data={"csrf_token": token}, follow_redirects=True)
    assert "Audit chain broken at event 2: hash mismatch (edited)" in resp.get_data(as_text=True)


def test_verify_needs_the_csrf_token(client, auditor, db):
    assert client.post("/audit/verify").status_code == 400


def test_focal_point_gets_403_and_no_nav_entry(client, db, make_user, login):
    user = make_user("focal_point")
    login(user)
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
    assert client.get("/audit").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 403
    with db.session() as s:
        mine = s.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id))
        # Its own sign-in is recorded too (auth.login); the two refusals are denials.
        denied = [e for e in mine if not e.action.startswith("auth.")]
        assert [e.decision for e in denied] == ["deny", "deny"]


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get("/audit")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_verify_button_names_a_cut_tail(client, auditor, db, org):
    _record(db, org.id, 6)
    with db.engine.begin() as conn:
        kept = conn.execute(text("SELECT hash FROM audit_events WHERE seq = 4")).scalar()
        conn.execute(text("DELETE FROM audit_events WHERE seq > 4"))
        conn.execute(text("UPDATE audit_head SET seq = 4, hash = :h"), {"h": kept})
    token = csrf_from(client.get("/audit").get_data(as_text=True))
    resp = client.post("/audit/verify", data={"csrf_token": token}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    # The page view appended after the cut: the trail recorded that its head was not authentic.
    assert "Audit chain broken at event 5: appended after a head that was not authentic" in html
