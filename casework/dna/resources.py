"""DNA references and match reports as the access gateway knows them.

Both belong to the organisation that recorded them and are about DNA references; a grant on a
case in that category reaches the case's references and reports.
"""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.categories import Category
from casework.dna.models import DnaMatchReport, DnaReference

DNA_REFERENCE = Resource(
    kind="dna_reference",
    model=DnaReference,
    categories=frozenset({Category.dna_references}),
    owner=lambda: DnaReference.organisation_id,
    # Post-mortem references have no case; no grant reaches them.
    case_id=lambda: DnaReference.case_id,
    base=lambda: select(DnaReference),
    record_owner=lambda ref: ref.organisation_id,
    record_case_id=lambda ref: ref.case_id or ref.remains_id,
    object_id=lambda ref: str(ref.id),
    case_reference=lambda ref: ref.case_reference,
)

MATCH_REPORT = Resource(
    kind="match_report",
    model=DnaMatchReport,
    categories=frozenset({Category.dna_references}),
    owner=lambda: DnaMatchReport.organisation_id,
    case_id=lambda: DnaMatchReport.case_id,
    base=lambda: select(DnaMatchReport),
    record_owner=lambda report: report.organisation_id,
    record_case_id=lambda report: report.case_id,
    object_id=lambda report: str(report.id),
    case_reference=lambda report: report.case_reference,
)
