"""Writes of the auth domain: organisations, users, passwords, throttling, sessions, tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import (
    ApiToken,
    LoginThrottle,
    Organisation,
    OrgKind,
    Role,
    User,
    UserSession,
)
from casework.db import utcnow
from casework.errors import Conflict, InvalidInput, NotFound

#: argon2 costs by profile: "standard" is the library's recommendation; "fast" is for the test
#: suite alone (production refuses it, see settings).
PASSWORD_PROFILES: dict[str, dict[str, int]] = {
    "standard": {},
    "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}
_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_password_profile(name: str) -> None:
    """Hash new passwords at this profile's cost (set once, by the app factory)."""
    global _hasher, _DUMMY_HASH
    if name not in PASSWORD_PROFILES:
        raise ValueError(f"unknown password hash profile {name!r}")
    wanted = PasswordHasher(**PASSWORD_PROFILES[name])
    if (wanted.time_cost, wanted.memory_cost) != (_hasher.time_cost, _hasher.memory_cost):
        _hasher = wanted
        _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "cw_"  # noqa: S105 - a public prefix, not a secret


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
            {"password": [f"At least {MIN_PASSWORD_LENGTH} characters."]},
        )
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("Not a valid email address.", {"email": ["Not a valid email address."]})
    return email


def validate_country(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidInput(
            "Not an ISO 3166-1 alpha-2 country code.", {"country": ["Unknown country code."]}
        )
    return code


def create_organisation(session: Session, name: str, country: str, kind: str) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("An organisation needs a name.", {"name": ["1 to 200 characters."]})
    try:
        org_kind = OrgKind(kind)
    except ValueError:
        raise InvalidInput(
            "Unknown organisation kind.", {"kind": [f"One of: {', '.join(OrgKind)}."]}
        ) from None
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict("An organisation with this name exists.", {"name": ["Already taken."]})
    org = Organisation(name=name, country=validate_country(country), kind=org_kind)
    session.add(org)
    session.flush()
    return org


def create_user(
    session: Session, email: str, password: str, role: str, organisation_id: uuid.UUID | str
) -> User:
    email = normalise_email(email)
    try:
        user_role = Role(role)
    except ValueError:
        raise InvalidInput("Unknown role.", {"role": [f"One of: {', '.join(Role)}."]}) from None
    try:
        org_id = uuid.UUID(str(organisation_id))
    except ValueError:
        raise NotFound("No such organisation.") from None
    if session.get(Organisation, org_id) is None:
        raise NotFound("No such organisation.")
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("A user with this email exists.", {"email": ["Already registered."]})
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=user_role,
        organisation_id=org_id,
        is_active_user=True,
    )
    session.add(user)
    session.flush()
    return user


def set_user_active(session: Session, user: User, active: bool) -> None:
    user.is_active_user = active
    if not active:
        for s in session.scalars(
            select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None)
            )
        ):
            s.ended_at = utcnow()
    session.flush()


# --- login throttling ---------------------------------------------------------------------


def _throttle(session: Session, key: str) -> LoginThrottle:
    key_hash = sha256_hex(key)
    row = session.get(LoginThrottle, key_hash)
    if row is None:
        row = LoginThrottle(key_hash=key_hash, failures=0, window_started_at=utcnow())
        session.add(row)
    return row


def locked_until(session: Session, keys: list[str]) -> dt.datetime | None:
    now = utcnow()
    until = None
    for key in keys:
        row = session.get(LoginThrottle, sha256_hex(key))
        if row and row.locked_until and row.locked_until > now:
            until = max(until or row.locked_until, row.locked_until)
    return until


def record_login_failure(
    session: Session, keys: list[str], max_failures: int, window_min: int, lockout_min: int
) -> None:
    now = utcnow()
    for key in keys:
        row = _throttle(session, key)
        if now - row.window_started_at > dt.timedelta(minutes=window_min):
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        # Client addresses are shared (offices, NAT): they get a larger allowance.
        limit = max_failures * (4 if key.startswith("ip:") else 1)
        if row.failures >= limit:
            row.locked_until = now + dt.timedelta(minutes=lockout_min)
            row.failures, row.window_started_at = 0, now
    session.flush()


def clear_login_failures(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, sha256_hex(key))
    if row is not None:
        session.delete(row)
        session.flush()


# --- sessions -----------------------------------------------------------------------------


def start_session(session: Session, user: User) -> str:
    """A new server-side session with a fresh random identifier (regenerated at every login)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=sha256_hex(token), user_id=user.id))
    user.last_login_at = utcnow()
    session.flush()
    return token


def load_session(session: Session, token: str, idle_minutes: int) -> UserSession | None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))
    now = utcnow()
    if row is None or row.ended_at is not None or not row.user.is_active:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=idle_minutes):
        row.ended_at = now
        session.flush()
        return None
    # Touch at most once a minute so reads do not all become writes.
    if now - row.last_seen_at > dt.timedelta(seconds=60):
        row.last_seen_at = now
    return row


def end_session(session: Session, token: str) -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.flush()


# --- API tokens ---------------------------------------------------------------------------


def create_token(session: Session, user: User, expires_days: int) -> tuple[ApiToken, str]:
    if expires_days < 1 or expires_days > 3650:
        raise InvalidInput("Expiry must be 1 to 3650 days.", {"expires_days": ["1 to 3650."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=sha256_hex(secret),
        prefix=secret[:10],
        user_id=user.id,
        expires_at=utcnow() + dt.timedelta(days=expires_days),
    )
    session.add(token)
    session.flush()
    return token, secret


def resolve_token(session: Session, secret: str) -> User | None:
    """The active user behind a bearer token, or None if unknown, expired or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def revoke_token(session: Session, token_id: uuid.UUID) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = token.revoked_at or utcnow()
    session.flush()
