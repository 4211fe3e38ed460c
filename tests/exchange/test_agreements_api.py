"""Agreements through the API: only an admin records and changes them (focal points and auditors
read them); each change is a new version with a revision naming what changed; ending one today
ends the access given under it at once; invalid terms are a 422 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.exchange.conftest import ALL_PURPOSES, make_agreement

NOT_ADMIN = ["focal_point", "auditor", "family_liaison", "forensic", "partner"]
ZERO = "00000000-0000-0000-0000-000000000000"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def valid_body(partner_org: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "partner_organisation_id": str(partner_org.id),
        "purposes": {"tracing": ["identity", "circumstances"]},
        "legal_bases": ["consent"],
        "valid_from": "2026-01-01",
        "valid_to": "2029-12-31",
        "retention_days": 30,
        "consent_required": True,
    } | overrides


def patch(caller: Any, agreement: dict[str, Any], **changes: Any):
    return caller.patch(f"/agreements/{agreement['id']}", json=changes)


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_an_admin_records_an_agreement(sharing, api, role):
    caller = api(role)
    before = sharing.admin.get("/agreements").json["total"]
    resp = caller.post("/agreements", json=valid_body(sharing.partner_org))
    assert resp.status_code == 403, resp.json
    assert resp.json["error"]["code"] == "forbidden"
    assert sharing.admin.get("/agreements").json["total"] == before


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_an_admin_changes_an_agreement(sharing, api, role):
    resp = patch(api(role), sharing.agreement, version=1, retention_days=10)
    assert resp.status_code == 403, resp.json
    again = sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json
    assert again["version"] == 1 and again["retention_days"] == 90


@pytest.mark.parametrize("role", ["focal_point", "auditor", "admin"])
def test_focal_points_auditors_and_admins_read_agreements(sharing, api, role):
    caller = sharing.admin if role == "admin" else api(role)
    listed = caller.get("/agreements")
    assert listed.status_code == 200, listed.json
    assert [a["id"] for a in listed.json["items"]] == [sharing.agreement["id"]]
    assert listed.json["total"] == 1 and listed.json["page"] == 1
    one = caller.get(f"/agreements/{sharing.agreement['id']}")
    assert one.status_code == 200 and one.json["id"] == sharing.agreement["id"]


@pytest.mark.parametrize("role", ["family_liaison", "forensic", "partner"])
def test_other_roles_do_not_read_agreements(sharing, api, role):
    assert api(role).get("/agreements").status_code == 403
    assert api(role).get(f"/agreements/{sharing.agreement['id']}").status_code == 403


def test_another_organisations_agreement_is_out_of_reach(sharing, api, make_org):
    elsewhere = make_org("MX", "national_authority")
    stranger = api("admin", elsewhere)
    assert stranger.get(f"/agreements/{sharing.agreement['id']}").status_code == 404
    assert stranger.get("/agreements").json["items"] == []
    resp = patch(stranger, sharing.agreement, version=1, retention_days=10)
    assert resp.status_code == 404, resp.json
    assert sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json["version"] == 1


def test_the_partner_organisations_admin_reads_but_cannot_change_it(sharing, api):
    theirs = api("admin", sharing.partner_org)
    assert theirs.get(f"/agreements/{sharing.agreement['id']}").status_code == 200
    resp = patch(theirs, sharing.agreement, version=1, retention_days=3650)
    assert resp.status_code == 404, resp.json
    assert sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json["retention_days"] == 90


# --- create ------------------------------------------------------------------------------------


def test_create_answers_the_whole_record_with_its_first_revision(sharing, make_org):
    partner = make_org("FR", "humanitarian", name="Croix-Rouge test")
    resp = sharing.admin.post(
        "/agreements", json=valid_body(partner, title="Tracing cooperation 2026")
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert resp.headers["Location"].endswith(f"/agreements/{body['id']}")
    assert resp.headers["ETag"] == '"1"'
    assert body["partner_organisation_id"] == str(partner.id)
    assert body["partner_name"] == "Croix-Rouge test"
    assert body["organisation_id"] == str(sharing.owner.id)
    assert body["purposes"] == {"tracing": ["identity", "circumstances"]}
    assert body["legal_bases"] == ["consent"]
    assert (body["valid_from"], body["valid_to"]) == ("2026-01-01", "2029-12-31")
    assert body["retention_days"] == 30 and body["consent_required"] is True
    assert body["version"] == 1 and body["ended_on"] is None
    assert body["title"] == "Tracing cooperation 2026"
    [revision] = body["revisions"]
    assert revision["version"] == 1
    assert revision["changed_by"] == sharing.admin.user.email
    assert revision["terms"]["retention_days"] == 30
    assert revision["terms"]["purposes"] == {"tracing": ["identity", "circumstances"]}
    # The same record is read back.
    again = sharing.admin.get(f"/agreements/{body['id']}").json
    assert {k: again[k] for k in body if k != "updated_at"} == {
        k: body[k] for k in body if k != "updated_at"
    }


def test_consent_is_required_unless_said_otherwise(sharing, make_org):
    body = valid_body(make_org("FR", "humanitarian"))
    del body["consent_required"]
    resp = sharing.admin.post("/agreements", json=body)
    assert resp.status_code == 201 and resp.json["consent_required"] is True


# --- change: versioned, never silent -----------------------------------------------------------


def test_a_change_needs_the_version(sharing):
    resp = patch(sharing.admin, sharing.agreement, retention_days=10)
    assert resp.status_code == 422 and "version" in resp.json["error"]["fields"], resp.json
    assert sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json["version"] == 1


def test_a_stale_version_is_a_conflict(sharing):
    first = patch(sharing.admin, sharing.agreement, version=1, retention_days=60)
    assert first.status_code == 200, first.json
    stale = patch(sharing.admin, sharing.agreement, version=1, retention_days=10)
    assert stale.status_code == 409, stale.json
    assert stale.json["error"]["code"] == "version_conflict"
    now = sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json
    assert (now["version"], now["retention_days"]) == (2, 60)


def test_the_version_may_come_in_if_match(sharing):
    resp = sharing.admin.patch(
        f"/agreements/{sharing.agreement['id']}",
        json={"retention_days": 45},
        headers={"If-Match": '"1"'},
    )
    assert resp.status_code == 200 and resp.json["version"] == 2, resp.json
    assert resp.headers["ETag"] == '"2"'


def test_each_change_raises_the_version_and_keeps_a_revision(sharing):
    first = patch(sharing.admin, sharing.agreement, version=1, retention_days=30)
    assert first.status_code == 200, first.json
    assert first.json["version"] == 2 and first.json["retention_days"] == 30
    second = patch(
        sharing.admin,
        sharing.agreement,
        version=2,
        purposes={"tracing": ["identity"]},
        legal_bases=["consent"],
    )
    assert second.status_code == 200, second.json
    body = second.json
    assert body["version"] == 3
    assert [(r["version"], r["changed_fields"]) for r in body["revisions"]] == [
        (1, sorted(body["revisions"][0]["changed_fields"])),
        (2, ["retention_days"]),
        (3, ["legal_bases", "purposes"]),
    ]
    # Each revision keeps its own terms: the old ones are not rewritten.
    terms = {r["version"]: r["terms"] for r in body["revisions"]}
    assert terms[1]["retention_days"] == 90 and terms[2]["retention_days"] == 30
    assert terms[1]["purposes"] == {p: c for p, c in sorted(ALL_PURPOSES.items())}
    assert terms[3]["purposes"] == {"tracing": ["identity"]}
    assert terms[2]["legal_bases"] == ["consent", "vital_interest"]
    assert terms[3]["legal_bases"] == ["consent"]
    assert all(r["changed_by"] == sharing.admin.user.email for r in body["revisions"])


def test_a_patch_that_changes_nothing_keeps_the_version(sharing):
    resp = patch(sharing.admin, sharing.agreement, version=1, retention_days=90)
    assert resp.status_code == 200 and resp.json["version"] == 1
    assert len(resp.json["revisions"]) == 1


def test_a_narrowed_agreement_refuses_what_it_no_longer_allows(sharing):
    patch(sharing.admin, sharing.agreement, version=1, purposes={"tracing": ["identity"]})
    resp = sharing.share(categories=["identity", "circumstances"])
    assert resp.json["decision"] == "denied"
    assert any(r["rule"] == "categories" and r["outcome"] == "failed" for r in resp.json["reasons"])


# --- ending an agreement early -----------------------------------------------------------------


def test_ending_it_today_ends_the_shares_under_it(sharing, exchange_log):
    share = sharing.share(categories=["identity", "circumstances"])
    assert share.json["status"] == "active", share.json
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 200

    resp = patch(sharing.admin, sharing.agreement, version=1, ended_on=today().isoformat())
    assert resp.status_code == 200, resp.json
    assert resp.json["ended_on"] == today().isoformat() and resp.json["version"] == 2
    assert resp.json["is_active"] is False
    assert resp.json["revisions"][-1]["changed_fields"] == ["ended_on"]

    # The partner loses access at once.
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 404
    assert sharing.partner.get("/shared-cases").json["items"] == []
    ended = sharing.focal.get(f"/shares/{share.json['id']}").json
    assert ended["status"] == "revoked" and ended["end_reason"] == "agreement_ended"
    # Both logs record the end of the grant.
    owner = [(e.event.value, e.details) for e in exchange_log(sharing.owner.id)]
    assert ("grant_ended", {"reason": "agreement_ended"}) in owner
    theirs = [
        (e.event.value, {k: v for k, v in e.details.items() if k != "by"})
        for e in exchange_log(sharing.partner_org.id)
    ]
    assert ("grant_ended", {"reason": "agreement_ended"}) in theirs
    log = sharing.focal.get("/exchanges").json["items"]
    assert any(e["event"] == "grant_ended" and e["share_id"] == share.json["id"] for e in log)
    # A new request under it is refused.
    again = sharing.share()
    assert again.json["decision"] == "denied"
    [rule1] = [r for r in again.json["reasons"] if r["rule"] == "agreement"]
    assert (rule1["outcome"], rule1["code"]) == ("failed", "agreement_expired")


def test_ending_it_on_a_later_day_keeps_access_until_then(sharing):
    share = sharing.share()
    later = (today() + dt.timedelta(days=10)).isoformat()
    resp = patch(sharing.admin, sharing.agreement, version=1, ended_on=later)
    assert resp.status_code == 200 and resp.json["is_active"] is True, resp.json
    assert sharing.focal.get(f"/shares/{share.json['id']}").json["status"] == "active"
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 200


@pytest.mark.parametrize("days", [1, 400])
def test_ending_it_in_the_past_is_invalid(sharing, days):
    past = (today() - dt.timedelta(days=days)).isoformat()
    resp = patch(sharing.admin, sharing.agreement, version=1, ended_on=past)
    assert resp.status_code == 422 and "ended_on" in resp.json["error"]["fields"], resp.json
    after = sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json
    assert after["version"] == 1 and after["ended_on"] is None


def test_an_ended_agreement_cannot_be_changed(sharing):
    patch(sharing.admin, sharing.agreement, version=1, ended_on=today().isoformat())
    for change in (
        {"retention_days": 10},
        {"valid_to": "2031-01-01"},
        {"ended_on": (today() + dt.timedelta(days=5)).isoformat()},
    ):
        resp = patch(sharing.admin, sharing.agreement, version=2, **change)
        assert resp.status_code == 409, (change, resp.json)
        assert resp.json["error"]["code"] == "agreement_ended"
    after = sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json
    assert after["version"] == 2 and after["retention_days"] == 90


# --- invalid input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purposes": {"surveillance": ["identity"]}}, "purposes"),
        ({"purposes": {"tracing": ["bank_account"]}}, "purposes"),
        ({"purposes": {"tracing": []}}, "purposes"),
        ({"purposes": {}}, "purposes"),
        ({"purposes": ["tracing"]}, "purposes"),
        ({"legal_bases": ["goodwill"]}, "legal_bases"),
        ({"legal_bases": []}, "legal_bases"),
        ({"valid_from": "2027-01-01", "valid_to": "2026-12-31"}, "valid_to"),
        ({"valid_from": "2026-02-30"}, "valid_from"),
        ({"valid_to": "not a date"}, "valid_to"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": -5}, "retention_days"),
        ({"retention_days": "thirty"}, "retention_days"),
        ({"retention_days": 100_000}, "retention_days"),
        ({"consent_required": "perhaps"}, "consent_required"),
        ({"partner_organisation_id": "not-a-uuid"}, "partner_organisation_id"),
        ({"partner_organisation_id": ZERO}, "partner_organisation_id"),
    ],
)
def test_invalid_terms_are_refused_naming_the_field(sharing, make_org, overrides, field):
    partner = make_org("FR", "humanitarian")
    before = sharing.admin.get("/agreements").json["total"]
    resp = sharing.admin.post("/agreements", json=valid_body(partner, **overrides))
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json
    assert sharing.admin.get("/agreements").json["total"] == before


@pytest.mark.parametrize(
    "missing", ["partner_organisation_id", "purposes", "legal_bases", "retention_days"]
)
def test_required_terms(sharing, make_org, missing):
    body = valid_body(make_org("FR", "humanitarian"))
    del body[missing]
    resp = sharing.admin.post("/agreements", json=body)
    assert resp.status_code == 422 and missing in resp.json["error"]["fields"], resp.json


def test_an_agreement_with_its_own_organisation_is_refused(sharing):
    resp = sharing.admin.post("/agreements", json=valid_body(sharing.owner))
    assert resp.status_code == 422, resp.json
    assert "partner_organisation_id" in resp.json["error"]["fields"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"valid_to": "2025-12-31"}, "valid_to"),  # before the agreement's valid_from
        ({"retention_days": 0}, "retention_days"),
        ({"purposes": {"tracing": ["nope"]}}, "purposes"),
        ({"ended_on": "yesterday"}, "ended_on"),
    ],
)
def test_invalid_changes_are_refused_naming_the_field(sharing, changes, field):
    resp = patch(sharing.admin, sharing.agreement, version=1, **changes)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json
    after = sharing.admin.get(f"/agreements/{sharing.agreement['id']}").json
    assert after["version"] == 1 and len(after["revisions"]) == 1


def test_an_unknown_agreement_is_404(sharing):
    for agreement_id in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
        assert sharing.admin.get(f"/agreements/{agreement_id}").status_code == 404
        resp = sharing.admin.patch(f"/agreements/{agreement_id}", json={"version": 1})
        assert resp.status_code == 404, resp.json


def test_agreements_filter_by_partner_and_activity(sharing, make_org):
    other = make_org("FR", "humanitarian")
    old = make_agreement(sharing.admin, other, valid_from="2020-01-01", valid_to="2021-01-01")
    by_partner = sharing.admin.get("/agreements", query_string={"partner": str(other.id)})
    assert [a["id"] for a in by_partner.json["items"]] == [old["id"]]
    active = sharing.admin.get("/agreements", query_string={"active": "true"})
    assert [a["id"] for a in active.json["items"]] == [sharing.agreement["id"]]
    inactive = sharing.admin.get("/agreements", query_string={"active": "false"})
    assert [a["id"] for a in inactive.json["items"]] == [old["id"]]


def test_an_agreement_ended_today_is_listed_as_inactive(sharing):
    patch(sharing.admin, sharing.agreement, version=1, ended_on=today().isoformat())
    active = sharing.admin.get("/agreements", query_string={"active": "true"})
    assert active.status_code == 200 and active.json["items"] == [], active.json
    inactive = sharing.admin.get("/agreements", query_string={"active": "false"})
    assert [a["id"] for a in inactive.json["items"]] == [sharing.agreement["id"]]


@pytest.mark.parametrize("value", ["yes", "1", "maybe", ""])
def test_the_active_filter_takes_true_or_false(sharing, value):
    resp = sharing.admin.get("/agreements", query_string={"active": value})
    assert resp.status_code == 422 and "active" in resp.json["error"]["fields"], resp.json
