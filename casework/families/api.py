"""JSON API of the families domain: relatives, the hotline look-up, consents, notifications, the
liaison worklist and erasure (thin: parse, call a service, dump).

Every read of personal data goes through the access gateway (`Access`): scoped to what the
actor may see, shaped to the categories allowed, one audit event per record or per page.
Writes and their look-ups see the actor's own organisation's records only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for

from casework.access import Shown
from casework.access.current import current_access
from casework.api import (
    api_blueprint,
    expected_version,
    page_of,
    shaped,
    shaped_page,
)
from casework.auth.context import acting
from casework.auth.policy import require
from casework.cases.resources import CASE
from casework.categories import Category
from casework.db import utcnow
from casework.families import lookups, operations, queries
from casework.families.models import Notification
from casework.families.policy import (
    CREATE_RELATIVE,
    ERASE_RELATIVE,
    GIVE_CONSENT,
    LOOKUP_RELATIVES,
    MANAGE_NOTIFICATIONS,
    READ_NOTIFICATIONS,
    READ_RELATIVES,
    READ_WORKLIST,
    UPDATE_RELATIVE,
    WITHDRAW_CONSENT,
)
from casework.families.resources import RELATIVE
from casework.families.schemas import (
    ConsentCreateSchema,
    ConsentListSchema,
    ConsentSchema,
    ConsentWithdrawSchema,
    EraseSchema,
    LookupArgs,
    NoRelativeReachableSchema,
    NotificationCreateSchema,
    NotificationListSchema,
    NotificationSchema,
    NotificationUpdateSchema,
    RelativeCreateSchema,
    RelativeListSchema,
    RelativeSchema,
    RelativeSearchSchema,
    RelativeUpdateSchema,
    UnreachableRecordSchema,
    WorklistArgs,
    WorklistSchema,
)
from casework.schemas import PageArgs
from casework.web import db_session

blp = api_blueprint(
    "families_api",
    __name__,
    description="Relatives of missing persons, their consent, and notifications to families",
)


def _etag(record: Any) -> dict[str, str]:
    return {"ETag": f'"{record.version}"'}


# --- relatives --------------------------------------------------------------------------------


@blp.route("/cases/<reference>/relatives", methods=["GET"])
@require(READ_RELATIVES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, RelativeListSchema)
def list_relatives(args: dict[str, Any], reference: str) -> Any:
    """The relatives of a case with their contacts (one audited read per page)."""
    access = current_access()
    case = lookups.visible_case(access, reference)
    page, per_page = args["page"], args["per_page"]
    items, total = queries.relatives_of_case(access, case.id, page, per_page)
    shown = access.read_page(
        RELATIVE, items, view="case_relatives", only=[Category.family_contacts], page=page
    )
    return shaped_page(RelativeSchema(), shown, page, per_page, total)


@blp.route("/cases/<reference>/relatives", methods=["POST"])
@require(CREATE_RELATIVE)
@blp.arguments(RelativeCreateSchema)
@blp.response(201, RelativeSchema)
def create_relative(data: dict[str, Any], reference: str) -> Any:
    """Add a relative; the phone is returned in E.164 (national numbers read for
    `phone_region`, default the organisation's country)."""
    relative = operations.create_relative(
        db_session(), acting(), lookups.owned_case(reference), data
    )
    headers = _etag(relative)
    headers["Location"] = url_for("families_api.get_relative", relative_id=relative.id)
    return relative, headers


def _lookup(args: dict[str, Any]) -> Any:
    access = current_access()
    found = operations.lookup_relatives(
        access.session,
        access.actor,
        phone=args.get("phone"),
        email=args.get("email"),
        region=args.get("region"),
    )
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    shown = access.read_page(
        RELATIVE,
        found[start : start + per_page],
        view="lookup",
        only=[Category.family_contacts],
        page=page,
    )
    return shaped_page(RelativeSchema(), shown, page, per_page, len(found))


@blp.route("/relatives", methods=["GET"])
@require(LOOKUP_RELATIVES)
@blp.arguments(LookupArgs, location="query")
@blp.response(200, RelativeListSchema)
def lookup_relatives(args: dict[str, Any]) -> Any:
    """The hotline look-up: relatives of the organisation's cases with this `phone` (any
    writing; national numbers read for `region`, default the organisation's country) or
    `email` (case-insensitive). Found through the blind index, then re-checked. `phone` and
    `email` are deprecated here: a number in a URL ends up in logs; use POST /relatives/search.
    """
    return _lookup(args)


@blp.route("/relatives/search", methods=["POST"])
@require(LOOKUP_RELATIVES)
@blp.arguments(RelativeSearchSchema)
@blp.response(200, RelativeListSchema)
def search_relatives(args: dict[str, Any]) -> Any:
    """The hotline look-up with the `phone` (and `region`) or `email` in the body, never in the
    URL: the same answer as GET /relatives?phone= or ?email= (one audited read per page)."""
    return _lookup(args)


@blp.route("/relatives/<uuid:relative_id>", methods=["GET"])
@require(READ_RELATIVES)
@blp.response(200, RelativeSchema)
def get_relative(relative_id: uuid.UUID) -> Any:
    """One relative with contacts and safety note (the read is audited): the caller's
    organisation's, or one granted to it with family contacts; anything else is a 404."""
    access = current_access()
    relative = lookups.visible_relative(access, relative_id, Category.family_contacts)
    shown = access.read(RELATIVE, relative, view="relative", only=[Category.family_contacts])
    return shaped(RelativeSchema(), shown, headers=_etag(relative))


@blp.route("/relatives/<uuid:relative_id>", methods=["PATCH"])
@require(UPDATE_RELATIVE)
@blp.arguments(RelativeUpdateSchema)
@blp.response(200, RelativeSchema)
def update_relative(data: dict[str, Any], relative_id: uuid.UUID) -> Any:
    """Change a relative; needs `version` (or If-Match), a stale one gets 409."""
    version = expected_version(data.pop("version", None))
    relative = lookups.owned_relative(relative_id)
    operations.update_relative(db_session(), acting(), relative, data, version)
    return relative, _etag(relative)


@blp.route("/relatives/<uuid:relative_id>/erase", methods=["POST"])
@require(ERASE_RELATIVE)
@blp.arguments(EraseSchema)
@blp.response(200, RelativeSchema)
def erase_relative(data: dict[str, Any], relative_id: uuid.UUID) -> Any:
    """A relative's erasure request: their data key is destroyed (contacts, consent evidence and
    notification notes become unreadable, look-ups no longer find them); the non-personal facts
    of the notification history stay. Needs {"confirm": true}. Irreversible."""
    relative = lookups.owned_relative(relative_id)
    operations.erase_relative(db_session(), acting(), relative, data.get("note"))
    return relative


# --- consents ---------------------------------------------------------------------------------


@blp.route("/relatives/<uuid:relative_id>/consents", methods=["GET"])
@require(READ_RELATIVES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ConsentListSchema)
def list_consents(args: dict[str, Any], relative_id: uuid.UUID) -> Any:
    """The relative's consent records, withdrawn ones included (the read is audited)."""
    access = current_access()
    relative = lookups.visible_relative(access, relative_id, Category.consent)
    page, per_page = args["page"], args["per_page"]
    items, total = queries.consents_of_relative(access.session, relative.id, page, per_page)
    access.read(RELATIVE, relative, view="consents", only=[Category.consent])
    return page_of(items, page, per_page, total)


@blp.route("/relatives/<uuid:relative_id>/consents", methods=["POST"])
@require(GIVE_CONSENT)
@blp.arguments(ConsentCreateSchema)
@blp.response(201, ConsentSchema)
def give_consent(data: dict[str, Any], relative_id: uuid.UUID) -> Any:
    """Record a consent: purpose (contact, tracing, identification, dna), scope (a list of
    {"kind": "organisation"|"category"|"any", "value"}), date given, evidence reference."""
    return operations.give_consent(
        db_session(), acting(), lookups.owned_relative(relative_id), data
    )


@blp.route("/consents/<uuid:consent_id>/withdraw", methods=["POST"])
@require(WITHDRAW_CONSENT)
@blp.arguments(ConsentWithdrawSchema)
@blp.response(200, ConsentSchema)
def withdraw_consent(data: dict[str, Any], consent_id: uuid.UUID) -> Any:
    """Withdraw a consent; it takes effect at once and the record stays."""
    return operations.withdraw_consent(
        db_session(), acting(), lookups.owned_consent(consent_id), data["reason"]
    )


# --- notifications ----------------------------------------------------------------------------


@blp.route("/cases/<reference>/notifications", methods=["GET"])
@require(READ_NOTIFICATIONS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, NotificationListSchema)
def list_notifications(args: dict[str, Any], reference: str) -> Any:
    """The notifications to the case's relatives, by planned date (one audited read per page,
    naming the relatives whose notifications are shown; notes only where they may be seen)."""
    access = current_access()
    case = lookups.visible_case(access, reference)
    page, per_page = args["page"], args["per_page"]
    items, total = queries.notifications_of_case(access.session, case.id, page, per_page)
    relatives = list({n.relative_id: n.relative for n in items}.values())
    shown = access.read_page(
        RELATIVE, relatives, view="notifications", only=[Category.notifications], page=page
    )
    allowed = {s.record.id: s.categories for s in shown}
    owned = access.owns(CASE, case)
    fields = dict(Notification.__categories__)
    rows = [Shown(n, allowed.get(n.relative_id, frozenset()), owned, fields) for n in items]
    return shaped_page(NotificationSchema(), rows, page, per_page, total)


@blp.route("/cases/<reference>/notifications", methods=["POST"])
@require(MANAGE_NOTIFICATIONS)
@blp.arguments(NotificationCreateSchema)
@blp.response(201, NotificationSchema)
def plan_notification(data: dict[str, Any], reference: str) -> Any:
    """Plan a notification to a relative of the case. An `identification` (death) notification
    needs a confirmed identification of the case (409 otherwise) and `officer_id`, `channel`
    and `support_offered` (offered or referred)."""
    notification = operations.plan_notification(
        db_session(), acting(), lookups.owned_case(reference), data
    )
    return notification, _etag(notification)


@blp.route("/notifications/<uuid:notification_id>", methods=["GET"])
@require(READ_NOTIFICATIONS)
@blp.response(200, NotificationSchema)
def get_notification(notification_id: uuid.UUID) -> Any:
    """One notification of the organisation's cases (the read is audited as a read of its
    relative's notifications; notes only where they may be seen)."""
    access = current_access()
    notification = lookups.owned_notification(notification_id)
    shown = access.read(
        RELATIVE, notification.relative, view="notification", only=[Category.notifications]
    )
    fields = dict(Notification.__categories__)
    row = Shown(notification, shown.categories, shown.is_owned, fields)
    return shaped(NotificationSchema(), row, headers=_etag(notification))


@blp.route("/notifications/<uuid:notification_id>", methods=["PATCH"])
@require(MANAGE_NOTIFICATIONS)
@blp.arguments(NotificationUpdateSchema)
@blp.response(200, NotificationSchema)
def update_notification(data: dict[str, Any], notification_id: uuid.UUID) -> Any:
    """Record a delivery (`delivered_date`, `outcome`), reschedule, or close out a follow-up;
    needs `version` (or If-Match), a stale one gets 409."""
    version = expected_version(data.pop("version", None))
    notification = lookups.owned_notification(notification_id)
    operations.update_notification(db_session(), acting(), notification, data, version)
    return notification, _etag(notification)


@blp.route("/notifications", methods=["GET"])
@require(READ_WORKLIST)
@blp.arguments(WorklistArgs, location="query")
@blp.response(200, WorklistSchema)
def worklist(args: dict[str, Any]) -> Any:
    """The liaison worklist: the organisation's notifications due by `due_before` (default
    today) — still to be given with planned_date <= due_before, or a follow-up due by then and
    not closed out — earliest due first. Items carry no notes or contacts."""
    page, per_page = args["page"], args["per_page"]
    due_before = args.get("due_before") or utcnow().date()
    items, total = queries.worklist(db_session(), acting(), due_before, page, per_page)
    return page_of(items, page, per_page, total)


@blp.route("/cases/<reference>/no-relative-reachable", methods=["POST"])
@require(MANAGE_NOTIFICATIONS)
@blp.arguments(NoRelativeReachableSchema)
@blp.response(201, UnreachableRecordSchema)
def no_relative_reachable(data: dict[str, Any], reference: str) -> Any:
    """Document why no relative could be given the identification notification. A case in
    deceased_identified can be closed only after such a notification was delivered to at
    least one relative, or after this record."""
    return operations.record_no_relative_reachable(
        db_session(), acting(), lookups.owned_case(reference), data["no_relative_reachable_reason"]
    )
