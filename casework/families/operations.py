"""Writes of the families domain: relatives, consents, notifications, erasure, and the audit
events of every write (reads are recorded by the access gateway), and the hotline look-up."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, validate
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from casework import registry
from casework.access import record_change
from casework.auth.policy import Actor
from casework.cases import policy as case_policy
from casework.cases.models import Case
from casework.cases.resources import CASE
from casework.categories import Category
from casework.crypto import normalise_email, normalise_phone
from casework.db import check_version, claim_version, utcnow
from casework.errors import Conflict, InvalidInput
from casework.families import queries
from casework.families.models import (
    EMAIL_INDEX,
    PHONE_INDEX,
    Consent,
    ConsentPurpose,
    ContactChannel,
    FamilyUnreachable,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationOutcome,
    Relative,
    RelativeErasure,
    SupportOffered,
)
from casework.families.resources import RELATIVE
from casework.keys import DataKey, create_data_key, indexer, set_index, shred_data_key

#: Contact fields of a relative (all encrypted; reading any of them is audited).
CONTACT_FIELDS = (
    "full_name",
    "relationship",
    "country_of_residence",
    "phone",
    "email",
    "address",
    "safety_note",
)
RELATIVE_FIELDS = (
    *CONTACT_FIELDS,
    "preferred_language",
    "preferred_channel",
    "is_reporting_person",
)
NOTIFICATION_FIELDS = (
    "planned_date",
    "delivered_date",
    "channel",
    "officer_id",
    "language",
    "outcome",
    "support_offered",
    "follow_up_due",
    "notes",
)
#: Clock skew tolerated on "given at" times sent by a client.
_FUTURE_SLACK = dt.timedelta(minutes=5)
_INVALID = "Some fields are invalid."


class RelativeErased(Conflict):
    code = "relative_erased"


class CaseShredded(Conflict):
    """The case's data key was destroyed: nothing new may be recorded about its family."""

    code = "case_shredded"

    def __init__(
        self,
        message: str = "This case's personal data was destroyed; nothing new "
        "can be recorded for it.",
        **kw: Any,
    ):
        super().__init__(message, **kw)


def ensure_case_live(case: Case) -> None:
    """409 `case_shredded` for a case whose data key was destroyed."""
    if case.is_shredded:
        raise CaseShredded()


class IdentificationRequired(Conflict):
    code = "identification_required"


# --- helpers ----------------------------------------------------------------------------------


def normalise_contact_phone(raw: str, region: str | None) -> str:
    """E.164 for a phone number in any common writing; 422 naming `phone` (never the number)."""
    try:
        return normalise_phone(raw, region or None)
    except ValueError:
        raise InvalidInput(_INVALID, {"phone": ["Not a valid phone number."]}) from None


def _has_country_code(raw: str) -> bool:
    text = unicodedata.normalize("NFKC", raw).strip()
    return text.startswith(("+", "00"))


def relative_phone(raw: str, region: str | None) -> str:
    """A relative's phone in E.164. A number without its country code is read for `region`
    (the `phone_region` hint, else the relative's country of residence), never for the
    organisation's country: a Ukrainian relative's national number is not Salvadoran. With
    neither, 422 naming `phone`."""
    if not region and not _has_country_code(raw):
        raise InvalidInput(
            "A phone number without its country code cannot be read: the relative's country "
            "of residence is not known.",
            {
                "phone": [
                    "Write the number with its country code (+…), or give the relative's "
                    "country of residence."
                ]
            },
        )
    return normalise_contact_phone(raw, region)


def _check_email(raw: str) -> str:
    value = raw.strip()
    try:
        validate.Email()(value)
    except ValidationError:
        raise InvalidInput(_INVALID, {"email": ["Not a valid email address."]}) from None
    return value


def _ensure_live(relative: Relative) -> None:
    """409 for an erased relative. Their data-key row is locked and read again first, so an
    erasure at the same time either ends before this check (which then refuses) or waits for
    this write to commit (and then removes what it wrote): nothing is written under a key
    destroyed meanwhile, no index value or live consent survives an erasure."""
    _lock_data_key(object_session(relative), relative)
    if relative.is_erased:
        raise RelativeErased("This relative was erased: their contacts can no longer be used.")


def _index_contacts(session: Session, relative: Relative) -> None:
    ix = indexer(session)
    phone, email = relative.phone, relative.email
    set_index(
        session,
        relative.id,
        relative.data_key,
        PHONE_INDEX,
        [ix.value_token(PHONE_INDEX, phone, "phone")] if phone else [],
    )
    set_index(
        session,
        relative.id,
        relative.data_key,
        EMAIL_INDEX,
        [ix.value_token(EMAIL_INDEX, email, "email")] if email else [],
    )


def _phone_region(relative: Relative, data: Mapping[str, Any]) -> str | None:
    """How a national phone number is read: the explicit hint, else the relative's country of
    residence (as given now, else as stored); never the organisation's country."""
    if data.get("phone_region"):
        return data["phone_region"]
    if "country_of_residence" in data:
        return data["country_of_residence"] or None
    return relative.country_of_residence if relative.data_key is not None else None


def _apply_relative_fields(relative: Relative, data: Mapping[str, Any], region: str | None) -> None:
    for name in RELATIVE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip() or None
        if name == "phone" and value is not None:
            value = relative_phone(value, region)
        elif name == "email" and value is not None:
            value = _check_email(value)
        elif name == "preferred_channel" and value is not None:
            value = ContactChannel(value)
        elif name == "is_reporting_person":
            value = bool(value)
        elif name in ("full_name", "relationship") and value is None:
            raise InvalidInput(_INVALID, {name: ["Required."]})
        setattr(relative, name, value)


# --- relatives --------------------------------------------------------------------------------


def create_relative(
    session: Session, actor: Actor, case: Case, data: Mapping[str, Any]
) -> Relative:
    """Add a relative to a case under a new data key of their own; phone and email indexed."""
    ensure_case_live(case)
    key = create_data_key(session, "relative", case.organisation_id)
    relative = Relative(
        id=uuid.uuid4(), case_id=case.id, data_key=key, created_by=actor.user_id, version=1
    )
    relative.case = case
    _apply_relative_fields(relative, data, _phone_region(relative, data))
    session.add(relative)
    session.flush()
    _index_contacts(session, relative)
    session.flush()
    given = [f for f in RELATIVE_FIELDS if data.get(f) not in (None, "")]
    record_change(
        session,
        actor,
        "relative.create",
        RELATIVE,
        relative,
        categories=[Category.family_contacts],
        details={"fields": given},
    )
    return relative


def update_relative(
    session: Session,
    actor: Actor,
    relative: Relative,
    data: Mapping[str, Any],
    version: int | None,
) -> Relative:
    """Change a relative's fields (version-checked); the index follows the phone and email."""
    _ensure_live(relative)
    changed = [f for f in RELATIVE_FIELDS if f in data]
    # Validate before claiming the version, so a refused change leaves nothing behind.
    _apply_relative_fields(relative, data, _phone_region(relative, data))
    check_version(relative, version, required=True)
    claim_version(session, relative)
    if "phone" in data or "email" in data:
        _index_contacts(session, relative)
    session.flush()
    record_change(
        session,
        actor,
        "relative.update",
        RELATIVE,
        relative,
        categories=[Category.family_contacts],
        details={"fields": changed, "version": relative.version},
    )
    return relative


def lookup_relatives(
    session: Session,
    actor: Actor,
    *,
    phone: str | None = None,
    email: str | None = None,
    region: str | None = None,
) -> list[Relative]:
    """The hotline look-up: relatives of the organisation's cases with this phone or email.

    The value is normalised (phones read as national numbers of `region`, default the
    organisation's country), its blind-index token narrows the candidates, and each candidate
    is decrypted and compared before it is returned. Rows only: the caller shows them through
    `access.read_page`, which records the read (never the value searched for).
    """
    ix = indexer(session)
    if phone:
        wanted = normalise_contact_phone(phone, region or actor.country or None)
        candidates = queries.relatives_with_index(
            session, actor, PHONE_INDEX, ix.token(PHONE_INDEX, wanted)
        )
        found = [r for r in candidates if r.phone == wanted]
    elif email:
        wanted = normalise_email(_check_email(email))
        candidates = queries.relatives_with_index(
            session, actor, EMAIL_INDEX, ix.token(EMAIL_INDEX, wanted)
        )
        found = [r for r in candidates if r.email and normalise_email(r.email) == wanted]
    else:
        raise InvalidInput(_INVALID, {"phone": ["Give either phone or email."]})
    return found


def erase_relative(
    session: Session, actor: Actor, relative: Relative, note: str | None = None
) -> RelativeErasure:
    """A relative's erasure request: withdraw their consents, shred their data key (contacts,
    evidence and notification notes become unreadable, index values go), keep a tombstone.

    The non-personal facts of the notification history (kind, dates, channel, outcome) stay.
    """
    _ensure_live(relative)
    withdrawn = _withdraw_all(session, actor, relative)
    removed = shred_data_key(session, relative.data_key)
    return _record_erasure(session, actor, relative, removed, withdrawn, note)


def _lock_data_key(session: Session, relative: Relative) -> None:
    """Lock the relative's data-key row and read it as it is once locked: of two erasures at
    once the second waits for the first to commit and then finds the key shredded (409), never
    a key destroyed under it (PostgreSQL; SQLite already serialises writers)."""
    session.scalars(
        select(DataKey)
        .where(DataKey.id == relative.data_key_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def _withdraw_all(session: Session, actor: Actor, relative: Relative) -> int:
    # Locked and read as they are once locked: a consent that a concurrent withdrawal has just
    # ended is not ended (and counted) a second time.
    consents = session.scalars(
        select(Consent)
        .where(Consent.relative_id == relative.id)
        .order_by(Consent.id)
        .with_for_update(of=Consent, key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    now = utcnow()
    count = 0
    ended = []
    for consent in consents:
        if consent.withdrawn_at is None:
            consent.withdrawn_at, consent.withdrawn_by = now, actor.user_id
            ended.append(consent.id)
            count += 1
    session.flush()
    _consents_ended(session, actor, ended)
    return count


def _consents_ended(session: Session, actor: Actor, consent_ids: list[uuid.UUID]) -> None:
    """Tell the domains that rely on consents (sharing) that these ended, at once."""
    if consent_ids:
        for ended in registry.providers(registry.CONSENTS_ENDED):
            ended(session, actor, consent_ids)


def _record_erasure(
    session: Session,
    actor: Actor,
    relative: Relative,
    removed: int,
    withdrawn: int,
    note: str | None = None,
    *,
    via: str | None = None,
) -> RelativeErasure:
    """The erasure tombstone (the note goes under the case's key; the relative's is gone) and
    its audit event, once the relative's key is shredded and their consents withdrawn."""
    erasure = RelativeErasure(
        id=uuid.uuid4(),
        relative_id=relative.id,
        data_key=relative.case.data_key,
        erased_at=utcnow(),
        erased_by=actor.user_id,
        index_entries_removed=removed,
    )
    if not relative.case.is_shredded:
        erasure.note = (note or "").strip() or None
    session.add(erasure)
    session.flush()
    details: dict[str, Any] = {
        "index_entries_removed": removed,
        "consents_withdrawn": withdrawn,
        "subject_type": "relative",
    }
    if via is not None:
        details["via"] = via
    record_change(
        session,
        actor,
        "relative.erase",
        RELATIVE,
        relative,
        categories=[Category.family_contacts, Category.consent, Category.notifications],
        details=details,
    )
    return erasure


def after_cli_shred(session: Session, actor: Actor, relative: Relative, removed: int) -> None:
    """Bookkeeping after `keys shred-relative` destroyed the key: consents withdrawn, tombstone."""
    withdrawn = _withdraw_all(session, actor, relative)
    _record_erasure(session, actor, relative, removed, withdrawn, via="cli")


# --- consents ---------------------------------------------------------------------------------


def give_consent(
    session: Session, actor: Actor, relative: Relative, data: Mapping[str, Any]
) -> Consent:
    """Record a consent the relative gave (purpose, scope, date, evidence reference)."""
    _ensure_live(relative)
    now = utcnow()
    given_at = data.get("given_at") or now
    if given_at > now + _FUTURE_SLACK:
        raise InvalidInput(_INVALID, {"given_at": ["May not be in the future."]})
    scope = [
        {"kind": item["kind"], "value": None if item["kind"] == "any" else str(item["value"])}
        for item in data["scope"]
    ]
    _check_scope_organisations(session, scope)
    consent = Consent(
        id=uuid.uuid4(),
        relative_id=relative.id,
        data_key=relative.data_key,
        purpose=ConsentPurpose(data["purpose"]),
        scope=scope,
        given_at=min(given_at, now),
        recorded_at=now,
        recorded_by=actor.user_id,
    )
    consent.relative = relative
    consent.evidence_reference = (data.get("evidence_reference") or "").strip() or None
    session.add(consent)
    session.flush()
    record_change(
        session,
        actor,
        "consent.give",
        RELATIVE,
        relative,
        object_type="consent",
        object_id=consent.id,
        categories=[Category.consent],
        details={
            "relative_id": str(relative.id),
            "consent_purpose": consent.purpose.value,
            "scope_kinds": sorted({item["kind"] for item in scope}),
        },
    )
    return consent


def _check_scope_organisations(session: Session, scope: list[dict[str, Any]]) -> None:
    """A consent for an organisation names one that exists (422 naming `scope`, item by item)."""
    named = {
        i: uuid.UUID(item["value"])
        for i, item in enumerate(scope)
        if item["kind"] == "organisation"
    }
    known = queries.existing_organisation_ids(session, list(set(named.values())))
    unknown = {
        str(i): {"value": ["No such organisation."]} for i, org in named.items() if org not in known
    }
    if unknown:
        raise InvalidInput(
            "The consent names an organisation that does not exist.", {"scope": unknown}
        )


def withdraw_consent(session: Session, actor: Actor, consent: Consent, reason: str) -> Consent:
    """Withdraw a consent at once; the record stays, with when, by whom and why."""
    # Lock the consent's row and read it as it is once locked: of two withdrawals at once the
    # second waits for the first to commit and then finds it withdrawn (409), so a withdrawal
    # is recorded once (PostgreSQL; SQLite already serialises writers).
    consent = session.scalars(
        select(Consent)
        .where(Consent.id == consent.id)
        .with_for_update(of=Consent, key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    if consent.withdrawn_at is not None:
        raise Conflict("This consent was already withdrawn.")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by = actor.user_id
    if not consent.relative.is_erased:
        consent.withdrawal_reason = (reason or "").strip() or None
    session.flush()
    _consents_ended(session, actor, [consent.id])
    record_change(
        session,
        actor,
        "consent.withdraw",
        RELATIVE,
        consent.relative,
        object_type="consent",
        object_id=consent.id,
        categories=[Category.consent],
        details={
            "relative_id": str(consent.relative_id),
            "consent_purpose": consent.purpose.value,
        },
    )
    return consent


# --- notifications ----------------------------------------------------------------------------


#: Dates are local to whoever records them, times are UTC: a case registered at 01:00 UTC was
#: registered on the previous day west of Greenwich (down to UTC-12).
_LOCAL_DATE_SLACK = dt.timedelta(hours=12)


def _earliest_local_date(moment: dt.datetime | None) -> dt.date | None:
    """The earliest calendar date anywhere on Earth at `moment` (UTC)."""
    return (moment - _LOCAL_DATE_SLACK).date() if moment is not None else None


def _notification_rules(
    session: Session, case: Case, n: Notification, check_identification: bool
) -> None:
    """The rules every notification state must satisfy; 409 or 422 naming the fields."""
    errors: dict[str, list[str]] = {}
    now = utcnow()
    today = now.date()
    if n.kind is NotificationKind.identification:
        if check_identification and not case_policy.has_confirmed_identification(session, case):
            raise IdentificationRequired(
                "An identification notification can be planned only once the case has a "
                "confirmed identification.",
                {"kind": ["The case has no confirmed identification."]},
            )
        if n.officer_id is None:
            errors["officer_id"] = ["Required: who delivers an identification notification."]
        if n.channel is None:
            errors["channel"] = ["Required for an identification notification."]
        if n.support_offered not in (SupportOffered.offered, SupportOffered.referred):
            errors["support_offered"] = [
                "Psychosocial support must be offered or referred with an identification."
            ]
    if n.outcome is NotificationOutcome.delivered and n.delivered_date is None:
        errors["delivered_date"] = ["Required when the outcome is delivered."]
    if n.delivered_date is not None:
        registered = _earliest_local_date(case.created_at)
        if n.outcome in (NotificationOutcome.not_reached, NotificationOutcome.rescheduled):
            errors["delivered_date"] = ["Not delivered: leave empty for this outcome."]
        elif n.delivered_date > today:
            errors["delivered_date"] = ["May not be in the future."]
        elif n.delivered_date < min(n.planned_date, _earliest_local_date(n.created_at or now)):
            # Delivered earlier than planned is possible, or recorded after the fact: not before
            # both the date it was planned for and the day the plan was recorded.
            errors["delivered_date"] = ["May not be before the notification was planned."]
        elif registered is not None and n.delivered_date < registered:
            errors["delivered_date"] = ["May not be before the case was registered."]
    if n.follow_up_due is not None and n.follow_up_due < n.planned_date:
        errors["follow_up_due"] = ["May not be before the planned date."]
    if errors:
        raise InvalidInput(_INVALID, errors)


def _apply_notification_fields(
    session: Session, case: Case, n: Notification, data: Mapping[str, Any]
) -> None:
    enums = {
        "channel": NotificationChannel,
        "outcome": NotificationOutcome,
        "support_offered": SupportOffered,
    }
    for name in NOTIFICATION_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip() or None
        if name in enums and value is not None:
            value = enums[name](value)
        elif name == "planned_date" and value is None:
            raise InvalidInput(_INVALID, {"planned_date": ["Required."]})
        elif name == "officer_id" and value is not None:
            if queries.officer_in_organisation(session, value, case.organisation_id) is None:
                raise InvalidInput(
                    _INVALID,
                    {"officer_id": ["Not an active liaison officer or focal point of yours."]},
                )
        elif name == "notes" and value is not None and n.relative.is_erased:
            raise RelativeErased("This relative was erased: notes can no longer be written.")
        setattr(n, name, value)
    # A delivery recorded without an outcome is a delivery.
    if data.get("delivered_date") is not None and "outcome" not in data and n.outcome is None:
        n.outcome = NotificationOutcome.delivered
    if "follow_up_completed" in data:
        done = bool(data["follow_up_completed"])
        if done and n.follow_up_completed_at is None:
            n.follow_up_completed_at = utcnow()
        elif not done:
            n.follow_up_completed_at = None


def plan_notification(
    session: Session, actor: Actor, case: Case, data: Mapping[str, Any]
) -> Notification:
    """Plan (or record) a notification to a relative of `case`."""
    ensure_case_live(case)
    relative = queries.owned_relative(session, data["relative_id"], actor)
    if relative is None or relative.case_id != case.id:
        raise InvalidInput(_INVALID, {"relative_id": ["Not a relative of this case."]})
    _ensure_live(relative)
    n = Notification(
        id=uuid.uuid4(),
        relative_id=relative.id,
        case_id=case.id,
        data_key=relative.data_key,
        kind=NotificationKind(data["kind"]),
        created_by=actor.user_id,
        version=1,
    )
    n.relative = relative
    _apply_notification_fields(session, case, n, data)
    _notification_rules(session, case, n, check_identification=True)
    session.add(n)
    session.flush()
    _audit_notification(
        session,
        actor,
        "notification.plan",
        n,
        fields=[f for f in NOTIFICATION_FIELDS if data.get(f) is not None],
    )
    return n


def update_notification(
    session: Session,
    actor: Actor,
    n: Notification,
    data: Mapping[str, Any],
    version: int | None,
) -> Notification:
    """Record a delivery, an outcome, a follow-up or a new date (version-checked)."""
    case = n.relative.case
    _apply_notification_fields(session, case, n, data)
    # The identification check guards planning; a planned one may still be recorded.
    _notification_rules(session, case, n, check_identification=False)
    check_version(n, version, required=True)
    claim_version(session, n)
    session.flush()
    _audit_notification(
        session,
        actor,
        "notification.update",
        n,
        fields=[f for f in (*NOTIFICATION_FIELDS, "follow_up_completed") if f in data],
        outcome=n.outcome.value if n.outcome else None,
        version=n.version,
    )
    return n


def _audit_notification(
    session: Session, actor: Actor, action: str, n: Notification, **details: Any
) -> None:
    record_change(
        session,
        actor,
        action,
        RELATIVE,
        n.relative,
        object_type="notification",
        object_id=n.id,
        categories=[Category.notifications],
        details={"relative_id": str(n.relative_id), "kind": n.kind.value, **details},
    )


# --- the case-closing rule --------------------------------------------------------------------


def record_no_relative_reachable(
    session: Session, actor: Actor, case: Case, reason: str
) -> FamilyUnreachable:
    """Document why no relative could be given the identification notification (the case may
    then be closed without one). The reason is encrypted under the case's data key."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_INVALID, {"no_relative_reachable_reason": ["Required."]})
    if case.is_shredded:
        raise Conflict("This case's personal data was destroyed; it can no longer change.")
    record = FamilyUnreachable(
        id=uuid.uuid4(), case_id=case.id, data_key=case.data_key, recorded_by=actor.user_id
    )
    record.case = case
    record.reason = reason
    session.add(record)
    session.flush()
    record_change(
        session,
        actor,
        "notification.unreachable",
        CASE,
        case,
        categories=[Category.notifications],
        details={"case_status": case.status.value},
    )
    return record
