"""A share through the API from request to the partner's view and its end."""

from __future__ import annotations


def test_allowed_share_gives_the_partner_the_granted_categories_only(sharing, exchange_log):
    resp = sharing.share(categories=["identity", "circumstances"])
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["decision"] == "allowed" and body["status"] == "active"
    assert [r["rule"] for r in body["reasons"]][:3] == ["agreement", "categories", "legal_basis"]

    listed = sharing.partner.get("/shared-cases")
    assert listed.status_code == 200, listed.json
    [row] = listed.json["items"]
    assert row["reference"] == sharing.reference
    assert row["given_names"] == "Canaryidentity Quetzal"
    assert "distinguishing_marks" not in row

    one = sharing.partner.get(f"/shared-cases/{sharing.reference}")
    assert one.status_code == 200, one.json
    assert one.json["circumstances"] == "Canarycircumstance Tecun Uman river"
    assert "distinguishing_marks" not in one.json and "relatives" not in one.json
    assert sharing.partner.get(f"/cases/{sharing.reference}").status_code in (403, 404)

    withdrawn = sharing.focal.post(
        f"/consents/{sharing.consent_id}/withdraw", json={"reason": "family asked"}
    )
    assert withdrawn.status_code == 200, withdrawn.json
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 404
    assert sharing.partner.get("/shared-cases").json["items"] == []
    events = [(e.direction.value, e.event.value) for e in exchange_log(sharing.owner.id)]
    assert ("outgoing", "requested") in events and ("outgoing", "grant_ended") in events


def test_each_log_names_only_its_own_staff(sharing, exchange_log):
    share = sharing.share()
    assert share.json["decision"] == "allowed"
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 200

    owner_log = exchange_log(sharing.owner.id)
    partner_log = exchange_log(sharing.partner_org.id)
    # The owner's focal point is named in the owner's log, not in the partner's.
    [requested] = [e for e in owner_log if e.event.value == "requested"]
    assert requested.actor_id == sharing.focal.user.id
    [granted] = [e for e in partner_log if e.event.value == "granted"]
    assert granted.actor_id is None and granted.details["by"] == "partner_organisation"
    # The partner's user is named in the partner's log, not in the owner's.
    [seen_there] = [e for e in partner_log if e.event.value == "viewed"]
    assert seen_there.actor_id == sharing.partner.user.id
    [seen_here] = [e for e in owner_log if e.event.value == "viewed"]
    assert seen_here.actor_id is None and seen_here.details["by"] == "partner_organisation"
