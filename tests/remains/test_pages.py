"""A forensic officer's pages (Flask test client): record remains, view, edit (with a version
conflict), list with filters, return identified remains to the family; who sees what."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from casework.audit import AuditEvent
from casework.remains.models import Remains, RemainsStatus
from tests.helpers import csrf_from
from tests.remains.conftest import remains_body

FORM = {
    "found_date": "2025-11",
    "found_country": "US",
    "found_place": "Desert near Sasabe, Arizona",
    "recovery_context": "Found by a humanitarian search group",
    "sex": "female",
    "age_min": "14",
    "age_max": "19",
    "stature_min_cm": "150",
    "stature_max_cm": "160",
    "distinguishing_marks": "Scar on the left knee; pierced ears",
    "effects": "Pink backpack, rosary with white beads, denim jacket",
}


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _post(client, url: str, page_html: str, data: dict, status: int = 303):
    resp = client.post(url, data={"csrf_token": csrf_from(page_html), **data})
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def _ids(database) -> list[uuid.UUID]:
    with database.session() as s:
        return [r.id for r in s.query(Remains).order_by(Remains.created_at)]


def test_forensic_journey_through_the_pages(client, login, make_user, database):
    officer = make_user("forensic")
    assert login(officer).status_code == 302
    home = _page(client, "/")
    assert 'href="/remains"' in home

    listing = _page(client, "/remains")
    assert 'id="register-remains"' in listing
    new = _page(client, "/remains/new")
    resp = _post(client, "/remains/new", new, FORM)
    url = resp.headers["Location"].removesuffix("#messages")  # the message at the top
    assert re.fullmatch(r"/remains/[0-9a-f-]{36}", url)
    detail = _page(client, url)
    year = dt.datetime.now(dt.UTC).year
    assert re.search(rf"SLV-UR-{year}-\d{{6}}", detail)
    for value in FORM.values():
        if value not in ("US", "female", "14", "19", "150", "160"):
            assert value in detail, value
    assert "United States" in detail and "14–19" in detail and "150–160 cm" in detail
    assert 'data-status="unidentified"' in detail
    assert 'id="edit-remains"' in detail
    assert 'id="change-status"' not in detail  # only identified remains are handed over
    # The pages of other domains about these remains: candidate cases, post-mortem samples.
    assert f'href="{url}/candidates"' in detail and "Candidate cases" in detail
    assert f'href="{url}/dna"' in detail

    # Edit: the form shows the stored values; saving bumps the version.
    edit = _page(client, url + "/edit")
    assert "Pink backpack" in edit and 'name="version"' in edit
    _post(client, url + "/edit", edit, {**FORM, "version": "1", "found_place": "Sasabe"})
    detail = _page(client, url)
    assert "Sasabe" in detail and "Desert near Sasabe" not in detail
    assert "version 2" in detail

    # The list shows it, and its filters narrow it.
    listing = _page(client, "/remains")
    assert url in listing and "1 record" in listing
    assert url in _page(client, "/remains?sex=female&found_country=US&status=unidentified")
    assert url not in _page(client, "/remains?sex=male")
    assert "No remains match." in _page(client, "/remains?found_country=MX")


def test_invalid_registration_shows_errors_and_stores_nothing(
    client, login, make_user, remains_count
):
    assert login(make_user("forensic")).status_code == 302
    new = _page(client, "/remains/new")
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    for bad, message in [
        ({"age_min": "30", "age_max": "20"}, "Must not be below the lowest age."),
        (
            {"stature_min_cm": "180", "stature_max_cm": "170"},
            "Must not be below the lowest stature.",
        ),
        ({"found_date": tomorrow}, "The date may not be in the future."),
        ({"found_date": "2025-02-30"}, "There is no such day."),
        ({"age_min": "fourteen"}, "Not a valid integer."),
        ({"sex": "alien"}, "Must be one of"),
        ({"found_country": "ZZ"}, "country"),
    ]:
        resp = _post(client, "/remains/new", new, {**FORM, **bad}, status=422)
        html = resp.get_data(as_text=True)
        assert 'class="error"' in html and message in html, (bad, message)
    assert remains_count() == 0
    # without the CSRF token: refused, nothing stored
    assert client.post("/remains/new", data=FORM).status_code == 400
    assert remains_count() == 0


def _field_errors(html: str, name: str) -> list[str]:
    """The errors shown in the block of the form field named `name`."""
    block = re.search(
        rf'<div class="field[^"]*">(?:(?!</div>).)*name="{name}"(?:(?!</div>).)*</div>', html, re.S
    )
    assert block, name
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', block.group(0))


UPSIDE_DOWN = {"age_min": "40", "age_max": "20", "stature_min_cm": "180", "stature_max_cm": "170"}


def test_upside_down_ranges_are_reported_with_the_other_errors_in_words(
    client, login, make_user, forensic, remains_count
):
    """One submit shows every error, each next to its field: the ranges upside down too (the
    schema alone reports them only once the other fields are valid), in words, not field names."""
    assert login(make_user("forensic")).status_code == 302
    new = _page(client, "/remains/new")
    bad = {**FORM, **UPSIDE_DOWN, "found_date": "2999-01", "found_country": "ZZ"}
    html = _post(client, "/remains/new", new, bad, status=422).get_data(as_text=True)
    assert _field_errors(html, "found_date") == ["The date may not be in the future."]
    assert _field_errors(html, "found_country")
    assert _field_errors(html, "age_max") == ["Must not be below the lowest age."]
    assert _field_errors(html, "stature_max_cm") == ["Must not be below the lowest stature."]
    assert _field_errors(html, "age_min") == [] and _field_errors(html, "stature_min_cm") == []
    assert "age_min" not in " ".join(re.findall(r'<p class="error"[^>]*>([^<]*)</p>', html))
    # Alone, the ranges get the same words; out-of-limit bounds keep their own message only.
    html = _post(client, "/remains/new", new, {**FORM, **UPSIDE_DOWN}, status=422).get_data(
        as_text=True
    )
    assert _field_errors(html, "age_max") == ["Must not be below the lowest age."]
    assert _field_errors(html, "stature_max_cm") == ["Must not be below the lowest stature."]
    html = _post(
        client, "/remains/new", new, {**FORM, "age_min": "130", "age_max": "125"}, status=422
    ).get_data(as_text=True)
    assert "Must not be below the lowest age." not in html
    assert _field_errors(html, "age_min") and _field_errors(html, "age_max")
    assert remains_count() == 0

    # The edit page: the same, and nothing saved.
    created = forensic.post("/remains", json=remains_body()).json
    url = f"/remains/{created['id']}/edit"
    edit = _page(client, url)
    bad = {**FORM, **UPSIDE_DOWN, "found_date": "2999-01", "version": "1"}
    html = _post(client, url, edit, bad, status=422).get_data(as_text=True)
    assert _field_errors(html, "found_date") == ["The date may not be in the future."]
    assert _field_errors(html, "age_max") == ["Must not be below the lowest age."]
    assert _field_errors(html, "stature_max_cm") == ["Must not be below the lowest stature."]
    assert forensic.get(f"/remains/{created['id']}").json == created


def test_edit_conflict_shows_both_versions(client, login, make_user, forensic, database):
    created = forensic.post("/remains", json=remains_body()).json
    url = f"/remains/{created['id']}"
    assert login(make_user("forensic")).status_code == 302
    edit = _page(client, url + "/edit")
    # Someone else saves first (through the API).
    other = forensic.patch(f"/remains/{created['id']}", json={"version": 1, "found_place": "X"})
    assert other.status_code == 200
    resp = _post(
        client, url + "/edit", edit, {**FORM, "version": "1", "found_place": "Mine"}, status=409
    )
    html = resp.get_data(as_text=True)
    assert 'id="version-conflict"' in html
    assert 'data-field="found_place"' in html
    assert "Mine" in html and ">X<" in html
    assert 'name="version" type="hidden" value="2"' in html
    # Saving again applies the user's values over version 2.
    _post(client, url + "/edit", html, {**FORM, "version": "2", "found_place": "Mine"})
    assert forensic.get(f"/remains/{created['id']}").json["found_place"] == "Mine"
    # The conflict page's read is audited although the answer was a 409.
    with database.session() as s:
        views = [
            e.details.get("view") for e in s.query(AuditEvent).filter_by(action="remains.read")
        ]
    assert "conflict" in views


def test_returned_to_family_from_the_page(client, login, make_user, forensic, database):
    created = forensic.post("/remains", json=remains_body()).json
    with database.session() as s:
        s.get(Remains, uuid.UUID(created["id"])).status = RemainsStatus.identified
    url = f"/remains/{created['id']}"
    assert login(make_user("forensic")).status_code == 302
    detail = _page(client, url)
    assert 'id="change-status"' in detail
    _post(client, url + "/status", detail, {"status": "returned_to_family", "version": "1"})
    detail = _page(client, url)
    assert 'data-status="returned_to_family"' in detail
    assert 'id="change-status"' not in detail
    # A stale or forged request is refused with a message, changing nothing.
    resp = _post(client, url + "/status", detail, {"status": "unidentified", "version": "2"})
    assert "not allowed" in _page(client, resp.headers["Location"].split("#")[0])
    assert forensic.get(url).json["status"] == "returned_to_family"


def test_identified_remains_link_their_case(
    client, login, make_user, forensic, database, make_case
):
    from casework.auth.models import User
    from casework.auth.policy import Actor
    from casework.cases.queries import case_by_reference_any_org
    from casework.remains import operations

    created = forensic.post("/remains", json=remains_body()).json
    reference = make_case()
    with database.session() as s:
        actor = Actor.for_user(s.get(User, forensic.user.id))
        case = case_by_reference_any_org(s, reference)
        operations.mark_identified(s, actor, s.get(Remains, uuid.UUID(created["id"])), case)
    assert login(make_user("forensic")).status_code == 302
    detail = _page(client, f"/remains/{created['id']}")
    assert f'href="/cases/{reference}"' in detail
    assert 'data-status="identified"' in detail


def test_focal_point_reads_but_may_not_write(client, login, make_user, forensic):
    created = forensic.post("/remains", json=remains_body()).json
    assert login(make_user("focal_point")).status_code == 302
    detail = _page(client, f"/remains/{created['id']}")
    assert "Pink backpack" in detail
    assert 'id="edit-remains"' not in detail
    assert 'id="register-remains"' not in _page(client, "/remains")
    _page(client, "/remains/new", 403)
    _page(client, f"/remains/{created['id']}/edit", 403)


@pytest.mark.parametrize("role", ["family_liaison", "admin", "auditor", "partner"])
def test_other_roles_get_403_and_no_nav_entry(client, login, make_user, forensic, role):
    created = forensic.post("/remains", json=remains_body()).json
    assert login(make_user(role)).status_code == 302
    assert 'href="/remains"' not in _page(client, "/")
    _page(client, "/remains", 403)
    _page(client, f"/remains/{created['id']}", 403)


def test_another_organisation_gets_404(client, login, make_user, make_org, forensic):
    created = forensic.post("/remains", json=remains_body()).json
    assert login(make_user("forensic", make_org("MX"))).status_code == 302
    url = f"/remains/{created['id']}"
    _page(client, url, 404)
    _page(client, url + "/edit", 404)
    assert "No remains match." in _page(client, "/remains")
    _page(client, "/remains/not-a-uuid", 404)


def test_bad_filters_are_422(client, login, make_user):
    assert login(make_user("forensic")).status_code == 302
    _page(client, "/remains?sex=alien", 422)
    _page(client, "/remains?page=0", 422)


def test_markup_in_the_data_is_escaped_on_the_pages(client, login, make_user, forensic):
    hostile = "<script>alert('x')</script>"
    created = forensic.post(
        "/remains", json=remains_body(found_place=hostile, distinguishing_marks=hostile)
    ).json
    assert login(make_user("forensic")).status_code == 302
    for url in (f"/remains/{created['id']}", f"/remains/{created['id']}/edit"):
        html = _page(client, url)
        assert hostile not in html
        assert "&lt;script&gt;" in html
