"""Issuing the family's status code from the pages (issue 14): the button on the reporting
relative's page, the confirmation (a new code replaces the old), and the printable notice in the
relative's language with the code, the secret, the expiry, the address of the status page and
what it shows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.families.status_models import FamilyAccess
from tests.helpers import csrf_from

CODE_RE = re.compile(r'id="family-code">([2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5})<')
SECRET_RE = re.compile(r'id="family-secret">([2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){2})<')
BUTTON = "Issue status code"


@pytest.fixture
def signed_in_liaison(make_user, login):
    user = make_user("family_liaison")
    assert login(user).status_code == 302
    return user


def issue_page(client, relative_id: str):
    return client.get(f"/relatives/{relative_id}/family-access")


REPLACES_RE = re.compile(r'<input id="replaces" name="replaces" type="hidden" value="([^"]*)"')


def form_data(client, relative_id: str, **data) -> dict[str, str]:
    """What the confirmation form sends: its CSRF token, the code it replaces, and `data`."""
    page = issue_page(client, relative_id).text
    return {"csrf_token": csrf_from(page), "replaces": REPLACES_RE.search(page).group(1), **data}


def confirm(client, relative_id: str, **data):
    return client.post(
        f"/relatives/{relative_id}/family-access", data=form_data(client, relative_id, **data)
    )


def html_lang(html: str) -> tuple[str, str]:
    m = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert m
    return m.group(1), m.group(2)


def look_up(client, code: str, secret: str):
    token = csrf_from(client.get("/family-status").text)
    return client.post("/family-status", data={"csrf_token": token, "code": code, "secret": secret})


def test_the_reporting_relatives_page_offers_the_code(
    signed_in_liaison, client, make_case, liaison, add_relative
):
    reference = make_case(status="active_search")
    reporting = add_relative(liaison, reference)
    other = add_relative(liaison, reference, is_reporting_person=False)
    page = client.get(f"/relatives/{reporting['id']}")
    assert page.status_code == 200 and BUTTON in page.text
    assert f"/relatives/{reporting['id']}/family-access" in page.text
    assert BUTTON not in client.get(f"/relatives/{other['id']}").text


def test_the_notice_is_printed_in_the_relatives_language(
    signed_in_liaison, client, make_case, liaison, add_relative, database
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, preferred_language="fr")
    first = issue_page(client, relative["id"])
    assert first.status_code == 200
    assert "already has a status code" not in first.text
    resp = confirm(client, relative["id"], confirm="y")
    assert resp.status_code == 200
    # Only the notice is in the relative's language; the page stays in the officer's.
    assert html_lang(resp.text) == ("en", "ltr")
    assert re.search(r'<article class="family-notice" lang="fr" dir="ltr"', resp.text)
    assert "Comment suivre les recherches en ligne" in notice(resp.text)
    # The staff's own lines are in the page's language (English here) and are not printed.
    assert re.search(r'<div class="no-print">', resp.text)
    assert "The secret is shown only this once" in resp.text
    code, secret = CODE_RE.search(resp.text).group(1), SECRET_RE.search(resp.text).group(1)
    assert "http://localhost/family-status" in resp.text
    assert "no-store" in resp.headers["Cache-Control"]
    # The code and secret printed are the ones that work.
    shown = look_up(client, code, secret)
    assert shown.status_code == 200 and "family-stage" in shown.text
    with database.session() as s:
        (row,) = s.scalars(select(FamilyAccess)).all()
        assert str(row.relative_id) == relative["id"]


def test_an_arabic_notice_is_right_to_left(
    signed_in_liaison, client, make_case, liaison, add_relative
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, preferred_language="ar-SY")
    resp = confirm(client, relative["id"], confirm="y")
    assert resp.status_code == 200
    assert html_lang(resp.text) == ("en", "ltr")
    assert re.search(r'<article class="family-notice" lang="ar" dir="rtl"', resp.text)
    # The code and secret keep their own (left-to-right) direction inside the Arabic text.
    assert '<bdi dir="ltr" id="family-code">' in resp.text


def notice(html: str) -> str:
    return re.search(r'<article class="family-notice".*?</article>', html, re.S).group(0)


def test_only_the_notice_is_in_the_relatives_language(
    make_user, login, client, make_case, liaison, add_relative, database
):
    """An officer working in French issues a code to a relative who reads Arabic: the page
    (its <html lang>, navigation, the officer's lines) stays French, left to right; the
    printable notice alone is Arabic, right to left."""
    from casework.auth.models import User

    user = make_user("family_liaison")
    with database.session() as s:
        s.get(User, user.id).language = "fr"
    assert login(user).status_code == 302
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, preferred_language="ar")
    resp = confirm(client, relative["id"], confirm="y")
    assert resp.status_code == 200
    assert html_lang(resp.text) == ("fr", "ltr")
    assert re.search(r'<article class="family-notice" lang="ar" dir="rtl"', resp.text)
    printed = notice(resp.text)
    outside = resp.text.replace(printed, "")
    # The navigation and the officer's lines in French, the notice's words only in it.
    nav = re.search(r"<nav .*?</nav>", outside, re.S).group(0)
    assert "Liste de travail" in nav
    assert "<h1>Code de suivi délivré</h1>" in outside
    assert "رمز المتابعة" in printed and "رمز المتابعة" not in outside
    assert "Code de suivi" not in printed


def test_a_second_notice_replaces_the_first(
    signed_in_liaison, client, make_case, liaison, add_relative
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, preferred_language="en")
    first = confirm(client, relative["id"], confirm="y")
    old = CODE_RE.search(first.text).group(1), SECRET_RE.search(first.text).group(1)
    warning = issue_page(client, relative["id"])
    assert "already has a status code" in warning.text
    second = confirm(client, relative["id"], confirm="y")
    new = CODE_RE.search(second.text).group(1), SECRET_RE.search(second.text).group(1)
    assert new != old
    assert look_up(client, *old).status_code == 401
    assert look_up(client, *new).status_code == 200


def test_sending_the_same_confirmation_again_issues_nothing(
    signed_in_liaison, client, make_case, liaison, add_relative, database
):
    """A refresh of (or Back to) the printed notice re-sends the confirmation: it is refused
    (409, a page in the officer's language with a link back to the relative), and the code just
    printed keeps working."""
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, preferred_language="es")
    path = f"/relatives/{relative['id']}/family-access"
    data = form_data(client, relative["id"], confirm="y")
    assert data["replaces"] == "none"
    first = client.post(path, data=data)
    assert first.status_code == 200
    printed = CODE_RE.search(first.text).group(1), SECRET_RE.search(first.text).group(1)
    with database.session() as s:
        (row,) = s.scalars(select(FamilyAccess)).all()
        issued_id = row.id
    again = client.post(path, data=data)
    assert again.status_code == 409
    assert "no-store" in again.headers["Cache-Control"]
    assert not CODE_RE.search(again.text) and not SECRET_RE.search(again.text)
    assert "No new status code was issued" in again.text
    assert f'href="/relatives/{relative["id"]}"' in again.text
    with database.session() as s:
        assert [r.id for r in s.scalars(select(FamilyAccess)).all()] == [issued_id]
    assert look_up(client, *printed).status_code == 200
    # A replacement seen on the confirmation page is refused once another has replaced it.
    stale = form_data(client, relative["id"], confirm="y")
    assert stale["replaces"] == str(issued_id)
    second = client.post(path, data=stale)
    assert second.status_code == 200
    assert client.post(path, data=stale).status_code == 409
    # A form that does not say what it replaces issues nothing either.
    missing = {k: v for k, v in stale.items() if k != "replaces"}
    assert client.post(path, data=missing).status_code == 409
    new = CODE_RE.search(second.text).group(1), SECRET_RE.search(second.text).group(1)
    assert look_up(client, *new).status_code == 200


def test_the_refusal_is_translated(
    make_user, login, client, make_case, liaison, add_relative, database
):
    from casework.auth.models import User

    user = make_user("family_liaison")
    with database.session() as s:
        s.get(User, user.id).language = "fr"
    assert login(user).status_code == 302
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference)
    data = form_data(client, relative["id"], confirm="y")
    path = f"/relatives/{relative['id']}/family-access"
    assert client.post(path, data=data).status_code == 200
    again = client.post(path, data=data)
    assert again.status_code == 409
    assert html_lang(again.text) == ("fr", "ltr")
    assert "No new status code was issued" not in again.text


def test_nothing_is_issued_without_confirmation(
    signed_in_liaison, client, make_case, liaison, add_relative, database
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference)
    unconfirmed = confirm(client, relative["id"])
    assert unconfirmed.status_code == 422
    assert 'aria-invalid="true"' in unconfirmed.text
    no_token = client.post(f"/relatives/{relative['id']}/family-access", data={"confirm": "y"})
    assert no_token.status_code == 400
    with database.session() as s:
        assert s.scalars(select(FamilyAccess)).all() == []


def test_a_relative_who_did_not_report_gets_no_code(
    signed_in_liaison, client, make_case, liaison, add_relative, database
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference, is_reporting_person=False)
    assert issue_page(client, relative["id"]).status_code == 409
    token = csrf_from(client.get(f"/relatives/{relative['id']}").text)
    resp = client.post(
        f"/relatives/{relative['id']}/family-access", data={"csrf_token": token, "confirm": "y"}
    )
    assert resp.status_code == 409
    with database.session() as s:
        assert s.scalars(select(FamilyAccess)).all() == []


@pytest.mark.parametrize("role", ["forensic", "partner", "auditor", "admin"])
def test_other_roles_cannot_open_the_issue_page(
    role, make_user, login, client, make_case, liaison, add_relative
):
    reference = make_case(status="active_search")
    relative = add_relative(liaison, reference)
    login(make_user(role))
    assert client.get(f"/relatives/{relative['id']}/family-access").status_code == 403


def test_the_notice_prints_without_the_page_around_it(client):
    css = client.get("/static/casework.css").text
    block = css[css.index("@media print") :]
    for hidden in (".site-header", ".no-print"):
        assert hidden in block.split("}")[0]
