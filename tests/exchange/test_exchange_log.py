"""The exchange log: its filters, its CSV export for data-protection officers (every step, no
personal value), each organisation seeing its own side only, and no canary value in clear in
the tables of the exchange domain (the justification is stored encrypted)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from tests.exchange.conftest import CANARIES, Sharing, make_agreement

CANARY_JUSTIFICATION = "Canaryjustification: she was last heard calling from Tapachula jail"
CANARY_NOTE = "Canarynote: the family's lawyer Quetzalcoatl asked to stop"
ALL_CANARIES = [v for values in CANARIES.values() for v in values] + [
    CANARY_JUSTIFICATION,
    CANARY_NOTE,
]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def journey(sharing: Sharing, make_org, api) -> dict[str, Any]:
    """Every kind of step: an allowed share viewed by the partner, a denied request, a share
    waiting for approval then approved, a vital-interest share revoked with a note, a grant
    ended by the consent's withdrawal; and a second partner with its own share."""
    allowed = sharing.share(categories=["identity", "circumstances"]).json
    assert sharing.partner.get("/shared-cases").status_code == 200
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 200
    denied = sharing.share(consent_id=None).json
    consent = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={
            "purpose": "identification",
            "scope": [{"kind": "organisation", "value": str(sharing.partner_org.id)}],
        },
    ).json["id"]
    pending = sharing.share(
        purpose="identification", categories=["identity", "dna_references"], consent_id=consent
    ).json
    approved = sharing.second_focal.post(f"/shares/{pending['id']}/approve", json={}).json
    vital = sharing.share(
        categories=["physical_description"],
        legal_basis="vital_interest",
        consent_id=None,
        justification=CANARY_JUSTIFICATION,
    ).json
    revoked = sharing.focal.post(f"/shares/{vital['id']}/revoke", json={"note": CANARY_NOTE}).json
    withdrawn = sharing.focal.post(
        f"/consents/{sharing.consent_id}/withdraw", json={"reason": "the family asked"}
    )
    assert withdrawn.status_code == 200
    other_org = make_org("FR", "humanitarian", name="Second partner")
    make_agreement(sharing.admin, other_org)
    other_consent = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={
            "purpose": "tracing",
            "scope": [{"kind": "organisation", "value": str(other_org.id)}],
        },
    ).json["id"]
    other = sharing.share(
        recipient_organisation_id=str(other_org.id), consent_id=other_consent
    ).json
    assert allowed["status"] == "active" and denied["status"] == "denied"
    assert approved["status"] == "active" and revoked["status"] == "revoked"
    assert other["status"] == "active"
    return {
        "allowed": allowed,
        "denied": denied,
        "pending": pending,
        "vital": vital,
        "other": other,
        "other_org": other_org,
    }


def log_of(caller: Any, **filters: Any) -> list[dict[str, Any]]:
    resp = caller.get("/exchanges", query_string={"per_page": 100, **filters})
    assert resp.status_code == 200, resp.json
    assert resp.json["total"] == len(resp.json["items"])
    return resp.json["items"]


def csv_of(caller: Any, **filters: Any) -> tuple[Any, str]:
    """The CSV export and its text; the streamed response is closed as a server would (its
    transaction ends only then)."""
    resp = caller.get("/exchanges", query_string={"format": "csv", **filters})
    try:
        return resp, resp.get_data(as_text=True)
    finally:
        resp.close()


@pytest.fixture
def steps(sharing, make_org, api) -> dict[str, Any]:
    return journey(sharing, make_org, api)


# --- the steps and the filters ----------------------------------------------------------------


def test_the_log_holds_every_step(sharing, steps):
    entries = log_of(sharing.focal)
    seen = {(e["share_id"], e["event"]) for e in entries}
    allowed, denied, pending, vital = (
        steps[k]["id"] for k in ("allowed", "denied", "pending", "vital")
    )
    for expected in [
        (allowed, "requested"),
        (allowed, "viewed"),
        (allowed, "grant_ended"),
        (denied, "requested"),
        (pending, "requested"),
        (pending, "approved"),
        (vital, "requested"),
        (vital, "revoked"),
    ]:
        assert expected in seen, expected
    # The owner's log holds its own side only.
    assert {e["direction"] for e in entries} == {"outgoing"}
    # Newest first.
    times = [e["at"] for e in entries]
    assert times == sorted(times, reverse=True)
    [request] = [e for e in entries if e["share_id"] == denied and e["event"] == "requested"]
    assert request["decision"] == "denied" and request["details"]["refused_by"] == ["legal_basis"]
    assert request["case_reference"] == sharing.reference
    assert request["partner_organisation_id"] == str(sharing.partner_org.id)
    assert request["purpose"] == "tracing" and request["categories"] == ["identity"]
    assert request["legal_basis"] == "consent"
    assert request["actor"] == sharing.focal.user.email


def test_filter_by_partner(sharing, steps):
    other = log_of(sharing.focal, partner=str(steps["other_org"].id))
    assert other and {e["partner_organisation_id"] for e in other} == {str(steps["other_org"].id)}
    assert {e["share_id"] for e in other} == {steps["other"]["id"]}
    first = log_of(sharing.focal, partner=str(sharing.partner_org.id))
    assert steps["other"]["id"] not in {e["share_id"] for e in first}
    assert len(first) + len(other) == len(log_of(sharing.focal))
    assert log_of(sharing.focal, partner=str(uuid.uuid4())) == []


def test_filter_by_case(sharing, steps):
    other_case = sharing.focal.post("/cases", json={"given_names": "Otra"}).json["reference"]
    sharing.focal.post(
        f"/cases/{other_case}/shares",
        json={
            "recipient_organisation_id": str(sharing.partner_org.id),
            "purpose": "tracing",
            "categories": ["identity"],
        },
    )
    everything = log_of(sharing.focal)
    mine = log_of(sharing.focal, case=sharing.reference)
    theirs = log_of(sharing.focal, case=other_case)
    assert {e["case_reference"] for e in mine} == {sharing.reference}
    assert [(e["case_reference"], e["event"]) for e in theirs] == [(other_case, "requested")]
    assert len(mine) + len(theirs) == len(everything)
    # A reference written in lower case finds the same; one that is no reference finds nothing.
    assert len(log_of(sharing.focal, case=sharing.reference.lower())) == len(mine)
    assert log_of(sharing.focal, case="nothing-like-a-reference") == []


def test_filter_by_direction(sharing, steps, partner_auditor):
    assert log_of(sharing.focal, direction="incoming") == []
    assert len(log_of(sharing.focal, direction="outgoing")) == len(log_of(sharing.focal))
    auditor = partner_auditor
    assert log_of(auditor, direction="outgoing") == []
    assert log_of(auditor, direction="incoming") == log_of(auditor)


def test_filter_by_dates(sharing, steps, database):
    everything = log_of(sharing.focal)
    # Move the denied request's entry back to an earlier day.
    old_day = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
    denied = steps["denied"]["id"]
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE exchange_log SET at = :at WHERE share_id = :share"),
            {"at": old_day, "share": _db_uuid(database, denied)},
        )
    on_day = log_of(sharing.focal, **{"from": "2026-01-15", "to": "2026-01-15"})
    assert [(e["share_id"], e["event"]) for e in on_day] == [(denied, "requested")]
    since = log_of(sharing.focal, **{"from": "2026-01-16"})
    assert len(since) == len(everything) - 1 and denied not in {e["share_id"] for e in since}
    until = log_of(sharing.focal, to="2026-01-14")
    assert until == []
    assert log_of(sharing.focal, **{"from": (today() + dt.timedelta(days=1)).isoformat()}) == []
    assert len(log_of(sharing.focal, to=today().isoformat())) == len(everything)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"direction": "sideways"}, "direction"),
        ({"partner": "not-a-uuid"}, "partner"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_filters_are_422(sharing, query, field):
    resp = sharing.focal.get("/exchanges", query_string=query)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json


@pytest.mark.parametrize("role", ["family_liaison", "forensic", "partner"])
def test_who_reads_the_log(sharing, api, role):
    assert api(role).get("/exchanges").status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_read_the_log(sharing, steps, api, role):
    assert len(log_of(api(role))) == len(log_of(sharing.focal))


# --- CSV --------------------------------------------------------------------------------------


def test_csv_export_holds_every_step_and_no_personal_value(sharing, steps):
    resp, body = csv_of(sharing.focal)
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    for column in (
        "at",
        "direction",
        "event",
        "case_reference",
        "partner_organisation_id",
        "purpose",
        "categories",
        "legal_basis",
        "decision",
    ):
        assert column in header, column
    records = [dict(zip(header, row, strict=True)) for row in data]
    assert len(records) == len(log_of(sharing.focal))
    steps_seen = {(r["share_id"], r["event"]) for r in records}
    assert (steps["denied"]["id"], "requested") in steps_seen
    assert (steps["pending"]["id"], "approved") in steps_seen
    assert (steps["vital"]["id"], "revoked") in steps_seen
    assert (steps["allowed"]["id"], "viewed") in steps_seen
    assert (steps["allowed"]["id"], "grant_ended") in steps_seen
    [denied] = [r for r in records if r["share_id"] == steps["denied"]["id"]]
    assert denied["decision"] == "denied" and denied["case_reference"] == sharing.reference
    assert "legal_basis" in denied["details"]
    for canary in ALL_CANARIES:
        assert canary.lower() not in body.lower(), canary


def test_csv_export_follows_the_filters(sharing, steps):
    _, body = csv_of(sharing.focal, partner=str(steps["other_org"].id))
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {r["share_id"] for r in rows} == {steps["other"]["id"]}


def test_an_empty_csv_export_still_has_its_header(sharing):
    _, body = csv_of(sharing.focal)
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 and "event" in rows[0]


def test_the_json_log_holds_no_personal_value(sharing, steps):
    body = sharing.focal.get("/exchanges", query_string={"per_page": 100}).get_data(as_text=True)
    for canary in ALL_CANARIES:
        assert canary.lower() not in body.lower(), canary


# --- each organisation sees its own side ---------------------------------------------------------


@pytest.fixture
def partner_auditor(sharing, api) -> Any:
    """An auditor of the partner organisation (it reads its own exchange log)."""
    return api("auditor", sharing.partner_org)


def test_the_partner_sees_the_incoming_side_only(sharing, steps, partner_auditor):
    entries = log_of(partner_auditor)
    assert entries
    assert {e["direction"] for e in entries} == {"incoming"}
    assert {e["partner_organisation_id"] for e in entries} == {str(sharing.owner.id)}
    events = {(e["share_id"], e["event"]) for e in entries}
    assert (steps["allowed"]["id"], "granted") in events
    assert (steps["allowed"]["id"], "viewed") in events
    assert (steps["allowed"]["id"], "grant_ended") in events
    assert (steps["vital"]["id"], "grant_ended") in events
    assert {e["event"] for e in entries} <= {"granted", "viewed", "grant_ended"}
    # Nothing of the owner's own workings: not the denied request, not the approval.
    assert steps["denied"]["id"] not in {e["share_id"] for e in entries}
    assert steps["other"]["id"] not in {e["share_id"] for e in entries}
    body = str(entries)
    for canary in ALL_CANARIES:
        assert canary.lower() not in body.lower(), canary


def test_the_second_partner_sees_only_its_own(sharing, steps, api):
    auditor = api("auditor", steps["other_org"])
    entries = log_of(auditor)
    assert {e["share_id"] for e in entries} == {steps["other"]["id"]}
    assert [e["event"] for e in entries] == ["granted"]


def test_an_unrelated_organisation_sees_nothing(sharing, steps, api, make_org):
    assert log_of(api("auditor", make_org("MX", "humanitarian"))) == []


# --- the raw database -----------------------------------------------------------------------------


def _db_uuid(database, value: str) -> Any:
    # SQLite stores UUIDs as 32 hex characters; PostgreSQL as uuid.
    return uuid.UUID(value).hex if database.engine.dialect.name == "sqlite" else value


def _raw_text(database, table: str) -> str:
    with database.engine.connect() as conn:
        rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
    chunks = []
    for row in rows:
        for value in row:
            if isinstance(value, bytes | memoryview):
                chunks.append(bytes(value).decode("latin-1"))
            elif value is not None:
                chunks.append(str(value))
    return "\n".join(chunks)


@pytest.mark.parametrize(
    "table", ["shares", "exchange_log", "partner_grants", "agreement_revisions", "agreements"]
)
def test_no_canary_in_clear_in_the_exchange_tables(sharing, steps, database, table):
    raw = _raw_text(database, table)
    assert raw, f"{table} is empty: the journey wrote nothing there"
    for canary in ALL_CANARIES:
        assert canary.lower() not in raw.lower(), (table, canary)


def test_the_justification_is_stored_encrypted(sharing, steps, database):
    vital = steps["vital"]
    assert vital["justification"] == CANARY_JUSTIFICATION
    with database.engine.connect() as conn:
        row = conn.execute(
            text("SELECT justification_enc, revocation_note_enc FROM shares WHERE id = :id"),
            {"id": _db_uuid(database, vital["id"])},
        ).one()
    stored, note = (bytes(v) for v in row)
    assert stored and CANARY_JUSTIFICATION.encode() not in stored
    assert b"Tapachula" not in stored
    assert note and b"Quetzalcoatl" not in note
    # Read back through the API, decrypted.
    again = sharing.focal.get(f"/shares/{vital['id']}").json
    assert again["justification"] == CANARY_JUSTIFICATION
