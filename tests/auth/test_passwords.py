"""Password rules (issue 11 finding 6): at least 12 characters, not on the common-password list
of a maintained package (zxcvbn's frequency lists), not containing the e-mail's local part;
through the API, the CLI and the pages. The password-change page ends the other sessions; a
hash made with other argon2 parameters is refreshed."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from casework.auth import operations
from casework.auth.models import User, UserSession
from tests.auth.helpers import events, is_signed_in, post_form, signed_in
from tests.helpers import PASSWORD

EMAIL = "maria.lopez@example.org"

REFUSED = [
    ("eleven char", "too_short"),  # 11 characters
    ("aaaaaaaaaa", "too_short"),  # the one the review got accepted for an admin
    ("qwerty123456", "common"),  # on the common-password list
    ("1q2w3e4r5t6y", "common"),
    ("QWERTY123456", "common"),  # compared case-insensitively
    ("aaaaaaaaaaaa", "common"),  # one character repeated
    ("abcabcabcabc", "common"),  # one short unit repeated
    ("maria.lopez-2024", "contains_email"),
    ("My name is MARIA.LOPEZ!", "contains_email"),
]
ACCEPTED = ["plum orchard lantern", "twelve chars", "correct horse battery"]


@pytest.mark.parametrize("password, problem", REFUSED)
def test_rules_refuse(password, problem):
    assert problem in operations.password_problems(password, EMAIL)


@pytest.mark.parametrize("password", ACCEPTED)
def test_rules_accept(password):
    assert len(password) >= 12
    assert operations.password_problems(password, EMAIL) == []


@pytest.mark.parametrize("password, problem", REFUSED)
def test_api_refuses_weak_passwords_naming_the_field(api, database, password, problem):
    resp = api("admin").post(
        "/users", json={"email": EMAIL, "role": "focal_point", "password": password}
    )
    assert resp.status_code == 422
    assert "password" in resp.json["error"]["fields"]
    if len(password) >= 12:  # shorter ones stop at the schema, which names the length
        assert problem in resp.json["error"]["problems"]
    with database.session() as s:
        assert s.scalar(select(User).where(User.email == EMAIL)) is None


def test_cli_create_user_refuses_weak_passwords(cli, org, monkeypatch, database):
    for password in ("qwerty123456", "maria.lopez-99", "short"):
        monkeypatch.setenv("CASEWORK_PASSWORD", password)
        result = cli("create-user", "--email", EMAIL, "--role", "admin", "--org", str(org.id))
        assert result.exit_code != 0, password
    with database.session() as s:
        assert s.scalar(select(User).where(User.email == EMAIL)) is None
    monkeypatch.setenv("CASEWORK_PASSWORD", "plum orchard lantern")
    assert (
        cli("create-user", "--email", EMAIL, "--role", "admin", "--org", str(org.id)).exit_code == 0
    )


def _change(browser, current: str, new: str, again: str | None = None):
    return post_form(
        browser,
        "/account/password",
        current_password=current,
        new_password=new,
        confirm_password=new if again is None else again,
    )


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, make_user, database):
    user = make_user("focal_point")
    here, elsewhere = signed_in(app, user), signed_in(app, user)
    resp = _change(here, PASSWORD, "plum orchard lantern")
    assert resp.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)  # the other browser is sent to sign in
    with database.session() as s:
        reasons = s.scalars(
            select(UserSession.ended_reason).where(UserSession.user_id == user.id)
        ).all()
    assert sorted(reasons, key=str) == sorted([None, "password_change"], key=str)
    # The old password no longer signs in; the new one does.
    with pytest.raises(AssertionError):
        signed_in(app, user, PASSWORD)
    assert is_signed_in(signed_in(app, user, "plum orchard lantern"))
    [event] = events(database, "user.password_changed")
    assert event.actor_id == user.id and event.details["sessions_ended"] == 1
    assert "plum" not in str(event.details)


@pytest.mark.parametrize(
    "current, new, again, status, text",
    [
        ("not my password", "plum orchard lantern", None, 422, "not correct"),
        (PASSWORD, "qwerty123456", None, 422, "common passwords"),
        (PASSWORD, "short one", None, 422, "12 characters"),
        (PASSWORD, "plum orchard lantern", "plum orchard lanterns", 400, "differ"),
        (PASSWORD, PASSWORD, None, 422, "other than the current"),
    ],
)
def test_password_change_refusals_change_nothing(
    app, make_user, database, current, new, again, status, text
):
    user = make_user("focal_point")
    here, elsewhere = signed_in(app, user), signed_in(app, user)
    resp = _change(here, current, new, again)
    assert resp.status_code == status
    assert text in resp.get_data(as_text=True)
    assert is_signed_in(elsewhere)
    assert events(database, "user.password_changed") == []
    assert is_signed_in(signed_in(app, user, PASSWORD))


def test_password_change_refuses_the_users_own_email(app, make_user):
    user = make_user("focal_point")
    local = user.email.partition("@")[0]
    resp = _change(signed_in(app, user), PASSWORD, f"my {local.upper()} password")
    assert resp.status_code == 422
    assert "may not contain the email" in resp.get_data(as_text=True)


def test_api_password_change_ends_browser_sessions(api, app, database):
    caller = api("focal_point")
    browser = signed_in(app, caller.user)
    resp = caller.post(
        "/me/password",
        json={"current_password": PASSWORD, "new_password": "plum orchard lantern"},
    )
    assert resp.status_code == 204
    assert not is_signed_in(browser)
    bad = caller.post(
        "/me/password",
        json={"current_password": "plum orchard lantern", "new_password": "qwerty123456"},
    )
    assert bad.status_code == 422 and "common" in bad.json["error"]["problems"]


def test_a_hash_made_with_other_parameters_is_refreshed(make_user, database):
    user = make_user("focal_point")
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    with database.session() as s:
        s.get(User, user.id).password_hash = old_hash
    with database.session() as s:
        row = s.get(User, user.id)
        assert operations.rehash_if_needed(s, row, PASSWORD) is True
    with database.session() as s:
        new_hash = s.get(User, user.id).password_hash
        # The test suite's profile ("fast" in conftest): argon2id, 1 MiB, one pass, one lane.
        assert new_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
        assert operations.verify_password(s.get(User, user.id), PASSWORD)
        # A hash already at the current parameters is left alone.
        assert operations.rehash_if_needed(s, s.get(User, user.id), PASSWORD) is False
        assert s.get(User, user.id).password_hash == new_hash
