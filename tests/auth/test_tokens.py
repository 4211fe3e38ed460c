"""API bearer tokens: valid, expired, revoked, missing, malformed; role denial; org scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from casework.auth import operations
from casework.auth.models import ApiToken


def test_valid_token_authenticates(api):
    caller = api("focal_point")
    resp = caller.get("/me")
    assert resp.status_code == 200
    assert resp.json["email"] == caller.user.email
    assert resp.json["role"] == "focal_point"


def test_token_is_stored_only_as_a_hash(api, database):
    caller = api("focal_point")
    with database.session() as s:
        stored = s.scalars(select(ApiToken)).one()
        assert caller.token not in (stored.token_hash, stored.prefix)
        assert stored.token_hash == operations.sha256_hex(caller.token)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer cw_" + "x" * 43,
        "Bearer cw_" + "a" * 5000,
        "bearer\x00cw_abc",
    ],
)
def test_missing_or_malformed_token_gets_401_json(client, header):
    headers = {"Authorization": header} if header is not None else {}
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_gets_401(api, database):
    caller = api("focal_point")
    with database.session() as s:
        s.execute(update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(1)))
    assert caller.get("/me").status_code == 401


def test_revoked_token_gets_401(api, cli):
    caller = api("focal_point")
    assert caller.get("/me").status_code == 200
    result = cli("revoke-token", "--email", caller.user.email)
    assert result.exit_code == 0, result.output
    assert caller.get("/me").status_code == 401


def test_token_of_deactivated_user_gets_401(api, database):
    from casework.auth.models import User

    caller = api("focal_point")
    with database.session() as s:
        s.get(User, caller.user.id).is_active_user = False
    assert caller.get("/me").status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/api/v1/users").status_code == 401


def test_role_without_the_action_gets_403(api):
    resp = api("focal_point").get("/users")
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"


def test_role_denial_on_pages(client, make_user, login):
    login(make_user("auditor"))
    assert client.get("/admin/users").status_code == 403


def test_another_organisations_user_is_404_in_api_and_pages(
    api, make_org, make_user, client, login
):
    admin = api("admin")
    other_org = make_org("GT")
    stranger = make_user("focal_point", other_org)
    colleague = make_user("focal_point")
    assert admin.get(f"/users/{colleague.id}").status_code == 200
    resp = admin.get(f"/users/{stranger.id}")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"
    ids = {u["id"] for u in admin.get("/users").json}
    assert str(stranger.id) not in ids and str(colleague.id) in ids

    login(make_user("admin"))
    assert client.get(f"/admin/users/{colleague.id}").status_code == 200
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    assert client.get("/admin/users/not-a-uuid").status_code == 404


def test_create_token_cli_prints_token_alone_on_last_line(cli, make_user, client):
    user = make_user("focal_point")
    result = cli("create-token", "--email", user.email, "--expires-days", "2")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cw_") and " " not in token
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
