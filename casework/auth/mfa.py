"""The second factor: TOTP (RFC 6238, pyotp) with ten single-use recovery codes.

- Required for the roles in `REQUIRED_ROLES` (they enrol at their first sign-in, before anything
  else), optional for the others.
- The secret is encrypted under the user's own data key (`data_keys`, kind ``user``, bound to
  the user's organisation), with associated data ``user_mfa.secret:<user id>``: the database and
  its backups hold no usable secret without the key file, and `keys rotate` re-wraps it with
  every other data key.
- A code is accepted for the current 30-second step or the one before or after (clock drift);
  a code of an older step is expired, and a step at or before the last accepted one is a replay:
  refused, even for two requests racing with the same code (conditional UPDATE).
- Recovery codes (12 characters from a 31-letter alphabet, about 59 bits) are shown once and
  stored as SHA-256 over the user id and the code; each opens one sign-in.
- Events of the audit trail: ``auth.mfa_enrol``, ``auth.mfa_failure``,
  ``auth.mfa_recovery_used``, ``auth.mfa_reset``; never a code or a secret in their details.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from casework import audit
from casework.auth.models import MfaRecoveryCode, Role, User, UserMfa
from casework.crypto import decrypt_field, encrypt_field
from casework.db import utcnow
from casework.errors import Conflict
from casework.keys import DataKey, create_data_key, plaintext_key

REQUIRED_ROLES = frozenset({Role.admin, Role.partner, Role.auditor})
ISSUER = "casework"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
#: Steps accepted either side of the current one (clock drift between phone and server).
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12

# Outcomes of `check_code`.
TOTP = "totp"
RECOVERY = "recovery"


def required_for(role: Role | str) -> bool:
    try:
        return Role(role) in REQUIRED_ROLES
    except ValueError:
        return False


def record(session: Session, user_id: uuid.UUID) -> UserMfa | None:
    return session.get(UserMfa, user_id)


def is_enrolled(session: Session, user_id: uuid.UUID) -> bool:
    stmt = select(UserMfa.user_id).where(
        UserMfa.user_id == user_id, UserMfa.enrolled_at.is_not(None)
    )
    return session.scalar(stmt) is not None


def _aad(user_id: uuid.UUID) -> str:
    return f"user_mfa.secret:{user_id}"


def _secret_of(session: Session, row: UserMfa) -> str:
    key = session.get(DataKey, row.data_key_id)
    if key is None:  # pragma: no cover - the foreign key keeps it
        raise RuntimeError("MFA data key missing")
    return decrypt_field(plaintext_key(key), row.secret_enc, _aad(row.user_id)).decode("ascii")


def current_secret(session: Session, user_id: uuid.UUID) -> str | None:
    """The user's secret in clear (enrolled or being enrolled), or None."""
    row = session.get(UserMfa, user_id)
    return _secret_of(session, row) if row is not None else None


def _drop(session: Session, user_id: uuid.UUID) -> bool:
    """Remove the user's factor, its data key and recovery codes; True if there was one."""
    row = session.get(UserMfa, user_id)
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    if row is None:
        return False
    key_id = row.data_key_id
    session.delete(row)
    session.flush()
    key = session.get(DataKey, key_id)
    if key is not None:
        session.delete(key)
    session.flush()
    return True


def discard_unconfirmed(session: Session, user_id: uuid.UUID) -> None:
    """A new sign-in to enrol: forget a secret shown before and never confirmed, so whoever saw
    it (another sign-in with the same password) does not hold the one the user enrols."""
    row = session.get(UserMfa, user_id)
    if row is not None and row.enrolled_at is None:
        _drop(session, user_id)


def pending_secret(session: Session, user: User) -> str:
    """The secret the user is enrolling with (a new one, encrypted, if none waits yet).

    Refused (409) once the user is enrolled: a reset comes first.
    """
    row = session.get(UserMfa, user.id)
    if row is not None and row.enrolled_at is not None:
        raise Conflict("Two-step sign-in is already set up for this account.")
    if row is not None:
        return _secret_of(session, row)
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    key = create_data_key(session, "user", organisation_id=user.organisation_id)
    session.flush()
    envelope = encrypt_field(plaintext_key(key), key.id.hex, secret.encode("ascii"), _aad(user.id))
    session.add(UserMfa(user_id=user.id, data_key_id=key.id, secret_enc=envelope))
    session.flush()
    return secret


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str, title: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn on the server (no external service)."""
    qr = segno.make(uri, error="m")
    return qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in [current + d for d in range(-VALID_WINDOW, VALID_WINDOW + 1)]:
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(session: Session, user_id: uuid.UUID, step: int) -> bool:
    """Accept `step` once: only if no later or equal step was accepted before (atomic)."""
    result = session.execute(
        update(UserMfa)
        .where(
            UserMfa.user_id == user_id,
            or_(UserMfa.last_step.is_(None), UserMfa.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _digits(code: str) -> str:
    return "".join(c for c in (code or "") if not c.isspace())


def _normal_recovery(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _recovery_hash(user_id: uuid.UUID, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{_normal_recovery(code)}".encode()).hexdigest()


def _new_recovery_codes(session: Session, user_id: uuid.UUID) -> list[str]:
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        session.add(MfaRecoveryCode(user_id=user_id, code_hash=_recovery_hash(user_id, raw)))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    session.flush()
    return codes


def recovery_codes_left(session: Session, user_id: uuid.UUID) -> int:
    stmt = select(func.count(MfaRecoveryCode.id)).where(
        MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def _actor_of(user: User, request_id: str | None) -> audit.PlainActor:
    return audit.PlainActor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        role=str(user.role.value),
        request_id=request_id,
    )


def confirm_enrolment(
    session: Session,
    user: User,
    code: str,
    *,
    request_id: str | None = None,
    now: Callable[[], float] = time.time,
) -> list[str] | None:
    """Finish enrolment with a first code from the authenticator: the ten recovery codes (to be
    shown once), or None when the code is wrong, expired or replayed."""
    row = session.get(UserMfa, user.id)
    if row is None or row.enrolled_at is not None:
        return None
    step = _matching_step(_secret_of(session, row), _digits(code), now())
    if step is None or not _claim_step(session, user.id, step):
        return None
    row.enrolled_at = utcnow()
    codes = _new_recovery_codes(session, user.id)
    audit.append(
        session,
        _actor_of(user, request_id),
        "auth.mfa_enrol",
        object_type="user",
        object_id=user.id,
        details={"method": "totp", "recovery_codes": RECOVERY_CODE_COUNT},
    )
    return codes


def check_code(
    session: Session,
    user: User,
    code: str,
    *,
    request_id: str | None = None,
    now: Callable[[], float] = time.time,
) -> str | None:
    """The second step of a sign-in: ``"totp"``, ``"recovery"`` (that code is now spent), or
    None (wrong, expired or replayed; recorded as ``auth.mfa_failure``)."""
    row = session.get(UserMfa, user.id)
    outcome: str | None = None
    reason = "not_enrolled"
    if row is not None and row.enrolled_at is not None:
        digits = _digits(code)
        if digits.isdigit() and len(digits) == 6:
            step = _matching_step(_secret_of(session, row), digits, now())
            if step is None:
                reason = "wrong_or_expired"
            elif not _claim_step(session, user.id, step):
                reason = "replayed"
            else:
                outcome = TOTP
        elif len(_normal_recovery(code)) == _RECOVERY_LENGTH:
            spent = session.execute(
                update(MfaRecoveryCode)
                .where(
                    MfaRecoveryCode.user_id == user.id,
                    MfaRecoveryCode.code_hash == _recovery_hash(user.id, code),
                    MfaRecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if spent.rowcount == 1:  # type: ignore[attr-defined]
                outcome = RECOVERY
            else:
                reason = "wrong_recovery_code"
        else:
            reason = "malformed"
    actor = _actor_of(user, request_id)
    if outcome == RECOVERY:
        audit.append(
            session,
            actor,
            "auth.mfa_recovery_used",
            object_type="user",
            object_id=user.id,
            details={"recovery_codes_left": recovery_codes_left(session, user.id)},
        )
    elif outcome is None:
        audit.append(
            session,
            actor,
            "auth.mfa_failure",
            object_type="user",
            object_id=user.id,
            decision="deny",
            details={"reason": reason},
        )
    return outcome


def reset(
    session: Session,
    actor: Any,
    user: User,
    end_sessions: Callable[[Session, uuid.UUID, str], Any],
) -> bool:
    """An admin removes a user's second factor (lost phone): the factor, its key and its
    recovery codes go, the user's sessions end, and the user enrols again at the next sign-in
    (required roles) or when they choose. Audited as ``auth.mfa_reset``."""
    had = _drop(session, user.id)
    end_sessions(session, user.id, "mfa_reset")
    audit.append(
        session,
        actor,
        "auth.mfa_reset",
        object_type="user",
        object_id=user.id,
        details={"had_factor": had},
    )
    return had
