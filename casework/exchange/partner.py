"""What a partner organisation's user sees of a case shared with it, read once for both the API
and the page: through the access gateway (granted categories only, every read audited), and
logged in both organisations' exchange logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import Access, Shown
from casework.cases.models import Case
from casework.cases.resources import CASE
from casework.categories import Category
from casework.dna import queries as dna_queries
from casework.dna.resources import DNA_REFERENCE
from casework.exchange import operations, policy
from casework.exchange.policy import CONSENT_COVERS, LegalBasis
from casework.exchange.queries import SharedAccess
from casework.families import queries as family_queries
from casework.families.models import Consent
from casework.families.resources import RELATIVE

#: Case fields a partner view may hold (each still only when its category was granted): the
#: record's narrative, never the owner's internal workings (protection flags and their reasons,
#: duplicate links, who changed what).
CASE_FIELDS = (
    "reference",
    "status",
    "given_names",
    "family_names",
    "aliases",
    "sex",
    "date_of_birth",
    "age_band",
    "nationality",
    "languages",
    "place_of_origin",
    "identity_documents",
    "last_seen_date",
    "last_seen_country",
    "last_seen_place",
    "route_countries",
    "event_type",
    "circumstances",
    "vulnerabilities",
    "stature_min_cm",
    "stature_max_cm",
    "distinguishing_marks",
    "clothing_and_belongings",
)


@dataclass
class PartnerView:
    case: Shown[Case]
    shared: SharedAccess
    relatives: list[Shown[Any]] = field(default_factory=list)
    dna_references: list[Shown[Any]] = field(default_factory=list)

    def shows(self, category: str) -> bool:
        return category in self.shared.categories


def partner_access(access: Access, shared: SharedAccess) -> Access:
    """The gateway for reading one shared case, for the purpose it was shared for (when it was
    shared for several, the reads name none of them but cover the union of what was granted)."""
    purposes = shared.purposes
    return Access(access.session, access.actor, purposes[0] if len(purposes) == 1 else None)


def relatives_covered(session: Session, shared: SharedAccess, relatives: list[Any]) -> list[Any]:
    """The relatives whose contacts a family-contacts share may show: under the vital or public
    interest, every relative of the case; under consent, only those who themselves hold a live
    consent covering the share's purpose and its recipient (one relative's consent does not
    give away a brother's phone, and a withdrawal removes that relative at once)."""
    shares = [s for s in shared.shares if Category.family_contacts in s.categories]
    if not shares or not relatives:
        return []
    if any(s.legal_basis is not None and s.legal_basis != LegalBasis.consent for s in shares):
        return relatives
    consents = session.scalars(
        select(Consent).where(
            Consent.relative_id.in_([r.id for r in relatives]), Consent.withdrawn_at.is_(None)
        )
    ).unique()
    covered = {
        c.relative_id
        for c in consents
        for s in shares
        if c.purpose.value in CONSENT_COVERS.get(s.purpose.value, frozenset())
        and policy.Consent(c.id, c.purpose.value, list(c.scope or [])).covers_recipient(
            operations.recipient_of(s.recipient)
        )
    }
    return [r for r in relatives if r.id in covered]


def read_shared_case(access: Access, case: Case, shared: SharedAccess, view: str) -> PartnerView:
    """Read the granted parts of the case (one audit event per kind of record shown) and log
    the view in the exchange logs of both organisations."""
    reader = partner_access(access, shared)
    shown = reader.read(CASE, case, view=view)
    result = PartnerView(shown, shared)
    granted = set(shared.categories)
    if Category.family_contacts in granted:
        rows, _ = family_queries.relatives_of_case(reader, case.id, 1, 100)
        rows = relatives_covered(access.session, shared, rows)
        result.relatives = reader.read_page(
            RELATIVE, rows, view=view, only={Category.family_contacts}
        )
    if Category.dna_references in granted:
        rows, _ = dna_queries.references_of_case(reader, case.id, 1, 100)
        result.dna_references = reader.read_page(DNA_REFERENCE, rows, view=view)
    operations.record_views(access.session, access.actor, shared.shares, view)
    return result


def read_shared_list(
    access: Access, cases: list[Case], shared: dict[Any, SharedAccess], view: str, page: int
) -> list[Shown[Case]]:
    """One page of the cases shared with the actor's organisation (one audit event), each view
    logged in the exchange logs."""
    shown = access.read_page(CASE, cases, view=view, page=page)
    for case in cases:
        if case.id in shared:
            operations.record_views(access.session, access.actor, shared[case.id].shares, view)
    return shown
