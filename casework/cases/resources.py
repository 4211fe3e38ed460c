"""The case as the access gateway knows it: who owns it, what its fields are about."""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.cases.models import Case
from casework.categories import Category

CASE = Resource(
    kind="case",
    model=Case,
    # Photos join when the case holds them; a category the record has no field of is not
    # claimed as shown.
    categories=frozenset(
        {Category.identity, Category.circumstances, Category.physical_description}
    ),
    owner=lambda: Case.organisation_id,
    case_id=lambda: Case.id,
    base=lambda: select(Case),
    record_owner=lambda case: case.organisation_id,
    record_case_id=lambda case: case.id,
    object_id=lambda case: case.reference,
    case_reference=lambda case: case.reference,
)
