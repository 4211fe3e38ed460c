"""The family's own status page: issuing the reporting relative's status code and secret, and
the public look-up that shows a case's stage and next step (CONTRACT: `/family-status`).

Storage. The code (10 characters of an unambiguous alphabet, no 0/O/1/I, shown as two groups
of five) is stored only as an HMAC-SHA256 under a key derived from the instance's index key:
the look-up finds its row without the code ever being in the database. The secret (12
characters of the same alphabet, three groups of four, about 60 bits) is stored as an argon2id
hash, at the instance's password-hashing cost. Both are shown once, when issued. A case has at
most one code: issuing a new one deletes the old row in the same transaction, so the old code
is then simply unknown. A code expires after `FAMILY_ACCESS_DAYS` (180).

What nothing reveals. An unknown code, a malformed one, a wrong secret, an expired or replaced
code, and a code whose relative was erased (or whose case was shredded) all give the same
answer, and each costs one argon2 verification (against a dummy hash when there is no row), so
neither the answer nor its time tells whether a case or a code exists.

Throttling. Every failed look-up counts against two keys, stored as HMACs (never the code or
the address): the code as typed (normalised) and the client address. A code typed
`FAMILY_STATUS_FAILURES_PER_CODE` (5) times without success within
`FAMILY_STATUS_WINDOW_MINUTES` (15), or an address failing
`FAMILY_STATUS_FAILURES_PER_ADDRESS` (20) times, waits out one window; meanwhile every
look-up through it is refused without checking anything ("try again later", 429). The key is
the code as typed, known or not, so an unknown code is throttled after exactly as many tries
as a real one: the "try again later" answer says nothing about existence either.

Audit. Every look-up appends one `family_status.lookup` event: `allow` naming the case (in its
organisation, so its auditor sees it) or `deny` with the outcome (`unknown_code`,
`wrong_secret`, `expired`, `withdrawn`, `throttled`; a code that exists names its case, so an
auditor sees someone trying a family's code; one that names no case belongs to no
organisation, and every auditor on the instance lists it: `audit.queries.INSTANCE_ACTIONS`).
A key that starts waiting adds
`family_status.lockout` with its scope. No code, secret or address is ever in an event. The
stage shown is the case's status, a clear (non-personal) column: no personal field is read, so
the look-up does not go through the access gateway; its event plays the part of the read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework import audit
from casework.access import record_change
from casework.auth.operations import PASSWORD_PROFILES
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.db import utcnow
from casework.errors import Conflict
from casework.families import operations
from casework.families.models import Relative
from casework.families.resources import RELATIVE
from casework.families.status_models import FamilyAccess, FamilyStatusThrottle
from casework.i18n import LANGUAGES

#: Characters of codes and secrets: digits and capitals without 0, O, 1 and I (32 symbols).
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH, CODE_GROUP = 10, 5
SECRET_LENGTH, SECRET_GROUP = 12, 4

CODE_SCOPE, ADDRESS_SCOPE = "code", "address"
LOOKUP_EVENT = "family_status.lookup"
LOCKOUT_EVENT = "family_status.lockout"
ISSUE_EVENT = "family_access.issue"

#: What the family reads for each case status: a stage and the next step. Deliberately
#: coarse: located alive, identified and closed are not told apart from "your liaison officer
#: will contact you", since such news is given by a person, never by a web page.
STAGES = {
    "reported": (
        _l("Your report has been received"),
        _l(
            "We are checking the information you gave us. Your liaison officer will contact "
            "you if we need anything more."
        ),
    ),
    "active_search": (
        _l("We are searching"),
        _l(
            "The search is going on. Your liaison officer will contact you when there is "
            "news. Tell them if your contact details change or if you learn something new."
        ),
    ),
    "located_alive": (
        _l("Your liaison officer will contact you"),
        _l(
            "Your liaison officer has information to share with you and will contact you. "
            "If you have not heard from them within a few days, please contact them."
        ),
    ),
    "deceased_identified": (
        _l("Your liaison officer will contact you"),
        _l(
            "Your liaison officer has information to share with you and will contact you. "
            "If you have not heard from them within a few days, please contact them."
        ),
    ),
    "closed": (
        _l("The search has ended"),
        _l(
            "Your liaison officer will contact you, or has already done so. If you have "
            "questions, please contact them."
        ),
    ),
}


class NoReportingRelative(Conflict):
    code = "no_reporting_relative"


class CodeChanged(Conflict):
    """The case's current code is no longer the one the confirmation was given for (a notice
    refreshed or sent again, or another officer's code since): nothing is issued."""

    code = "family_access_changed"


#: `issue(replaces=ANY)`: replace whatever code the case has (the API: "a new one replaces the
#: old"). The pages pass the id of the code the confirmation page showed, or None for none.
ANY = object()


@dataclass(frozen=True)
class Issued:
    """A new code and secret: the only time either exists in clear."""

    code: str
    secret: str
    expires_at: dt.datetime
    relative: Relative
    replaced: bool


@dataclass(frozen=True)
class ThrottlePolicy:
    failures_per_code: int = 5
    failures_per_address: int = 20
    window_minutes: int = 15


@dataclass(frozen=True)
class Outcome:
    """A look-up's result: `stage` (a case status) when shown, else `throttled` or refused."""

    stage: str | None = None
    language: str | None = None
    throttled: bool = False


# --- codes, secrets and their keyed hashes -----------------------------------------------------


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _grouped(value: str, size: int) -> str:
    return "-".join(value[i : i + size] for i in range(0, len(value), size))


def normalise(text: str | None, length: int) -> str | None:
    """What a person typed, as stored: capitals, no spaces or dashes; None unless it is
    `length` characters of the alphabet."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    folded = unicodedata.normalize("NFKC", text).upper()
    folded = "".join(c for c in folded if not (c.isspace() or c in "-‐‑‒–—_."))
    if len(folded) != length or any(c not in ALPHABET for c in folded):
        return None
    return folded


def _derived_key(session: Session, purpose: bytes) -> bytes:
    index_key = session.info["keyring_holder"].get().index_key
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"casework family access v1:" + purpose,
    ).derive(index_key)


def code_hash(session: Session, code: str) -> str:
    """The look-up key of a normalised code."""
    return hmac.new(_derived_key(session, b"code"), code.encode(), hashlib.sha256).hexdigest()


def _throttle_hash(session: Session, scope: str, value: str) -> str:
    key = _derived_key(session, b"throttle")
    return hmac.new(key, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


_HASHERS: dict[str, tuple[PasswordHasher, str]] = {}


def _hasher(profile: str) -> tuple[PasswordHasher, str]:
    """argon2id at the instance's password-hashing cost, and a dummy hash at that cost."""
    found = _HASHERS.get(profile)
    if found is None:
        hasher = PasswordHasher(**PASSWORD_PROFILES[profile])
        found = _HASHERS[profile] = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    return found


def _verify(profile: str, stored: str | None, secret: str) -> bool:
    hasher, dummy = _hasher(profile)
    try:
        return hasher.verify(stored or dummy, secret) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def language_of(tag: str | None) -> str | None:
    """One of LANGUAGES for a BCP 47 tag (`ar-SY` → `ar`), or None (e.g. Tigrinya)."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


# --- issuing ----------------------------------------------------------------------------------


def reporting_relative(session: Session, case: Case) -> Relative:
    """The case's reporting relative (the first registered one that is not erased); 409."""
    relatives = session.scalars(
        select(Relative)
        .where(Relative.case_id == case.id, Relative.is_reporting_person.is_(True))
        .order_by(Relative.created_at, Relative.id)
    ).all()
    for relative in relatives:
        if not relative.is_erased:
            return relative
    raise NoReportingRelative(
        "This case has no reporting relative: mark the relative who reported the "
        "disappearance as the reporting person first."
    )


def issue(
    session: Session,
    actor: Actor,
    case: Case,
    relative: Relative,
    *,
    days: int,
    profile: str,
    replaces: object = ANY,
) -> Issued:
    """A new code and secret for the case's reporting relative; the case's old code stops
    working in the same transaction. Refused (409) for another relative, an erased relative or
    a shredded case, and (`CodeChanged`) when `replaces` is given and the case's current code
    (its row's id, or None when it has none) is not that one: a confirmation is used once."""
    operations.ensure_case_live(case)
    if relative.case_id != case.id or not relative.is_reporting_person:
        raise NoReportingRelative(
            "A status code is issued to the relative who reported the disappearance only."
        )
    operations._ensure_live(relative)  # the domain's erasure check (locks the data key)
    # One issue at a time per case (PostgreSQL; SQLite serialises writers already).
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update(key_share=True)).one()
    if replaces is not ANY:
        current = session.scalars(
            select(FamilyAccess.id).where(FamilyAccess.case_id == case.id)
        ).one_or_none()
        if current != replaces:
            raise CodeChanged(
                "The case's status code is no longer the one this confirmation was for: no "
                "new code was issued."
            )
    replaced = session.execute(delete(FamilyAccess).where(FamilyAccess.case_id == case.id))
    session.flush()
    code, secret = _random(CODE_LENGTH), _random(SECRET_LENGTH)
    now = utcnow()
    expires_at = now + dt.timedelta(days=days)
    hasher, _dummy = _hasher(profile)
    session.add(
        FamilyAccess(
            case_id=case.id,
            relative_id=relative.id,
            code_hash=code_hash(session, code),
            secret_hash=hasher.hash(secret),
            created_at=now,
            created_by=actor.user_id,
            expires_at=expires_at,
        )
    )
    session.flush()
    was_replaced = bool(replaced.rowcount)
    record_change(
        session,
        actor,
        ISSUE_EVENT,
        RELATIVE,
        relative,
        details={"replaced": was_replaced, "valid_days": days},
    )
    return Issued(
        code=_grouped(code, CODE_GROUP),
        secret=_grouped(secret, SECRET_GROUP),
        expires_at=expires_at,
        relative=relative,
        replaced=was_replaced,
    )


# --- the public look-up -----------------------------------------------------------------------


def _throttle_row(session: Session, key_hash: str, now: dt.datetime) -> FamilyStatusThrottle:
    """The key's row, created if absent and locked for this transaction."""
    table = FamilyStatusThrottle.__table__
    values = {"key_hash": key_hash, "failures": 0, "window_started_at": now}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(values).on_conflict_do_nothing())
    stmt = (
        select(FamilyStatusThrottle)
        .where(FamilyStatusThrottle.key_hash == key_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


def _waiting(session: Session, hashes: list[str], now: dt.datetime) -> bool:
    rows = session.scalars(
        select(FamilyStatusThrottle).where(FamilyStatusThrottle.key_hash.in_(hashes))
    )
    return any(r.locked_until is not None and r.locked_until > now for r in rows)


def _count_failure(
    session: Session, keys: list[tuple[str, str, int]], window: dt.timedelta, now: dt.datetime
) -> list[tuple[str, int]]:
    """One failure against each (scope, hash, allowance); the scopes that now wait."""
    waiting = []
    for scope, key_hash, allowance in keys:
        row = _throttle_row(session, key_hash, now)
        ended = row.locked_until is not None and row.locked_until <= now
        if ended or now - row.window_started_at > window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= allowance:
            row.locked_until = now + window
            waiting.append((scope, row.failures))
    # Forget keys quiet for a day: the table holds recent failures only.
    stale = now - max(window, dt.timedelta(days=1))
    session.execute(
        delete(FamilyStatusThrottle).where(
            FamilyStatusThrottle.window_started_at < stale,
            (FamilyStatusThrottle.locked_until.is_(None))
            | (FamilyStatusThrottle.locked_until < now),
        )
    )
    session.flush()
    return waiting


def lookup(
    session: Session,
    code_text: str | None,
    secret_text: str | None,
    *,
    address: str | None,
    policy: ThrottlePolicy,
    profile: str,
    request_id: str | None = None,
) -> Outcome:
    """A relative's look-up: the case's stage for the right code and secret, else a refusal
    that is the same whatever was wrong (see the module's text). Audited either way."""
    now = utcnow()
    code = normalise(code_text, CODE_LENGTH)
    typed = code or unicodedata.normalize("NFKC", (code_text or "")[:100]).strip().upper()
    code_key = _throttle_hash(session, CODE_SCOPE, typed)
    address_key = _throttle_hash(session, ADDRESS_SCOPE, address or "unknown")
    anonymous = audit.PlainActor(role="anonymous", request_id=request_id)
    if _waiting(session, [code_key, address_key], now):
        audit.append(
            session,
            anonymous,
            LOOKUP_EVENT,
            object_type="family_access",
            decision="deny",
            details={"outcome": "throttled"},
        )
        return Outcome(throttled=True)

    row = None
    if code is not None:
        row = session.scalars(
            select(FamilyAccess).where(FamilyAccess.code_hash == code_hash(session, code))
        ).one_or_none()
    secret = normalise(secret_text, SECRET_LENGTH) or ""
    # Always one argon2 verification: against the row's hash or the dummy one.
    right = _verify(profile, row.secret_hash if row is not None else None, secret)
    case = relative = None
    if row is None:
        outcome = "unknown_code"
    elif not right:
        outcome = "wrong_secret"
    elif row.expires_at <= now:
        outcome = "expired"
    else:
        case = session.get(Case, row.case_id)
        relative = session.get(Relative, row.relative_id)
        gone = case is None or relative is None or case.is_shredded or relative.is_erased
        outcome = "withdrawn" if gone else "shown"

    if outcome == "shown":
        assert case is not None and relative is not None
        session.execute(
            delete(FamilyStatusThrottle).where(FamilyStatusThrottle.key_hash == code_key)
        )
        audit.append(
            session,
            audit.PlainActor(
                role="anonymous", organisation_id=case.organisation_id, request_id=request_id
            ),
            LOOKUP_EVENT,
            object_type="case",
            object_id=str(case.id),
            case_reference=case.reference,
            details={"outcome": "shown", "stage": str(case.status.value)},
        )
        return Outcome(stage=str(case.status.value), language=relative.preferred_language)

    window = dt.timedelta(minutes=policy.window_minutes)
    waiting = _count_failure(
        session,
        [
            (CODE_SCOPE, code_key, policy.failures_per_code),
            (ADDRESS_SCOPE, address_key, policy.failures_per_address),
        ],
        window,
        now,
    )
    # A code that exists names its case (in its organisation), so its auditor sees the tries.
    known = session.get(Case, row.case_id) if row is not None else None
    actor = audit.PlainActor(
        role="anonymous",
        organisation_id=known.organisation_id if known is not None else None,
        request_id=request_id,
    )
    target = {
        "object_type": "case" if known is not None else "family_access",
        "object_id": str(known.id) if known is not None else None,
        "case_reference": known.reference if known is not None else None,
    }
    audit.append(
        session, actor, LOOKUP_EVENT, decision="deny", details={"outcome": outcome}, **target
    )
    for scope, failures in waiting:
        audit.append(
            session,
            actor,
            LOCKOUT_EVENT,
            decision="deny",
            details={"scope": scope, "failures": failures, "minutes": policy.window_minutes},
            **target,
        )
    return Outcome()


def stage_text(stage: str) -> tuple[str, str]:
    """The family-facing title and next step of a case status (in the current locale)."""
    title, next_step = STAGES[stage]
    return str(title), str(next_step)
