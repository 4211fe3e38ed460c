"""Signing in and out as services: the password step (throttled, the same work for unknown and
known e-mails), the completed sign-in, sign-out, and their events in the audit trail.

Events (never a password, a code, an e-mail or an address in their details):
``auth.login`` (details: the second factor used), ``auth.login_failure`` (the reason),
``auth.lockout`` (which key waits, for how long), ``auth.logout``; the MFA events are
`casework.auth.mfa`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from casework import audit
from casework.auth import operations, queries, throttle
from casework.auth.models import User


@dataclass(frozen=True)
class PasswordStep:
    """Outcome of the password step: `user` when the password is right, `retry_after` > 0 when
    a key still waits (nothing was checked), neither when it failed."""

    user: User | None = None
    retry_after: int = 0
    keys: list[throttle.Key] = field(default_factory=list)


def _actor(user: User | None, request_id: str | None) -> audit.PlainActor:
    if user is None:
        return audit.PlainActor(role="anonymous", request_id=request_id)
    return audit.PlainActor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        role=str(user.role.value),
        request_id=request_id,
    )


def failed(
    session: Session,
    user: User | None,
    keys: list[throttle.Key],
    policy: throttle.Policy,
    *,
    action: str,
    reason: str,
    request_id: str | None,
) -> list[throttle.Delay]:
    """Count a failed step against its keys; record `action` (unless the MFA service did) and
    an ``auth.lockout`` for each key that now waits."""
    delays = throttle.record_failure(session, keys, policy)
    actor = _actor(user, request_id)
    target = {"object_type": "user", "object_id": user.id if user else None}
    if action:
        audit.append(session, actor, action, decision="deny", details={"reason": reason}, **target)
    for delay in delays:
        audit.append(
            session,
            actor,
            "auth.lockout",
            decision="deny",
            details={"scope": delay.scope, "seconds": delay.seconds, "failures": delay.failures},
            **target,
        )
    return delays


def password_step(
    session: Session,
    email: str,
    password: str,
    *,
    address: str | None,
    secret_key: str,
    policy: throttle.Policy,
    request_id: str | None = None,
) -> PasswordStep:
    """Check an e-mail and password, throttled per account, per address and per both.

    An unknown e-mail or an inactive account costs the same argon2 verification as a known one
    (against a dummy hash), and counts and answers the same way, so neither the answer nor its
    time tells whether an account exists.
    """
    keys = throttle.keys_for(secret_key, email, address)
    wait = throttle.retry_after(session, keys)
    if wait:
        return PasswordStep(retry_after=wait, keys=keys)
    user = queries.user_by_email(session, email)
    # Always one argon2 verification: against the user's hash, or the dummy one.
    right = operations.verify_password(user, password)
    if user is not None and right and user.is_active:
        operations.rehash_if_needed(session, user, password)
        return PasswordStep(user=user, keys=keys)
    if user is None:
        reason = "unknown_account"
    elif not user.is_active:
        reason = "inactive_account"
    else:
        reason = "wrong_password"
    failed(
        session,
        user,
        keys,
        policy,
        action="auth.login_failure",
        reason=reason,
        request_id=request_id,
    )
    return PasswordStep(keys=keys)


def complete(
    session: Session,
    user: User,
    keys: list[throttle.Key],
    *,
    second_factor: str,
    request_id: str | None = None,
) -> str:
    """Both steps passed: clear the account's throttle keys, start a new server session (its
    cookie token is returned) and record ``auth.login``."""
    throttle.clear(session, keys)
    token = operations.start_session(session, user)
    audit.append(
        session,
        _actor(user, request_id),
        "auth.login",
        object_type="user",
        object_id=user.id,
        details={"second_factor": second_factor},
    )
    return token


def sign_out(session: Session, user: User | None, token: str, request_id: str | None) -> None:
    operations.end_session(session, token, "sign_out")
    if user is not None:
        audit.append(
            session, _actor(user, request_id), "auth.logout", object_type="user", object_id=user.id
        )
