"""Web login: success, failure, lockout, CSRF, session regeneration, expiry, safe redirects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from casework.auth.models import UserSession
from tests.helpers import PASSWORD, csrf_from


def test_login_success_lands_on_home(client, make_user, login):
    user = make_user("focal_point")
    resp = login(user)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert user.email in home.get_data(as_text=True)


def test_login_failure_is_generic_and_does_not_sign_in(client, make_user, login):
    user = make_user()
    resp = login(user, password="wrong password!")
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert "not correct" in body
    assert client.get("/").status_code == 302  # still anonymous: sent to login


def test_unknown_email_answers_like_wrong_password(client, login, make_user):
    ghost = make_user()
    ghost.email = "nobody@example.org"
    assert login(ghost).status_code == 401


def test_lockout_after_repeated_failures_even_with_right_password(client, make_user, login):
    user = make_user()
    for _ in range(3):  # testing config: 3 failures
        assert login(user, password="wrong password!").status_code == 401
    locked = login(user)  # correct password, but locked
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_lockout_expires(client, make_user, login, database):
    from casework.auth.models import LoginThrottle

    user = make_user()
    for _ in range(3):
        login(user, password="wrong password!")
    with database.session() as s:
        s.execute(
            update(LoginThrottle).values(
                locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    assert login(user).status_code == 302


def test_login_without_csrf_token_is_rejected(client, make_user):
    user = make_user()
    client.get("/login")
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_rejected(client, make_user, login):
    login(make_user())
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_session_is_regenerated_at_login_and_ended_at_logout(client, make_user, login, database):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("casework_session")
    login(user)
    after = client.get_cookie("casework_session")
    assert after is not None and (before is None or before.value != after.value)
    with database.session() as s:
        sessions = s.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
        assert len(sessions) == 1 and sessions[0].ended_at is None

    # A second login makes a different server session.
    stolen_cookie = after.value
    page = client.get("/")
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    with database.session() as s:
        assert s.scalars(select(UserSession)).one().ended_at is not None

    # Replaying the cookie from before logout no longer authenticates.
    client.set_cookie("casework_session", stolen_cookie)
    assert client.get("/").status_code == 302


def test_idle_session_expires(client, make_user, login, database):
    login(make_user())
    with database.session() as s:
        s.execute(
            update(UserSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        )
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_session(client, make_user, login, database):
    from casework.auth.models import User

    user = make_user()
    login(user)
    with database.session() as s:
        s.get(User, user.id).is_active_user = False
    assert client.get("/").status_code == 302


def test_next_redirect_is_followed_only_for_local_paths(client, make_user, login):
    user = make_user("admin")
    assert login(user, next_url="/admin/users").headers["Location"] == "/admin/users"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        client.delete_cookie("casework_session")
        resp = login(user, next_url=hostile)
        assert resp.headers["Location"] == "/", hostile


def test_pages_require_login(client):
    resp = client.get("/admin/users")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_passwords_hashed_at_one_cost_verify_at_another():
    """Hashes carry their own argon2 parameters: an account made under the standard cost still
    signs in when the profile changes, and new hashes follow the profile."""
    from argon2 import extract_parameters

    from casework.auth import operations

    try:
        operations.use_password_profile("standard")
        standard = operations.hash_password("correct horse battery")
        assert extract_parameters(standard).time_cost == 3
        operations.use_password_profile("fast")
        fast = operations.hash_password("correct horse battery")
        assert extract_parameters(fast).time_cost == 1
        for stored in (standard, fast):
            user = type("U", (), {"password_hash": stored})()
            assert operations.verify_password(user, "correct horse battery")
            assert not operations.verify_password(user, "wrong horse battery")
    finally:
        operations.use_password_profile("fast")
