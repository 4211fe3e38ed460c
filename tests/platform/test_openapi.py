"""The OpenAPI document describes what the API really answers (issue 12, defect 11): casework's
error shape `{"error": {"code", "message", "fields"}}` for every error status an operation can
give, the success bodies (201 records, `{"items", "page", "per_page", "total"}` lists), the
bearer security scheme, and links from each create to the read and update of what it made."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from openapi_schema_validator import OAS30Validator

ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "415", "422"}


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").json


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                yield path, method, op


def _resolve(doc, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def _response_schema(doc, path, method, status):
    """The JSON schema the document gives for one operation's answer of `status` (falling back
    to `default`, as a client would), with the document's components reachable for $ref."""
    responses = doc["paths"][path][method]["responses"]
    response = _resolve(doc, responses.get(str(status)) or responses["default"])
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def _validate(doc, path, method, resp):
    OAS30Validator(_response_schema(doc, path, method, resp.status_code)).validate(resp.json)


def test_the_error_schema_is_caseworks_shape(doc):
    error = _resolve(doc, doc["components"]["schemas"]["Error"])
    assert error["required"] == ["error"]
    assert error["additionalProperties"] is False
    detail = _resolve(doc, error["properties"]["error"])
    assert set(detail["required"]) == {"code", "message", "fields"}
    assert detail["properties"]["code"]["type"] == "string"
    assert detail["properties"]["message"]["type"] == "string"
    assert detail["properties"]["fields"]["type"] == "object"
    # Extra members (e.g. `current_version` of a version conflict) are allowed.
    assert detail["additionalProperties"] is True
    # Nothing of flask-smorest's default shape is left.
    assert not {"status", "errors"} & set(error["properties"])


def test_every_operation_documents_its_error_statuses_in_that_shape(doc):
    seen = set()
    for path, method, op in _operations(doc):
        statuses = {s for s in op["responses"] if s[0] in "45"}
        # Every operation needs a token (401), a role (403) and the database (503 when it is
        # unreachable), and may meet a record that does not decrypt (500).
        assert {"401", "403", "500", "503"} <= statuses, (method, path)
        has_body = "requestBody" in op
        if has_body:
            assert {"400", "413", "415", "422"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if method == "patch":
            assert {"409", "422"} <= statuses, (method, path)
        for status in [*statuses, "default"]:
            response = _resolve(doc, op["responses"][status])
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        seen |= statuses
    assert seen >= ERROR_STATUSES


def test_the_document_declares_bearer_auth_for_every_operation(doc):
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"bearerAuth": []}]
    for path, method, op in _operations(doc):
        assert op.get("security", doc["security"]) == [{"bearerAuth": []}], (method, path)


def test_every_operation_documents_a_success_answer(doc):
    for path, method, op in _operations(doc):
        assert any(s.startswith("2") for s in op["responses"]), (method, path)


def test_lists_are_documented_as_pages(doc):
    for path in ("/api/v1/cases", "/api/v1/remains", "/api/v1/cases/{reference}/relatives"):
        schema = _resolve(doc, _response_schema(doc, path, "get", 200))
        assert {"items", "page", "per_page", "total"} <= set(schema["properties"]), path
        assert schema["properties"]["items"]["type"] == "array", path


def test_real_error_answers_conform_to_the_document(api, client, doc):
    focal = api("focal_point")
    auditor = api("auditor")
    case = focal.post("/cases", json={"given_names": "Ana", "family_names": "Ruiz"}).json
    ref = case["reference"]
    cases, one = "/api/v1/cases", "/api/v1/cases/{reference}"
    sent = [
        # 401: no token
        (cases, "get", client.get("/api/v1/cases")),
        # 403: a role that may not read cases
        (cases, "get", auditor.get("/cases")),
        # 404: no such case
        (one, "get", focal.get("/cases/SLV-2026-999999")),
        # 400: malformed JSON
        (
            cases,
            "post",
            focal.post("/cases", data=b'{"given', headers={"Content-Type": "application/json"}),
        ),
        # 415: not JSON
        (cases, "post", focal.post("/cases", data=b"given_names=Ana")),
        # 422: invalid fields
        (cases, "post", focal.post("/cases", json={"sex": "wizard"})),
        # 409: a stale version (the answer carries the current version)
        (one, "patch", focal.patch(f"/cases/{ref}", json={"version": 99, "aliases": ["A"]})),
        # 413: too large
        (
            cases,
            "post",
            focal.post(
                "/cases",
                data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                headers={"Content-Type": "application/json"},
            ),
        ),
    ]
    statuses = set()
    for path, method, resp in sent:
        assert resp.status_code >= 400, (path, method, resp.status_code)
        statuses.add(resp.status_code)
        assert str(resp.status_code) in doc["paths"][path][method]["responses"], (
            path,
            method,
            resp.status_code,
        )
        _validate(doc, path, method, resp)
    assert statuses == {400, 401, 403, 404, 409, 413, 415, 422}


def test_flask_smorests_default_shape_is_refused_by_the_document(doc):
    """The schema is strict enough to tell the shapes apart (the check above is not vacuous)."""
    old = {"code": 422, "status": "Unprocessable Entity", "errors": {"json": {"x": ["bad"]}}}
    schema = _response_schema(doc, "/api/v1/cases", "post", 422)
    with pytest.raises(ValidationError):
        OAS30Validator(schema).validate(old)


def test_success_answers_conform_to_the_document(api, doc):
    focal = api("focal_point")
    created = focal.post("/cases", json={"given_names": "Ana", "family_names": "Ruiz"})
    assert created.status_code == 201
    _validate(doc, "/api/v1/cases", "post", created)
    ref = created.json["reference"]
    _validate(doc, "/api/v1/cases/{reference}", "get", focal.get(f"/cases/{ref}"))
    _validate(doc, "/api/v1/cases", "get", focal.get("/cases"))
    relative = focal.post(
        f"/cases/{ref}/relatives", json={"full_name": "Rosa Ruiz", "relationship": "mother"}
    )
    assert relative.status_code == 201
    _validate(doc, "/api/v1/cases/{reference}/relatives", "post", relative)
    _validate(
        doc, "/api/v1/cases/{reference}/relatives", "get", focal.get(f"/cases/{ref}/relatives")
    )


def test_creates_link_to_the_read_and_update_of_what_they_made(doc):
    def links(path):
        return _resolve(doc, doc["paths"][path]["post"]["responses"]["201"]).get("links", {})

    case_links = links("/api/v1/cases")
    targets = {link["operationRef"] for link in case_links.values()}
    assert targets >= {
        "#/paths/~1api~1v1~1cases~1{reference}/get",
        "#/paths/~1api~1v1~1cases~1{reference}/patch",
    }
    for link in case_links.values():
        assert link["parameters"]["path.reference"] == "$response.body#/reference"
    relative_links = links("/api/v1/cases/{reference}/relatives")
    targets = {link["operationRef"] for link in relative_links.values()}
    assert targets >= {
        "#/paths/~1api~1v1~1relatives~1{relative_id}/get",
        "#/paths/~1api~1v1~1relatives~1{relative_id}/patch",
    }
    # Each link points at an operation the document has.
    for path, method, op in _operations(doc):
        for response in op["responses"].values():
            for link in _resolve(doc, response).get("links", {}).values():
                _, _, target = link["operationRef"].partition("#/paths/")
                target_path, _, target_method = target.rpartition("/")
                target_path = target_path.replace("~1", "/")
                assert target_method in doc["paths"][target_path], (method, path, link)
