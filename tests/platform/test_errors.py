"""Bad requests of every kind get a 4xx in the contract's error shape, never a 500."""

from __future__ import annotations

import pytest


def test_malformed_json_is_400_json(api):
    admin = api("admin")
    resp = admin.post(
        "/users", data=b'{"email": "a@b.org", ', headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert set(resp.json["error"]) >= {"code", "message", "fields"}


def test_invalid_fields_are_422_naming_them(api):
    admin = api("admin")
    resp = admin.post("/users", json={"email": "not-an-email", "role": "wizard", "password": 1})
    assert resp.status_code == 422
    fields = resp.json["error"]["fields"]
    assert {"email", "role", "password"} <= set(fields)


def test_unknown_field_is_422_naming_it(api):
    resp = api("admin").post(
        "/users", json={"email": "x@y.org", "role": "auditor", "password": "x" * 12, "admin": True}
    )
    assert resp.status_code == 422
    assert "admin" in resp.json["error"]["fields"]


def test_json_that_is_not_an_object_is_4xx(api):
    for body in (b"[]", b'"text"', b"null", b"123"):
        resp = api("admin").post("/users", data=body, headers={"Content-Type": "application/json"})
        assert 400 <= resp.status_code < 500, body


def test_oversized_body_is_413_json(api, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = api("admin").post(
        "/users",
        data=b"{" + b" " * (limit + 10) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "too_large"


def test_unknown_api_path_is_404_json(api):
    resp = api("admin").get("/no-such-thing")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(api):
    resp = api("admin").patch("/me", json={})
    assert resp.status_code == 405
    assert resp.json["error"]["code"] == "method_not_allowed"


def test_unknown_page_is_html_404(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"


@pytest.mark.parametrize(
    "path", ["/api/v1/users/%00", "/api/v1/users/" + "9" * 5000, "/login?next=%ff%fe"]
)
def test_hostile_paths_are_not_500(client, path):
    assert client.get(path).status_code < 500


def test_hostile_login_form_values_are_not_500(client):
    from tests.helpers import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    for email, password in (("\x00", "\x00"), ("a" * 10_000, "b"), ("é@ü.org", "x" * 2000)):
        resp = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert 200 <= resp.status_code < 500


def test_openapi_document_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/users" in doc["paths"]
    assert "UserCreate" in doc["components"]["schemas"]


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/cases"),
        ("post", "/cases/search"),
        ("post", "/relatives/search"),
        ("post", "/users"),
    ],
)
def test_json_nested_too_deep_for_python_is_400(api, method, path):
    caller = api("admin" if path == "/users" else "focal_point")
    body = '{"q": ' + DEEP + "}"
    resp = getattr(caller, method)(path, data=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.get_data(as_text=True)[:200]
    assert resp.json["error"]["code"]


@pytest.mark.parametrize(
    "body",
    [
        {"given_names": "Ana\ud800"},
        {"given_names": "Ana", "circumstances": "left \udfff at night"},
    ],
)
def test_an_unpaired_surrogate_is_422_naming_the_field(api, body):
    resp = api("focal_point").post("/cases", json=body)
    assert resp.status_code == 422
    named = set(resp.json["error"]["fields"])
    assert named & {"given_names", "circumstances"}
