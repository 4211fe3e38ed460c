"""The candidate pages: remains for a case, cases for remains (ranked, each factor shown, each row
linking to the comparison) and the side-by-side comparison; each read audited."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from casework.audit import AuditEvent
from tests.remains.candidate_data import TRUE_CASE, TRUE_REMAINS, actor, add_case, add_remains


@pytest.fixture
def pair(database, make_user):
    """The true pair, remains of the other sex, and a weaker candidate, in the default org."""
    focal, forensic = make_user("focal_point"), make_user("forensic")
    with database.session() as s:
        reference = add_case(s, actor(s, focal), TRUE_CASE).reference
        who = actor(s, forensic)
        truth = add_remains(s, who, TRUE_REMAINS).id
        weaker = add_remains(s, who, {**TRUE_REMAINS, "found_country": "MX", "effects": None}).id
        male = add_remains(s, who, {**TRUE_REMAINS, "sex": "male"}).id
    return reference, truth, weaker, male


@pytest.fixture
def forensic_user(client, login, make_user):
    user = make_user("forensic")
    assert login(user).status_code == 302
    return user


def _events(database, action):
    with database.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(s.scalars(stmt))


def _rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', html)


def test_candidate_remains_of_a_case(client, forensic_user, pair, database):
    reference, truth, weaker, male = pair
    reads = len(_events(database, "case.read"))
    resp = client.get(f"/cases/{reference}/candidates")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert _rows(html, "data-remains-id") == [str(truth), str(weaker)]
    assert str(male) not in html
    assert 'data-band="likely"' in html
    for factor in ("sex", "age", "stature", "date", "geography", "terms"):
        assert f'data-factor="{factor}"' in html
    assert f'href="/compare/{reference}/{truth}"' in html
    (read,) = _events(database, "case.read")[reads:]
    assert read.details["view"] == "candidates"
    (page,) = _events(database, "remains.list")
    assert page.details["references"] == [str(truth), str(weaker)]


def test_candidate_cases_of_remains(client, forensic_user, pair, database):
    reference, truth, _, male = pair
    resp = client.get(f"/remains/{truth}/candidates")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert _rows(html, "data-reference") == [reference]
    # The page of cases is decrypted for the names: the page only.
    assert "María Fernanda" in html
    assert f'href="/compare/{reference}/{truth}"' in html
    (page,) = _events(database, "case.list")
    assert page.details["references"] == [reference] and page.details["view"] == "candidates"
    # Remains of the other sex: no candidate, said plainly.
    html = client.get(f"/remains/{male}/candidates").get_data(as_text=True)
    assert _rows(html, "data-reference") == []
    assert "No missing-person case matches these remains." in html


def test_the_case_page_links_to_its_candidates(client, forensic_user, pair):
    reference = pair[0]
    html = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'href="/cases/{reference}/candidates"' in html


def test_compare_shows_both_records_and_the_factors(client, forensic_user, pair, database):
    reference, truth, _, male = pair
    case_reads, remains_reads = len(_events(database, "case.read")), 0
    resp = client.get(f"/compare/{reference}/{truth}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Scar on her left knee; pierced ears" in html
    assert "Scar on the left knee; pierced ears" in html
    assert "Desert near Sasabe, Arizona" in html and "2023-09-20" in html
    assert 'id="match-score"' in html and 'data-band="likely"' in html
    for factor in ("sex", "age", "stature", "date", "geography", "terms"):
        assert f'<tr data-factor="{factor}"' in html
    (case_read,) = _events(database, "case.read")[case_reads:]
    (remains_read,) = _events(database, "remains.read")[remains_reads:]
    assert case_read.details["view"] == "compare" == remains_read.details["view"]
    assert remains_read.object_id == str(truth)

    html = client.get(f"/compare/{reference}/{male}").get_data(as_text=True)
    assert 'data-excluded="sex"' in html
    assert 'id="factors"' not in html


def test_pages_of_another_organisation_are_404(
    client, forensic_user, make_org, make_user, database
):
    elsewhere = make_org("GT")
    focal, forensic = make_user("focal_point", elsewhere), make_user("forensic", elsewhere)
    with database.session() as s:
        reference = add_case(s, actor(s, focal), TRUE_CASE).reference
        remains_id = add_remains(s, actor(s, forensic), TRUE_REMAINS).id
    for path in (
        f"/cases/{reference}/candidates",
        f"/remains/{remains_id}/candidates",
        f"/compare/{reference}/{remains_id}",
        f"/remains/{uuid.uuid4()}/candidates",
    ):
        assert client.get(path).status_code == 404, path


def test_a_liaison_officer_is_refused(client, login, make_user, pair):
    assert login(make_user("family_liaison")).status_code == 302
    assert client.get(f"/cases/{pair[0]}/candidates").status_code == 403


def test_paging_arguments_that_are_not_numbers_show_the_first_page(client, forensic_user, pair):
    reference = pair[0]
    for query in ("?page=abc", "?page=-4", "?page=99999999999"):
        assert client.get(f"/cases/{reference}/candidates{query}").status_code == 200
