"""A relative as the access gateway knows it: owned through the case, about family contacts."""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.cases.models import Case
from casework.categories import Category
from casework.families.models import Relative

RELATIVE = Resource(
    kind="relative",
    model=Relative,
    categories=frozenset({Category.family_contacts, Category.consent, Category.notifications}),
    owner=lambda: Case.organisation_id,
    case_id=lambda: Relative.case_id,
    base=lambda: select(Relative).join(Case, Relative.case_id == Case.id),
    record_owner=lambda relative: relative.case.organisation_id,
    record_case_id=lambda relative: relative.case_id,
    object_id=lambda relative: str(relative.id),
    case_reference=lambda relative: relative.case.reference,
)
