"""The demo sharing: the partner user of the humanitarian tracing network sees exactly the one
case shared with it (identity, circumstances, physical description; no family contacts), a
denied request and a request waiting for a second approval exist with their reasons, and
loading the demo again duplicates nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from casework import demo
from casework.auth import queries as auth_queries
from casework.cases.models import Case
from casework.exchange.models import Agreement, ExchangeEntry, Share
from casework.families.models import Consent

PARTNER, FOCAL, SECOND_FOCAL = "partner@tracing.demo", "focal@sv.demo", "focal2@sv.demo"


def _bearer(client, token: str):
    def get(path: str):
        return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {token}"})

    return get


def _case(s, family_names: str) -> Case:
    return next(c for c in s.scalars(select(Case)).unique() if c.family_names == family_names)


def _counts(s) -> tuple[int, ...]:
    return tuple(
        s.scalar(select(func.count()).select_from(model))
        for model in (Agreement, Share, ExchangeEntry, Consent)
    )


def test_demo_sharing(app, client, database, settings, make_token):
    with database.session() as s:
        logins, _ = demo.load(s, settings)
    assert (PARTNER, "partner") in {(email, role) for email, role, _ in logins}
    assert (SECOND_FOCAL, "focal_point") in {(email, role) for email, role, _ in logins}
    with database.session() as s:
        partner = auth_queries.user_by_email(s, PARTNER)
        focal = auth_queries.user_by_email(s, FOCAL)
        shared = _case(s, "Hernández López")
        pending_case = _case(s, "Rivera Campos")
        shared_ref, pending_ref = shared.reference, pending_case.reference
        partner_org_id = partner.organisation_id
        agreement = s.scalar(
            select(Agreement).where(Agreement.partner_organisation_id == partner_org_id)
        )
        assert agreement.purposes["tracing"] == [
            "identity",
            "circumstances",
            "physical_description",
        ]
        assert sorted(agreement.purposes) == ["family_notification", "identification", "tracing"]
        assert agreement.legal_bases == ["consent"]
        assert agreement.retention_days == 180 and agreement.consent_required is True
        before = _counts(s)

    as_partner = _bearer(client, make_token(partner))
    listed = as_partner("/shared-cases")
    assert listed.status_code == 200, listed.json
    assert [row["reference"] for row in listed.json["items"]] == [shared_ref]
    [row] = listed.json["items"]
    assert row["given_names"] == "José Antonio" and row["last_seen_place"] == "Tapachula, Chiapas"
    assert row["access"]["purposes"] == ["tracing"]
    assert sorted(row["access"]["categories"]) == [
        "circumstances",
        "identity",
        "physical_description",
    ]
    one = as_partner(f"/shared-cases/{shared_ref}")
    assert one.status_code == 200, one.json
    assert "relatives" not in one.json
    assert "María Luisa" not in one.get_data(as_text=True)
    assert as_partner(f"/shared-cases/{pending_ref}").status_code == 404

    as_focal = _bearer(client, make_token(focal))
    shares = as_focal(f"/cases/{shared_ref}/shares").json["items"]
    assert sorted(s["decision"] for s in shares) == ["allowed", "denied"]
    denied = next(s for s in shares if s["decision"] == "denied")
    assert denied["status"] == "denied"
    refused = {r["rule"] for r in denied["reasons"] if r["outcome"] == "failed"}
    assert refused == {"categories", "special_categories"}
    assert any("family notification" in r["message"] for r in denied["reasons"])
    allowed = next(s for s in shares if s["decision"] == "allowed")
    assert allowed["status"] == "active"

    [waiting] = as_focal(f"/cases/{pending_ref}/shares").json["items"]
    assert waiting["status"] == "pending_approval"
    four_eyes = next(r for r in waiting["reasons"] if r["rule"] == "four_eyes")
    assert four_eyes["outcome"] == "needs_approval"
    assert "State authority" in four_eyes["message"]
    pending = as_focal("/shares?status=pending_approval").json["items"]
    assert [p["id"] for p in pending] == [waiting["id"]]

    log = as_focal("/exchanges?per_page=100").json["items"]
    events = {(e["case_reference"], e["event"], e["decision"]) for e in log}
    assert (shared_ref, "requested", "denied") in events
    assert (shared_ref, "granted", "allowed") not in events  # granted: the partner's log
    assert (shared_ref, "viewed", "allowed") in events
    assert (pending_ref, "requested", "pending_approval") in events
    with database.session() as s:
        rows = s.scalars(
            select(ExchangeEntry).where(ExchangeEntry.organisation_id == focal.organisation_id)
        ).all()
        seen = {(e.case_reference, e.event.value, e.decision) for e in rows}
        assert (shared_ref, "requested", "denied") in seen
        assert (shared_ref, "requested", "allowed") in seen
        assert (shared_ref, "viewed", "allowed") in seen
        assert (pending_ref, "requested", "pending_approval") in seen
        theirs = s.scalars(
            select(ExchangeEntry).where(ExchangeEntry.organisation_id == partner_org_id)
        ).all()
        assert {(e.case_reference, e.event.value) for e in theirs} >= {
            (shared_ref, "granted"),
            (shared_ref, "viewed"),
        }
        assert pending_ref not in {e.case_reference for e in theirs}

    # Loading again duplicates nothing.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        after = _counts(s)
    # The partner's reads above were logged (views): compare what the demo itself writes.
    assert after[:2] == before[:2] and after[3] == before[3]
