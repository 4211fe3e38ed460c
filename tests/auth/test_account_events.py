"""Account changes are in the audit trail as their own event kinds (issue 11 finding 4): user
creation, role change, deactivation, password change, token creation and revocation, from the
pages, the API and the operator's CLI (audited as the system, for the organisation concerned).
No event carries the e-mail address or the password."""

from __future__ import annotations

import json

from sqlalchemy import select

from casework.auth.models import User
from tests.auth.helpers import events, post_form, signed_in

NEW_PASSWORD = "plum orchard lantern"


def _no_personal_values(rows, *values: str) -> None:
    blob = json.dumps([[str(c) for c in row] for row in rows])
    for value in values:
        assert value not in blob


def test_cli_create_user_is_audited_as_the_system_for_its_organisation(
    cli, org, database, monkeypatch
):
    monkeypatch.setenv("CASEWORK_PASSWORD", NEW_PASSWORD)
    result = cli(
        "create-user", "--email", "first.admin@example.org", "--role", "admin", "--org", str(org.id)
    )
    assert result.exit_code == 0, result.output
    user_id = result.output.strip().splitlines()[-1]
    [event] = events(database, "user.created")
    assert event.actor_id is None and event.role == "system"
    assert event.organisation_id == org.id  # the organisation's auditor sees it
    assert (event.object_type, event.object_id) == ("user", user_id)
    assert event.details["role"] == "admin"
    _no_personal_values([event], "first.admin", NEW_PASSWORD)


def test_cli_token_creation_and_revocation_are_audited_as_the_system(cli, make_user, database):
    user = make_user("focal_point")
    created = cli("create-token", "--email", user.email)
    assert created.exit_code == 0, created.output
    assert cli("revoke-token", "--email", user.email).exit_code == 0
    [made] = events(database, "token.created")
    [revoked] = events(database, "token.revoked")
    for event in (made, revoked):
        assert event.role == "system" and event.actor_id is None
        assert event.organisation_id == user.organisation_id
        assert event.object_type == "api_token"
        assert event.details["user"] == str(user.id)
    assert made.object_id == revoked.object_id
    secret = created.output.strip().splitlines()[-1]
    _no_personal_values([made, revoked], secret, user.email)
    # Revoking again revokes nothing and records nothing.
    assert cli("revoke-token", "--email", user.email).exit_code == 0
    assert len(events(database, "token.revoked")) == 1


def test_api_user_creation_role_change_and_deactivation_are_audited(api, database):
    admin = api("admin")
    resp = admin.post(
        "/users",
        json={
            "email": "new.liaison@example.org",
            "role": "family_liaison",
            "password": NEW_PASSWORD,
        },
    )
    assert resp.status_code == 201, resp.json
    user_id = resp.json["id"]
    assert admin.patch(f"/users/{user_id}", json={"role": "forensic"}).status_code == 200
    assert admin.patch(f"/users/{user_id}", json={"is_active": False}).status_code == 200
    assert admin.patch(f"/users/{user_id}", json={"is_active": True}).status_code == 200

    created = [e for e in events(database, "user.created") if e.object_id == user_id]
    [changed] = events(database, "user.role_changed")
    [deactivated] = events(database, "user.deactivated")
    [reactivated] = events(database, "user.reactivated")
    assert len(created) == 1 and created[0].details["role"] == "family_liaison"
    assert changed.details["from_role"] == "family_liaison"
    assert changed.details["to_role"] == "forensic"
    for event in (created[0], changed, deactivated, reactivated):
        assert event.actor_id == admin.user.id and event.role == "admin"
        assert event.organisation_id == admin.user.organisation_id
        assert event.object_id == user_id
    _no_personal_values(created + [changed, deactivated], "new.liaison", NEW_PASSWORD)


def test_pages_user_creation_and_deactivation_are_audited(app, make_user, database):
    admin = make_user("admin")
    browser = signed_in(app, admin)
    resp = post_form(
        browser,
        "/admin/users",
        email="page.user@example.org",
        role="focal_point",
        password=NEW_PASSWORD,
    )
    assert resp.status_code == 302
    with database.session() as s:
        user_id = s.scalar(select(User.id).where(User.email == "page.user@example.org"))
    page = f"/admin/users/{user_id}"
    assert post_form(browser, page, is_active="").status_code == 302  # unticked: deactivate
    [created] = [e for e in events(database, "user.created") if e.object_id == str(user_id)]
    [deactivated] = events(database, "user.deactivated")
    for event in (created, deactivated):
        assert event.actor_id == admin.id and event.role == "admin"
    assert deactivated.object_id == str(user_id)


def test_a_refused_creation_records_no_event(api, database):
    admin = api("admin")
    before = len(events(database, "user.created"))
    resp = admin.post(
        "/users", json={"email": "x.y@example.org", "role": "forensic", "password": "qwerty123456"}
    )
    assert resp.status_code == 422
    assert len(events(database, "user.created")) == before
