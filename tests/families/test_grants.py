"""Relatives through a grant: a user of another organisation sees a granted case's relatives
only when family contacts were granted, never their consents, and can change nothing (a
stand-in grant provider takes the place of the exchange domain)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from tests.families.helpers import CANARY_E164, CANARY_NAME, CANARY_SAFETY, relative_body


@pytest.fixture
def scene(make_org, make_case, liaison, add_relative, database, api):
    ref = make_case()
    relative = add_relative(liaison, ref)
    with database.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == ref))
    guatemala = make_org("GT")
    return ref, case_id, relative["id"], guatemala, api("focal_point", guatemala)


def test_family_contacts_granted_are_readable_and_nothing_else(grants, scene, api):
    ref, case_id, relative_id, guatemala, reader = scene
    grants.grant(guatemala.id, case_id, {"family_contacts"})

    one = reader.get(f"/relatives/{relative_id}")
    assert one.status_code == 200
    assert one.json["full_name"] == CANARY_NAME and one.json["phone"] == CANARY_E164
    listing = reader.get(f"/cases/{ref}/relatives")
    assert [r["id"] for r in listing.json["items"]] == [relative_id]
    # Consent records are never shared; nothing can be changed from outside.
    assert reader.get(f"/relatives/{relative_id}/consents").status_code == 404
    their_liaison = api("family_liaison", guatemala)
    assert their_liaison.get(f"/relatives/{relative_id}").status_code == 200
    patch = their_liaison.patch(f"/relatives/{relative_id}", json={"version": 1})
    assert patch.status_code == 404
    assert reader.post(f"/cases/{ref}/relatives", json=relative_body()).status_code == 404
    # The hotline look-up stays within the reader's own organisation.
    found = reader.post("/relatives/search", json={"phone": CANARY_E164})
    assert found.status_code == 200 and found.json["items"] == []


def test_a_grant_without_family_contacts_shows_no_relative(grants, scene):
    ref, case_id, relative_id, guatemala, reader = scene
    grants.grant(guatemala.id, case_id, {"identity", "circumstances"})
    assert reader.get(f"/relatives/{relative_id}").status_code == 404
    # Not even how many relatives there are: the case's family is out of reach.
    assert reader.get(f"/cases/{ref}/relatives").status_code == 404


def test_without_a_grant_the_relative_does_not_exist(scene):
    _, _, relative_id, _, reader = scene
    assert reader.get(f"/relatives/{relative_id}").status_code == 404


def test_the_family_page_through_a_grant(client, login, make_user, grants, scene):
    ref, case_id, relative_id, guatemala, _ = scene
    grants.grant(guatemala.id, case_id, {"family_contacts"})
    login(make_user("focal_point", guatemala))
    family = client.get(f"/cases/{ref}/family")
    assert family.status_code == 200
    html = family.get_data(as_text=True)
    assert CANARY_NAME in html
    assert 'id="submit"' not in html  # no form to add a relative to someone else's case
    page = client.get(f"/relatives/{relative_id}").get_data(as_text=True)
    assert CANARY_SAFETY in page
    assert 'id="submit-consent"' not in page and 'id="submit-notification"' not in page
