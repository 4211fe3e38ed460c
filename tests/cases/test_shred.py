"""`casework keys shred CASE_REF`: personal fields unreadable, index entries gone, tombstone
audited, statistics fields kept."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.cases import queries
from casework.keys import BlindIndexEntry
from tests.cases.conftest import full_case


def _index_entries(database, reference: str) -> int:
    with database.session() as s:
        case = queries.case_by_reference_any_org(s, reference)
        return s.scalar(
            select(func.count())
            .select_from(BlindIndexEntry)
            .where(BlindIndexEntry.owner_id == case.id)
        )


def test_shred_makes_the_case_unreadable_and_unfindable(focal, cli, database, audit_events):
    ref = focal.post("/cases", json=full_case()).json["reference"]
    focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "secret note"})
    assert focal.get("/cases", query_string={"q": "Gonzalez"}).json["total"] == 1
    assert _index_entries(database, ref) > 0

    result = cli("keys", "shred", ref, "--yes")
    assert result.exit_code == 0, result.output
    assert ref in result.output

    body = focal.get(f"/cases/{ref}").json
    for name in (
        "given_names",
        "family_names",
        "aliases",
        "date_of_birth",
        "place_of_origin",
        "identity_documents",
        "last_seen_date",
        "last_seen_place",
        "circumstances",
        "distinguishing_marks",
        "clothing_and_belongings",
    ):
        assert body[name] is None, name  # fmt: skip
    assert body["protection_flags"][0]["reason"] is None
    assert body["protection_flags"][0]["value"] == "SV"  # the target stays enforceable
    assert body["is_shredded"] is True
    # Statistics fields survive.
    assert (body["status"], body["nationality"], body["sex"]) == ("active_search", "SV", "male")
    assert (body["last_seen_country"], body["age_band"]) == ("MX", "25-34")

    notes = [e["note"] for e in focal.get(f"/cases/{ref}/timeline").json["items"]]
    assert notes and all(n is None for n in notes)
    assert focal.get("/cases", query_string={"q": "Gonzalez"}).json["total"] == 0
    assert _index_entries(database, ref) == 0

    [tombstone] = audit_events(ref, "keys.shred")
    assert tombstone.object_type == "case" and tombstone.object_id == ref
    assert tombstone.details["index_entries_removed"] > 0


def test_a_shredded_case_cannot_be_changed(focal, cli, make_case):
    ref = make_case(focal)["reference"]
    assert cli("keys", "shred", ref, "--yes").exit_code == 0
    resp = focal.patch(f"/cases/{ref}", json={"version": 1, "given_names": "New"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "shredded"
    resp = focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "n"})
    assert resp.status_code == 409
    again = cli("keys", "shred", ref, "--yes")
    assert again.exit_code != 0 and "already" in again.output


def test_shred_asks_first_and_unknown_cases_fail(focal, cli, make_case):
    ref = make_case(focal, given_names="Keep")["reference"]
    declined = cli("keys", "shred", ref, input="n\n")
    assert declined.exit_code != 0
    assert focal.get(f"/cases/{ref}").json["given_names"] == "Keep"
    missing = cli("keys", "shred", "SLV-2026-999999", "--yes")
    assert missing.exit_code == 1 and "no case" in missing.output
    assert cli("keys", "shred", ref.lower(), input="y\n").exit_code == 0
    assert focal.get(f"/cases/{ref}").json["given_names"] is None
