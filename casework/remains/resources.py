"""Remains as the access gateway knows them: owned by the organisation that recorded them.

Grants name cases; no grant names remains, so only their owner sees them (until the exchange
domain shares remains too).
"""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.categories import Category
from casework.remains.models import Remains

REMAINS = Resource(
    kind="remains",
    model=Remains,
    categories=frozenset({Category.circumstances, Category.physical_description}),
    owner=lambda: Remains.organisation_id,
    # The remains' own id stands where a case id would: no grant ever names it.
    case_id=lambda: Remains.id,
    base=lambda: select(Remains),
    record_owner=lambda remains: remains.organisation_id,
    record_case_id=lambda remains: remains.id,
    object_id=lambda remains: str(remains.id),
    case_reference=lambda remains: None,
)
