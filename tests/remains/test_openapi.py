"""The OpenAPI document describes the remains endpoints and their contract fields."""

from __future__ import annotations

from tests.remains.test_api import CONTRACT_FIELDS


def test_openapi_documents_the_remains_api(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/remains"])
    assert {"get", "patch"} <= set(paths["/api/v1/remains/{remains_id}"])
    filters = {p["name"] for p in paths["/api/v1/remains"]["get"]["parameters"]}
    assert {"status", "sex", "found_country", "page", "per_page"} <= filters
    schemas = spec["components"]["schemas"]
    assert set(schemas["Remains"]["properties"]) >= CONTRACT_FIELDS
    assert "identified_case_reference" in schemas["Remains"]["properties"]
    writable = set(schemas["RemainsCreate"]["properties"])
    assert writable == CONTRACT_FIELDS - {"id", "reference", "version", "status", "created_at"}
    assert {"version", "status"} <= set(schemas["RemainsUpdate"]["properties"])
