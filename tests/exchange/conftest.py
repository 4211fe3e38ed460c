"""Fixtures of the sharing tests: an owning organisation with its focal points and admin, a
partner organisation (ICRC-like) with its partner user, a case full of canary values in every
category, a relative with a tracing consent scoped to the partner, and an agreement."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from casework.exchange.models import ExchangeEntry

#: Canary values, one per category: a partner view must hold exactly those of the granted ones.
CANARIES: dict[str, list[str]] = {
    "identity": ["Canaryidentity Quetzal", "Canaryfamily Ixchel", "CANARYDOC-4471"],
    "circumstances": ["Canarycircumstance Tecun Uman river", "Canaryplace Ciudad Hidalgo"],
    "physical_description": ["Canarymark jaguar tattoo", "Canaryclothes orange jacket"],
    "family_contacts": ["Canaryrelative Marisol", "+50377123456", "canary.relative@example.org"],
    "dna_references": ["CANARY-DNA-77310"],
}

CASE_BODY: dict[str, Any] = {
    "given_names": "Canaryidentity Quetzal",
    "family_names": "Canaryfamily Ixchel",
    "sex": "female",
    "date_of_birth": "1990-05",
    "nationality": "GT",
    "identity_documents": [
        {"kind": "passport", "number": "CANARYDOC-4471", "issuing_country": "GT"}
    ],
    "last_seen_date": "2025-02-10",
    "last_seen_country": "MX",
    "last_seen_place": "Canaryplace Ciudad Hidalgo",
    "circumstances": "Canarycircumstance Tecun Uman river",
    "distinguishing_marks": "Canarymark jaguar tattoo",
    "clothing_and_belongings": "Canaryclothes orange jacket",
}

RELATIVE_BODY: dict[str, Any] = {
    "full_name": "Canaryrelative Marisol",
    "relationship": "sister",
    "phone": "+503 7712 3456",
    "email": "canary.relative@example.org",
    "is_reporting_person": True,
}

ALL_PURPOSES = {
    "tracing": ["identity", "circumstances", "physical_description"],
    "identification": ["identity", "physical_description", "dna_references"],
    "family_notification": ["identity", "family_contacts"],
}


@dataclass
class Sharing:
    owner: Any
    partner_org: Any
    focal: Any
    second_focal: Any
    admin: Any
    partner: Any
    reference: str
    relative_id: str
    consent_id: str
    agreement: dict[str, Any]

    def share(self, caller: Any = None, **overrides: Any):
        body = {
            "recipient_organisation_id": str(self.partner_org.id),
            "purpose": "tracing",
            "categories": ["identity"],
            "legal_basis": "consent",
            "consent_id": self.consent_id,
        } | overrides
        return (caller or self.focal).post(f"/cases/{self.reference}/shares", json=body)


def make_agreement(admin, partner_org, **overrides: Any) -> dict[str, Any]:
    body = {
        "partner_organisation_id": str(partner_org.id),
        "purposes": copy.deepcopy(ALL_PURPOSES),
        "legal_bases": ["consent", "vital_interest"],
        "valid_from": "2026-01-01",
        "valid_to": "2030-12-31",
        "retention_days": 90,
        "consent_required": False,
    } | overrides
    resp = admin.post("/agreements", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


@pytest.fixture
def sharing(api, org, make_org) -> Sharing:
    partner_org = make_org("CH", "humanitarian", name="Tracing Agency (ICRC-like)")
    focal, second, admin = api("focal_point"), api("focal_point"), api("admin")
    partner = api("partner", partner_org)
    case = focal.post("/cases", json=CASE_BODY)
    assert case.status_code == 201, case.json
    reference = case.json["reference"]
    relative = focal.post(f"/cases/{reference}/relatives", json=RELATIVE_BODY)
    assert relative.status_code == 201, relative.json
    consent = focal.post(
        f"/relatives/{relative.json['id']}/consents",
        json={
            "purpose": "tracing",
            "scope": [{"kind": "organisation", "value": str(partner_org.id)}],
        },
    )
    assert consent.status_code == 201, consent.json
    agreement = make_agreement(admin, partner_org)
    return Sharing(
        owner=org,
        partner_org=partner_org,
        focal=focal,
        second_focal=second,
        admin=admin,
        partner=partner,
        reference=reference,
        relative_id=relative.json["id"],
        consent_id=consent.json["id"],
        agreement=agreement,
    )


@pytest.fixture
def exchange_log(database):
    """`exchange_log(organisation_id)`: that organisation's exchange log, oldest first."""

    def fetch(organisation_id: Any) -> list[ExchangeEntry]:
        with database.session() as s:
            stmt = (
                select(ExchangeEntry)
                .where(ExchangeEntry.organisation_id == organisation_id)
                .order_by(ExchangeEntry.at, ExchangeEntry.id)
            )
            rows = list(s.scalars(stmt).unique())
            s.expunge_all()
            return rows

    return fetch
