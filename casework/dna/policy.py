"""Who may do what in the DNA domain (the roles are declared in dna/domain.py), and the rules of
the chain of custody and of the consent gate."""

from __future__ import annotations

from casework.dna.models import CustodyStatus

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


def next_custody_status(current: CustodyStatus) -> CustodyStatus | None:
    """The one step that may follow `current` (None once the sample is uploaded)."""
    position = CUSTODY_ORDER.index(CustodyStatus(current))
    return CUSTODY_ORDER[position + 1] if position + 1 < len(CUSTODY_ORDER) else None
