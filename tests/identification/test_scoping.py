"""Who reaches identifications: another organisation gets 404 for everything (reads, decisions,
its cases, remains and match reports named in a body); a grant on the case lets a partner
organisation read but never decide; roles outside the domain get 403."""

from __future__ import annotations

import uuid

import pytest

from tests.identification.helpers import dna_body


@pytest.fixture
def recorded(forensic, dna_world):
    resp = forensic.post("/identifications", json=dna_body(dna_world))
    assert resp.status_code == 201, resp.json
    return resp.json


def test_another_organisation_gets_404(api, make_org, recorded):
    other = api("focal_point", organisation=make_org("GT"))
    ident_id = recorded["id"]
    assert other.get(f"/identifications/{ident_id}").status_code == 404
    assert other.post(f"/identifications/{ident_id}/confirm", json={}).status_code == 404
    assert (
        other.post(f"/identifications/{ident_id}/reject", json={"reason": "x"}).status_code == 404
    )
    listing = other.get("/identifications").json
    assert listing["total"] == 0 and listing["items"] == []
    assert other.get(f"/identifications?case={recorded['case_reference']}").json["total"] == 0
    # Nothing of it changed.
    assert recorded["status"] == "recorded"


def test_another_organisations_case_remains_or_report_cannot_be_named(
    api, make_org, make_case, record_remains, make_report, forensic, identification_count
):
    gt = make_org("GT")
    theirs = make_case(organisation=gt, status="active_search")
    their_remains = record_remains(organisation=gt)
    their_report = make_report(theirs, their_remains)
    mine = make_case(status="active_search")
    my_remains = record_remains()

    resp = forensic.post("/identifications", json={"case_reference": theirs, "method": "dental"})
    assert resp.status_code == 404
    resp = forensic.post(
        "/identifications",
        json={"case_reference": mine, "method": "dental", "remains_id": their_remains},
    )
    assert resp.status_code == 404
    resp = forensic.post(
        "/identifications",
        json={
            "case_reference": mine,
            "remains_id": my_remains,
            "method": "dna",
            "match_report_id": their_report,
        },
    )
    assert resp.status_code == 422
    assert "match_report_id" in resp.json["error"]["fields"]
    assert identification_count() == 0


def test_a_grant_lets_another_organisation_read_but_not_decide(
    api, make_org, recorded, grants, database
):
    from sqlalchemy import select

    from casework.cases.models import Case

    gt = make_org("GT")
    partner = api("focal_point", organisation=gt)
    with database.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == recorded["case_reference"]))
    grants.grant(gt.id, case_id, {"identity"})
    got = partner.get(f"/identifications/{recorded['id']}")
    assert got.status_code == 200
    assert got.json["status"] == "recorded"
    assert partner.get("/identifications").json["total"] == 1
    assert partner.post(f"/identifications/{recorded['id']}/confirm", json={}).status_code == 404


def test_a_grant_without_identity_shows_nothing(api, make_org, recorded, grants, database):
    from sqlalchemy import select

    from casework.cases.models import Case

    gt = make_org("GT")
    partner = api("focal_point", organisation=gt)
    with database.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == recorded["case_reference"]))
    grants.grant(gt.id, case_id, {"circumstances"})
    assert partner.get(f"/identifications/{recorded['id']}").status_code == 404


@pytest.mark.parametrize("role", ["admin", "auditor", "partner"])
def test_roles_outside_the_domain_get_403(api, role, recorded, dna_world):
    caller = api(role)
    assert caller.get("/identifications").status_code == 403
    assert caller.get(f"/identifications/{recorded['id']}").status_code == 403
    assert caller.post("/identifications", json=dna_body(dna_world)).status_code == 403
    assert caller.post(f"/identifications/{recorded['id']}/confirm", json={}).status_code == 403
    resp = caller.post(f"/identifications/{recorded['id']}/reject", json={"reason": "x"})
    assert resp.status_code == 403


def test_liaison_reads_but_cannot_record_or_decide(api, recorded, dna_world):
    liaison = api("family_liaison")
    got = liaison.get(f"/identifications/{recorded['id']}")
    assert got.status_code == 200
    assert got.json["notes"] == recorded["notes"]
    assert liaison.get("/identifications").json["total"] == 1
    assert liaison.post("/identifications", json=dna_body(dna_world)).status_code == 403
    assert liaison.post(f"/identifications/{recorded['id']}/confirm", json={}).status_code == 403
    resp = liaison.post(f"/identifications/{recorded['id']}/reject", json={"reason": "x"})
    assert resp.status_code == 403


def test_focal_point_may_record_and_forensic_may_review(api, forensic, make_case):
    focal = api("focal_point")
    ref = make_case(status="active_search")
    ident = focal.post("/identifications", json={"case_reference": ref, "method": "dental"})
    assert ident.status_code == 201
    resp = forensic.post(f"/identifications/{ident.json['id']}/confirm", json={})
    assert resp.status_code == 200


def test_unknown_and_malformed_ids_are_404(forensic):
    assert forensic.get(f"/identifications/{uuid.uuid4()}").status_code == 404
    assert forensic.get("/identifications/not-a-uuid").status_code == 404
    assert forensic.post(f"/identifications/{uuid.uuid4()}/confirm", json={}).status_code == 404


def test_no_token_is_401(client):
    assert client.get("/api/v1/identifications").status_code == 401
