"""Who identified, their reference, the document, the notes and the reasons are never stored,
logged or audited in clear; every read and write of an identification is audited."""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import select

from casework.audit import AuditEvent, verify
from casework.identification.models import Identification
from tests.helpers import raw_database_dump
from tests.identification.helpers import (
    CANARY_BY,
    CANARY_DOC,
    CANARY_NOTES,
    CANARY_REASON,
    CANARY_REF,
    dna_body,
)

CANARIES = [
    CANARY_BY,
    "Atlantis",
    CANARY_REF,
    CANARY_DOC,
    CANARY_NOTES,
    "gold tooth",
    CANARY_REASON,
    "swapped two samples",
]


def _journey(forensic, focal, make_case, dna_world) -> list[str]:
    ref = make_case(status="active_search")
    external = forensic.post(
        "/identifications",
        json={
            "case_reference": ref,
            "method": "fingerprints",
            "source": "external",
            "identified_by": CANARY_BY,
            "external_reference": CANARY_REF,
            "document_reference": CANARY_DOC,
            "notes": CANARY_NOTES,
        },
    ).json
    rejected = focal.post(
        f"/identifications/{external['id']}/reject", json={"reason": CANARY_REASON}
    )
    assert rejected.status_code == 200
    dna = forensic.post("/identifications", json=dna_body(dna_world)).json
    assert focal.post(f"/identifications/{dna['id']}/confirm", json={}).status_code == 200
    focal.get(f"/identifications/{external['id']}")
    focal.get("/identifications")
    # Refusals that could echo a value back.
    bad = forensic.post(
        "/identifications",
        json={"case_reference": ref, "method": "dental", "identified_by": CANARY_BY},
    )
    assert bad.status_code == 422
    assert CANARY_BY not in bad.get_data(as_text=True)
    return [external["id"], dna["id"]]


def test_nothing_personal_in_the_database_logs_or_audit(
    forensic, focal, make_case, dna_world, database, caplog, audit_events
):
    caplog.set_level(logging.DEBUG)
    ids = _journey(forensic, focal, make_case, dna_world)

    # The fields are stored, encrypted: they read back through the model.
    with database.session() as s:
        external = s.get(Identification, uuid.UUID(ids[0]))
        assert external.identified_by == CANARY_BY
        assert external.rejection_reason == CANARY_REASON

    dump = raw_database_dump(database)
    for canary in CANARIES:
        assert canary.encode() not in dump, canary
        assert canary.casefold().encode() not in dump, canary
    for canary in CANARIES:
        assert canary not in caplog.text, canary

    rows = [
        [e.action, e.object_id, e.case_reference, e.categories, e.details] for e in audit_events()
    ]
    serialised = json.dumps(rows, ensure_ascii=False)
    for canary in CANARIES:
        assert canary not in serialised, canary
    with database.session() as s:
        assert verify(s).ok


def test_every_read_and_write_is_audited(forensic, focal, dna_world, database):
    ident = forensic.post("/identifications", json=dna_body(dna_world)).json
    focal.get(f"/identifications/{ident['id']}")
    focal.get("/identifications")
    focal.post(f"/identifications/{ident['id']}/confirm", json={})
    with database.session() as s:
        events = list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type == "identification")
                .order_by(AuditEvent.seq)
            )
        )
        actions = [e.action for e in events]
        assert actions == [
            "identification.record",
            "identification.read",
            "identification.list",
            "identification.confirm",
        ]
        record, read, listed, confirm = events
        assert record.actor_id == forensic.user.id and confirm.actor_id == focal.user.id
        assert all(e.case_reference == dna_world["case"] for e in events)
        assert all(e.object_id == ident["id"] for e in (record, read, confirm))
        assert record.details == {
            "method": "dna",
            "source": "local",
            "remains_id": dna_world["remains"],
            "match_report_id": dna_world["report"],
            "fields": ["notes"],
        }
        assert record.categories == ["identity"]
        assert read.categories == ["identity"]
        assert listed.details["references"] == [ident["id"]]
        assert confirm.details["version"] == 2
        # The confirmation's other writes are audited by their domains, in the same request.
        same_request = list(
            s.scalars(select(AuditEvent).where(AuditEvent.request_id == confirm.request_id))
        )
        assert {"match_report.confirm", "remains.identified"} <= {e.action for e in same_request}


def test_a_rejection_is_audited_without_the_reason(forensic, focal, dna_world, database):
    ident = forensic.post("/identifications", json=dna_body(dna_world)).json
    focal.post(f"/identifications/{ident['id']}/reject", json={"reason": CANARY_REASON})
    with database.session() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "identification.reject"))
        assert event is not None
        assert event.object_id == ident["id"]
        assert event.categories == ["identity"]
        assert CANARY_REASON not in json.dumps(event.details)
