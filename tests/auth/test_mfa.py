"""Two-step sign-in with TOTP (issue 11 finding 6, MFA part).

Enrolment at the first sign-in of the roles that require it (before anything else), sign-in with
a code, refusal of a wrong, expired or replayed code, single-use recovery codes, the optional
enrolment of the other roles, the admin's reset (audited, the user's sessions end), the API
still on bearer tokens, and the secret never in clear in the database.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select, update

from casework.audit import AuditEvent
from casework.auth.models import LoginThrottle, MfaRecoveryCode, User, UserMfa
from tests.helpers import PASSWORD, csrf_from, mfa_secret, raw_database_dump, sign_in

SECRET_RE = re.compile(r'id="mfa-secret"[^>]*>([A-Z2-7]+)<')
CODE_RE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def password_step(client, user, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def post(client, url: str, **data):
    page = client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


def events(database, action: str):
    with database.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return s.scalars(stmt).all()


def enrol_through_pages(client, user):
    """First sign-in of a role that requires MFA: password, then the enrolment page; returns the
    secret shown on the page and the recovery codes."""
    resp = password_step(client, user)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/mfa/enrol")
    page = client.get("/mfa/enrol")
    assert page.status_code == 200
    secret = SECRET_RE.search(page.text).group(1)
    done = client.post(
        "/mfa/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
    )
    assert done.status_code == 200, done.text
    return secret, CODE_RE.findall(done.text)


@pytest.mark.parametrize("role", ["admin", "partner", "auditor"])
def test_required_roles_enrol_at_first_sign_in_before_anything_else(client, make_user, role):
    user = make_user(role)
    resp = password_step(client, user)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/mfa/enrol")
    # Nothing else opens until the second factor is set up.
    for url in ("/", "/account/mfa", "/admin/users", "/audit"):
        assert client.get(url).status_code == 302
    page = client.get("/mfa/enrol")
    # The QR code is drawn on the server, inline: no image from anywhere else.
    assert "<svg" in page.text and "otpauth" not in page.text
    assert not re.search(r"<img[^>]+src=\"(https?:)?//", page.text)
    secret = SECRET_RE.search(page.text).group(1)
    wrong = client.post("/mfa/enrol", data={"code": "000000", "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 422 and client.get("/").status_code == 302
    done = client.post(
        "/mfa/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)}
    )
    codes = CODE_RE.findall(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200  # signed in now


def test_enrolment_and_sign_in_are_audited_without_secrets(client, make_user, database):
    user = make_user("auditor")
    secret, codes = enrol_through_pages(client, user)
    [enrolled] = events(database, "auth.mfa_enrol")
    assert enrolled.actor_id == user.id and enrolled.organisation_id == user.organisation_id
    [login] = events(database, "auth.login")
    assert login.details == {"second_factor": "totp"}
    dump = raw_database_dump(database)
    # Neither the secret nor a recovery code is in the database in clear (or base32-decoded).
    assert secret.encode() not in dump and pyotp.TOTP(secret).byte_secret() not in dump
    for code in codes:
        assert code.encode() not in dump and code.replace("-", "").encode() not in dump


def test_sign_in_with_a_code_and_refusals_of_wrong_expired_and_replayed_codes(
    client, make_user, database
):
    user = make_user("partner")
    secret, _ = enrol_through_pages(client, user)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    totp = pyotp.TOTP(secret)

    def code_step(code: str):
        # Throttling is tested on its own: here every refusal is the code's.
        with database.session() as s:
            s.execute(update(LoginThrottle).values(locked_until=None))
        resp = password_step(client, user)
        assert resp.headers["Location"].endswith("/login/code")
        return post(client, "/login/code", code=code)

    # Wrong.
    wrong = code_step("123456" if totp.now() != "123456" else "654321")
    assert wrong.status_code == 401 and client.get("/").status_code == 302
    # Expired: the code of three steps ago (outside the one-step window).
    assert code_step(totp.at(time.time() - 90)).status_code == 401
    # Replayed: the code that enrolment accepted in this same time step.
    assert code_step(totp.now()).status_code == 401
    # The next step's code (clock drift allowance) is accepted once…
    ahead = totp.at(time.time() + 30)
    ok = code_step(ahead)
    assert ok.status_code == 302 and client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    # …and refused the second time.
    assert code_step(ahead).status_code == 401
    reasons = [e.details["reason"] for e in events(database, "auth.mfa_failure")]
    assert reasons == ["wrong_or_expired", "wrong_or_expired", "replayed", "replayed"]
    with database.session() as s:  # the failures count towards throttling
        assert max(s.scalars(select(LoginThrottle.failures))) >= 4


def test_code_step_is_throttled(client, make_user, database):
    user = make_user("admin")
    mfa_secret(database, user)
    password_step(client, user)
    answers = [post(client, "/login/code", code="000000").status_code for _ in range(5)]
    assert answers[:3] == [401, 401, 401] and answers[3:] == [429, 429]


def test_the_code_step_needs_the_password_step_first(client, make_user):
    user = make_user("admin")
    assert client.get("/login/code").status_code == 302
    assert client.get("/login/code").headers["Location"].endswith("/login")
    assert client.get("/mfa/enrol").headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302
    del user


def test_recovery_codes_are_single_use(client, make_user, database):
    user = make_user("auditor")
    _, codes = enrol_through_pages(client, user)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    password_step(client, user)
    assert post(client, "/login/code", code=codes[0].upper()).status_code == 302
    assert client.get("/").status_code == 200
    [used] = events(database, "auth.mfa_recovery_used")
    assert used.details == {"recovery_codes_left": 9}
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    password_step(client, user)
    assert post(client, "/login/code", code=codes[0]).status_code == 401
    with database.session() as s:
        stored = s.scalars(select(MfaRecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)


def test_other_roles_may_enrol_and_are_then_asked_for_a_code(client, make_user, login, database):
    user = make_user("focal_point")
    assert login(user).status_code == 302  # no code asked
    page = client.get("/account/mfa")
    assert page.status_code == 200 and "/mfa/enrol" in page.text
    enrol = client.get("/mfa/enrol")
    secret = SECRET_RE.search(enrol.text).group(1)
    done = client.post(
        "/mfa/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(enrol.text)}
    )
    assert len(CODE_RE.findall(done.text)) == 10
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    resp = password_step(client, user)
    assert resp.headers["Location"].endswith("/login/code")
    assert client.get("/").status_code == 302


def test_admin_resets_a_users_factor_and_ends_their_sessions(app, make_user, make_org, database):
    admin, partner = make_user("admin"), make_user("partner")
    admin_browser, partner_browser = app.test_client(), app.test_client()
    assert sign_in(admin_browser, admin).status_code == 302
    assert sign_in(partner_browser, partner).status_code == 302
    assert partner_browser.get("/").status_code == 200

    page = admin_browser.get(f"/admin/users/{partner.id}")
    assert "Reset two-step sign-in" in page.text
    resp = admin_browser.post(
        f"/admin/users/{partner.id}/mfa/reset", data={"csrf_token": csrf_from(page.text)}
    )
    assert resp.status_code == 302
    assert partner_browser.get("/").status_code == 302  # the partner's session has ended
    with database.session() as s:
        assert s.get(UserMfa, partner.id) is None
    [reset] = events(database, "auth.mfa_reset")
    assert reset.actor_id == admin.id and reset.object_id == str(partner.id)
    # The partner enrols again at the next sign-in.
    assert password_step(partner_browser, partner).headers["Location"].endswith("/mfa/enrol")

    # Another organisation's admin cannot reach the user; other roles may not reset.
    outsider = make_user("admin", make_org("GT"))
    stranger = app.test_client()
    sign_in(stranger, outsider)
    token = csrf_from(stranger.get("/").text)
    assert (
        stranger.post(
            f"/admin/users/{partner.id}/mfa/reset", data={"csrf_token": token}
        ).status_code
        == 404
    )
    focal = app.test_client()
    sign_in(focal, make_user("focal_point"))
    token = csrf_from(focal.get("/").text)
    assert (
        focal.post(f"/admin/users/{partner.id}/mfa/reset", data={"csrf_token": token}).status_code
        == 403
    )


def test_a_session_that_skipped_the_second_factor_ends(client, make_user, login, database):
    """A focal point signed in without a code, then made an admin: the session does not carry
    the new role's requirement, so it ends and the next sign-in asks for enrolment."""
    user = make_user("focal_point")
    login(user)
    assert client.get("/").status_code == 200
    with database.session() as s:
        s.execute(update(User).where(User.id == user.id).values(role="admin"))
    assert client.get("/").status_code == 302


def test_the_api_keeps_bearer_tokens_without_a_second_factor(api):
    admin = api("admin")
    assert admin.get("/me").status_code == 200
