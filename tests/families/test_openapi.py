"""The OpenAPI document describes the families endpoints and their contract fields."""

from __future__ import annotations


def test_openapi_documents_the_families_api(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    expected = {
        "/api/v1/cases/{reference}/relatives": {"get", "post"},
        "/api/v1/relatives/{relative_id}": {"get", "patch"},
        "/api/v1/relatives": {"get"},
        "/api/v1/relatives/{relative_id}/consents": {"get", "post"},
        "/api/v1/consents/{consent_id}/withdraw": {"post"},
        "/api/v1/relatives/{relative_id}/erase": {"post"},
        "/api/v1/cases/{reference}/notifications": {"get", "post"},
        "/api/v1/notifications/{notification_id}": {"patch"},
        "/api/v1/notifications": {"get"},
        "/api/v1/cases/{reference}/no-relative-reachable": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    lookup = {p["name"] for p in paths["/api/v1/relatives"]["get"]["parameters"]}
    assert {"phone", "email", "region"} <= lookup
    worklist = {p["name"] for p in paths["/api/v1/notifications"]["get"]["parameters"]}
    assert "due_before" in worklist
    schemas = spec["components"]["schemas"]
    relative = schemas["Relative"]["properties"]
    assert {
        "id",
        "case_reference",
        "full_name",
        "relationship",
        "phone",
        "email",
        "address",
        "preferred_language",
        "preferred_channel",
        "is_reporting_person",
    } <= set(relative)
    assert set(schemas["Consent"]["properties"]) >= {
        "id",
        "purpose",
        "scope",
        "given_at",
        "evidence_reference",
        "withdrawn_at",
    }
    assert set(schemas["Notification"]["properties"]) >= {
        "id",
        "relative_id",
        "kind",
        "planned_date",
        "delivered_date",
        "channel",
        "language",
        "outcome",
        "support_offered",
        "follow_up_due",
        "notes",
    }
    assert "no_relative_reachable_reason" in schemas["NoRelativeReachable"]["properties"]
    create = schemas["NotificationCreate"]["properties"]
    assert create["kind"]["enum"] == [
        "acknowledgement",
        "progress_update",
        "dna_sample_request",
        "identification",
        "repatriation",
    ]
    assert schemas["ConsentCreate"]["properties"]["purpose"]["enum"] == [
        "contact",
        "tracing",
        "identification",
        "dna",
    ]
