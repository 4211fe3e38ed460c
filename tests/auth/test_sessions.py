"""Sessions (issue 11 finding 7): an absolute lifetime (12 hours by default, in config) however
busy the session is; ended on deactivation (and password change: test_passwords.py), each
with its reason recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from casework.auth import operations
from casework.auth.models import UserSession
from casework.settings import load_settings
from tests.auth.helpers import events, is_signed_in, signed_in


def _age_sessions(database, user_id, *, hours: float) -> None:
    """Pretend the user's sessions began `hours` ago and were used a moment ago (busy)."""
    now = dt.datetime.now(dt.UTC)
    with database.session() as s:
        s.execute(
            update(UserSession)
            .where(UserSession.user_id == user_id)
            .values(created_at=now - dt.timedelta(hours=hours), last_seen_at=now)
        )


def _reasons(database, user_id) -> list[str | None]:
    with database.session() as s:
        stmt = select(UserSession.ended_reason).where(UserSession.user_id == user_id)
        return list(s.scalars(stmt))


def test_the_default_absolute_lifetime_is_twelve_hours():
    assert load_settings({"CASEWORK_ENV": "development"}).session_absolute_hours == 12
    assert load_settings({"CASEWORK_ENV": "testing"}).session_absolute_hours == 12


def test_a_busy_session_ends_after_its_absolute_lifetime(app, make_user, database):
    user = make_user("focal_point")
    browser = signed_in(app, user)
    _age_sessions(database, user.id, hours=11.9)
    assert is_signed_in(browser)  # within the lifetime and not idle: still signed in
    _age_sessions(database, user.id, hours=12.1)
    resp = browser.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert _reasons(database, user.id) == ["lifetime"]
    # Signing in again starts a new session with a new lifetime.
    assert is_signed_in(signed_in(app, user))


def test_the_lifetime_follows_the_setting(make_user, database):
    user = make_user("focal_point")
    with database.session() as s:
        token = operations.start_session(s, s.merge(user))
    _age_sessions(database, user.id, hours=2)
    with database.session() as s:
        assert operations.load_session(s, token, idle_minutes=30, absolute_hours=3) is not None
        assert operations.load_session(s, token, idle_minutes=30, absolute_hours=1) is None


def test_deactivation_ends_the_users_sessions_at_once(api, app, org, database):
    admin = api("admin", org)
    user = api("family_liaison", org).user
    browser = signed_in(app, user)
    assert admin.patch(f"/users/{user.id}", json={"is_active": False}).status_code == 200
    assert not is_signed_in(browser)
    assert _reasons(database, user.id) == ["deactivated"]
    [event] = events(database, "user.deactivated")
    assert event.details["sessions_ended"] == 1


def test_end_sessions_ends_all_but_the_one_kept(make_user, database):
    user = make_user("focal_point")
    with database.session() as s:
        tokens = [operations.start_session(s, s.merge(user)) for _ in range(3)]
    with database.session() as s:
        assert operations.end_sessions(s, user.id, "mfa_reset", keep=tokens[0]) == 2
    with database.session() as s:
        assert operations.load_session(s, tokens[0], 30) is not None
        assert operations.load_session(s, tokens[1], 30) is None
    assert sorted(_reasons(database, user.id), key=str) == [None, "mfa_reset", "mfa_reset"]
    with database.session() as s:
        assert operations.end_sessions(s, user.id, "mfa_reset") == 1
