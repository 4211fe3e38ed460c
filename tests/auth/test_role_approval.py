"""Granting the admin or auditor role needs a second admin (issue 11 finding 4): in the API and
the pages the request is recorded pending, the admin who asked gets 409 `four_eyes_required`,
and only another admin's approval creates the account or changes the role."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from casework.auth.models import RoleRequest, User
from tests.auth.helpers import events, post_form, signed_in
from tests.helpers import csrf_from

PASSWORD_OF_NEW = "violet harbour compass"


def _user_by_email(database, email: str):
    with database.session() as s:
        return s.scalar(select(User).where(User.email == email))


def _role_of(database, user_id) -> str:
    with database.session() as s:
        return s.get(User, user_id).role.value


def _sign_in(app, email: str, password: str):
    browser = app.test_client()
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    return browser.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_new_auditor_waits_for_a_second_admin(api, app, org, database):
    first, second = api("admin", org), api("admin", org)
    resp = first.post(
        "/users",
        json={"email": "new.auditor@example.org", "role": "auditor", "password": PASSWORD_OF_NEW},
    )
    assert resp.status_code == 202, resp.json
    request_id = resp.json["id"]
    assert resp.json["status"] == "pending" and resp.json["kind"] == "new_user"
    # Nothing is granted yet: no account, no sign-in.
    assert _user_by_email(database, "new.auditor@example.org") is None
    assert "new.auditor@example.org" not in {u["email"] for u in first.get("/users").json}
    assert _sign_in(app, "new.auditor@example.org", PASSWORD_OF_NEW).status_code == 401
    assert [r["id"] for r in second.get("/role-requests").json] == [request_id]

    refused = first.post(f"/role-requests/{request_id}/approve")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "four_eyes_required"
    assert _user_by_email(database, "new.auditor@example.org") is None

    approved = second.post(f"/role-requests/{request_id}/approve")
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved"
    user = _user_by_email(database, "new.auditor@example.org")
    assert user is not None and user.role.value == "auditor"
    assert approved.json["user_id"] == str(user.id)
    # Decided once.
    again = second.post(f"/role-requests/{request_id}/approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "not_pending"
    assert second.get("/role-requests").json == []

    [requested] = events(database, "role.requested")
    [approved_event] = events(database, "role.approved")
    [created] = [e for e in events(database, "user.created") if e.object_id == str(user.id)]
    assert requested.actor_id == first.user.id
    assert approved_event.actor_id == second.user.id == created.actor_id
    assert created.details["role_request"] == request_id
    # The new user's password hash no longer waits in the request row.
    with database.session() as s:
        assert s.get(RoleRequest, uuid.UUID(request_id)).password_hash is None


def test_role_change_to_admin_waits_and_the_subject_cannot_approve_it(api, org, database):
    first, subject, other = api("admin", org), api("admin", org), api("admin", org)
    target = api("focal_point", org).user
    # An ordinary role applies at once; admin waits.
    resp = first.patch(f"/users/{target.id}", json={"role": "admin"})
    assert resp.status_code == 202 and resp.json["kind"] == "role_change"
    assert _role_of(database, target.id) == "focal_point"
    assert other.post(f"/role-requests/{resp.json['id']}/approve").status_code == 200
    assert _role_of(database, target.id) == "admin"
    [changed] = events(database, "user.role_changed")
    assert changed.details == {
        "from_role": "focal_point",
        "to_role": "admin",
        "role_request": resp.json["id"],
    }
    assert changed.actor_id == other.user.id

    # An admin made auditor: that admin cannot approve their own new role.
    resp = first.patch(f"/users/{subject.user.id}", json={"role": "auditor"})
    assert resp.status_code == 202
    refused = subject.post(f"/role-requests/{resp.json['id']}/approve")
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "four_eyes_required"
    assert _role_of(database, subject.user.id) == "admin"


def test_taking_a_privileged_role_away_applies_at_once(api, org, database):
    first, second = api("admin", org), api("admin", org)
    resp = first.patch(f"/users/{second.user.id}", json={"role": "focal_point"})
    assert resp.status_code == 200 and resp.json["role"] == "focal_point"
    assert _role_of(database, second.user.id) == "focal_point"


def test_nobody_changes_their_own_role(api):
    admin = api("admin")
    resp = admin.patch(f"/users/{admin.user.id}", json={"role": "focal_point"})
    assert resp.status_code == 409
    assert admin.get("/me").json["role"] == "admin"


def test_a_rejected_request_grants_nothing(api, org, database):
    first, second = api("admin", org), api("admin", org)
    resp = first.post(
        "/users",
        json={"email": "would.be@example.org", "role": "admin", "password": PASSWORD_OF_NEW},
    )
    assert resp.status_code == 202
    rejected = second.post(f"/role-requests/{resp.json['id']}/reject")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert _user_by_email(database, "would.be@example.org") is None
    assert second.post(f"/role-requests/{resp.json['id']}/approve").status_code == 409
    with database.session() as s:
        assert s.get(RoleRequest, uuid.UUID(resp.json["id"])).password_hash is None
    [event] = events(database, "role.rejected")
    assert event.actor_id == second.user.id


def test_another_organisations_admin_cannot_see_or_approve(api, make_org):
    home, away = make_org("SV"), make_org("GT")
    first, stranger = api("admin", home), api("admin", away)
    resp = first.post(
        "/users",
        json={"email": "far.admin@example.org", "role": "admin", "password": PASSWORD_OF_NEW},
    )
    assert stranger.get("/role-requests").json == []
    assert stranger.post(f"/role-requests/{resp.json['id']}/approve").status_code == 404


def test_only_admins_decide(api, org):
    first = api("admin", org)
    resp = first.post(
        "/users",
        json={"email": "next.admin@example.org", "role": "admin", "password": PASSWORD_OF_NEW},
    )
    for role in ("focal_point", "auditor"):
        assert api(role, org).post(f"/role-requests/{resp.json['id']}/approve").status_code == 403


def test_ordinary_roles_are_created_at_once(api, database):
    resp = api("admin").post(
        "/users",
        json={"email": "plain.user@example.org", "role": "forensic", "password": PASSWORD_OF_NEW},
    )
    assert resp.status_code == 201 and resp.json["role"] == "forensic"
    assert _user_by_email(database, "plain.user@example.org") is not None


def test_pages_four_eyes_for_a_new_admin(app, make_user, org, database):
    first, second = make_user("admin", org), make_user("admin", org)
    asker, approver = signed_in(app, first), signed_in(app, second)
    resp = post_form(
        asker,
        "/admin/users",
        email="page.admin@example.org",
        role="admin",
        password=PASSWORD_OF_NEW,
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/admin/role-requests#messages")
    assert _user_by_email(database, "page.admin@example.org") is None
    with database.session() as s:
        request_id = s.scalar(select(RoleRequest.id).where(RoleRequest.requested_by == first.id))
    approve = f"/admin/role-requests/{request_id}/approve"
    # The asker's page offers no approval, and posting one anyway is refused.
    assert approve not in asker.get("/admin/role-requests").get_data(as_text=True)
    refused = post_form(asker, "/admin/role-requests", approve)
    assert refused.status_code == 409
    assert "second admin" in refused.get_data(as_text=True)
    assert _user_by_email(database, "page.admin@example.org") is None
    # The second admin sees it and approves it.
    page = approver.get("/admin/role-requests").get_data(as_text=True)
    assert approve in page and "page.admin@example.org" in page
    assert post_form(approver, "/admin/role-requests", approve).status_code == 302
    user = _user_by_email(database, "page.admin@example.org")
    assert user is not None and user.role.value == "admin"


def test_pages_role_change_to_auditor_waits(app, make_user, org, database):
    admin, target = make_user("admin", org), make_user("forensic", org)
    browser = signed_in(app, admin)
    page = f"/admin/users/{target.id}"
    resp = post_form(browser, page, f"{page}/role", role="auditor")
    assert resp.status_code == 302
    assert _role_of(database, target.id) == "forensic"
    assert "waits for a second admin" in browser.get(page).get_data(as_text=True)
    # An ordinary role applies at once.
    assert post_form(browser, page, f"{page}/role", role="focal_point").status_code == 302
    assert _role_of(database, target.id) == "focal_point"


def test_pages_refuse_a_common_password_for_a_new_user(app, make_user, database):
    browser = signed_in(app, make_user("admin"))
    resp = post_form(
        browser, "/admin/users", email="weak.admin@example.org", role="admin", password="aaaaaaaaaa"
    )
    assert resp.status_code == 422
    assert "12 characters" in resp.get_data(as_text=True)
    resp = post_form(
        browser,
        "/admin/users",
        email="weak.admin@example.org",
        role="focal_point",
        password="qwerty123456",
    )
    assert resp.status_code == 422
    assert "common passwords" in resp.get_data(as_text=True)
    assert _user_by_email(database, "weak.admin@example.org") is None
