"""Writes of the exchange domain: agreements, share requests and their decisions, approvals,
revocations, grants starting and ending, and the exchange log.

Every share decision is made by `policy.decide` on plain facts gathered here; every request
is recorded (a denied one too), logged in the exchange log and audited, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.access import record_change
from casework.audit.trail import append
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.cases.resources import CASE
from casework.categories import Category
from casework.db import check_version, claim_version, utcnow
from casework.errors import Conflict, InvalidInput
from casework.exchange import policy
from casework.exchange.models import (
    Agreement,
    AgreementRevision,
    Direction,
    EndReason,
    ExchangeEntry,
    LogEvent,
    PartnerGrant,
    Share,
    ShareStatus,
)
from casework.families.models import Consent, Relative

#: The terms an agreement's revision keeps, as the API names them.
TERMS = (
    "title",
    "purposes",
    "legal_bases",
    "valid_from",
    "valid_to",
    "retention_days",
    "consent_required",
)


class FourEyesRequired(Conflict):
    """The person who requested a share may not approve it."""

    code = "four_eyes_required"


class NotPending(Conflict):
    code = "not_pending_approval"


class NotActive(Conflict):
    code = "share_not_active"


class AgreementEnded(Conflict):
    code = "agreement_ended"


# --- the exchange log -------------------------------------------------------------------------


def log(
    session: Session,
    actor: Actor | None,
    event: LogEvent,
    share: Share,
    *,
    incoming: bool = False,
    details: Mapping[str, Any] | None = None,
) -> ExchangeEntry:
    """One line in an organisation's exchange log: the sender's (outgoing) or, with `incoming`,
    the recipient's. Only references, organisations and codes: never a personal value."""
    owner = share.recipient_organisation_id if incoming else share.organisation_id
    # Each organisation's log names its own staff; the other side's people stay theirs to name
    # (the entry names the partner organisation).
    own_actor = actor is not None and actor.organisation_id == owner
    entry = ExchangeEntry(
        organisation_id=owner,
        direction=Direction.incoming if incoming else Direction.outgoing,
        event=event,
        share_id=share.id,
        case_reference=share.case.reference,
        partner_organisation_id=(
            share.organisation_id if incoming else share.recipient_organisation_id
        ),
        purpose=share.purpose.value,
        categories=list(share.categories),
        legal_basis=share.legal_basis.value if share.legal_basis else None,
        decision=share.decision.value,
        actor_id=actor.user_id if own_actor and actor is not None else None,
        at=utcnow(),
        details=dict(details or {}),
    )
    if actor is not None and not own_actor:
        entry.details["by"] = "partner_organisation"
    session.add(entry)
    return entry


def _audit(session: Session, actor: Actor, action: str, share: Share, **details: Any) -> None:
    record_change(
        session,
        actor,
        action,
        CASE,
        share.case,
        categories=share.categories,
        object_type="share",
        object_id=share.id,
        details={
            "recipient": str(share.recipient_organisation_id),
            "purpose": share.purpose.value,
            "decision": share.decision.value,
            "status": share.status.value,
            **details,
        },
    )


# --- agreements -------------------------------------------------------------------------------


def _revision(session: Session, actor: Actor, agreement: Agreement, changed: Iterable[str]) -> None:
    session.add(
        AgreementRevision(
            agreement_id=agreement.id,
            version=agreement.version,
            terms=agreement.terms(),
            changed_fields=sorted(changed),
            changed_by=actor.user_id,
            changed_at=utcnow(),
        )
    )


def _check_terms(agreement: Agreement) -> None:
    errors: dict[str, list[str]] = {}
    if agreement.valid_to is not None and agreement.valid_to < agreement.valid_from:
        errors["valid_to"] = ["Must not be before valid_from."]
    for purpose, categories in agreement.purposes.items():
        if not categories:
            errors.setdefault("purposes", []).append(f"{purpose}: name at least one category.")
    if errors:
        raise InvalidInput("Some fields are invalid.", errors)


def create_agreement(session: Session, actor: Actor, data: Mapping[str, Any]) -> Agreement:
    """An agreement of the actor's organisation with a partner organisation (version 1)."""
    partner_id = data["partner_organisation_id"]
    if partner_id == actor.organisation_id:
        raise InvalidInput(
            "An agreement is with another organisation.",
            {"partner_organisation_id": ["Choose another organisation than your own."]},
        )
    if session.get(Organisation, partner_id) is None:
        raise InvalidInput(
            "Unknown partner organisation.",
            {"partner_organisation_id": ["No organisation with this id on this instance."]},
        )
    now = utcnow()
    agreement = Agreement(
        organisation_id=actor.organisation_id,
        partner_organisation_id=partner_id,
        version=1,
        title=data.get("title"),
        purposes={p: list(dict.fromkeys(c)) for p, c in data["purposes"].items()},
        legal_bases=list(dict.fromkeys(data["legal_bases"])),
        valid_from=data.get("valid_from") or now.date(),
        valid_to=data.get("valid_to"),
        retention_days=data["retention_days"],
        consent_required=data.get("consent_required", True),
        created_at=now,
        created_by=actor.user_id,
        updated_at=now,
        updated_by=actor.user_id,
    )
    _check_terms(agreement)
    session.add(agreement)
    session.flush()
    _revision(session, actor, agreement, TERMS)
    append(
        session,
        actor,
        "agreement.create",
        object_type="agreement",
        object_id=agreement.id,
        details={"partner": str(partner_id), "version": 1},
    )
    return agreement


def update_agreement(
    session: Session,
    actor: Actor,
    agreement: Agreement,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> Agreement:
    """Change an agreement's terms: a new version, its terms kept as a revision, audited.

    `ended_on` ends it early (today or a later day, never in the past): access given under it
    ends at once when that day is today. An ended agreement cannot be changed any more."""
    check_version(agreement, expected_version, required=True)
    today = utcnow().date()
    if agreement.ended_on is not None and agreement.ended_on <= today:
        raise AgreementEnded("This agreement was ended; record a new one instead.")
    changed = [name for name in (*TERMS, "ended_on") if name in data]
    changed = [n for n in changed if getattr(agreement, n) != data[n]]
    if not changed:
        return agreement
    if "ended_on" in changed:
        ended_on = data["ended_on"]
        if ended_on is None or ended_on < today:
            raise InvalidInput(
                "An agreement can be ended today or on a later day.",
                {"ended_on": ["Give today's date or a later one."]},
            )
    claim_version(session, agreement)
    for name in changed:
        value = data[name]
        if name == "purposes":
            value = {p: list(dict.fromkeys(c)) for p, c in value.items()}
        elif name == "legal_bases":
            value = list(dict.fromkeys(value))
        setattr(agreement, name, value)
    agreement.updated_by = actor.user_id
    _check_terms(agreement)
    session.flush()
    _revision(session, actor, agreement, changed)
    if not agreement.active_on(today):
        _end_shares(
            session,
            actor,
            select(Share).where(Share.agreement_id == agreement.id),
            EndReason.agreement_ended,
        )
    elif "ended_on" in changed:
        _cut_access_at_end(session, agreement)
    append(
        session,
        actor,
        "agreement.update",
        object_type="agreement",
        object_id=agreement.id,
        details={"version": agreement.version, "changed": changed},
    )
    return agreement


def policy_agreement(agreement: Agreement) -> policy.Agreement:
    return policy.Agreement(
        id=agreement.id,
        partner_organisation_id=agreement.partner_organisation_id,
        purposes=agreement.purposes,
        legal_bases=agreement.legal_bases,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        retention_days=agreement.retention_days,
        consent_required=agreement.consent_required,
        ended_on=agreement.ended_on,
    )


# --- share requests ---------------------------------------------------------------------------


def case_facts(session: Session, case: Case) -> policy.CaseFacts:
    """The case's protection flags and its family's consents, as the rules read them (nothing
    of this is shown to anyone: the decision's reasons name no value)."""
    flags = [
        policy.ProtectionFlag(kind=str(t.get("kind")), value=str(t.get("value")))
        for t in case.protection_targets or []
    ]
    consents = session.scalars(
        select(Consent)
        .join(Relative, Consent.relative_id == Relative.id)
        .where(Relative.case_id == case.id)
    ).unique()
    return policy.CaseFacts(
        protection_flags=tuple(flags),
        consents=tuple(
            policy.Consent(
                id=c.id,
                purpose=c.purpose.value,
                scope=list(c.scope or []),
                withdrawn=c.withdrawn_at is not None or c.relative.is_erased,
            )
            for c in consents
        ),
    )


def recipient_of(organisation: Organisation) -> policy.Recipient:
    return policy.Recipient(
        id=organisation.id,
        name=organisation.name,
        country=organisation.country,
        kind=organisation.kind.value,
    )


def _decide(
    session: Session, share: Share, justification: str | None, *, second_approval: bool
) -> tuple[policy.Verdict, dict[Any, Agreement]]:
    """The rules' verdict on the share as of now, and the agreements it read.

    What the verdict relies on is read locked against change until the transaction ends
    (PostgreSQL FOR SHARE): the agreements with the recipient and the consent named, so a
    consent withdrawn or an agreement ended at the same moment either comes first (and the
    verdict sees it) or waits for this share and then ends it."""
    if share.consent_id is not None:
        session.execute(
            select(Consent.id)
            .where(Consent.id == share.consent_id)
            .with_for_update(read=True, of=Consent)
        )
    agreements = _agreements_by_id(session, share)
    request = policy.Request(
        purpose=share.purpose.value,
        categories=list(share.categories),
        legal_basis=share.legal_basis.value if share.legal_basis else None,
        consent_id=share.consent_id,
        justification=justification,
        second_approval=second_approval,
    )
    verdict = policy.decide(
        case_facts(session, share.case),
        request,
        recipient_of(share.recipient),
        [policy_agreement(a) for a in agreements.values()],
        utcnow().date(),
    )
    return verdict, agreements


def _apply(share: Share, verdict: policy.Verdict, agreements: Mapping[Any, Agreement]) -> None:
    share.decision = verdict.decision
    # The values of each message too, so that pages can say it in the reader's language.
    share.reasons = [r.as_dict() | {"params": _plain(r.params)} for r in verdict.reasons]
    if verdict.agreement is not None:
        chosen = agreements[verdict.agreement.id]
        share.agreement_id = chosen.id
        share.agreement_version = chosen.version
        share.retention_days = chosen.retention_days
    share.status = {
        policy.Decision.allowed: ShareStatus.active,
        policy.Decision.denied: ShareStatus.denied,
        policy.Decision.pending_approval: ShareStatus.pending_approval,
    }[verdict.decision]


def _agreement_end(agreement: Agreement | None) -> dt.datetime | None:
    """The first instant an agreement ended early no longer applies (its `ended_on`, UTC)."""
    if agreement is None or agreement.ended_on is None:
        return None
    return dt.datetime.combine(agreement.ended_on, dt.time(), tzinfo=dt.UTC)


def _cut_access_at_end(session: Session, agreement: Agreement) -> None:
    """An agreement ended on a later day: access given under it stops on that day (the
    gateway reads `expires_at`; `expire_due` logs the end), not when the retention runs out."""
    end = _agreement_end(agreement)
    stmt = select(Share).where(
        Share.agreement_id == agreement.id,
        Share.status == ShareStatus.active,
        Share.expires_at > end,
    )
    for share in list(session.scalars(stmt).unique()):
        share.expires_at = end
        _bump(share)
        session.execute(
            update(PartnerGrant)
            .where(PartnerGrant.share_id == share.id, PartnerGrant.expires_at > end)
            .values(expires_at=end)
            .execution_options(synchronize_session=False)
        )


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """A message's values as JSON can store them (dates as ISO strings)."""
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in params.items()
    }


def _grant(session: Session, actor: Actor, share: Share) -> None:
    """Access starts: one grant row per category, until the agreement's retention runs out
    (or the day the agreement was ended, if sooner)."""
    now = utcnow()
    share.granted_at = now
    share.expires_at = now + dt.timedelta(days=share.retention_days or 0)
    end = _agreement_end(session.get(Agreement, share.agreement_id))
    if end is not None and end < share.expires_at:
        share.expires_at = end
    for category in share.categories:
        session.add(
            PartnerGrant(
                share_id=share.id,
                organisation_id=share.organisation_id,
                recipient_organisation_id=share.recipient_organisation_id,
                case_id=share.case_id,
                purpose=share.purpose.value,
                category=category,
                granted_at=now,
                expires_at=share.expires_at,
            )
        )
    log(session, actor, LogEvent.granted, share, incoming=True)


def _agreements_by_id(session: Session, share: Share) -> dict[Any, Agreement]:
    stmt = (
        select(Agreement)
        .where(
            Agreement.organisation_id == share.organisation_id,
            Agreement.partner_organisation_id == share.recipient_organisation_id,
        )
        .with_for_update(read=True, of=Agreement)
        .execution_options(populate_existing=True)
    )
    rows = session.scalars(stmt).unique()
    return {a.id: a for a in rows}


def _failed_rules(share: Share) -> list[str]:
    return [r["rule"] for r in share.reasons if r["outcome"] == policy.Outcome.failed]


def request_share(session: Session, actor: Actor, case: Case, data: Mapping[str, Any]) -> Share:
    """Record a request to share categories of the case with a recipient, decide it by the
    rules, and (allowed) give the grant at once. A denied request is recorded too."""
    recipient = session.get(Organisation, data["recipient_organisation_id"])
    if recipient is None:
        raise InvalidInput(
            "Unknown recipient.",
            {"recipient_organisation_id": ["No organisation with this id on this instance."]},
        )
    if recipient.id == case.organisation_id:
        raise InvalidInput(
            "A share goes to another organisation.",
            {"recipient_organisation_id": ["The case already belongs to this organisation."]},
        )
    if case.is_shredded:
        raise Conflict("This case's data was erased; nothing of it can be shared.")
    share = Share(
        id=uuid.uuid4(),
        organisation_id=case.organisation_id,
        case=case,
        case_id=case.id,
        recipient=recipient,
        recipient_organisation_id=recipient.id,
        purpose=policy.Purpose(data["purpose"]),
        categories=[c.value for c in Category if c.value in set(data["categories"])],
        legal_basis=policy.LegalBasis(data["legal_basis"]) if data.get("legal_basis") else None,
        consent_id=data.get("consent_id"),
        requested_by=actor.user_id,
        requested_at=utcnow(),
        version=1,
        reasons=[],
    )
    share.data_key = case.data_key
    justification = (data.get("justification") or "").strip()
    share.justification = justification or None
    verdict, agreements = _decide(session, share, justification, second_approval=False)
    if share.consent_id is not None and not any(
        str(c.id) == str(share.consent_id) for c in case_facts(session, case).consents
    ):
        # Not this case's consent: keep no reference to another family's record.
        share.consent_id = None
    _apply(share, verdict, agreements)
    session.add(share)
    session.flush()
    log(
        session,
        actor,
        LogEvent.requested,
        share,
        details={"refused_by": _failed_rules(share)} if share.status is ShareStatus.denied else {},
    )
    if share.status is ShareStatus.active:
        _grant(session, actor, share)
    session.flush()
    _audit(session, actor, "share.request", share, refused_by=_failed_rules(share))
    return share


def approve_share(session: Session, actor: Actor, share: Share) -> Share:
    """The second person's approval (four eyes): the rules are checked again, as of now; the
    share becomes active, or denied if something changed meanwhile."""
    if share.status is not ShareStatus.pending_approval:
        raise NotPending("This share is not waiting for an approval.")
    if share.requested_by == actor.user_id:
        raise FourEyesRequired(
            "A second person must approve this share: you requested it.",
        )
    verdict, agreements = _decide(session, share, share.justification, second_approval=True)
    _bump(share)
    _apply(share, verdict, agreements)
    share.approved_by = actor.user_id
    share.approver = session.get(User, actor.user_id)  # the answer names who approved
    share.approved_at = utcnow()
    if share.status is ShareStatus.denied:
        share.end_reason = EndReason.denied_on_approval
        share.ended_at = utcnow()
    session.flush()
    log(
        session,
        actor,
        LogEvent.approved,
        share,
        details={"refused_by": _failed_rules(share)} if share.status is ShareStatus.denied else {},
    )
    if share.status is ShareStatus.active:
        _grant(session, actor, share)
    session.flush()
    _audit(session, actor, "share.approve", share, refused_by=_failed_rules(share))
    return share


def _bump(share: Share) -> None:
    share.version = (share.version or 1) + 1


def revoke_share(session: Session, actor: Actor, share: Share, note: str | None) -> Share:
    """End a share at once (active: the recipient's access ends; pending: it never starts)."""
    if share.current_status not in (ShareStatus.active, ShareStatus.pending_approval):
        raise NotActive("Only an active share or one waiting for approval can be revoked.")
    note = (note or "").strip() or None
    if note and not share.is_shredded:
        share.revocation_note = note
    _end(session, actor, share, EndReason.revoked)
    session.flush()
    _audit(session, actor, "share.revoke", share)
    return share


def _end(session: Session, actor: Actor | None, share: Share, reason: EndReason) -> None:
    """Stop a share giving access, log it on both sides if access had started."""
    was_active = share.status is ShareStatus.active
    now = utcnow()
    share.status = ShareStatus.expired if reason is EndReason.expired else ShareStatus.revoked
    share.ended_at = share.expires_at if reason is EndReason.expired else now
    share.ended_by = actor.user_id if actor is not None else None
    share.end_reason = reason
    _bump(share)
    session.execute(
        update(PartnerGrant)
        .where(PartnerGrant.share_id == share.id, PartnerGrant.ended_at.is_(None))
        .values(ended_at=share.ended_at)
        .execution_options(synchronize_session=False)
    )
    event = LogEvent.revoked if reason is EndReason.revoked else LogEvent.grant_ended
    log(session, actor, event, share, details={"reason": reason.value})
    if was_active:
        log(
            session,
            actor,
            LogEvent.grant_ended,
            share,
            incoming=True,
            details={"reason": reason.value},
        )


def _end_shares(session: Session, actor: Actor | None, stmt: Any, reason: EndReason) -> int:
    live = (ShareStatus.active, ShareStatus.pending_approval)
    shares = list(session.scalars(stmt.where(Share.status.in_(live))).unique())
    for share in shares:
        _end(session, actor, share, reason)
    return len(shares)


def end_shares_for_consents(
    session: Session, actor: Actor, consent_ids: Sequence[uuid.UUID]
) -> int:
    """Consent withdrawn (or its relative erased): every share that relied on it ends at once,
    and the exchange log records it (the `families.consent_ended` hook)."""
    if not consent_ids:
        return 0
    stmt = select(Share).where(Share.consent_id.in_(list(consent_ids)))
    ended = _end_shares(session, actor, stmt, EndReason.consent_withdrawn)
    session.flush()
    return ended


def expire_due(session: Session, now: dt.datetime | None = None) -> int:
    """Record the end of every active share whose retention ran out (access already stopped
    at `expires_at`: the gateway checks it). Returns how many."""
    now = now or utcnow()
    stmt = select(Share).where(Share.status == ShareStatus.active, Share.expires_at <= now)
    shares = list(session.scalars(stmt).unique())
    for share in shares:
        _end(session, None, share, EndReason.expired)
    session.flush()
    return len(shares)


def record_views(session: Session, actor: Actor, shares: Sequence[Share], view: str) -> None:
    """A partner user looked at shared cases: one line per share in both logs."""
    for share in shares:
        log(session, actor, LogEvent.viewed, share, details={"view": view})
        log(session, actor, LogEvent.viewed, share, incoming=True, details={"view": view})
