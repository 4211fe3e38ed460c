"""The exchange domain's grant provider for the access gateway: what allowed shares give the
recipient organisation's partner users (DESIGN §7, partner views).

A grant reaches only users with the `partner` role of the recipient organisation, only the
categories shared, only that case, and only while the share is active: not revoked, not ended
by a consent withdrawal or the agreement's end, and before the retention runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from casework.auth.policy import Actor
from casework.db import utcnow
from casework.exchange.models import PartnerGrant
from casework.exchange.policy import Purpose

#: The only role a grant reaches: the partner organisation's staff who read shared records.
GRANTEE_ROLE = "partner"


def _live(actor: Actor, purpose: str | None) -> Select[Any]:
    stmt = select(PartnerGrant.case_id).where(
        PartnerGrant.recipient_organisation_id == actor.organisation_id,
        PartnerGrant.ended_at.is_(None),
        PartnerGrant.expires_at > utcnow(),
    )
    if purpose in {p.value for p in Purpose}:
        stmt = stmt.where(PartnerGrant.purpose == purpose)
    return stmt


class ExchangeGrants:
    """An `access.GrantProvider` over the partner_grants table."""

    def granted_case_ids(
        self, session: Session, actor: Actor, purpose: str | None, categories: frozenset[str]
    ) -> Select[Any] | None:
        if actor.role != GRANTEE_ROLE or actor.organisation_id is None:
            return None
        return _live(actor, purpose).where(PartnerGrant.category.in_(sorted(categories)))

    def granted_categories(
        self, session: Session, actor: Actor, purpose: str | None, case_ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Iterable[str]]:
        if actor.role != GRANTEE_ROLE or actor.organisation_id is None or not case_ids:
            return {}
        stmt = _live(actor, purpose).add_columns(PartnerGrant.category)
        stmt = stmt.where(PartnerGrant.case_id.in_(list(case_ids)))
        found: dict[uuid.UUID, set[str]] = {}
        for case_id, category in session.execute(stmt):
            found.setdefault(case_id, set()).add(category)
        return found


PROVIDER = ExchangeGrants()
