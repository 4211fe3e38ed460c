"""Each privacy rule of DESIGN §6 refuses a share through `POST /cases/<ref>/shares`: the request
is recorded (201, decision and status `denied`), the answer names the failing rule, and the
owner's exchange log holds the `requested` entry with the refusing rule (the issue's "Done
when" list). The four-eyes rules hold a share back until a second focal point approves it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exchange.conftest import Sharing, make_agreement

JUSTIFICATION = "The person is in danger and the family cannot be reached at all."


# --- helpers ----------------------------------------------------------------------------------


def give_consent(sharing: Sharing, purpose: str, scope: list[dict[str, Any]]) -> str:
    resp = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents", json={"purpose": purpose, "scope": scope}
    )
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def for_org(org: Any) -> list[dict[str, Any]]:
    return [{"kind": "organisation", "value": str(org.id)}]


def failed(body: dict[str, Any]) -> dict[str, str]:
    """The failing rules of a decision: rule → code."""
    return {r["rule"]: r["code"] for r in body["reasons"] if r["outcome"] == "failed"}


def assert_refused(sharing: Sharing, resp: Any, expected: dict[str, str], exchange_log) -> None:
    """Refused and recorded with exactly these failing rules (rule → code), and logged."""
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["decision"] == "denied" and body["status"] == "denied", body
    assert failed(body) == expected, body["reasons"]
    for reason in body["reasons"]:
        assert reason["message"], reason
    # The reasons come in the order of the design, every rule once.
    assert [r["rule"] for r in body["reasons"]] == [
        "agreement",
        "categories",
        "legal_basis",
        "protection",
        "special_categories",
        "purpose_limitation",
        "four_eyes",
        "minimisation",
    ]
    # The request is kept: the case's shares list it with the same decision.
    listed = sharing.focal.get(f"/cases/{sharing.reference}/shares").json["items"]
    [kept] = [s for s in listed if s["id"] == body["id"]]
    assert kept["status"] == "denied" and failed(kept) == expected
    # Logged in the owner's exchange log, with the refusing rules.
    [entry] = [
        e
        for e in exchange_log(sharing.owner.id)
        if e.share_id is not None and str(e.share_id) == body["id"]
    ]
    assert entry.event.value == "requested" and entry.direction.value == "outgoing"
    assert entry.decision == "denied"
    assert sorted(entry.details["refused_by"]) == sorted(expected)
    # ... and the API's exchange log shows it.
    log = sharing.focal.get("/exchanges", query_string={"case": sharing.reference})
    assert log.status_code == 200, log.json
    mine = [e for e in log.json["items"] if e["share_id"] == body["id"]]
    assert [(e["event"], e["decision"]) for e in mine] == [("requested", "denied")]
    assert sorted(mine[0]["details"]["refused_by"]) == sorted(expected)
    # Nothing was granted: the partner sees no case and no grant was logged on either side.
    assert not [e for e in exchange_log(sharing.partner_org.id) if str(e.share_id) == body["id"]]


def partner_sees(sharing: Sharing, partner: Any = None) -> list[str]:
    resp = (partner or sharing.partner).get("/shared-cases")
    assert resp.status_code == 200, resp.json
    return [row["reference"] for row in resp.json["items"]]


def other_partner(sharing: Sharing, make_org, api, country: str, kind: str, agreement=True):
    """Another recipient organisation, its partner user and (optionally) an agreement."""
    org = make_org(country, kind)
    if agreement:
        make_agreement(sharing.admin, org)
    return org, api("partner", org)


# --- the baseline: the fixture's request is allowed (so the refusals below are the rule's) ----


def test_the_baseline_request_is_allowed_and_grants_access(sharing, exchange_log):
    resp = sharing.share()
    assert resp.status_code == 201, resp.json
    assert resp.json["decision"] == "allowed" and resp.json["status"] == "active"
    assert failed(resp.json) == {}
    assert partner_sees(sharing) == [sharing.reference]
    events = [(e.event.value, e.decision) for e in exchange_log(sharing.owner.id)]
    assert ("requested", "allowed") in events


# --- rule 1: an agreement active today covering the purpose ----------------------------------


def test_no_agreement_is_refused(sharing, make_org, api, exchange_log):
    org, partner = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(recipient_organisation_id=str(org.id), consent_id=consent)
    # With no agreement no category is allowed either.
    expected = {"agreement": "no_agreement", "categories": "category_not_allowed"}
    assert_refused(sharing, resp, expected, exchange_log)
    assert partner_sees(sharing, partner) == []


def test_an_expired_agreement_is_refused(sharing, make_org, api, exchange_log):
    org, partner = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    make_agreement(sharing.admin, org, valid_from="2020-01-01", valid_to="2021-06-30")
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(recipient_organisation_id=str(org.id), consent_id=consent)
    expected = {"agreement": "agreement_expired", "categories": "category_not_allowed"}
    assert_refused(sharing, resp, expected, exchange_log)
    [reason] = [r for r in resp.json["reasons"] if r["rule"] == "agreement"]
    assert "2021-06-30" in reason["message"]
    assert partner_sees(sharing, partner) == []


def test_an_agreement_not_yet_valid_is_refused(sharing, make_org, api, exchange_log):
    org, _ = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    make_agreement(sharing.admin, org, valid_from="2199-01-01", valid_to=None)
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(recipient_organisation_id=str(org.id), consent_id=consent)
    expected = {"agreement": "agreement_not_yet_valid", "categories": "category_not_allowed"}
    assert_refused(sharing, resp, expected, exchange_log)


def test_a_purpose_the_agreement_does_not_cover_is_refused(sharing, exchange_log):
    # The fixture's agreement covers tracing, identification and family notification only.
    consent = give_consent(sharing, "identification", for_org(sharing.partner_org))
    resp = sharing.share(purpose="repatriation", consent_id=consent)
    expected = {"agreement": "purpose_not_covered", "categories": "category_not_allowed"}
    assert_refused(sharing, resp, expected, exchange_log)
    assert partner_sees(sharing) == []


# --- rule 2: every category allowed for that purpose -----------------------------------------


@pytest.mark.parametrize(
    "categories", [["photos"], ["identity", "photos"], ["identity", "dna_references"]]
)
def test_a_category_the_agreement_does_not_allow_is_refused(sharing, exchange_log, categories):
    resp = sharing.share(categories=categories)
    expected = {"categories": "category_not_allowed"}
    if "dna_references" in categories:  # and DNA references only ever go for identification
        expected["special_categories"] = "dna_needs_identification"
    assert_refused(sharing, resp, expected, exchange_log)
    [reason] = [r for r in resp.json["reasons"] if r["rule"] == "categories"]
    refused = [c for c in categories if c != "identity"]
    assert all(c.replace("_", " ") in reason["message"] for c in refused)
    assert partner_sees(sharing) == []


# --- rule 3: a legal basis ----------------------------------------------------------------


def test_no_legal_basis_is_refused(sharing, exchange_log):
    resp = sharing.share(legal_basis=None, consent_id=None)
    assert_refused(sharing, resp, {"legal_basis": "no_legal_basis"}, exchange_log)
    assert partner_sees(sharing) == []


def test_the_legal_basis_left_out_is_refused(sharing, exchange_log):
    body = {
        "recipient_organisation_id": str(sharing.partner_org.id),
        "purpose": "tracing",
        "categories": ["identity"],
    }
    resp = sharing.focal.post(f"/cases/{sharing.reference}/shares", json=body)
    assert_refused(sharing, resp, {"legal_basis": "no_legal_basis"}, exchange_log)


@pytest.mark.parametrize("justification", [None, "", "   ", "too short"])
def test_vital_interest_without_a_written_justification_is_refused(
    sharing, exchange_log, justification
):
    resp = sharing.share(legal_basis="vital_interest", consent_id=None, justification=justification)
    assert_refused(sharing, resp, {"legal_basis": "justification_missing"}, exchange_log)


def test_vital_interest_with_a_justification_is_allowed(sharing):
    resp = sharing.share(legal_basis="vital_interest", consent_id=None, justification=JUSTIFICATION)
    assert resp.status_code == 201 and resp.json["decision"] == "allowed", resp.json
    assert resp.json["justification"] == JUSTIFICATION


def test_a_legal_basis_the_agreement_does_not_accept_is_refused(sharing, exchange_log):
    # The fixture's agreement accepts consent and vital interest, not public interest.
    resp = sharing.share(
        legal_basis="public_interest", consent_id=None, justification=JUSTIFICATION
    )
    assert_refused(sharing, resp, {"legal_basis": "legal_basis_not_accepted"}, exchange_log)


def test_an_agreement_requiring_consent_refuses_vital_interest(
    sharing, make_org, api, exchange_log
):
    org, _ = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    make_agreement(sharing.admin, org, consent_required=True)
    resp = sharing.share(
        recipient_organisation_id=str(org.id),
        legal_basis="vital_interest",
        consent_id=None,
        justification=JUSTIFICATION,
    )
    assert_refused(sharing, resp, {"legal_basis": "consent_required"}, exchange_log)


def test_consent_missing_is_refused(sharing, exchange_log):
    resp = sharing.share(consent_id=None)
    assert_refused(sharing, resp, {"legal_basis": "consent_missing"}, exchange_log)
    assert partner_sees(sharing) == []


def test_another_familys_consent_is_refused_and_not_kept(sharing, exchange_log):
    other = sharing.focal.post("/cases", json={"given_names": "Otra Persona"}).json["reference"]
    relative = sharing.focal.post(
        f"/cases/{other}/relatives", json={"full_name": "Otro Pariente", "relationship": "father"}
    ).json["id"]
    foreign = sharing.focal.post(
        f"/relatives/{relative}/consents",
        json={"purpose": "tracing", "scope": for_org(sharing.partner_org)},
    ).json["id"]
    resp = sharing.share(consent_id=foreign)
    assert_refused(sharing, resp, {"legal_basis": "consent_missing"}, exchange_log)
    assert resp.json["consent_id"] is None


def test_a_withdrawn_consent_is_refused(sharing, exchange_log):
    withdrawn = sharing.focal.post(
        f"/consents/{sharing.consent_id}/withdraw", json={"reason": "the family asked"}
    )
    assert withdrawn.status_code == 200, withdrawn.json
    resp = sharing.share()
    assert_refused(sharing, resp, {"legal_basis": "consent_withdrawn"}, exchange_log)
    assert partner_sees(sharing) == []


def test_a_consent_scoped_to_another_recipient_is_refused(sharing, make_org, exchange_log):
    elsewhere = make_org("FR", "humanitarian")
    consent = give_consent(sharing, "tracing", for_org(elsewhere))
    resp = sharing.share(consent_id=consent)
    assert_refused(sharing, resp, {"legal_basis": "consent_other_recipient"}, exchange_log)
    assert partner_sees(sharing) == []


def test_a_consent_scoped_to_another_kind_of_organisation_is_refused(sharing, exchange_log):
    consent = give_consent(sharing, "tracing", [{"kind": "category", "value": "consulate"}])
    resp = sharing.share(consent_id=consent)
    assert_refused(sharing, resp, {"legal_basis": "consent_other_recipient"}, exchange_log)


def test_a_consent_for_another_purpose_is_refused(sharing, exchange_log):
    consent = give_consent(sharing, "contact", for_org(sharing.partner_org))
    resp = sharing.share(consent_id=consent)
    assert_refused(sharing, resp, {"legal_basis": "consent_other_purpose"}, exchange_log)


# --- rule 4: protection flags ----------------------------------------------------------------


def flag_case(sharing: Sharing, kind: str, value: str) -> None:
    case = sharing.focal.get(f"/cases/{sharing.reference}").json
    resp = sharing.focal.patch(
        f"/cases/{sharing.reference}",
        json={
            "version": case["version"],
            "protection_flags": [{"kind": kind, "value": value, "reason": "fled persecution"}],
        },
    )
    assert resp.status_code == 200, resp.json


def test_an_organisation_protection_flag_is_refused(sharing, exchange_log):
    flag_case(sharing, "organisation", str(sharing.partner_org.id))
    resp = sharing.share()
    assert_refused(sharing, resp, {"protection": "protection_flag_organisation"}, exchange_log)
    assert partner_sees(sharing) == []
    # The reasons name no value of the flag (its reason stays the owner's).
    assert "persecution" not in str(resp.json)


def test_a_country_flag_refuses_a_state_authority_of_that_country(
    sharing, make_org, api, exchange_log
):
    authority, partner = other_partner(sharing, make_org, api, "GT", "national_authority")
    consent = give_consent(sharing, "tracing", for_org(authority))
    flag_case(sharing, "country", "GT")
    resp = sharing.share(recipient_organisation_id=str(authority.id), consent_id=consent)
    assert_refused(sharing, resp, {"protection": "protection_flag_country"}, exchange_log)
    assert "GT" in next(r["message"] for r in resp.json["reasons"] if r["rule"] == "protection")
    assert partner_sees(sharing, partner) == []


def test_a_country_flag_does_not_concern_a_humanitarian_organisation_of_that_country(
    sharing, make_org, api
):
    humanitarian, _ = other_partner(sharing, make_org, api, "GT", "humanitarian")
    consent = give_consent(sharing, "tracing", for_org(humanitarian))
    flag_case(sharing, "country", "GT")
    resp = sharing.share(recipient_organisation_id=str(humanitarian.id), consent_id=consent)
    assert resp.status_code == 201 and resp.json["decision"] == "allowed", resp.json


def test_a_country_flag_does_not_concern_a_state_authority_of_another_country(
    sharing, make_org, api
):
    authority, _ = other_partner(sharing, make_org, api, "MX", "consulate")
    consent = give_consent(sharing, "tracing", for_org(authority))
    flag_case(sharing, "country", "GT")
    resp = sharing.share(recipient_organisation_id=str(authority.id), consent_id=consent)
    # Not refused: a State authority waits for the second approval.
    assert resp.status_code == 201 and resp.json["decision"] == "pending_approval", resp.json


# --- rule 5: DNA references only for identification, family contacts only for notification ---


def test_family_contacts_outside_family_notification_are_refused(
    sharing, make_org, api, exchange_log
):
    # An agreement that allows family contacts for tracing: rule 5 still refuses them.
    org, _ = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    make_agreement(sharing.admin, org, purposes={"tracing": ["identity", "family_contacts"]})
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(
        recipient_organisation_id=str(org.id),
        consent_id=consent,
        categories=["identity", "family_contacts"],
    )
    expected = {"special_categories": "family_contacts_need_notification"}
    assert_refused(sharing, resp, expected, exchange_log)


def test_dna_references_outside_identification_are_refused(sharing, make_org, api, exchange_log):
    org, _ = other_partner(sharing, make_org, api, "CH", "humanitarian", agreement=False)
    make_agreement(sharing.admin, org, purposes={"tracing": ["identity", "dna_references"]})
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(
        recipient_organisation_id=str(org.id),
        consent_id=consent,
        categories=["dna_references"],
    )
    assert_refused(sharing, resp, {"special_categories": "dna_needs_identification"}, exchange_log)


# --- rule 7: four eyes (DNA references, State authorities) -----------------------------------


def test_dna_references_wait_for_a_second_approval(sharing, exchange_log):
    consent = give_consent(sharing, "identification", for_org(sharing.partner_org))
    resp = sharing.share(
        purpose="identification", categories=["identity", "dna_references"], consent_id=consent
    )
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["decision"] == "pending_approval" and body["status"] == "pending_approval"
    assert failed(body) == {}
    [four_eyes] = [r for r in body["reasons"] if r["rule"] == "four_eyes"]
    assert (four_eyes["outcome"], four_eyes["code"]) == ("needs_approval", "second_approval_dna")
    # Not active: no grant, nothing for the partner.
    assert partner_sees(sharing) == []
    assert sharing.partner.get(f"/shared-cases/{sharing.reference}").status_code == 404
    assert not [e for e in exchange_log(sharing.partner_org.id) if e.event.value == "granted"]
    pending = sharing.second_focal.get("/shares").json["items"]
    assert [s["id"] for s in pending] == [body["id"]]
    [entry] = [e for e in exchange_log(sharing.owner.id) if str(e.share_id) == body["id"]]
    assert (entry.event.value, entry.decision) == ("requested", "pending_approval")

    # The requester cannot approve it; a second focal point can.
    same = sharing.focal.post(f"/shares/{body['id']}/approve", json={})
    assert same.status_code == 409 and same.json["error"]["code"] == "four_eyes_required"
    assert partner_sees(sharing) == []
    approved = sharing.second_focal.post(f"/shares/{body['id']}/approve", json={})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "active" and approved.json["decision"] == "allowed"
    assert approved.json["approved_by"] == sharing.second_focal.user.email
    [four_eyes] = [r for r in approved.json["reasons"] if r["rule"] == "four_eyes"]
    assert (four_eyes["outcome"], four_eyes["code"]) == ("passed", "second_approval_given")
    assert partner_sees(sharing) == [sharing.reference]
    events = [e.event.value for e in exchange_log(sharing.partner_org.id)]
    assert "granted" in events


@pytest.mark.parametrize("kind", ["national_authority", "consulate"])
def test_a_state_authority_waits_for_a_second_approval(sharing, make_org, api, kind):
    authority, partner = other_partner(sharing, make_org, api, "MX", kind)
    consent = give_consent(sharing, "tracing", for_org(authority))
    resp = sharing.share(recipient_organisation_id=str(authority.id), consent_id=consent)
    assert resp.status_code == 201, resp.json
    assert resp.json["decision"] == "pending_approval", resp.json
    assert resp.json["status"] == "pending_approval"
    [four_eyes] = [r for r in resp.json["reasons"] if r["rule"] == "four_eyes"]
    assert (four_eyes["outcome"], four_eyes["code"]) == ("needs_approval", "second_approval_state")
    assert partner_sees(sharing, partner) == []

    same = sharing.focal.post(f"/shares/{resp.json['id']}/approve", json={})
    assert same.status_code == 409 and same.json["error"]["code"] == "four_eyes_required"
    assert partner_sees(sharing, partner) == []
    approved = sharing.second_focal.post(f"/shares/{resp.json['id']}/approve", json={})
    assert approved.status_code == 200 and approved.json["status"] == "active", approved.json
    assert partner_sees(sharing, partner) == [sharing.reference]


def test_a_humanitarian_recipient_needs_no_second_approval(sharing):
    resp = sharing.share()
    [four_eyes] = [r for r in resp.json["reasons"] if r["rule"] == "four_eyes"]
    assert (four_eyes["outcome"], four_eyes["code"]) == ("passed", "no_second_approval_needed")


# --- rule 6: law enforcement and migration control need explicit consent ---------------------


def non_humanitarian_partner(sharing: Sharing, make_org, api, purpose: str):
    org, partner = other_partner(sharing, make_org, api, "CH", "intergovernmental", agreement=False)
    make_agreement(
        sharing.admin,
        org,
        purposes={purpose: ["identity"]},
        legal_bases=["consent", "vital_interest", "public_interest"],
    )
    return org, partner


@pytest.mark.parametrize("purpose", ["law_enforcement", "migration_control"])
def test_a_non_humanitarian_purpose_without_consent_is_refused(
    sharing, make_org, api, exchange_log, purpose
):
    org, partner = non_humanitarian_partner(sharing, make_org, api, purpose)
    resp = sharing.share(
        recipient_organisation_id=str(org.id),
        purpose=purpose,
        legal_basis="public_interest",
        consent_id=None,
        justification=JUSTIFICATION,
    )
    assert_refused(sharing, resp, {"purpose_limitation": "explicit_consent_required"}, exchange_log)
    assert partner_sees(sharing, partner) == []


@pytest.mark.parametrize("purpose", ["law_enforcement", "migration_control"])
def test_a_humanitarian_consent_does_not_cover_a_non_humanitarian_purpose(
    sharing, make_org, api, exchange_log, purpose
):
    org, _ = non_humanitarian_partner(sharing, make_org, api, purpose)
    consent = give_consent(sharing, "tracing", for_org(org))
    resp = sharing.share(recipient_organisation_id=str(org.id), purpose=purpose, consent_id=consent)
    expected = {
        "legal_basis": "consent_other_purpose",
        "purpose_limitation": "explicit_consent_required",
    }
    assert_refused(sharing, resp, expected, exchange_log)


@pytest.mark.parametrize("purpose", ["law_enforcement", "migration_control"])
def test_no_consent_can_be_recorded_for_a_non_humanitarian_purpose_so_it_is_always_refused(
    sharing, make_org, api, exchange_log, purpose
):
    # The contract's consent purposes are contact, tracing, identification and dna: a consent
    # for law enforcement or migration control cannot be recorded, so rule 6 never passes on
    # this instance, whatever the family's other consents say (an "anyone" tracing consent too).
    org, partner = non_humanitarian_partner(sharing, make_org, api, purpose)
    refused = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={"purpose": purpose, "scope": [{"kind": "organisation", "value": str(org.id)}]},
    )
    assert refused.status_code == 422 and "purpose" in refused.json["error"]["fields"]
    consent = give_consent(sharing, "tracing", [{"kind": "any", "value": None}])
    resp = sharing.share(recipient_organisation_id=str(org.id), purpose=purpose, consent_id=consent)
    expected = {
        "legal_basis": "consent_other_purpose",
        "purpose_limitation": "explicit_consent_required",
    }
    assert_refused(sharing, resp, expected, exchange_log)
    assert partner_sees(sharing, partner) == []
