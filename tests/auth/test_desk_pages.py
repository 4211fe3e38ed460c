"""The user-admin pages at the desk (issue 14): the new-user form pre-selects no role (a blank,
required choice), roles are named in words, and a refused form sums its errors up at its top."""

from __future__ import annotations

import re

from tests.auth.helpers import post_form, signed_in


def _role_select(html: str) -> str:
    match = re.search(r'<select[^>]*\bname="role"[^>]*>.*?</select>', html, re.S)
    assert match, "no role select"
    return match.group(0)


def test_the_new_user_form_chooses_no_role_for_the_admin(app, make_user, database):
    browser = signed_in(app, make_user("admin"))
    html = browser.get("/admin/users").get_data(as_text=True)
    select = _role_select(html)
    values = re.findall(r'<option[^>]*value="([^"]*)"', select)
    assert values[0] == ""
    chosen = re.findall(r'<option[^>]*\bselected\b[^>]*value="([^"]*)"', select)
    assert chosen in ([], [""])
    assert "required" in re.search(r"<select[^>]*>", select).group(0)
    assert "(required)" in html[: html.index('name="role"')].rsplit("<label", 1)[1]
    # Roles by their names, not their codes.
    assert ">Focal point<" in select and ">focal_point<" not in select
    assert "(Administrator)" not in html  # the table's roles are words too
    assert "focal_point</td>" not in html

    # Sent without a role: refused at the role field, in a summary at the form's top.
    resp = post_form(
        browser,
        "/admin/users",
        email="no.role@example.org",
        role="",
        password="a long and unusual passphrase 42",
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose a role." in page
    summary = page[page.index('class="error-summary"') :]
    assert 'href="#role"' in summary[: summary.index("</div>")]
    assert 'aria-invalid="true"' in re.search(r'<select[^>]*name="role"[^>]*>', page).group(0)
