"""Sign-in throttling (issue 11 finding 5) and sign-in events (finding 4, sign-in part).

- a stream of wrong passwords from one address slows that address and the accounts it guessed,
  not another user and not another address, behind the proxy too (CASEWORK_TRUSTED_PROXIES);
- forged X-Forwarded-For headers are ignored when no proxy is trusted;
- delays grow (each further failure doubles the wait) instead of one fixed lock;
- an unknown e-mail costs the same time as a known one (a ratio of medians, never a fixed time);
- sign-in, failure, lockout and sign-out are events of the audit trail, with no e-mail, address
  or password in them.
"""

from __future__ import annotations

import json
import statistics
import time

import pytest
from sqlalchemy import select, update

from casework.audit import AuditEvent
from casework.auth.models import LoginThrottle
from tests.helpers import PASSWORD, csrf_from

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.2"


@pytest.fixture
def settings(settings):
    # One reverse proxy in front of the service, as the README recommends.
    return settings.with_(trusted_proxies=1)


def attempt(client, email: str, password: str, client_address: str, *, via_proxy: bool = True):
    """One sign-in from `client_address`: through the proxy (which appends the address it saw to
    X-Forwarded-For), or straight from that address."""
    remote = PROXY if via_proxy else client_address
    headers = {"X-Forwarded-For": client_address} if via_proxy else {}
    page = client.get("/login", environ_base={"REMOTE_ADDR": remote}, headers=headers)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": remote},
        headers=headers,
    )


def test_a_stream_of_wrong_passwords_from_one_address_locks_out_no_one_else(app, make_user):
    victim, colleague = make_user("focal_point"), make_user("family_liaison")
    attacker = app.test_client()
    answers = [
        attempt(attacker, victim.email, f"guess {i}", ATTACKER).status_code for i in range(30)
    ]
    # The first failures are answered as such; then the attacker is made to wait.
    assert answers[:3] == [401, 401, 401]
    assert set(answers[3:]) == {429}
    # Guessing many accounts from the same address: that address waits too.
    for i in range(30):
        attempt(attacker, f"someone{i}@example.org", "guess", ATTACKER)
    assert attempt(attacker, colleague.email, PASSWORD, ATTACKER).status_code == 429

    # Another user, from another address behind the same proxy: not affected.
    assert attempt(app.test_client(), colleague.email, PASSWORD, OFFICE).status_code == 302
    # The victim, from their own address: not locked out either.
    assert attempt(app.test_client(), victim.email, PASSWORD, OFFICE).status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app, settings, database):
    from casework import create_app

    direct = create_app(settings.with_(trusted_proxies=0), database=database)
    client = direct.test_client()
    # Each attempt guesses another account and claims another client address: only the address
    # key could slow it down, and only if the forged addresses are not believed.
    answers = [
        attempt(client, f"nobody{i}@example.org", "guess", f"192.0.2.{i}").status_code
        for i in range(1, 20)
    ]
    assert 429 in answers
    # Behind a trusted proxy the same addresses are believed: each is a different client.
    trusting = app.test_client()
    answers = [
        attempt(trusting, f"someone{i}@example.org", "guess", f"192.0.2.{i + 100}").status_code
        for i in range(1, 20)
    ]
    assert set(answers) == {401}


def test_delays_grow_with_each_further_failure(app, make_user, database):
    user = make_user()
    client = app.test_client()
    waits = []
    for _ in range(4):
        # Fail until the account waits, then let the wait run out (in the database) and fail again.
        resp = attempt(client, user.email, "wrong password", OFFICE)
        while resp.status_code == 401:
            resp = attempt(client, user.email, "wrong password", OFFICE)
        assert resp.status_code == 429
        waits.append(int(resp.headers["Retry-After"]))
        with database.session() as s:
            s.execute(update(LoginThrottle).values(locked_until=None))
    # Each failure after the allowance doubles the wait (within a second of rounding).
    for shorter, longer in zip(waits, waits[1:], strict=False):
        assert abs(longer - 2 * shorter) <= 1, waits
    # The right password still works once the wait is over.
    assert attempt(client, user.email, PASSWORD, OFFICE).status_code == 302


def _events(database, *actions: str):
    with database.session() as s:
        return s.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.seq)
        ).all()


def test_sign_in_failure_lockout_and_sign_out_are_in_the_audit_trail(app, make_user, database):
    user = make_user("focal_point")
    client = app.test_client()
    attempt(client, user.email, "wrong password 1", OFFICE)
    attempt(client, "unknown.person@example.org", "wrong password 2", OFFICE)
    for i in range(3):
        attempt(client, user.email, f"wrong password {i}", OFFICE)
    with database.session() as s:
        s.execute(update(LoginThrottle).values(locked_until=None, failures=0))
    assert attempt(client, user.email, PASSWORD, OFFICE).status_code == 302
    home = client.get("/")
    client.post("/logout", data={"csrf_token": csrf_from(home.text)})

    failures = _events(database, "auth.login_failure")
    assert [e.details["reason"] for e in failures[:2]] == ["wrong_password", "unknown_account"]
    assert failures[0].actor_id == user.id and failures[0].organisation_id == user.organisation_id
    assert failures[1].actor_id is None and failures[1].decision == "deny"
    [lockout, *_] = _events(database, "auth.lockout")
    assert lockout.details["scope"] == "account_address" and lockout.details["seconds"] > 0
    [login] = _events(database, "auth.login")
    assert login.actor_id == user.id and login.details == {"second_factor": "none"}
    [logout] = _events(database, "auth.logout")
    assert logout.actor_id == user.id
    everything = json.dumps(
        [
            [e.details, e.object_id]
            for e in _events(
                database, "auth.login_failure", "auth.lockout", "auth.login", "auth.logout"
            )
        ]
    )
    for value in (user.email, "unknown.person", "wrong password", PASSWORD, OFFICE, PROXY):
        assert value not in everything


@pytest.fixture
def costly_settings(settings):
    # argon2 at its real cost, so that skipping it would show; no throttling in the way.
    return settings.with_(password_hash_profile="standard", login_max_failures=1000)


def test_unknown_and_known_emails_take_the_same_time(costly_settings, database, make_user):
    from casework import create_app

    app = create_app(costly_settings, database=database)
    try:
        known = make_user("focal_point")  # hashed at the standard cost
        client = app.test_client()

        def timed(email: str) -> float:
            page = client.get("/login")
            start = time.perf_counter()
            resp = client.post(
                "/login",
                data={"email": email, "password": "not it", "csrf_token": csrf_from(page.text)},
            )
            elapsed = time.perf_counter() - start
            assert resp.status_code == 401
            return elapsed

        known_times, unknown_times = [], []
        for i in range(7):  # interleaved, so load on the machine hits both alike
            known_times.append(timed(known.email))
            unknown_times.append(timed(f"nobody{i}@example.org"))
        ratio = statistics.median(unknown_times) / statistics.median(known_times)
        # Before the fix an unknown e-mail answered 10-40 times faster (no argon2 at all).
        assert 0.6 < ratio < 1.6, (ratio, known_times, unknown_times)
    finally:
        from casework.auth import operations

        operations.use_password_profile("fast")
