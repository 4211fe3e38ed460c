"""Canary values and request bodies shared by the families tests."""

from __future__ import annotations

from typing import Any

# Canary values: personal data that must never reach the database, logs, audit or errors in
# clear.
CANARY_NAME = "Zephyrine Quillfeather-Canary"
CANARY_PHONE = "+503 7123 4567"
CANARY_E164 = "+50371234567"
CANARY_EMAIL = "Zephyrine.Canary@Example.org"
CANARY_ADDRESS = "Colonia Canariota, Pasaje Garza 42"
CANARY_SAFETY = "canary-safety: never call before 18:00"
CANARY_NOTES = "canary-notes: the mother asked about a heron tattoo"
CANARY_EVIDENCE = "canary-evidence-form-99173"
CANARY_REASON = "canary-reason: fears reprisals"


def relative_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "full_name": CANARY_NAME,
        "relationship": "mother",
        # National numbers are read for the relative's country (never the organisation's).
        "country_of_residence": "SV",
        "phone": CANARY_PHONE,
        "email": CANARY_EMAIL,
        "address": CANARY_ADDRESS,
        "preferred_language": "es-SV",
        "preferred_channel": "phone",
        "is_reporting_person": True,
        "safety_note": CANARY_SAFETY,
    }
    body.update(overrides)
    return body
