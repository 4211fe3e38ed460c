"""Organisation scoping and roles: remains are their organisation's alone."""

from __future__ import annotations

import pytest

from tests.remains.conftest import remains_body


@pytest.fixture
def foreign(api, make_org):
    """A forensic officer of another organisation (another country's institute)."""
    return api("forensic", make_org("MX", kind="forensic_institute"))


def test_another_organisation_gets_404_and_sees_nothing(forensic, foreign, api, make_org):
    created = forensic.post("/remains", json=remains_body()).json
    url = f"/remains/{created['id']}"
    got = foreign.get(url)
    assert got.status_code == 404
    assert got.json["error"]["code"] == "not_found"
    patched = foreign.patch(url, json={"version": 1, "found_place": "Elsewhere"})
    assert patched.status_code == 404
    assert foreign.get("/remains").json == {"items": [], "page": 1, "per_page": 25, "total": 0}
    for query in ("?sex=female", "?found_country=US", "?status=unidentified"):
        assert foreign.get("/remains" + query).json["total"] == 0
    foreign_focal = api("focal_point", make_org("GT"))
    assert foreign_focal.get(url).status_code == 404
    assert foreign_focal.get("/remains").json["total"] == 0
    # and the record is untouched
    assert forensic.get(url).json == created


def test_each_organisation_lists_its_own(forensic, foreign):
    mine = forensic.post("/remains", json=remains_body()).json
    theirs = foreign.post("/remains", json=remains_body(found_country="MX")).json
    assert [r["id"] for r in forensic.get("/remains").json["items"]] == [mine["id"]]
    assert [r["id"] for r in foreign.get("/remains").json["items"]] == [theirs["id"]]


def test_a_grant_of_a_case_never_reaches_remains(forensic, foreign, grants):
    """Grants name cases: even a grant naming the remains' id shows nothing to another org."""
    import uuid

    created = forensic.post("/remains", json=remains_body()).json
    grants.grant(
        foreign.user.organisation_id,
        uuid.UUID(created["id"]),
        {"circumstances", "physical_description"},
    )
    assert foreign.get(f"/remains/{created['id']}").status_code == 404
    assert foreign.get("/remains").json["total"] == 0
    patched = foreign.patch(f"/remains/{created['id']}", json={"version": 1, "found_place": "x"})
    assert patched.status_code == 404


@pytest.mark.parametrize("role", ["family_liaison", "admin", "auditor", "partner"])
def test_other_roles_are_refused_by_the_role_check(forensic, api, role):
    created = forensic.post("/remains", json=remains_body()).json
    caller = api(role)
    for resp in (
        caller.get("/remains"),
        caller.get(f"/remains/{created['id']}"),
        caller.post("/remains", json=remains_body()),
        caller.patch(f"/remains/{created['id']}", json={"version": 1, "found_place": "x"}),
    ):
        assert resp.status_code == 403, resp.json
        assert resp.json["error"]["code"] == "forbidden"
        assert "Sasabe" not in resp.get_data(as_text=True)
    assert forensic.get(f"/remains/{created['id']}").json == created


def test_a_refused_write_names_the_organisations_own_remains_in_the_audit(
    forensic, api, make_org, database
):
    from sqlalchemy import select

    from casework.audit import AuditEvent

    created = forensic.post("/remains", json=remains_body()).json
    focal = api("focal_point")
    assert focal.patch(f"/remains/{created['id']}", json={"version": 1}).status_code == 403
    stranger = api("focal_point", make_org("MX"))
    assert stranger.patch(f"/remains/{created['id']}", json={"version": 1}).status_code == 403
    with database.session() as s:
        denied = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.decision == "deny").order_by(AuditEvent.seq)
            )
        )
    assert [(e.object_type, e.object_id) for e in denied] == [
        ("remains", created["id"]),
        ("endpoint", "remains_api.update_remains"),
    ]
    assert all(e.action == "remains.write" for e in denied)
