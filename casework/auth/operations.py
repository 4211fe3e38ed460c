"""Writes of the auth domain: organisations, users, passwords, throttling, sessions, tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import uuid

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import audit
from casework.audit import AuditActor, PlainActor
from casework.auth.models import (
    PRIVILEGED_ROLES,
    ApiToken,
    Organisation,
    OrgKind,
    Role,
    RoleRequest,
    RoleRequestStatus,
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


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "cw_"  # noqa: S105 - a public prefix, not a secret


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- password rules -----------------------------------------------------------------------

#: Why a password is refused (the pages say each in the reader's language).
PASSWORD_PROBLEMS = {
    "too_short": f"At least {MIN_PASSWORD_LENGTH} characters.",
    "too_long": f"At most {MAX_PASSWORD_LENGTH} characters.",
    "common": "This password is on a list of common passwords.",
    "contains_email": "The password may not contain the email address.",
}
# One short unit repeated ("aaaaaaaaaaaa", "abcabcabcabc"): as guessable as a listed password.
_REPEATED = re.compile(r"(.{1,4}?)\1+", re.S)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's frequency lists (a maintained package)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, email: str | None = None) -> list[str]:
    """The rules `password` breaks (keys of PASSWORD_PROBLEMS); empty when it is acceptable.

    At least 12 characters; not on the common-password list (compared case-insensitively) nor
    one short unit repeated; not containing the local part of the account's email address
    (when that part has at least 3 characters).
    """
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append("too_long")
    folded = password.casefold()
    if folded in common_passwords() or _REPEATED.fullmatch(folded):
        problems.append("common")
    local = (email or "").strip().casefold().partition("@")[0]
    if len(local) >= 3 and local in folded:
        problems.append("contains_email")
    return problems


def check_password(password: str, email: str | None = None, field: str = "password") -> None:
    """Raise InvalidInput (422, naming `field`) when `password` breaks a rule."""
    problems = password_problems(password, email)
    if problems:
        raise InvalidInput(
            "The password is not acceptable.",
            {field: [PASSWORD_PROBLEMS[p] for p in problems]},
            extra={"problems": problems},
        )


def hash_password(password: str) -> str:
    """The argon2 hash of a password that is long enough (the other rules: `check_password`)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
            {"password": [PASSWORD_PROBLEMS["too_short"]]},
        )
    return _hasher.hash(password)


def rehash_if_needed(session: Session, user: User, password: str) -> bool:
    """After a successful sign-in with `password`: re-hash it when the stored hash was made
    with other argon2 parameters than the current ones (a cost raised since). True if done."""
    try:
        needed = _hasher.check_needs_rehash(user.password_hash)
    except (InvalidHashError, ValueError):
        needed = True
    if not needed:
        return False
    user.password_hash = _hasher.hash(password)
    session.flush()
    return True


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


# --- the audit trail of account changes -------------------------------------------------------


def _acting(actor: AuditActor | None, organisation_id: uuid.UUID) -> AuditActor:
    """The actor to record: the given one, or the system (the operator's CLI) acting for the
    organisation concerned, so that organisation's auditor sees the event."""
    return actor if actor is not None else PlainActor(organisation_id=organisation_id)


def _audit(
    session: Session,
    actor: AuditActor | None,
    organisation_id: uuid.UUID,
    action: str,
    object_type: str,
    object_id: uuid.UUID,
    **details: object,
) -> None:
    audit.append(
        session,
        _acting(actor, organisation_id),
        action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


# --- users ----------------------------------------------------------------------------------


class FourEyesRequired(Conflict):
    """The admin who asked for a privileged role may not approve it (nor may its subject)."""

    code = "four_eyes_required"


class NotPending(Conflict):
    code = "not_pending"


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput("Unknown role.", {"role": [f"One of: {', '.join(Role)}."]}) from None


def _new_user_checks(
    session: Session, email: str, password: str, organisation_id: uuid.UUID | str
) -> tuple[str, uuid.UUID]:
    email = normalise_email(email)
    try:
        org_id = uuid.UUID(str(organisation_id))
    except ValueError:
        raise NotFound("No such organisation.") from None
    if session.get(Organisation, org_id) is None:
        raise NotFound("No such organisation.")
    check_password(password, email)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("A user with this email exists.", {"email": ["Already registered."]})
    pending = select(RoleRequest.id).where(
        RoleRequest.email == email, RoleRequest.status == RoleRequestStatus.pending
    )
    if session.scalar(pending):
        raise Conflict(
            "A user with this email waits for approval.", {"email": ["Waiting for approval."]}
        )
    return email, org_id


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    organisation_id: uuid.UUID | str,
    *,
    actor: AuditActor | None = None,
) -> User:
    """Create a user with any role at once: the operator's CLI (no `actor`: audited as the
    system) and tests. Pages and the API go through `request_user` (four eyes)."""
    user_role = _role(role)
    email, org_id = _new_user_checks(session, email, password, organisation_id)
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=user_role,
        organisation_id=org_id,
        is_active_user=True,
    )
    session.add(user)
    session.flush()
    _audit(session, actor, org_id, "user.created", "user", user.id, role=user_role.value)
    return user


def request_user(
    session: Session, actor: AuditActor, email: str, password: str, role: str
) -> User | RoleRequest:
    """An admin creates a user in their organisation: at once for the ordinary roles; for admin
    and auditor, a pending RoleRequest that a second admin must approve."""
    user_role = _role(role)
    assert actor.organisation_id is not None
    if user_role not in PRIVILEGED_ROLES:
        return create_user(session, email, password, role, actor.organisation_id, actor=actor)
    email, org_id = _new_user_checks(session, email, password, actor.organisation_id)
    req = RoleRequest(
        organisation_id=org_id,
        email=email,
        password_hash=hash_password(password),
        role=user_role,
        status=RoleRequestStatus.pending,
        requested_by=actor.user_id,
    )
    session.add(req)
    session.flush()
    _audit(
        session,
        actor,
        org_id,
        "role.requested",
        "role_request",
        req.id,
        role=user_role.value,
        kind="new_user",
    )
    return req


def change_role(session: Session, actor: AuditActor, user: User, role: str) -> User | RoleRequest:
    """An admin changes a user's role: at once to an ordinary role; to admin or auditor, a
    pending RoleRequest that a second admin must approve. Nobody changes their own role."""
    new_role = _role(role)
    if user.id == actor.user_id:
        raise Conflict("You cannot change your own role.", {"role": ["Not your own."]})
    if new_role == user.role:
        return user
    if new_role not in PRIVILEGED_ROLES:
        return _apply_role(session, actor, user, new_role)
    pending = select(RoleRequest.id).where(
        RoleRequest.user_id == user.id, RoleRequest.status == RoleRequestStatus.pending
    )
    if session.scalar(pending):
        raise Conflict(
            "A role change of this user waits for approval.", {"role": ["Waiting for approval."]}
        )
    req = RoleRequest(
        organisation_id=user.organisation_id,
        user_id=user.id,
        role=new_role,
        status=RoleRequestStatus.pending,
        requested_by=actor.user_id,
    )
    session.add(req)
    session.flush()
    _audit(
        session,
        actor,
        user.organisation_id,
        "role.requested",
        "role_request",
        req.id,
        role=new_role.value,
        kind="role_change",
        user=str(user.id),
    )
    return req


def _apply_role(
    session: Session,
    actor: AuditActor | None,
    user: User,
    role: Role,
    request: RoleRequest | None = None,
) -> User:
    old = user.role
    user.role = role
    session.flush()
    extra = {"role_request": str(request.id)} if request else {}
    _audit(
        session,
        actor,
        user.organisation_id,
        "user.role_changed",
        "user",
        user.id,
        from_role=old.value,
        to_role=role.value,
        **extra,
    )
    return user


def _pending_request(session: Session, actor: AuditActor, request_id: uuid.UUID) -> RoleRequest:
    # FOR UPDATE of the request row only: its joined users are on the nullable side of an
    # outer join, which PostgreSQL cannot lock. Re-read once locked (a concurrent decision).
    req = session.scalar(
        select(RoleRequest)
        .where(RoleRequest.id == request_id)
        .with_for_update(of=RoleRequest)
        .execution_options(populate_existing=True)
    )
    if req is None or req.organisation_id != actor.organisation_id:
        raise NotFound("No such role request.")
    if req.status != RoleRequestStatus.pending:
        raise NotPending("This role request was already decided.")
    return req


def approve_role_request(session: Session, actor: AuditActor, request_id: uuid.UUID) -> RoleRequest:
    """A second admin approves: the user is created, or their role changed, only now. The admin
    who asked (and the user whose role it is) gets 409 `four_eyes_required`."""
    req = _pending_request(session, actor, request_id)
    if actor.user_id in (req.requested_by, req.user_id):
        raise FourEyesRequired("A second admin must approve this role.")
    if req.user_id is None:
        assert req.email is not None and req.password_hash is not None
        if session.scalar(select(User.id).where(User.email == req.email)):
            raise Conflict("A user with this email exists.", {"email": ["Already registered."]})
        user = User(
            email=req.email,
            password_hash=req.password_hash,
            role=req.role,
            organisation_id=req.organisation_id,
            is_active_user=True,
        )
        session.add(user)
        session.flush()
        req.user_id = user.id
        _audit(
            session,
            actor,
            req.organisation_id,
            "user.created",
            "user",
            user.id,
            role=req.role.value,
            role_request=str(req.id),
        )
    else:
        user = session.get(User, req.user_id)
        assert user is not None
        if not user.is_active:
            raise Conflict("This user is deactivated.")
        _apply_role(session, actor, user, req.role, req)
    _decide(session, actor, req, RoleRequestStatus.approved)
    return req


def reject_role_request(session: Session, actor: AuditActor, request_id: uuid.UUID) -> RoleRequest:
    """Any admin of the organisation (the one who asked included) turns a request down."""
    req = _pending_request(session, actor, request_id)
    _decide(session, actor, req, RoleRequestStatus.rejected)
    return req


def _decide(
    session: Session, actor: AuditActor, req: RoleRequest, status: RoleRequestStatus
) -> None:
    req.status = status
    req.decided_by = actor.user_id
    req.decided_at = utcnow()
    req.password_hash = None  # the new user's hash now lives in users, or nowhere
    session.flush()
    _audit(
        session,
        actor,
        req.organisation_id,
        f"role.{status.value}",
        "role_request",
        req.id,
        role=req.role.value,
    )


def set_user_active(
    session: Session, user: User, active: bool, *, actor: AuditActor | None = None
) -> None:
    """(De)activate a user; deactivation ends their sessions at once. Audited when it changes."""
    if user.is_active_user == active:
        return
    user.is_active_user = active
    ended = 0 if active else end_sessions(session, user.id, "deactivated")
    session.flush()
    action = "user.reactivated" if active else "user.deactivated"
    _audit(session, actor, user.organisation_id, action, "user", user.id, sessions_ended=ended)


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    actor: AuditActor | None = None,
    keep_session: str | None = None,
) -> int:
    """The user changes their own password (knowing the current one). Every other session of
    theirs ends (the one whose token is `keep_session` stays). Returns how many ended."""
    if not verify_password(user, current):
        raise InvalidInput(
            "The current password is not correct.",
            {"current_password": ["Not correct."]},
        )
    check_password(new, user.email, field="new_password")
    if new == current:
        raise InvalidInput(
            "The new password is the current one.",
            {"new_password": ["Choose a password other than the current one."]},
        )
    user.password_hash = hash_password(new)
    ended = end_sessions(session, user.id, "password_change", keep=keep_session)
    session.flush()
    _audit(
        session,
        actor,
        user.organisation_id,
        "user.password_changed",
        "user",
        user.id,
        sessions_ended=ended,
    )
    return ended


# --- sessions -----------------------------------------------------------------------------


def start_session(session: Session, user: User) -> str:
    """A new server-side session with a fresh random identifier (regenerated at every login)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=sha256_hex(token), user_id=user.id))
    user.last_login_at = utcnow()
    session.flush()
    return token


#: Why a session ended (user_sessions.ended_reason).
SESSION_END_REASONS = (
    "sign_out",
    "idle",
    "lifetime",
    "password_change",
    "mfa_reset",
    "deactivated",
)
#: The absolute lifetime when the caller names none (config SESSION_ABSOLUTE_HOURS).
DEFAULT_SESSION_HOURS = 12


def load_session(
    session: Session,
    token: str,
    idle_minutes: int,
    absolute_hours: float = DEFAULT_SESSION_HOURS,
) -> UserSession | None:
    """The live session behind a cookie's token. It ends when idle longer than `idle_minutes`,
    or older than `absolute_hours` however busy it is (then the user signs in again)."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))
    now = utcnow()
    if row is None or row.ended_at is not None or not row.user.is_active:
        return None
    reason = None
    if now - row.created_at > dt.timedelta(hours=absolute_hours):
        reason = "lifetime"
    elif now - row.last_seen_at > dt.timedelta(minutes=idle_minutes):
        reason = "idle"
    if reason:
        row.ended_at, row.ended_reason = now, reason
        session.flush()
        return None
    # Touch at most once a minute so reads do not all become writes.
    if now - row.last_seen_at > dt.timedelta(seconds=60):
        row.last_seen_at = now
    return row


def end_session(session: Session, token: str, reason: str = "sign_out") -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == sha256_hex(token)))
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = utcnow(), reason
        session.flush()


def end_sessions(
    session: Session, user_id: uuid.UUID, reason: str, *, keep: str | None = None
) -> int:
    """End every live session of a user (password change, MFA reset, deactivation), except the
    one whose cookie token is `keep`. Returns how many ended. The caller audits its own event."""
    if reason not in SESSION_END_REASONS:
        raise ValueError(f"unknown session end reason {reason!r}")
    stmt = select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != sha256_hex(keep))
    now = utcnow()
    ended = 0
    for row in session.scalars(stmt):
        row.ended_at, row.ended_reason = now, reason
        ended += 1
    session.flush()
    return ended


# --- API tokens ---------------------------------------------------------------------------


def create_token(
    session: Session, user: User, expires_days: int, *, actor: AuditActor | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for `user` (no `actor`: the operator's CLI, audited as the system)."""
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
    _audit(
        session,
        actor,
        user.organisation_id,
        "token.created",
        "api_token",
        token.id,
        user=str(user.id),
        expires_days=expires_days,
    )
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


def revoke_token(session: Session, token_id: uuid.UUID, *, actor: AuditActor | None = None) -> None:
    """Revoke a token (no `actor`: the operator's CLI, audited as the system)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        token.user.organisation_id,
        "token.revoked",
        "api_token",
        token.id,
        user=str(token.user_id),
    )
