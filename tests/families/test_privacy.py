"""No contact detail is stored, logged, audited or echoed in clear; every read and write is
audited with field categories only."""

from __future__ import annotations

import datetime as dt
import json
import logging

from casework.audit import verify
from tests.families.helpers import (
    CANARY_ADDRESS,
    CANARY_E164,
    CANARY_EMAIL,
    CANARY_EVIDENCE,
    CANARY_NAME,
    CANARY_NOTES,
    CANARY_PHONE,
    CANARY_REASON,
    CANARY_SAFETY,
)
from tests.helpers import raw_database_dump

CANARIES = [
    CANARY_NAME,
    "Quillfeather",
    CANARY_PHONE,
    CANARY_E164,
    "71234567",
    CANARY_EMAIL,
    "zephyrine.canary",
    CANARY_ADDRESS,
    "Canariota",
    CANARY_SAFETY,
    CANARY_NOTES,
    "heron tattoo",
    CANARY_EVIDENCE,
    CANARY_REASON,
    "fears reprisals",
    "consulate searched",
]


def _journey(liaison, focal, make_case, add_relative) -> str:
    """Every write and read the API offers, with canary values."""
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    rid = rel["id"]
    liaison.get(f"/relatives/{rid}")
    liaison.get(f"/cases/{ref}/relatives")
    liaison.get("/relatives?phone=" + CANARY_PHONE.replace("+", "%2B").replace(" ", "%20"))
    liaison.get("/relatives?email=" + CANARY_EMAIL)
    liaison.patch(f"/relatives/{rid}", json={"address": CANARY_ADDRESS + " B", "version": 1})
    consent = liaison.post(
        f"/relatives/{rid}/consents",
        json={
            "purpose": "tracing",
            "scope": [{"kind": "any"}],
            "evidence_reference": CANARY_EVIDENCE,
        },
    ).json
    liaison.get(f"/relatives/{rid}/consents")
    liaison.post(f"/consents/{consent['id']}/withdraw", json={"reason": CANARY_REASON})
    today = dt.date.today().isoformat()
    n = liaison.post(
        f"/cases/{ref}/notifications",
        json={
            "relative_id": rid,
            "kind": "progress_update",
            "planned_date": today,
            "notes": CANARY_NOTES,
        },
    ).json
    liaison.patch(f"/notifications/{n['id']}", json={"notes": CANARY_NOTES + " 2", "version": 1})
    liaison.get(f"/cases/{ref}/notifications")
    liaison.get("/notifications")
    liaison.post(
        f"/cases/{ref}/no-relative-reachable",
        json={"no_relative_reachable_reason": "consulate searched for months"},
    )
    # Refusals that could echo a value back.
    bad = [
        liaison.post(
            f"/cases/{ref}/relatives",
            json={"full_name": CANARY_NAME, "relationship": "x", "phone": CANARY_NAME},
        ),
        liaison.post(
            f"/cases/{ref}/relatives",
            json={"full_name": CANARY_NAME, "relationship": "x", "email": CANARY_NAME},
        ),
        liaison.get("/relatives?phone=" + CANARY_NAME),
        liaison.get("/relatives?email=" + CANARY_ADDRESS),
        liaison.post(
            f"/cases/{ref}/relatives",
            json={
                "full_name": CANARY_NAME,
                "relationship": "x",
                "preferred_channel": CANARY_SAFETY,
            },
        ),
    ]
    for resp in bad:
        assert resp.status_code == 422
        text = resp.get_data(as_text=True)
        for canary in CANARIES:
            assert canary not in text, canary
    return ref


def test_nothing_personal_in_the_database_logs_audit_or_errors(
    api, liaison, make_case, add_relative, database, caplog, audit_events
):
    caplog.set_level(logging.DEBUG)
    ref = _journey(liaison, api("focal_point"), make_case, add_relative)

    dump = raw_database_dump(database)
    for canary in CANARIES:
        assert canary.encode() not in dump, canary
        assert canary.casefold().encode() not in dump, canary

    logged = caplog.text
    for canary in CANARIES:
        assert canary not in logged, canary
        assert canary.casefold() not in logged.casefold(), canary

    events = audit_events()
    assert events
    serialised = json.dumps(
        [
            [
                e.action,
                e.object_type,
                e.object_id,
                e.case_reference,
                e.purpose,
                e.categories,
                e.details,
            ]
            for e in events
        ],
        ensure_ascii=False,
    )
    for canary in CANARIES:
        assert canary not in serialised, canary
    assert ref in serialised
    with database.session() as s:
        assert verify(s).ok


def test_every_read_and_write_is_audited(liaison, make_case, add_relative, audit_events):
    ref = make_case()
    rel = add_relative(liaison, ref)
    liaison.get(f"/relatives/{rel['id']}")
    liaison.get(f"/cases/{ref}/relatives")
    liaison.patch(f"/relatives/{rel['id']}", json={"address": "New 1", "version": 1})
    consent = liaison.post(
        f"/relatives/{rel['id']}/consents", json={"purpose": "contact", "scope": [{"kind": "any"}]}
    ).json
    liaison.post(f"/consents/{consent['id']}/withdraw", json={"reason": "x"})
    n = liaison.post(
        f"/cases/{ref}/notifications",
        json={"relative_id": rel["id"], "kind": "acknowledgement", "planned_date": "2026-01-01"},
    ).json
    liaison.patch(f"/notifications/{n['id']}", json={"outcome": "declined", "version": 1})
    liaison.post(f"/relatives/{rel['id']}/erase", json={"confirm": True})

    events = [e for e in audit_events(reference=ref) if not e.action.startswith("case.")]
    assert [e.action for e in events] == [
        "relative.create",
        "relative.read",
        "relative.list",
        "relative.update",
        "consent.give",
        "consent.withdraw",
        "notification.plan",
        "notification.update",
        "relative.erase",
    ]
    read, listed = (e for e in events if e.action in ("relative.read", "relative.list"))
    assert read.categories == listed.categories == ["family_contacts"]
    assert read.object_id == rel["id"]
    assert listed.details["references"] == [rel["id"]]
    assert all(e.actor_id == liaison.user.id and e.role == "family_liaison" for e in events)
    assert events[0].details == {
        "fields": [
            "full_name",
            "relationship",
            "country_of_residence",
            "phone",
            "email",
            "address",
            "safety_note",
            "preferred_language",
            "preferred_channel",
            "is_reporting_person",
        ]
    }
    assert events[3].details == {"fields": ["address"], "version": 2}
