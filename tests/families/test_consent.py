"""Consent records: give, withdraw (at once, recorded, never deleted), and the one function that
answers "is there valid consent for purpose P to recipient R?"."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from casework.auth.models import Organisation
from casework.families.models import Consent, Relative
from casework.families.policy import has_valid_consent
from tests.families.helpers import CANARY_EVIDENCE


@pytest.fixture
def mother(liaison, case_ref, add_relative):
    return add_relative(liaison, case_ref)


@pytest.fixture
def partners(make_org):
    return {
        "icrc": make_org("CH", "humanitarian"),
        "gt_authority": make_org("GT", "national_authority"),
        "mx_consulate": make_org("MX", "consulate"),
    }


def give(caller, relative_id, **body):
    body.setdefault("purpose", "tracing")
    body.setdefault("scope", [{"kind": "any"}])
    return caller.post(f"/relatives/{relative_id}/consents", json=body)


def test_give_answers_201_with_the_whole_record(liaison, mother):
    resp = give(
        liaison,
        mother["id"],
        purpose="identification",
        scope=[{"kind": "category", "value": "humanitarian"}],
        given_at="2026-01-15",
        evidence_reference=CANARY_EVIDENCE,
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert {"id", "purpose", "scope", "given_at", "evidence_reference", "withdrawn_at"} <= set(body)
    assert body["purpose"] == "identification"
    assert body["scope"] == [{"kind": "category", "value": "humanitarian"}]
    assert body["given_at"].startswith("2026-01-15T00:00:00")
    assert body["evidence_reference"] == CANARY_EVIDENCE
    assert body["withdrawn_at"] is None
    assert body["recorded_by"] == str(liaison.user.id)
    listing = liaison.get(f"/relatives/{mother['id']}/consents")
    assert listing.json["total"] == 1
    assert listing.json["items"][0]["id"] == body["id"]


def test_focal_point_may_record_consent(api, mother):
    assert give(api("focal_point"), mother["id"]).status_code == 201


def test_withdrawal_is_recorded_and_never_deleted(liaison, mother, audit_events):
    consent = give(liaison, mother["id"]).json
    resp = liaison.post(f"/consents/{consent['id']}/withdraw", json={"reason": "changed mind"})
    assert resp.status_code == 200, resp.json
    assert resp.json["withdrawn_at"] is not None
    assert resp.json["withdrawn_by"] == str(liaison.user.id)
    assert resp.json["withdrawal_reason"] == "changed mind"
    again = liaison.post(f"/consents/{consent['id']}/withdraw", json={"reason": "again"})
    assert again.status_code == 409
    listing = liaison.get(f"/relatives/{mother['id']}/consents").json
    assert listing["total"] == 1 and listing["items"][0]["withdrawn_at"] is not None
    assert [e.action for e in audit_events() if e.action.startswith("consent.")] == [
        "consent.give",
        "consent.withdraw",
    ]


def test_withdrawal_needs_a_reason(liaison, mother):
    consent = give(liaison, mother["id"]).json
    resp = liaison.post(f"/consents/{consent['id']}/withdraw", json={})
    assert resp.status_code == 422
    assert "reason" in resp.json["error"]["fields"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"purpose": "law_enforcement"}, "purpose"),
        ({"scope": []}, "scope"),
        ({"scope": [{"kind": "everyone"}]}, "scope"),
        ({"scope": [{"kind": "organisation", "value": "not-a-uuid"}]}, "scope"),
        ({"scope": [{"kind": "category", "value": "police"}]}, "scope"),
        ({"scope": [{"kind": "any", "value": "x"}]}, "scope"),
        ({"scope": "any"}, "scope"),
        ({"given_at": "yesterday"}, "given_at"),
        ({"given_at": "2999-01-01"}, "given_at"),
        ({"evidence_reference": "x" * 501}, "evidence_reference"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_consents_are_422_naming_the_field(liaison, mother, database, body, field):
    resp = give(liaison, mother["id"], **body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    with database.session() as s:
        assert s.query(Consent).count() == 0


# --- has_valid_consent ------------------------------------------------------------------------


def _check(database, relative_id, purpose, recipient) -> bool:
    with database.session() as s:
        relative = s.get(Relative, uuid.UUID(relative_id))
        return has_valid_consent(s, relative, purpose, recipient)


def _check_case(database, relative_id, purpose, recipient) -> bool:
    with database.session() as s:
        relative = s.get(Relative, uuid.UUID(relative_id))
        return has_valid_consent(s, relative.case, purpose, recipient.id)


def test_consent_for_one_organisation(liaison, mother, partners, database):
    icrc, gt = partners["icrc"], partners["gt_authority"]
    give(liaison, mother["id"], scope=[{"kind": "organisation", "value": str(icrc.id)}])
    assert _check(database, mother["id"], "tracing", icrc) is True
    assert _check(database, mother["id"], "tracing", icrc.id) is True  # by id too
    assert _check(database, mother["id"], "tracing", gt) is False  # out of scope
    assert _check(database, mother["id"], "identification", icrc) is False  # wrong purpose
    assert _check(database, mother["id"], "dna", icrc) is False
    assert _check_case(database, mother["id"], "tracing", icrc) is True  # through the case
    assert _check_case(database, mother["id"], "tracing", gt) is False


def test_consent_for_a_category_of_recipients(liaison, mother, partners, database):
    give(liaison, mother["id"], purpose="dna", scope=[{"kind": "category", "value": "consulate"}])
    assert _check(database, mother["id"], "dna", partners["mx_consulate"]) is True
    assert _check(database, mother["id"], "dna", partners["icrc"]) is False


def test_consent_for_any_recipient(liaison, mother, partners, database):
    give(liaison, mother["id"], purpose="contact", scope=[{"kind": "any"}])
    for partner in partners.values():
        assert _check(database, mother["id"], "contact", partner) is True
    assert _check(database, mother["id"], "tracing", partners["icrc"]) is False


def test_the_holding_organisation_is_always_covered(liaison, mother, partners, database, org):
    scope = [{"kind": "organisation", "value": str(partners["icrc"].id)}]
    give(liaison, mother["id"], scope=scope)
    assert _check(database, mother["id"], "tracing", org) is True


def test_withdrawal_takes_effect_at_once(liaison, mother, partners, database):
    icrc = partners["icrc"]
    consent = give(liaison, mother["id"], scope=[{"kind": "any"}]).json
    assert _check(database, mother["id"], "tracing", icrc) is True
    liaison.post(f"/consents/{consent['id']}/withdraw", json={"reason": "no longer"})
    assert _check(database, mother["id"], "tracing", icrc) is False
    assert _check_case(database, mother["id"], "tracing", icrc) is False


def test_another_valid_consent_still_counts_after_one_is_withdrawn(
    liaison, mother, partners, database
):
    icrc = partners["icrc"]
    first = give(liaison, mother["id"], scope=[{"kind": "any"}]).json
    give(liaison, mother["id"], scope=[{"kind": "category", "value": "humanitarian"}])
    liaison.post(f"/consents/{first['id']}/withdraw", json={"reason": "narrower now"})
    assert _check(database, mother["id"], "tracing", icrc) is True
    assert _check(database, mother["id"], "tracing", partners["gt_authority"]) is False


def test_unknown_purpose_or_recipient_is_no_consent(liaison, mother, database):
    give(liaison, mother["id"], scope=[{"kind": "any"}])
    assert _check(database, mother["id"], "law_enforcement", uuid.uuid4()) is False
    assert _check(database, mother["id"], "tracing", uuid.uuid4()) is False


def test_a_future_given_at_does_not_count_yet(liaison, mother, partners, database):
    from casework.families.policy import consent_is_valid

    give(liaison, mother["id"], scope=[{"kind": "any"}])
    with database.session() as s:
        consent = s.query(Consent).one()
        icrc = s.get(Organisation, partners["icrc"].id)
        owner = consent.relative.case.organisation_id
        before = consent.given_at - dt.timedelta(days=1)
        assert consent_is_valid(consent, "tracing", icrc, owner, at=before) is False
        assert consent_is_valid(consent, "tracing", icrc, owner) is True
