"""A user of another organisation sees exactly the granted categories of exactly the granted
cases, through the API and the pages, and nothing without a grant (a stand-in grant provider
takes the place of the exchange domain)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from tests.cases.conftest import full_case

IDENTITY_ONLY = {"identity"}


@pytest.fixture
def two_cases(focal, make_case, database):
    granted = make_case(focal, **full_case(given_names="Rosa Elena"))
    other = make_case(focal, **full_case(given_names="Marta"))
    refs = [granted["reference"], other["reference"]]
    with database.session() as s:
        rows = s.execute(select(Case.reference, Case.id).where(Case.reference.in_(refs)))
        ids = {reference: case_id for reference, case_id in rows}
    return granted["reference"], other["reference"], ids


@pytest.fixture
def guatemala(make_org):
    return make_org("GT")


def test_granted_categories_only_through_the_api(api, guatemala, grants, two_cases, audit_events):
    granted, other, ids = two_cases
    partner = api("focal_point", guatemala)
    grants.grant(guatemala.id, ids[granted], IDENTITY_ONLY)

    resp = partner.get(f"/cases/{granted}")
    assert resp.status_code == 200
    body = resp.json
    assert body["reference"] == granted
    assert body["given_names"] == "Rosa Elena"
    assert body["family_names"] == "González Pérez"
    # Circumstances and physical description are absent, not masked.
    for absent in (
        "circumstances",
        "last_seen_place",
        "last_seen_country",
        "route_countries",
        "protection_flags",
        "distinguishing_marks",
        "clothing_and_belongings",
    ):
        assert absent not in body, absent
    assert "Tapachula" not in resp.get_data(as_text=True)

    # The case that was not granted does not exist for them.
    assert partner.get(f"/cases/{other}").status_code == 404
    assert partner.get(f"/cases/{other}/timeline").status_code == 404

    # The read is audited as what was shown: identity only, by the partner's organisation.
    [read] = [e for e in audit_events(granted, "case.read") if e.actor_id == partner.user.id]
    assert read.categories == ["identity"]
    assert read.organisation_id == guatemala.id


def test_a_list_shows_the_granted_case_shaped_and_nothing_else(api, guatemala, grants, two_cases):
    granted, other, ids = two_cases
    partner = api("focal_point", guatemala)
    grants.grant(guatemala.id, ids[granted], {"circumstances"})

    resp = partner.get("/cases")
    assert resp.status_code == 200
    assert [row["reference"] for row in resp.json["items"]] == [granted]
    assert resp.json["total"] == 1
    row = resp.json["items"][0]
    assert row["last_seen_country"] == "MX"
    assert "given_names" not in row and "family_names" not in row

    # A name search finds only what the grant lets them see, and only if it covers identity.
    found = partner.post("/cases/search", json={"q": "Rosa"})
    assert found.status_code == 200
    assert found.json["items"] == [] or all("given_names" not in r for r in found.json["items"])


def test_writes_stay_with_the_owner(api, guatemala, grants, two_cases):
    granted, _, ids = two_cases
    partner = api("focal_point", guatemala)
    grants.grant(guatemala.id, ids[granted], {"identity", "circumstances"})
    resp = partner.patch(f"/cases/{granted}", json={"version": 1, "given_names": "X"})
    assert resp.status_code == 404
    resp = partner.post(f"/cases/{granted}/status", json={"status": "active_search", "note": "n"})
    assert resp.status_code == 404


def test_nothing_without_a_grant(api, guatemala, two_cases):
    granted, _, _ = two_cases
    partner = api("focal_point", guatemala)
    assert partner.get(f"/cases/{granted}").status_code == 404
    assert partner.get("/cases").json["items"] == []


def test_a_grant_to_another_organisation_gives_this_one_nothing(
    api, guatemala, make_org, grants, two_cases
):
    granted, _, ids = two_cases
    grants.grant(make_org("CH", "humanitarian").id, ids[granted], IDENTITY_ONLY)
    partner = api("focal_point", guatemala)
    assert partner.get(f"/cases/{granted}").status_code == 404


def test_administrators_and_auditors_are_never_reached_by_a_grant(
    api, guatemala, grants, two_cases
):
    granted, _, ids = two_cases
    grants.grant(guatemala.id, ids[granted], IDENTITY_ONLY)
    for role in ("admin", "auditor"):
        assert api(role, guatemala).get(f"/cases/{granted}").status_code in (403, 404)


def test_granted_categories_only_on_the_case_page(
    client, make_user, login, guatemala, grants, two_cases
):
    granted, other, ids = two_cases
    grants.grant(guatemala.id, ids[granted], {"physical_description"})
    login(make_user("focal_point", guatemala))

    page = client.get(f"/cases/{granted}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Scar on the left eyebrow" in html
    assert 'id="description-heading"' in html
    # Identity and circumstances are not on the page at all.
    assert "Rosa Elena" not in html
    assert 'id="identity-heading"' not in html
    assert "Tapachula" not in html
    assert "Threatened by a gang" not in html
    # Nothing to change on someone else's case.
    assert 'id="edit-case"' not in html
    assert 'id="change-status"' not in html
    assert 'id="link-duplicate"' not in html

    assert client.get(f"/cases/{other}").status_code == 404


def test_the_case_list_page_shows_granted_rows_shaped(
    client, make_user, login, guatemala, grants, two_cases
):
    granted, other, ids = two_cases
    grants.grant(guatemala.id, ids[granted], {"circumstances"})
    login(make_user("focal_point", guatemala))
    html = client.get("/cases").get_data(as_text=True)
    assert granted in html
    assert other not in html
    assert "Rosa Elena" not in html
