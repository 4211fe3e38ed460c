"""Demo relatives, consents and notifications for the Salvadoran organisation's cases: invented
people, some notifications due or overdue on liaison@sv.demo's worklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.db import utcnow
from casework.families import operations, queries
from casework.families.schemas import (
    ConsentCreateSchema,
    NotificationCreateSchema,
    NotificationUpdateSchema,
    RelativeCreateSchema,
)

# Keyed by the case's family names (clear only here, in the demo script): relatives, each with
# consents [(purpose, scope)] and notifications [(kind, planned in days, delivered in days or
# None, follow-up in days or None, channel)]. The demo cases are registered today, and nothing
# is delivered before its case was registered: deliveries are today (planned days before).
DEMO_FAMILIES: dict[str, list[dict[str, Any]]] = {
    "Hernández López": [
        {
            "relative": {
                "full_name": "María Luisa López de Hernández",
                "relationship": "mother",
                "country_of_residence": "SV",
                "phone": "7012 3456",
                "email": "mluisa.lopez@example.org",
                "address": "Colonia El Molino, San Miguel",
                "preferred_language": "es-SV",
                "preferred_channel": "phone",
                "is_reporting_person": True,
                "safety_note": "Do not call before 18:00: she works at the market.",
            },
            "consents": [
                ("contact", [{"kind": "any"}]),
                ("tracing", [{"kind": "category", "value": "humanitarian"}]),
            ],
            "notifications": [
                ("acknowledgement", -40, 0, None, "in_person"),
                ("progress_update", -5, None, None, "phone"),
                ("dna_sample_request", 10, None, None, "in_person"),
            ],
        },
        {
            "relative": {
                "full_name": "Kevin Hernández",
                "relationship": "brother",
                "phone": "+1 520 555 0143",
                "preferred_language": "es",
                "preferred_channel": "messaging_app",
                "safety_note": "Undocumented in the US: never leave voice messages.",
            },
            "consents": [("contact", [{"kind": "any"}])],
            "notifications": [("progress_update", 0, None, None, "video")],
        },
    ],
    "Rivera Campos": [
        {
            "relative": {
                "full_name": "Óscar Rivera",
                "relationship": "father",
                "country_of_residence": "SV",
                "phone": "7123 9876",
                "email": "oscar.rivera@example.org",
                "preferred_language": "es",
                "preferred_channel": "phone",
                "is_reporting_person": True,
            },
            "consents": [
                ("tracing", [{"kind": "any"}]),
                ("dna", [{"kind": "category", "value": "forensic_institute"}]),
            ],
            "notifications": [
                ("acknowledgement", -20, 0, -3, "phone"),
                ("dna_sample_request", -2, None, None, "in_person"),
            ],
        },
    ],
    "Tesfaye": [
        {
            "relative": {
                "full_name": "Dawit Tesfaye",
                "relationship": "brother",
                "phone": "+1 416 555 0199",
                "email": "dawit.t@example.org",
                "preferred_language": "ti",
                "preferred_channel": "video",
                "is_reporting_person": True,
                "safety_note": "Never contact through Eritrean authorities or the embassy.",
            },
            "consents": [
                ("identification", [{"kind": "category", "value": "humanitarian"}]),
                ("dna", [{"kind": "category", "value": "forensic_institute"}]),
            ],
            "notifications": [
                ("dna_sample_request", -60, 0, -10, "video"),
                ("progress_update", -1, None, None, "video"),
            ],
        },
    ],
    "الأحمد": [
        {
            "relative": {
                "full_name": "فاطمة الأحمد",
                "relationship": "wife",
                "phone": "+963 944 123 456",
                "preferred_language": "ar",
                "preferred_channel": "messaging_app",
                "is_reporting_person": True,
            },
            "consents": [("tracing", [{"kind": "any"}])],
            "notifications": [("acknowledgement", -15, None, None, "phone")],
        },
    ],
}


def load_demo_families(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    """Relatives, consents and notifications, written through the services by the liaison."""
    liaison = users.get("liaison@sv.demo")
    if liaison is None or not organisations:
        return
    actor = Actor.for_user(liaison, via="demo")
    today = utcnow().date()
    cases: dict[str, Case] = {
        case.family_names: case
        for case in queries.cases_of_organisation(session, organisations[0].id)
        if case.family_names and not case.is_shredded
    }
    for family_names, relatives in DEMO_FAMILIES.items():
        case = cases.get(family_names)
        if case is None:
            continue
        for entry in relatives:
            _load_relative(session, actor, case, entry, today)


def _load_relative(
    session: Session, actor: Actor, case: Case, entry: dict[str, Any], today: dt.date
) -> None:
    relative = operations.create_relative(
        session, actor, case, RelativeCreateSchema().load(entry["relative"])
    )
    for purpose, scope in entry["consents"]:
        data = ConsentCreateSchema().load({"purpose": purpose, "scope": scope})
        operations.give_consent(session, actor, relative, data)
    for kind, planned, delivered, follow_up, channel in entry["notifications"]:
        data = NotificationCreateSchema().load(
            {
                "relative_id": str(relative.id),
                "kind": kind,
                "planned_date": (today + dt.timedelta(days=planned)).isoformat(),
                "channel": channel,
                "language": relative.preferred_language,
            }
        )
        notification = operations.plan_notification(session, actor, case, data)
        if delivered is None:
            continue
        update: dict[str, Any] = {
            "delivered_date": (today + dt.timedelta(days=delivered)).isoformat(),
            "outcome": "delivered",
            "support_offered": "offered",
        }
        if follow_up is not None:
            update["follow_up_due"] = (today + dt.timedelta(days=follow_up)).isoformat()
        operations.update_notification(
            session,
            actor,
            notification,
            NotificationUpdateSchema().load(update),
            notification.version,
        )
