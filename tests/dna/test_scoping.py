"""Organisation scoping: another organisation's references, remains and match reports are not
found (404) and cannot be named in a write (422); roles without the action get 403; a grant on
a case with DNA references reaches them read-only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from tests.dna.helpers import family_body


@pytest.fixture
def foreign(world, api, make_org, make_case, make_relative, make_remains):
    """A Guatemalan organisation's case with a family reference, remains with a post-mortem
    sample, and a match report between them."""
    gt = make_org("GT")
    focal = api("focal_point", gt)
    forensic = api("forensic", gt)
    case = make_case(organisation=gt)
    family = focal.post(
        f"/cases/{case}/dna-references",
        json=family_body(world.database, make_relative(case, organisation=gt)),
    ).json
    remains = make_remains(organisation=gt)
    pm = forensic.post(
        f"/remains/{remains}/dna-references",
        json={"database_id": world.database, "sample_id": "GT-PM-1"},
    ).json
    report = forensic.post(
        "/match-reports",
        json={
            "family_reference_id": family["id"],
            "post_mortem_reference_id": pm["id"],
            "lab_report_reference": "GT-LAB-1",
            "likelihood_ratio": 1e6,
            "reported_date": "2026-01-02",
        },
    ).json
    assert "id" in report, report
    return {
        "case": case,
        "family": family,
        "remains": remains,
        "pm": pm,
        "report": report,
        "focal": focal,
        "forensic": forensic,
    }


def test_every_endpoint_answers_404_for_another_organisations_records(world, foreign):
    me, forensic = world.focal, world.forensic
    rid, pmid, report = foreign["family"]["id"], foreign["pm"]["id"], foreign["report"]["id"]
    calls = [
        me.get(f"/cases/{foreign['case']}/dna-references"),
        me.post(
            f"/cases/{foreign['case']}/dna-references",
            json=family_body(world.database, world.relative),
        ),
        me.get(f"/dna-references/{rid}"),
        me.patch(f"/dna-references/{rid}", json={"donor_relationship": "x", "version": 1}),
        me.post(f"/dna-references/{rid}/custody", json={"status": "shipped", "version": 1}),
        forensic.get(f"/remains/{foreign['remains']}/dna-references"),
        forensic.post(
            f"/remains/{foreign['remains']}/dna-references",
            json={"database_id": world.database, "sample_id": "X-1"},
        ),
        forensic.get(f"/dna-references/{pmid}"),
        forensic.get(f"/match-reports/{report}"),
        forensic.post(f"/match-reports/{report}/exclude", json={"reason": "not ours"}),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    for resp in calls:
        assert resp.json["error"]["code"] == "not_found"
    # Nothing of theirs changed.
    assert foreign["focal"].get(f"/dna-references/{rid}").json["version"] == 1
    assert foreign["forensic"].get(f"/match-reports/{report}").json["status"] == "reported"


def test_lists_never_show_another_organisations_records(world, foreign):
    assert world.forensic.get("/match-reports").json["total"] == 0
    assert world.forensic.get(f"/match-reports?case={foreign['case']}").json["total"] == 0
    assert world.focal.get(f"/match-reports?remains_id={foreign['remains']}").json["items"] == []


def test_a_match_report_cannot_name_another_organisations_references(world, foreign):
    mine = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "MY-PM-1"},
    ).json
    resp = world.forensic.post(
        "/match-reports",
        json={
            "family_reference_id": foreign["family"]["id"],
            "post_mortem_reference_id": mine["id"],
            "lab_report_reference": "L-1",
            "likelihood_ratio": 10,
            "reported_date": "2026-01-02",
        },
    )
    assert resp.status_code == 422
    assert list(resp.json["error"]["fields"]) == ["family_reference_id"]


def test_a_family_reference_needs_a_relative_of_that_case(world, foreign, make_case, make_relative):
    other_case = make_case()
    other_relative = make_relative(other_case)
    for relative_id in (
        other_relative,  # of another case of the same organisation
        foreign["family"]["relative_id"],  # of another organisation's case
        "00000000-0000-0000-0000-000000000000",
    ):
        resp = world.focal.post(
            f"/cases/{world.case}/dna-references",
            json=family_body(world.database, relative_id),
        )
        assert resp.status_code == 422, resp.json
        assert list(resp.json["error"]["fields"]) == ["relative_id"]
    assert world.focal.get(f"/cases/{world.case}/dna-references").json["total"] == 0


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("family_liaison", "get", "/cases/{case}/dna-references"),
        ("family_liaison", "post", "/dna-references/search"),
        ("family_liaison", "get", "/match-reports"),
        ("auditor", "get", "/dna-references/{ref}"),
        ("partner", "get", "/match-reports"),
        ("admin", "get", "/cases/{case}/dna-references"),
        ("focal_point", "post", "/match-reports"),
        ("focal_point", "post", "/dna-databases"),
        ("forensic", "post", "/dna-databases"),
        ("auditor", "get", "/dna-databases"),
    ],
)
def test_roles_without_the_action_get_403(world, api, role, method, path):
    ref = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    caller = api(role)
    url = path.format(case=world.case, ref=ref["id"])
    resp = caller.get(url) if method == "get" else caller.post(url, json={})
    assert resp.status_code == 403, (role, url, resp.status_code)


def test_focal_points_read_match_reports_but_forensic_staff_write_them(world):
    assert world.focal.get("/match-reports").status_code == 200
    assert world.forensic.get("/match-reports").status_code == 200


def test_a_grant_with_dna_references_reaches_them_read_only(world, api, make_org, grants, database):
    ref = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    partner_org = make_org("CH", "humanitarian")
    partner = api("focal_point", partner_org)
    assert partner.get(f"/dna-references/{ref['id']}").status_code == 404
    with database.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == world.case))
    grants.grant(partner_org.id, case_id, {"identity"})
    assert partner.get(f"/dna-references/{ref['id']}").status_code == 404
    assert partner.get(f"/cases/{world.case}/dna-references").status_code == 404
    grants.grant(partner_org.id, case_id, {"dna_references"})
    got = partner.get(f"/dna-references/{ref['id']}")
    assert got.status_code == 200 and got.json["sample_id"] == ref["sample_id"]
    listed = partner.get(f"/cases/{world.case}/dna-references").json
    assert [r["id"] for r in listed["items"]] == [ref["id"]]
    # Read-only: a grant never lets another organisation write, nor look samples up.
    step = partner.post(
        f"/dna-references/{ref['id']}/custody", json={"status": "shipped", "version": 1}
    )
    assert step.status_code == 404
    search = partner.post("/dna-references/search", json={"sample_id": ref["sample_id"]})
    assert search.json["items"] == []
