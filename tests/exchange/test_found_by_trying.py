"""Found by trying the sharing feature from outside (issue 10 review)."""

from __future__ import annotations

import datetime as dt

import pytest

import casework.exchange.grants as grants
import casework.exchange.queries as queries


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.mark.parametrize("shared_before_the_end_was_set", [True, False])
def test_an_agreement_ended_on_a_later_day_ends_the_access_on_that_day(
    sharing, monkeypatch, shared_before_the_end_was_set
):
    """The end page promises that access given under an agreement ends on the day it is ended;
    an end set for a later day let the partner read the case until the retention ran out."""
    ended_on = _today() + dt.timedelta(days=10)
    end = dt.datetime.combine(ended_on, dt.time(), tzinfo=dt.UTC)
    if shared_before_the_end_was_set:
        share = sharing.share()
    resp = sharing.admin.patch(
        f"/agreements/{sharing.agreement['id']}",
        json={"version": 1, "ended_on": ended_on.isoformat()},
    )
    assert resp.status_code == 200, resp.json
    if not shared_before_the_end_was_set:
        share = sharing.share()
    assert share.json["status"] == "active", share.json

    shown = sharing.focal.get(f"/shares/{share.json['id']}").json
    assert _instant(shown["expires_at"]) <= end, shown["expires_at"]
    listed = sharing.partner.get("/shared-cases").json["items"]
    assert [_instant(i["access"]["expires_at"]) <= end for i in listed] == [True]
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 200

    # The day after the agreement's end, the gateway gives nothing any more.
    after = end + dt.timedelta(hours=1)
    for module in (grants, queries):
        monkeypatch.setattr(module, "utcnow", lambda: after)
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 404
    assert sharing.partner.get("/shared-cases").json["items"] == []
