"""Mixed-direction text on Arabic pages (issue 14, found by a tester): free text that users type
(names, safety notes, notes, places, circumstances) keeps its own direction wherever a page
shows it (inside <bdi> or an element with `dir`), so ".the embassy" no longer shows its full
stop at the wrong end; example dates in the help text are isolated left-to-right ("1990-05",
not "05-1990"); and the 403 page's sentence is translated."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from casework.auth.models import User
from tests.helpers import sign_in
from tests.platform import test_i18n
from tests.platform.test_i18n import page, translated

#: The case, relative and users of the visible-English test (a fixture).
world = test_i18n.world

#: Elements whose text is not laid out in the page's paragraphs (or is isolated by the browser).
UNLAID = {"title", "option", "script", "style", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Unisolated(HTMLParser):
    """The texts holding one of `values` with no <bdi> nor `dir` between them and <body>."""

    def __init__(self, values: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.values = values
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        isolated = tag == "bdi" or (tag not in ("html", "body") and "dir" in dict(attrs))
        self.stack.append((tag, isolated))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if any(tag in UNLAID for tag, _ in self.stack) or any(iso for _, iso in self.stack):
            return
        for value in self.values:
            if value in data:
                where = "/".join(tag for tag, _ in self.stack[-3:])
                self.found.append(f"{value!r} in <{where}>")


def unisolated(html: str, values: list[str]) -> list[str]:
    parser = Unisolated(values)
    parser.feed(html)
    return parser.found


def test_the_check_finds_bare_values_and_spares_isolated_ones():
    html = (
        "<html dir='rtl'><body><p>Never call.</p><p><bdi>Ana</bdi></p><td dir='auto'>Ana</td>"
        "<title>Ana</title><option>Ana</option><strong>Ana</strong></body></html>"
    )
    assert unisolated(html, ["Never call.", "Ana"]) == [
        "'Never call.' in <html/body/p>",
        "'Ana' in <html/body/strong>",
    ]


def _arabic_browser(app, database, user):
    with database.session() as s:
        s.get(User, user.id).language = "ar"
    browser = app.test_client()
    assert sign_in(browser, user).status_code == 302
    return browser


def test_typed_text_keeps_its_own_direction_on_arabic_pages(app, world, database, api):
    from tests.cases.conftest import FULL_CASE
    from tests.families.helpers import CANARY_ADDRESS, CANARY_NAME, CANARY_SAFETY

    reference, relative = world["reference"], world["relative"]
    liaison_user = world["users"]["family_liaison"]
    note = "Asked to be called back after the embassy visit."
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    body = {
        "relative_id": relative,
        "kind": "progress_update",
        "planned_date": yesterday,
        "notes": note,
    }
    created = api("family_liaison").post(f"/cases/{reference}/notifications", json=body)
    assert created.status_code == 201, created.json
    typed = [
        CANARY_NAME,
        CANARY_SAFETY,
        CANARY_ADDRESS,
        note,
        FULL_CASE["given_names"],
        FULL_CASE["family_names"],
        FULL_CASE["place_of_origin"],
        FULL_CASE["last_seen_place"],
        FULL_CASE["circumstances"],
        FULL_CASE["distinguishing_marks"],
        FULL_CASE["clothing_and_belongings"],
    ]
    found = {}
    liaison = _arabic_browser(app, database, liaison_user)
    focal = _arabic_browser(app, database, world["users"]["focal_point"])
    for browser, url in [
        (liaison, "/worklist"),
        (liaison, f"/relatives/{relative}"),
        (liaison, f"/cases/{reference}/family"),
        (focal, f"/cases/{reference}"),
        (focal, "/cases"),
    ]:
        left = unisolated(page(browser, url), typed)
        if left:
            found[url] = left
    assert not found, "\n".join(f"{url}: {'; '.join(v)}" for url, v in found.items())


def test_example_dates_of_the_registration_form_are_isolated_left_to_right(app, world, database):
    browser = _arabic_browser(app, database, world["users"]["focal_point"])
    html = page(browser, "/cases/new")
    help_text = re.search(r'<p class="muted">(.*?)</p>', html, re.S)
    assert help_text
    assert '<bdi dir="ltr">1990-05</bdi>' in help_text.group(1)
    assert '<bdi dir="ltr">1990</bdi>' in help_text.group(1)
    assert re.search(r"[\u0600-\u06ff]", help_text.group(1)), "the help text is translated"


def test_the_403_page_is_translated(app, world, database):
    browser = _arabic_browser(app, database, world["users"]["focal_point"])
    html = page(browser, "/audit", status=403)
    sentence = translated("ar", "Your role does not allow this action.")
    assert f"<p>{sentence}</p>" in html
    assert "Your role does not allow" not in html
