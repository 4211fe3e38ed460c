"""Canary values and request bodies shared by the identification tests."""

from __future__ import annotations

from typing import Any

# Canary values: personal data that must never reach the database, logs or audit in clear.
CANARY_BY = "Canary Forensic Agency of Atlantis"
CANARY_REF = "canary-ext-ref-7731"
CANARY_DOC = "canary-doc-ref-4410"
CANARY_NOTES = "canary-notes: gold tooth upper left"
CANARY_REASON = "canary-reason: the lab swapped two samples"


def remains_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "found_date": "2025-11",
        "found_country": "PA",
        "found_place": "Darién, near Bajo Chiquito",
        "sex": "male",
        "age_min": 25,
        "age_max": 35,
    }
    body.update(overrides)
    return body


def dna_body(world: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_reference": world["case"],
        "remains_id": world["remains"],
        "method": "dna",
        "match_report_id": world["report"],
        "identified_date": "2026-01-15",
        "notes": CANARY_NOTES,
    }
    body.update(overrides)
    return body
