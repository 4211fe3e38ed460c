"""Share requests as the access gateway knows them: owned by the sharing organisation, with the
case; their written justification is about the case's circumstances."""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.categories import Category
from casework.exchange.models import Share

SHARE = Resource(
    kind="share",
    model=Share,
    categories=frozenset({Category.circumstances}),
    owner=lambda: Share.organisation_id,
    case_id=lambda: Share.case_id,
    base=lambda: select(Share),
    record_owner=lambda share: share.organisation_id,
    record_case_id=lambda share: share.case_id,
    object_id=lambda share: str(share.id),
    case_reference=lambda share: share.case_reference,
)
