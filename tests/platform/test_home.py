"""Home pages by role (issue 14, problem 9): each role's home page shows what is waiting, with
counts and links to the lists where it is done — never an empty dead end. Counts are checked
against what the test itself put in the database."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.cases.models import CaseStatus
from tests.families.helpers import relative_body
from tests.helpers import sign_in

TODAY = dt.date.today()


def _due(client) -> dict[str, tuple[int, str]]:
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    found = {}
    for match in re.finditer(
        r'<li data-due="([^"]+)" data-count="(\d+)"[^>]*>\s*<a href="([^"]+)">', html
    ):
        found[match.group(1)] = (int(match.group(2)), match.group(3).replace("&amp;", "&"))
    return found


def _case(database, user, status: CaseStatus | None = None) -> str:
    with database.session() as s:
        actor = Actor.for_user(s.get(User, user.id))
        case = case_ops.create_case(s, actor, {"given_names": "Ana"})
        case.created_at -= dt.timedelta(days=30)
        if status is not None:
            case_ops.set_status_unchecked(s, actor, case, status, "test set-up")
        return case.reference


def test_liaison_officer_sees_notifications_overdue_and_due_today(client, api, make_user, database):
    focal = make_user("focal_point")
    reference = _case(database, focal)
    liaison = api("family_liaison")
    relative = liaison.post(f"/cases/{reference}/relatives", json=relative_body()).json
    for days_ago in (3, 1, 0, 0, 0, -2):  # two overdue, three due today, one later
        planned = (TODAY - dt.timedelta(days=days_ago)).isoformat()
        body = {"relative_id": relative["id"], "kind": "progress_update", "planned_date": planned}
        assert liaison.post(f"/cases/{reference}/notifications", json=body).status_code == 201

    assert sign_in(client, make_user("family_liaison")).status_code == 302
    due = _due(client)
    assert due["notifications.overdue"] == (2, "/worklist")
    assert due["notifications.today"] == (3, "/worklist")


def test_focal_point_sees_cases_to_work_on(client, make_user, database):
    focal = make_user("focal_point")
    for status in (None, None, CaseStatus.active_search, CaseStatus.closed):
        _case(database, focal, status)
    assert sign_in(client, focal).status_code == 302
    due = _due(client)
    assert due["cases.reported"] == (2, "/cases?status=reported")
    assert due["cases.active_search"] == (1, "/cases?status=active_search")
    assert due["shares.pending"][1] == "/shares/pending"
    assert due["identifications.recorded"] == (0, "/identifications?status=recorded")
    # The linked list shows as many as the home page counts.
    listing = client.get("/cases?status=reported").get_data(as_text=True)
    assert len(re.findall(r"<tr[^>]*data-reference=", listing)) == 2


def test_forensic_home_is_not_a_dead_end(client, api, make_user):
    forensic = api("forensic")
    body = {"found_date": "2026-03", "found_country": "MX", "sex": "male"}
    for _ in range(2):
        assert forensic.post("/remains", json=body).status_code == 201, body
    assert sign_in(client, make_user("forensic")).status_code == 302
    due = _due(client)
    assert due["remains.unidentified"] == (2, "/remains?status=unidentified")
    assert due["match_reports.reported"] == (0, "/match-reports?status=reported")
    assert due["identifications.recorded"] == (0, "/identifications?status=recorded")


def test_partner_home_links_the_shared_cases(client, make_user):
    assert sign_in(client, make_user("partner")).status_code == 302
    assert _due(client) == {
        "shared.cases": (0, "/shared-cases"),
        "shared.recent": (0, "/shared-cases"),
    }


def test_admin_sees_role_requests_and_users(client, make_user, org):
    admin = make_user("admin")
    for _ in range(3):
        make_user("family_liaison")
    assert sign_in(client, admin).status_code == 302
    due = _due(client)
    assert due["users"] == (4, "/admin/users")
    assert due["role_requests.pending"] == (0, "/admin/role-requests")


def test_auditor_home_links_the_audit_trail(client, make_user):
    assert sign_in(client, make_user("auditor")).status_code == 302
    due = _due(client)
    count, url = due["audit.day"]
    assert count >= 1 and url.startswith("/audit?from=")  # the sign-in itself is audited
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "role", ["focal_point", "family_liaison", "forensic", "partner", "admin", "auditor"]
)
def test_every_role_has_something_on_its_home_page(client, make_user, role):
    assert sign_in(client, make_user(role)).status_code == 302
    assert _due(client), role
