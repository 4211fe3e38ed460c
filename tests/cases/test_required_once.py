"""A required field's label says "(required)" once (issue 14, found by a tester: the status
note read "Note (required) (required)", once from the label's text and once from the form
macro's mark), on the case page and the forms of a case, in English and Spanish."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.cases.test_desk_pages import _register


class Labels(HTMLParser):
    """The text of every <label>, markup inside it included as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "label":
            self.depth += 1
            self.labels.append("")

    def handle_endtag(self, tag):
        if tag == "label" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.labels[-1] += data


def labels(html: str) -> list[str]:
    parser = Labels()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.labels]


@pytest.mark.parametrize(("language", "mark"), [("en", "(required)"), ("es", "(obligatorio)")])
def test_each_required_label_is_marked_once(client, login, make_user, language, mark):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    reference = _register(client, given_names="Amal", family_names="Haddad")
    headers = {"Accept-Language": language}
    found = {}
    for url in (f"/cases/{reference}", "/cases/new", f"/cases/{reference}/edit", "/cases"):
        html = client.get(url, headers=headers).get_data(as_text=True)
        twice = [text for text in labels(html) if text.count(mark) > 1]
        if twice:
            found[url] = twice
    assert not found, found
    page = client.get(f"/cases/{reference}", headers=headers).get_data(as_text=True)
    assert any(re.search(rf"\S {re.escape(mark)}$", text) for text in labels(page))
