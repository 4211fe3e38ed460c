"""Organisation scoping and roles: another organisation's case is a 404 everywhere; roles
without the action get 403, and refusals on an existing in-org case are audited."""

from __future__ import annotations

import pytest

from tests.helpers import csrf_from


@pytest.fixture
def theirs(api, make_org, make_case):
    """A case of a Guatemalan organisation, and its focal point."""
    owner = api("focal_point", make_org("GT"))
    return owner, make_case(owner, given_names="Ixchel")["reference"]


def test_another_organisations_case_is_404_in_the_api(focal, theirs, make_case):
    _, ref = theirs
    mine = make_case(focal)["reference"]
    calls = [
        focal.get(f"/cases/{ref}"),
        focal.patch(f"/cases/{ref}", json={"version": 1, "given_names": "X"}),
        focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "n"}),
        focal.get(f"/cases/{ref}/timeline"),
        focal.post(f"/cases/{ref}/link-duplicate", json={"duplicate_reference": mine, "note": "n"}),
        focal.post(f"/cases/{mine}/link-duplicate", json={"duplicate_reference": ref, "note": "n"}),
    ]
    for resp in calls:
        assert resp.status_code == 404, resp.request.path
        assert resp.json["error"]["code"] == "not_found"
    owner, _ = theirs
    after = owner.get(f"/cases/{ref}").json
    assert (after["given_names"], after["status"], after["version"]) == ("Ixchel", "reported", 1)
    assert focal.get(f"/cases/{mine}").json["status"] == "reported"


def test_another_organisations_case_is_404_in_the_pages(client, login, focal, theirs):
    _, ref = theirs
    login(focal.user)
    token = csrf_from(client.get("/cases").get_data(as_text=True))
    assert client.get(f"/cases/{ref}").status_code == 404
    assert client.get(f"/cases/{ref}/edit").status_code == 404
    data = {"csrf_token": token, "status": "active_search", "note": "n", "given_names": "X",
            "version": "1", "duplicate_reference": ref}  # fmt: skip
    assert client.post(f"/cases/{ref}/edit", data=data).status_code == 404
    assert client.post(f"/cases/{ref}/status", data=data).status_code == 404
    assert client.post(f"/cases/{ref}/link-duplicate", data=data).status_code == 404


def test_unknown_and_malformed_references_are_404(focal):
    for ref in ("SLV-2026-999999", "nonsense", "%00", "x" * 500):
        assert focal.get(f"/cases/{ref}").status_code == 404


@pytest.mark.parametrize("role", ["family_liaison", "forensic"])
def test_liaison_and_forensic_staff_read_but_do_not_write(api, focal, make_case, role):
    ref = make_case(focal)["reference"]
    reader = api(role)
    assert reader.get("/cases").status_code == 200
    assert reader.get(f"/cases/{ref}").status_code == 200
    assert reader.get(f"/cases/{ref}/timeline").status_code == 200
    assert reader.post("/cases", json={"given_names": "A"}).status_code == 403
    assert reader.patch(f"/cases/{ref}", json={"version": 1, "sex": "male"}).status_code == 403
    status = {"status": "active_search", "note": "n"}
    assert reader.post(f"/cases/{ref}/status", json=status).status_code == 403
    link = {"duplicate_reference": ref, "note": "n"}
    assert reader.post(f"/cases/{ref}/link-duplicate", json=link).status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor", "partner"])
def test_other_roles_get_403(api, focal, make_case, role):
    ref = make_case(focal)["reference"]
    caller = api(role)
    for resp in (
        caller.get("/cases"),
        caller.get(f"/cases/{ref}"),
        caller.get(f"/cases/{ref}/timeline"),
        caller.post("/cases", json={"given_names": "A"}),
    ):
        assert resp.status_code == 403
        assert resp.json["error"]["code"] == "forbidden"


def test_no_token_is_401(client):
    assert client.get("/api/v1/cases").status_code == 401


def test_refusals_on_an_existing_case_are_audited(api, focal, make_case, audit_events):
    ref = make_case(focal)["reference"]
    admin = api("admin")
    assert admin.get(f"/cases/{ref}").status_code == 403
    [denial] = [e for e in audit_events(ref) if e.decision == "deny"]
    assert denial.action == "case.read"
    assert denial.actor_id == admin.user.id
    # Nothing is written for a reference that does not exist (nor for another org's case).
    assert admin.get("/cases/SLV-2026-999999").status_code == 403
    assert not audit_events("SLV-2026-999999")
