"""Home pages with shares (issue 14, problem 9): a partner's home page counts the cases shared
with its organisation, and those shared in the last seven days, linking to the shared cases."""

from __future__ import annotations

import re

from tests.helpers import sign_in


def _due(client) -> dict[str, tuple[int, str]]:
    html = client.get("/").get_data(as_text=True)
    found = re.findall(r'data-due="([^"]+)" data-count="(\d+)"[^>]*>\s*<a href="([^"]+)"', html)
    return {key: (int(count), url) for key, count, url in found}


def test_partner_home_counts_the_cases_shared_with_it(app, sharing):
    partner = app.test_client()
    assert sign_in(partner, sharing.partner.user).status_code == 302
    assert _due(partner)["shared.cases"] == (0, "/shared-cases")

    share = sharing.share()  # identity for tracing under consent: active at once
    assert share.status_code == 201 and share.json["status"] == "active", share.json
    due = _due(partner)
    assert due["shared.cases"] == (1, "/shared-cases")
    assert due["shared.recent"] == (1, "/shared-cases")
    listing = partner.get("/shared-cases").get_data(as_text=True)
    assert sharing.reference in listing
