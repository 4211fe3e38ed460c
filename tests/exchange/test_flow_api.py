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
