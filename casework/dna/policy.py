"""Who may do what in the DNA domain (the roles are declared in dna/domain.py), and the rules of
the chain of custody and of the consent gate."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from casework.dna.models import CustodyStatus, DnaReference, SampleKind
from casework.families.models import ConsentPurpose
from casework.families.policy import has_valid_consent

# The DNA domain's actions.
READ_DNA_DATABASES = "dna_databases.read"
MANAGE_DNA_DATABASES = "dna_databases.manage"
READ_DNA = "dna.read"
WRITE_DNA = "dna.write"
READ_MATCH_REPORTS = "match_reports.read"
WRITE_MATCH_REPORTS = "match_reports.write"

#: The chain of custody, in its one order.
CUSTODY_ORDER: tuple[CustodyStatus, ...] = (
    CustodyStatus.collected,
    CustodyStatus.shipped,
    CustodyStatus.received,
    CustodyStatus.profiled,
    CustodyStatus.uploaded,
)

CUSTODY_LABELS = {
    CustodyStatus.collected: _l("collected"),
    CustodyStatus.shipped: _l("shipped"),
    CustodyStatus.received: _l("received"),
    CustodyStatus.profiled: _l("profiled"),
    CustodyStatus.uploaded: _l("uploaded"),
}


def next_custody_status(current: CustodyStatus) -> CustodyStatus | None:
    """The one step that may follow `current` (None once the sample is uploaded)."""
    position = CUSTODY_ORDER.index(CustodyStatus(current))
    return CUSTODY_ORDER[position + 1] if position + 1 < len(CUSTODY_ORDER) else None


def donor_may_give(session: Session, ref: DnaReference) -> bool:
    """The consent gate: may this reference's custody move on? A family reference only while
    its donor has a valid consent for purpose dna (to the organisation holding it); other
    kinds always."""
    if ref.sample_kind is not SampleKind.family_reference:
        return True
    if ref.relative is None:
        return False
    return has_valid_consent(session, ref.relative, ConsentPurpose.dna, ref.organisation_id)


def case_warnings(session: Session, case: Any) -> list[str]:
    """The case page's warnings (hook case.warnings): one per family reference whose donor no
    longer has a valid consent for DNA. Never a personal value: the database and the custody
    step only."""
    from casework.dna import queries

    warnings: list[str] = []
    for ref in queries.family_references_of_case(session, case.id):
        if donor_may_give(session, ref):
            continue
        labels = {"database": ref.database.name, "step": str(CUSTODY_LABELS[ref.custody_status])}
        if ref.custody_status is CustodyStatus.uploaded:
            warnings.append(
                _(
                    "A DNA sample reference of this case (%(database)s, %(step)s) was uploaded "
                    "under a consent for DNA that was since withdrawn or is missing: review its "
                    "use with the database.",
                    **labels,
                )
            )
        else:
            warnings.append(
                _(
                    "A DNA sample reference of this case (%(database)s, %(step)s) relies on a "
                    "consent for DNA that was withdrawn or is missing; its custody cannot "
                    "advance.",
                    **labels,
                )
            )
    return warnings
