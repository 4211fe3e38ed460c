"""Canary values and request bodies shared by the DNA tests."""

from __future__ import annotations

from typing import Any

# Canary values: personal data that must never reach the database, logs, audit or errors in
# clear.
CANARY_SAMPLE = "SV-FR-2026/00123-QZX"
CANARY_SAMPLE_OTHER_WRITING = "sv fr 2026 00123 qzx"
CANARY_SAMPLE_NORMALISED = "SVFR202600123QZX"
CANARY_RELATIONSHIP = "paternal-canary-uncle"
CANARY_LAB_REPORT = "LAB-CANARY-REPORT-77341"
CANARY_NOTE = "canary-note: courier Quetzalcanary handed it over"
CANARY_REASON = "canary-reason: mislabelled tube"


def family_body(database_id: str, relative_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "database_id": database_id,
        "sample_id": CANARY_SAMPLE,
        "sample_kind": "family_reference",
        "relative_id": relative_id,
        "donor_relationship": CANARY_RELATIONSHIP,
    }
    body.update(overrides)
    return body
