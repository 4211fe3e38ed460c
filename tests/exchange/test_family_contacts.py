"""A family-contacts share shows a relative's contacts only when that relative's own live
consent covers the purpose and the recipient (under consent); one relative's consent does not
give away another's phone, and a withdrawal removes that relative at once."""

from __future__ import annotations

BROTHER = {
    "full_name": "Canarybrother Teodoro",
    "relationship": "brother",
    "phone": "+503 7799 1122",
    "safety_note": "Canarysafety never leave voice messages",
}


def _contact_consent(sharing, relative_id: str) -> str:
    resp = sharing.focal.post(
        f"/relatives/{relative_id}/consents",
        json={
            "purpose": "contact",
            "scope": [{"kind": "organisation", "value": str(sharing.partner_org.id)}],
        },
    )
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _names_seen(sharing) -> set[str]:
    resp = sharing.partner.get(f"/shared-cases/{sharing.reference}")
    assert resp.status_code == 200, resp.json
    return {r.get("full_name") for r in resp.json.get("relatives", [])}


def test_only_relatives_who_consented_are_shown_under_consent(sharing):
    brother = sharing.focal.post(f"/cases/{sharing.reference}/relatives", json=BROTHER)
    assert brother.status_code == 201, brother.json
    sister_consent = _contact_consent(sharing, sharing.relative_id)
    share = sharing.share(
        purpose="family_notification",
        categories=["identity", "family_contacts"],
        consent_id=sister_consent,
    )
    assert share.json["decision"] == "allowed", share.json["reasons"]

    assert _names_seen(sharing) == {"Canaryrelative Marisol"}
    page = sharing.partner.get(f"/shared-cases/{sharing.reference}").get_data(as_text=True)
    assert "Canarybrother" not in page and "+50377991122" not in page
    assert "Canarysafety" not in page

    # The brother consents himself: he appears; he withdraws: he is gone, the share stays.
    brother_consent = _contact_consent(sharing, brother.json["id"])
    assert _names_seen(sharing) == {"Canaryrelative Marisol", "Canarybrother Teodoro"}
    withdrawn = sharing.focal.post(
        f"/consents/{brother_consent}/withdraw", json={"reason": "changed his mind"}
    )
    assert withdrawn.status_code == 200
    assert _names_seen(sharing) == {"Canaryrelative Marisol"}


def test_a_consent_for_another_recipient_does_not_show_the_relative(sharing, make_org):
    other = make_org("FR", "humanitarian", name="Another Agency")
    brother = sharing.focal.post(f"/cases/{sharing.reference}/relatives", json=BROTHER).json
    resp = sharing.focal.post(
        f"/relatives/{brother['id']}/consents",
        json={"purpose": "contact", "scope": [{"kind": "organisation", "value": str(other.id)}]},
    )
    assert resp.status_code == 201
    share = sharing.share(
        purpose="family_notification",
        categories=["identity", "family_contacts"],
        consent_id=_contact_consent(sharing, sharing.relative_id),
    )
    assert share.json["decision"] == "allowed"
    assert _names_seen(sharing) == {"Canaryrelative Marisol"}


def test_under_vital_interest_every_relative_is_shown(sharing):
    sharing.focal.post(f"/cases/{sharing.reference}/relatives", json=BROTHER)
    share = sharing.share(
        purpose="family_notification",
        categories=["identity", "family_contacts"],
        legal_basis="vital_interest",
        consent_id=None,
        justification="The family cannot be reached and a body must be identified this week.",
    )
    assert share.json["decision"] == "allowed", share.json["reasons"]
    assert _names_seen(sharing) == {"Canaryrelative Marisol", "Canarybrother Teodoro"}
