"""Share requests through the API: four eyes, revocation, who may ask, other organisations' cases,
and every way a share stops giving access (consent withdrawn, relative erased, retention run
out) with the exchange log recording it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from casework.exchange.models import PartnerGrant, Share
from tests.exchange.conftest import Sharing

JUSTIFICATION = "The person is in danger and the family cannot be reached at all."


def give_consent(sharing: Sharing, purpose: str, org: Any) -> str:
    resp = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={"purpose": purpose, "scope": [{"kind": "organisation", "value": str(org.id)}]},
    )
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def pending_dna_share(sharing: Sharing) -> dict[str, Any]:
    consent = give_consent(sharing, "identification", sharing.partner_org)
    resp = sharing.share(
        purpose="identification", categories=["identity", "dna_references"], consent_id=consent
    )
    assert resp.status_code == 201 and resp.json["status"] == "pending_approval", resp.json
    return resp.json


def partner_can_read(sharing: Sharing) -> bool:
    one = sharing.partner.get(f"/shared-cases/{sharing.reference}")
    listed = sharing.partner.get("/shared-cases").json["items"]
    assert (one.status_code == 200) == bool(listed), (one.status_code, listed)
    assert one.status_code in (200, 404)
    return one.status_code == 200


def events_of(exchange_log, org_id: Any, share_id: str) -> list[tuple[str, str, dict]]:
    return [
        # `by` marks an entry made by the other organisation (tested in test_flow_api.py).
        (e.direction.value, e.event.value, {k: v for k, v in e.details.items() if k != "by"})
        for e in exchange_log(org_id)
        if str(e.share_id) == share_id
    ]


def live_grants(database, share_id: str) -> list[str]:
    with database.session() as s:
        rows = s.scalars(
            select(PartnerGrant).where(
                PartnerGrant.share_id == uuid.UUID(share_id), PartnerGrant.ended_at.is_(None)
            )
        )
        return sorted(g.category for g in rows)


# --- four eyes ---------------------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_share(sharing, database):
    share = pending_dna_share(sharing)
    resp = sharing.focal.post(f"/shares/{share['id']}/approve", json={})
    assert resp.status_code == 409, resp.json
    assert resp.json["error"]["code"] == "four_eyes_required"
    assert resp.json["error"]["message"]
    still = sharing.focal.get(f"/shares/{share['id']}").json
    assert still["status"] == "pending_approval" and still["approved_by"] is None
    assert live_grants(database, share["id"]) == []
    assert not partner_can_read(sharing)


def test_a_second_focal_point_approves_and_the_partner_sees_it(sharing, database, exchange_log):
    share = pending_dna_share(sharing)
    resp = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={"version": 1})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["status"] == "active" and body["decision"] == "allowed"
    assert body["approved_by"] == sharing.second_focal.user.email
    assert body["requested_by"] == sharing.focal.user.email
    assert body["granted_at"] and body["expires_at"]
    assert body["version"] == 2
    assert live_grants(database, share["id"]) == ["dna_references", "identity"]
    assert partner_can_read(sharing)
    seen = sharing.partner.get(f"/shared-cases/{sharing.reference}").json
    assert seen["access"]["categories"] == ["identity", "dna_references"]
    assert seen["access"]["purposes"] == ["identification"]
    assert ("outgoing", "approved", {}) in events_of(exchange_log, sharing.owner.id, share["id"])
    incoming = events_of(exchange_log, sharing.partner_org.id, share["id"])
    assert ("incoming", "granted", {}) in incoming


def test_approving_twice_is_a_conflict(sharing, api):
    share = pending_dna_share(sharing)
    first = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={})
    assert first.status_code == 200, first.json
    third = api("focal_point")
    again = third.post(f"/shares/{share['id']}/approve", json={})
    assert again.status_code == 409, again.json
    assert again.json["error"]["code"] == "not_pending_approval"
    after = sharing.focal.get(f"/shares/{share['id']}").json
    assert after["approved_by"] == sharing.second_focal.user.email


def test_an_allowed_share_needs_no_approval(sharing):
    share = sharing.share().json
    resp = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "not_pending_approval"


def test_a_stale_version_on_approval_is_a_conflict(sharing):
    share = pending_dna_share(sharing)
    resp = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={"version": 7})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "version_conflict"
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "pending_approval"


def test_a_pending_share_whose_consent_was_withdrawn_cannot_be_approved(sharing, database):
    share = pending_dna_share(sharing)
    consents = sharing.focal.get(f"/relatives/{sharing.relative_id}/consents").json["items"]
    [identification] = [c for c in consents if c["purpose"] == "identification"]
    # Withdrawing the consent ends the pending share already (it relied on it).
    sharing.focal.post(f"/consents/{identification['id']}/withdraw", json={"reason": "asked"})
    resp = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={})
    assert resp.status_code == 409, resp.json
    assert live_grants(database, share["id"]) == []
    assert not partner_can_read(sharing)


# --- revocation -------------------------------------------------------------------------------


def test_revoking_ends_access_at_once_and_is_logged(sharing, database, exchange_log):
    share = sharing.share(categories=["identity", "circumstances"]).json
    assert partner_can_read(sharing)
    resp = sharing.second_focal.post(
        f"/shares/{share['id']}/revoke", json={"note": "no longer needed", "version": 1}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "revoked" and resp.json["end_reason"] == "revoked"
    assert resp.json["ended_at"]
    assert not partner_can_read(sharing)
    assert live_grants(database, share["id"]) == []
    owner = events_of(exchange_log, sharing.owner.id, share["id"])
    assert ("outgoing", "revoked", {"reason": "revoked"}) in owner
    partner = events_of(exchange_log, sharing.partner_org.id, share["id"])
    assert ("incoming", "grant_ended", {"reason": "revoked"}) in partner
    log = sharing.focal.get("/exchanges", query_string={"case": sharing.reference}).json["items"]
    assert any(e["event"] == "revoked" and e["share_id"] == share["id"] for e in log)
    # The note is kept with the share, not in the log.
    assert "no longer needed" not in str(log)


def test_revoking_a_pending_share_means_it_never_starts(sharing, database, exchange_log):
    share = pending_dna_share(sharing)
    resp = sharing.focal.post(f"/shares/{share['id']}/revoke", json={})
    assert resp.status_code == 200 and resp.json["status"] == "revoked", resp.json
    approve = sharing.second_focal.post(f"/shares/{share['id']}/approve", json={})
    assert approve.status_code == 409
    assert live_grants(database, share["id"]) == []
    assert not partner_can_read(sharing)
    # Access never started: nothing in the partner's log.
    assert events_of(exchange_log, sharing.partner_org.id, share["id"]) == []


def test_revoking_a_denied_share_is_a_conflict(sharing):
    denied = sharing.share(consent_id=None).json
    assert denied["status"] == "denied"
    resp = sharing.focal.post(f"/shares/{denied['id']}/revoke", json={})
    assert resp.status_code == 409, resp.json
    assert resp.json["error"]["code"] == "share_not_active"
    assert sharing.focal.get(f"/shares/{denied['id']}").json["status"] == "denied"


def test_revoking_twice_is_a_conflict(sharing):
    share = sharing.share().json
    assert sharing.focal.post(f"/shares/{share['id']}/revoke", json={}).status_code == 200
    again = sharing.focal.post(f"/shares/{share['id']}/revoke", json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "share_not_active"


# --- who may, and whose cases -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner", "admin", "auditor", "family_liaison", "forensic"])
def test_only_a_focal_point_requests_a_share(sharing, api, database, role):
    caller = sharing.partner if role == "partner" else api(role)
    resp = sharing.share(caller)
    assert resp.status_code == 403, resp.json
    with database.session() as s:
        assert s.scalars(select(Share)).first() is None


@pytest.mark.parametrize("role", ["partner", "admin", "auditor", "family_liaison"])
def test_only_a_focal_point_approves_or_revokes(sharing, api, role):
    share = pending_dna_share(sharing)
    caller = sharing.partner if role == "partner" else api(role)
    assert caller.post(f"/shares/{share['id']}/approve", json={}).status_code == 403
    assert caller.post(f"/shares/{share['id']}/revoke", json={}).status_code == 403
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "pending_approval"


def test_another_organisations_case_is_out_of_reach(sharing, api, org, make_org, database):
    elsewhere = make_org("MX", "humanitarian")
    stranger = api("focal_point", elsewhere)
    body = {
        "recipient_organisation_id": str(sharing.partner_org.id),
        "purpose": "tracing",
        "categories": ["identity"],
        "legal_basis": "vital_interest",
        "justification": JUSTIFICATION,
    }
    resp = stranger.post(f"/cases/{sharing.reference}/shares", json=body)
    assert resp.status_code == 404, resp.json
    assert stranger.get(f"/cases/{sharing.reference}/shares").status_code == 404
    with database.session() as s:
        assert s.scalars(select(Share)).first() is None
    # Nor can they see, approve or revoke this organisation's shares.
    share = pending_dna_share(sharing)
    assert stranger.get(f"/shares/{share['id']}").status_code == 404
    assert stranger.post(f"/shares/{share['id']}/approve", json={}).status_code == 404
    assert stranger.post(f"/shares/{share['id']}/revoke", json={}).status_code == 404
    assert stranger.get("/shares").json["items"] == []
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "pending_approval"


def test_a_share_to_the_own_organisation_is_refused(sharing, database):
    resp = sharing.share(recipient_organisation_id=str(sharing.owner.id))
    assert resp.status_code == 422, resp.json
    assert "recipient_organisation_id" in resp.json["error"]["fields"]
    with database.session() as s:
        assert s.scalars(select(Share)).first() is None


def test_an_unknown_recipient_is_refused(sharing):
    resp = sharing.share(recipient_organisation_id=str(uuid.uuid4()))
    assert resp.status_code == 422, resp.json
    assert "recipient_organisation_id" in resp.json["error"]["fields"]


def test_the_partner_cannot_read_the_case_through_the_registry(sharing):
    sharing.share(categories=["identity", "circumstances"])
    assert partner_can_read(sharing)
    assert sharing.partner.get(f"/cases/{sharing.reference}").status_code in (403, 404)
    assert sharing.partner.get(f"/cases/{sharing.reference}/shares").status_code == 403


def test_another_partner_organisation_sees_nothing(sharing, api, make_org):
    sharing.share(categories=["identity", "circumstances"])
    other = api("partner", make_org("CH", "humanitarian"))
    assert other.get("/shared-cases").json["items"] == []
    assert other.get(f"/shared-cases/{sharing.reference}").status_code == 404


def test_other_roles_of_the_partner_organisation_see_nothing(sharing, api):
    sharing.share(categories=["identity", "circumstances"])
    for role, case_status in (("focal_point", 404), ("admin", 403)):
        caller = api(role, sharing.partner_org)
        assert caller.get("/shared-cases").status_code == 403
        assert caller.get(f"/shared-cases/{sharing.reference}").status_code == 403
        # Their focal point reads cases, but not this one; their admin reads no case at all.
        assert caller.get(f"/cases/{sharing.reference}").status_code == case_status


# --- consent withdrawn, relative erased ---------------------------------------------------------


def test_consent_withdrawal_ends_every_share_relying_on_it(sharing, database, exchange_log):
    # Two shares rely on the same consent; a third on the vital-interest basis does not.
    first = sharing.share(categories=["identity"]).json
    second = sharing.share(categories=["circumstances", "physical_description"]).json
    vital = sharing.share(
        categories=["identity"],
        legal_basis="vital_interest",
        consent_id=None,
        justification=JUSTIFICATION,
    ).json
    assert {first["status"], second["status"], vital["status"]} == {"active"}

    resp = sharing.focal.post(
        f"/consents/{sharing.consent_id}/withdraw", json={"reason": "the family asked"}
    )
    assert resp.status_code == 200, resp.json

    for share in (first, second):
        now = sharing.focal.get(f"/shares/{share['id']}").json
        assert now["status"] == "revoked" and now["end_reason"] == "consent_withdrawn", now
        assert live_grants(database, share["id"]) == []
        owner = events_of(exchange_log, sharing.owner.id, share["id"])
        assert ("outgoing", "grant_ended", {"reason": "consent_withdrawn"}) in owner
        theirs = events_of(exchange_log, sharing.partner_org.id, share["id"])
        assert ("incoming", "grant_ended", {"reason": "consent_withdrawn"}) in theirs
    assert sharing.focal.get(f"/shares/{vital['id']}").json["status"] == "active"
    assert live_grants(database, vital["id"]) == ["identity"]
    # The partner keeps only what the vital-interest share gives.
    seen = sharing.partner.get(f"/shared-cases/{sharing.reference}")
    assert seen.status_code == 200
    assert seen.json["access"]["categories"] == ["identity"]
    assert "circumstances" not in seen.json and "distinguishing_marks" not in seen.json


def test_withdrawing_an_unrelated_consent_ends_nothing(sharing, database):
    share = sharing.share().json
    other = give_consent(sharing, "contact", sharing.partner_org)
    sharing.focal.post(f"/consents/{other}/withdraw", json={"reason": "asked"})
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "active"
    assert partner_can_read(sharing)


def test_erasing_the_relative_ends_the_shares_relying_on_their_consent(
    sharing, database, exchange_log
):
    share = sharing.share(categories=["identity", "circumstances"]).json
    pending = pending_dna_share(sharing)
    assert partner_can_read(sharing)
    resp = sharing.focal.post(f"/relatives/{sharing.relative_id}/erase", json={"confirm": True})
    assert resp.status_code == 200, resp.json
    assert not partner_can_read(sharing)
    for s in (share, pending):
        now = sharing.focal.get(f"/shares/{s['id']}").json
        assert now["status"] == "revoked" and now["end_reason"] == "consent_withdrawn", now
    assert live_grants(database, share["id"]) == []
    owner = events_of(exchange_log, sharing.owner.id, share["id"])
    assert ("outgoing", "grant_ended", {"reason": "consent_withdrawn"}) in owner
    # A new request naming the erased relative's consent is refused.
    again = sharing.share()
    assert again.json["decision"] == "denied"
    [basis] = [r for r in again.json["reasons"] if r["rule"] == "legal_basis"]
    assert basis["outcome"] == "failed"


# --- expiry -------------------------------------------------------------------------------------


def _expire_in_database(database, share_id: str) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with database.session() as s:
        share = s.get(Share, uuid.UUID(share_id))
        share.expires_at = past
        for grant in s.scalars(select(PartnerGrant).where(PartnerGrant.share_id == share.id)):
            grant.expires_at = past
        s.commit()


def test_expiry_ends_access_and_the_sweep_logs_it(sharing, database, exchange_log, cli):
    share = sharing.share(categories=["identity", "circumstances"]).json
    other = sharing.share(categories=["physical_description"]).json
    assert share["retention_days"] == 90
    assert partner_can_read(sharing)
    _expire_in_database(database, share["id"])
    # Access stops at expires_at, before the sweep has recorded anything.
    seen = sharing.partner.get(f"/shared-cases/{sharing.reference}").json
    assert seen["access"]["categories"] == ["physical_description"]
    assert "given_names" not in seen and "circumstances" not in seen
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "expired"

    result = cli("exchange", "expire")
    assert result.exit_code == 0, result.output
    assert "1 share(s) expired" in result.output
    owner = events_of(exchange_log, sharing.owner.id, share["id"])
    assert ("outgoing", "grant_ended", {"reason": "expired"}) in owner
    theirs = events_of(exchange_log, sharing.partner_org.id, share["id"])
    assert ("incoming", "grant_ended", {"reason": "expired"}) in theirs
    now = sharing.focal.get(f"/shares/{share['id']}").json
    assert now["status"] == "expired" and now["end_reason"] == "expired"
    assert sharing.focal.get(f"/shares/{other['id']}").json["status"] == "active"
    # Run again: nothing more to record.
    again = cli("exchange", "expire")
    assert again.exit_code == 0 and "0 share(s) expired" in again.output
    assert len(events_of(exchange_log, sharing.owner.id, share["id"])) == len(owner)


def test_shares_list_their_decisions(sharing):
    allowed = sharing.share().json
    denied = sharing.share(consent_id=None).json
    pending = pending_dna_share(sharing)
    listed = sharing.focal.get(f"/cases/{sharing.reference}/shares")
    assert listed.status_code == 200, listed.json
    assert [s["id"] for s in listed.json["items"]] == [pending["id"], denied["id"], allowed["id"]]
    assert listed.json["total"] == 3
    only = sharing.focal.get(
        f"/cases/{sharing.reference}/shares", query_string={"status": "denied"}
    ).json["items"]
    assert [s["id"] for s in only] == [denied["id"]]
    waiting = sharing.second_focal.get("/shares").json["items"]
    assert [s["id"] for s in waiting] == [pending["id"]]
