"""Demo sharing: the Salvadoran search directorate's agreements with the humanitarian tracing
network (ICRC-like) and with the Guatemalan human-rights ombudsman (a State authority), and
share requests decided by the privacy rules, all written through the services by real people:

- Hernández López: the mother's tracing consent names the tracing network; the focal point first
  asks for family contacts too (denied, with the reasons), then for identity, circumstances
  and physical description (allowed at once); the partner user has looked at it once;
- Rivera Campos: a tracing share to the ombudsman waits for a second focal point's approval
  (focal2@sv.demo can give it; focal@sv.demo asked for it).

Loading again changes nothing: the loader stops once the directorate has an agreement with
the tracing network.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.auth.models import Organisation, OrgKind, User
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.db import utcnow
from casework.exchange import operations, partner, queries
from casework.exchange.models import Agreement
from casework.exchange.schemas import AgreementCreateSchema, ShareRequestSchema
from casework.families import operations as family_operations
from casework.families.models import Consent, Relative
from casework.families.schemas import ConsentCreateSchema

ADMIN, FOCAL, LIAISON = "admin@sv.demo", "focal@sv.demo", "liaison@sv.demo"
#: The cases, by their family names (clear only here, in the demo script).
SHARED_FAMILY, PENDING_FAMILY = "Hernández López", "Rivera Campos"

PARTNER_TERMS: dict[str, Any] = {
    "title": "Tracing and identification of missing migrants",
    "purposes": {
        "tracing": ["identity", "circumstances", "physical_description"],
        "family_notification": ["identity", "family_contacts"],
        "identification": ["identity", "physical_description", "dna_references"],
    },
    "legal_bases": ["consent"],
    "retention_days": 180,
    "consent_required": True,
}

AUTHORITY_TERMS: dict[str, Any] = {
    "title": "Search for Salvadoran migrants missing in transit through Guatemala",
    "purposes": {"tracing": ["identity", "circumstances"]},
    "legal_bases": ["consent", "public_interest"],
    "retention_days": 90,
    "consent_required": False,
}


def _organisation(organisations: list[Organisation], kind: OrgKind) -> Organisation | None:
    """The first demo organisation of that kind other than the sharing one."""
    return next((o for o in organisations[1:] if o.kind is kind), None)


def _cases(session: Session, organisation: Organisation) -> dict[str, Case]:
    stmt = (
        select(Case)
        .where(Case.organisation_id == organisation.id)
        .order_by(Case.created_at, Case.id)
    )
    found: dict[str, Case] = {}
    for case in session.scalars(stmt).unique():
        if not case.is_shredded and case.family_names:
            found.setdefault(case.family_names, case)
    return found


def _reporting_relative(session: Session, case: Case) -> Relative | None:
    stmt = select(Relative).where(Relative.case_id == case.id).order_by(Relative.id)
    relatives = [r for r in session.scalars(stmt).unique() if not r.is_erased]
    return next((r for r in relatives if r.is_reporting_person), None)


def _consent(session: Session, relative: Relative, purpose: str) -> Consent | None:
    """The relative's live consent for that purpose."""
    stmt = select(Consent).where(Consent.relative_id == relative.id).order_by(Consent.id)
    return next(
        (
            c
            for c in session.scalars(stmt).unique()
            if c.purpose.value == purpose and c.withdrawn_at is None
        ),
        None,
    )


def _agreement(
    session: Session, actor: Actor, partner_org: Organisation, terms: dict[str, Any]
) -> Agreement:
    today = utcnow().date()
    body = {
        **terms,
        "partner_organisation_id": str(partner_org.id),
        "valid_from": dt.date(today.year, 1, 1).isoformat(),
        "valid_to": dt.date(today.year + 2, 12, 31).isoformat(),
    }
    return operations.create_agreement(session, actor, AgreementCreateSchema().load(body))


def _share(
    session: Session,
    actor: Actor,
    case: Case,
    recipient: Organisation,
    categories: list[str],
    consent: Consent,
) -> Any:
    body = {
        "recipient_organisation_id": str(recipient.id),
        "purpose": "tracing",
        "categories": categories,
        "legal_basis": "consent",
        "consent_id": str(consent.id),
    }
    return operations.request_share(session, actor, case, ShareRequestSchema().load(body))


def _partner_user(session: Session, partner_org: Organisation) -> User | None:
    stmt = select(User).where(User.organisation_id == partner_org.id).order_by(User.email)
    return next((u for u in session.scalars(stmt) if u.role.value == "partner"), None)


def _view_once(session: Session, user: User, case: Case) -> None:
    """The partner user opens the shared case once (audited, logged in both exchange logs)."""
    actor = Actor.for_user(user, via="demo")
    shared_case, shared = queries.shared_case_or_404(session, actor, case.reference)
    partner.read_shared_case(Access(session, actor), shared_case, shared, "shared_case")


def load_demo_exchange(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    """Agreements, a consent naming the partner, an allowed share (viewed once by the partner),
    a denied request and one waiting for a second approval, through the services."""
    admin, focal, liaison = users.get(ADMIN), users.get(FOCAL), users.get(LIAISON)
    if admin is None or focal is None or liaison is None or not organisations:
        return
    owner = organisations[0]
    tracing_network = _organisation(organisations, OrgKind.humanitarian)
    authority = _organisation(organisations, OrgKind.national_authority)
    if tracing_network is None:
        return
    exists = session.scalar(
        select(Agreement.id).where(
            Agreement.organisation_id == owner.id,
            Agreement.partner_organisation_id == tracing_network.id,
        )
    )
    if exists is not None:
        return
    admin_actor = Actor.for_user(admin, via="demo")
    focal_actor = Actor.for_user(focal, via="demo")
    _agreement(session, admin_actor, tracing_network, PARTNER_TERMS)
    if authority is not None:
        _agreement(session, admin_actor, authority, AUTHORITY_TERMS)
    cases = _cases(session, owner)

    shared_case = cases.get(SHARED_FAMILY)
    mother = _reporting_relative(session, shared_case) if shared_case else None
    if shared_case is not None and mother is not None:
        scope = [{"kind": "organisation", "value": str(tracing_network.id)}]
        consent = family_operations.give_consent(
            session,
            Actor.for_user(liaison, via="demo"),
            mother,
            ConsentCreateSchema().load({"purpose": "tracing", "scope": scope}),
        )
        # Family contacts are not for tracing: refused, with every rule's reason.
        _share(
            session,
            focal_actor,
            shared_case,
            tracing_network,
            ["identity", "circumstances", "family_contacts"],
            consent,
        )
        allowed = _share(
            session,
            focal_actor,
            shared_case,
            tracing_network,
            ["identity", "circumstances", "physical_description"],
            consent,
        )
        viewer = _partner_user(session, tracing_network)
        if allowed.status.value == "active" and viewer is not None:
            _view_once(session, viewer, shared_case)

    pending_case = cases.get(PENDING_FAMILY)
    father = _reporting_relative(session, pending_case) if pending_case else None
    consent = _consent(session, father, "tracing") if father is not None else None
    if authority is not None and pending_case is not None and consent is not None:
        categories = ["identity", "circumstances"]
        _share(session, focal_actor, pending_case, authority, categories, consent)
    session.flush()
