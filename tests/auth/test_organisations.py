"""GET /api/v1/organisations: fields, state-authority rule, paging, auth, OpenAPI; the picker."""

from __future__ import annotations

import pytest

from casework.auth import queries
from casework.auth.models import Organisation, OrgKind, Role

# Names start with distinct capitals so that the order is the same under SQLite's binary
# collation and PostgreSQL's locale collations; the fixture's own "Org N SV" sorts after them.
KINDS = [
    ("Alba Consulate", "MX", "consulate", True),
    ("Berta Forensic Institute", "GT", "forensic_institute", False),
    ("Cora Humanitarian", "HN", "humanitarian", False),
    ("Dora Intergovernmental", "CH", "intergovernmental", False),
    ("Elena National Authority", "SV", "national_authority", True),
]


@pytest.fixture
def orgs(make_org) -> list[Organisation]:
    return [make_org(country, kind, name) for name, country, kind, _ in KINDS]


def test_lists_organisations_with_contract_fields(api, orgs, org):
    resp = api("focal_point").get("/organisations")
    assert resp.status_code == 200
    body = resp.json
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], body["total"]) == (1, 25, 6)
    assert body["items"][:2] == [
        {
            "id": str(orgs[0].id),
            "name": "Alba Consulate",
            "country": "MX",
            "kind": "consulate",
            "is_state_authority": True,
            "is_peer": False,
        },
        {
            "id": str(orgs[1].id),
            "name": "Berta Forensic Institute",
            "country": "GT",
            "kind": "forensic_institute",
            "is_state_authority": False,
            "is_peer": False,
        },
    ]
    names = [item["name"] for item in body["items"]]
    assert names == [
        "Alba Consulate",
        "Berta Forensic Institute",
        "Cora Humanitarian",
        "Dora Intergovernmental",
        "Elena National Authority",
        org.name,  # the caller's own organisation is listed too
    ]


@pytest.mark.parametrize(("name", "country", "kind", "expected"), KINDS)
def test_is_state_authority_per_kind(api, make_org, name, country, kind, expected):
    created = make_org(country, kind, name)
    items = api("focal_point").get("/organisations").json["items"]
    (item,) = [i for i in items if i["id"] == str(created.id)]
    assert item["kind"] == kind
    assert item["is_state_authority"] is expected
    assert item["is_peer"] is False


def test_every_kind_is_covered():
    assert {kind for _, _, kind, _ in KINDS} == {k.value for k in OrgKind}


def test_state_authority_property():
    assert Organisation(kind=OrgKind.national_authority).is_state_authority is True
    assert Organisation(kind=OrgKind.consulate).is_state_authority is True
    assert Organisation(kind=OrgKind.humanitarian).is_state_authority is False
    assert Organisation(kind=OrgKind.humanitarian).is_peer is False


def test_pagination(api, orgs):
    caller = api("focal_point")
    first = caller.get("/organisations?page=1&per_page=2").json
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 6)
    assert [i["name"] for i in first["items"]] == ["Alba Consulate", "Berta Forensic Institute"]
    second = caller.get("/organisations?page=2&per_page=2").json
    assert (second["page"], second["per_page"], second["total"]) == (2, 2, 6)
    assert [i["name"] for i in second["items"]] == ["Cora Humanitarian", "Dora Intergovernmental"]
    third = caller.get("/organisations?page=3&per_page=2").json
    assert [i["name"] for i in third["items"]][0] == "Elena National Authority"
    assert len(third["items"]) == 2
    beyond = caller.get("/organisations?page=4&per_page=2").json
    assert (beyond["items"], beyond["total"]) == ([], 6)


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x"])
def test_bad_paging_is_422(api, query):
    resp = api("focal_point").get("/organisations?" + query)
    assert resp.status_code == 422
    assert "error" in resp.json


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_may_list(api, role):
    assert api(role).get("/organisations").status_code == 200


def test_without_token_is_401(client, orgs):
    resp = client.get("/api/v1/organisations")
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"


def test_bad_token_is_401(client):
    resp = client.get("/api/v1/organisations", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


def test_openapi_lists_the_path(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/organisations"]["get"]
    assert "200" in operation["responses"]
    params = {p["name"] for p in operation.get("parameters", [])}
    assert {"page", "per_page"} <= params


def test_organisation_choices(session, orgs, org):
    choices = queries.organisation_choices(session)
    assert choices[:3] == [
        (str(orgs[0].id), "Alba Consulate (MX)"),
        (str(orgs[1].id), "Berta Forensic Institute (GT)"),
        (str(orgs[2].id), "Cora Humanitarian (HN)"),
    ]
    assert choices[-1] == (str(org.id), f"{org.name} (SV)")
    assert len(choices) == 6
