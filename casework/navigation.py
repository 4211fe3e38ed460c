"""Main navigation and the links on a case's page, from the domains' declarations, each shown
only to roles allowed its action (the case registry never imports the domains it links to)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from casework import registry
from casework.auth.policy import Actor, can


def nav_items(actor: Actor | None) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {"url": url_for(link.endpoint), "label": link.label}
        for _, link in registry.each("nav")
        if can(actor, link.action)
    ]


def case_links(actor: Actor | None, reference: str) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {
            "url": url_for(link.endpoint, reference=reference),
            "label": link.label,
            "endpoint": link.endpoint,
        }
        for _, link in registry.each("case_links")
        if can(actor, link.action)
    ]


# --- the home page: what is due, by role ------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One line of the home page: what it counts, how many, where to act on it."""

    key: str
    label: str
    count: int
    url: str
    urgent: bool = False


def due_items(actor: Actor | None) -> list[Due]:
    """What the actor has to act on, each with its count and a link, from the domains' public
    queries, in the actor's reach (the same scoping as the lists they link to). Counts only:
    nothing personal, and nothing is read through the gateway, so nothing is audited. Every
    role gets at least one line (a count of 0 says that nothing is waiting)."""
    if actor is None:
        return []
    from casework.web import db_session

    session = db_session()
    items: list[Due] = []
    for make in _DUE:
        items.extend(make(session, actor))
    return items


def _worklist(session: Any, actor: Actor) -> list[Due]:
    if not can(actor, "notifications.worklist"):
        return []
    from casework.families.queries import worklist

    today = dt.datetime.now(dt.UTC).date()
    by_today = worklist(session, actor, today, per_page=1)[1]
    overdue = worklist(session, actor, today - dt.timedelta(days=1), per_page=1)[1]
    url = url_for("families.worklist")
    return [
        Due("notifications.overdue", _("Notifications overdue"), overdue, url, urgent=True),
        Due("notifications.today", _("Notifications due today"), by_today - overdue, url),
    ]


def _cases(session: Any, actor: Actor) -> list[Due]:
    if not can(actor, "case.write"):
        return []
    from casework.access import Access
    from casework.cases.models import CaseStatus
    from casework.cases.queries import CaseFilters, search_cases

    access = Access(session, actor)
    items = []
    for status, label in (
        (CaseStatus.reported, _("Cases reported, not yet searched for")),
        (CaseStatus.active_search, _("Cases in active search")),
    ):
        found = search_cases(access, CaseFilters(status=status), 1, 1)
        url = url_for("cases.index", status=status.value)
        items.append(Due(f"cases.{status.value}", label, found.total, url))
    return items


def _shares(session: Any, actor: Actor) -> list[Due]:
    items = []
    if can(actor, "shares.approve"):
        from casework.access import Access
        from casework.exchange.queries import pending_shares

        total = pending_shares(Access(session, actor), per_page=1)[1]
        label = _("Shares waiting for a second approval")
        items.append(Due("shares.pending", label, total, url_for("exchange.pending_shares")))
    if can(actor, "shared.read"):
        from casework.exchange.queries import shared_access, shared_case_ids_page

        # Most recently shared first: the recent ones are on the first page.
        ids, total = shared_case_ids_page(session, actor, 1, RECENT_SHARES_LOOKED_AT)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
        recent = sum(
            1
            for access in shared_access(session, actor, ids).values()
            if max(_aware(share.granted_at) for share in access.shares) >= since
        )
        url = url_for("exchange.shared_cases")
        label = _("Cases shared with your organisation")
        items.append(Due("shared.cases", label, total, url))
        items.append(Due("shared.recent", _("Shared in the last 7 days"), recent, url))
    return items


#: How many of the most recently shared cases the partner's home page looks at for "recent".
RECENT_SHARES_LOOKED_AT = 100


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _forensic(session: Any, actor: Actor) -> list[Due]:
    from casework.access import Access

    access = Access(session, actor)
    items = []
    if can(actor, "match_reports.write"):
        from casework.dna.models import MatchReportStatus
        from casework.dna.queries import MatchReportFilters, match_reports

        status = MatchReportStatus.reported
        total = match_reports(access, MatchReportFilters(status=status), 1, 1)[1]
        url = url_for("dna.match_reports", status=status.value)
        label = _("Match reports not yet confirmed or excluded")
        items.append(Due("match_reports.reported", label, total, url))
    if can(actor, "identifications.review"):
        from casework.identification.models import IdentificationStatus
        from casework.identification.queries import IdentificationFilters, list_identifications

        status = IdentificationStatus.recorded
        total = list_identifications(access, IdentificationFilters(status=status), 1, 1)[1]
        url = url_for("identification.index", status=status.value)
        label = _("Identifications awaiting a second person")
        items.append(Due("identifications.recorded", label, total, url, urgent=True))
    if can(actor, "remains.write"):
        from casework.remains.models import RemainsStatus
        from casework.remains.queries import RemainsFilters, list_remains

        status = RemainsStatus.unidentified
        total = list_remains(access, RemainsFilters(status=status.value), 1, 1)[1]
        url = url_for("remains.index", status=status.value)
        items.append(Due("remains.unidentified", _("Unidentified remains"), total, url))
    return items


def _admin(session: Any, actor: Actor) -> list[Due]:
    if not can(actor, "users.manage"):
        return []
    from casework.auth.queries import pending_role_requests, users_of_organisation

    requests = len(pending_role_requests(session, actor.organisation_id))
    users = len(users_of_organisation(session, actor.organisation_id))
    return [
        Due(
            "role_requests.pending",
            _("Role requests waiting for a second administrator"),
            requests,
            url_for("auth.role_requests"),
            urgent=True,
        ),
        Due("users", _("Users of your organisation"), users, url_for("auth.users")),
    ]


def _audit(session: Any, actor: Actor) -> list[Due]:
    if not can(actor, "audit.read"):
        return []
    from casework.audit.queries import EventFilters, events_page

    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    total = events_page(session, actor, EventFilters(since=since), 1, 1)[1]
    url = url_for("audit.events", **{"from": since.replace(microsecond=0).isoformat()})
    return [Due("audit.day", _("Audit events in the last 24 hours"), total, url)]


_DUE = (_worklist, _cases, _shares, _forensic, _admin, _audit)
