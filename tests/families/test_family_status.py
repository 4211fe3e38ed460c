"""The family's own status page (issue 14, CONTRACT `/family-status` and
`POST /cases/<ref>/family-access`): a code and a one-time secret issued to the reporting
relative show the case's stage and next step in the relative's language; anything wrong gets one
and the same answer; failures are throttled per code and per address; every look-up is audited;
nothing readable is stored."""

from __future__ import annotations

import datetime as dt
import re

import argon2
import pytest
from sqlalchemy import select, update

from casework.audit import AuditEvent
from casework.cases.models import Case
from casework.families.status_models import FamilyAccess, FamilyStatusThrottle
from tests.families.helpers import CANARY_NAME
from tests.helpers import CSRF_RE, csrf_from, raw_database_dump

STATUS = "/family-status"
# Digits and capitals without 0, O, 1 and I, in groups (written here, not read from the code).
CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$")
SECRET_RE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
ADDRESS = "203.0.113.7"
REFUSED = "The status code or the secret is not right"
LATER = "try again later"


def issue(caller, reference: str) -> dict:
    resp = caller.post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 201, resp.json
    return resp.json


def look_up(client, code: str, secret: str, *, address: str = ADDRESS):
    form = client.get(STATUS)
    assert form.status_code == 200
    data = {"csrf_token": csrf_from(form.text), "code": code, "secret": secret}
    return client.post(STATUS, data=data, environ_base={"REMOTE_ADDR": address})


def without_token(html: str) -> str:
    return CSRF_RE.sub("", html)


def html_lang(html: str) -> tuple[str, str]:
    m = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert m, "no html element with lang and dir"
    return m.group(1), m.group(2)


def another_code(code: str) -> str:
    """A well-formed code that is not `code`."""
    last = "2" if code[-1] != "2" else "3"
    return code[:-1] + last


@pytest.fixture
def family_case(make_case, liaison, add_relative):
    """A case in active search with a reporting relative (Spanish-speaking by default)."""

    def make(language: str = "es-SV", status: str = "active_search"):
        reference = make_case(status=status)
        relative = add_relative(liaison, reference, preferred_language=language)
        return reference, relative

    return make


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_the_code_and_secret_once(family_case, liaison, client):
    reference, _relative = family_case()
    resp = liaison.post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 201
    body = resp.json
    assert set(body) == {"code", "secret", "expires_at"}
    assert CODE_RE.match(body["code"]) and SECRET_RE.match(body["secret"])
    expires = dt.datetime.fromisoformat(body["expires_at"])
    days = (expires - dt.datetime.now(dt.UTC)).days
    assert 178 <= days <= 180  # the default lifetime, 180 days
    assert "no-store" in resp.headers["Cache-Control"]
    # Typed in lower case, with spaces instead of dashes, it still works.
    typed = look_up(client, body["code"].lower().replace("-", " "), body["secret"].lower())
    assert typed.status_code == 200, typed.text


def test_a_new_code_replaces_the_old_one(family_case, liaison, api, client, database):
    reference, _relative = family_case()
    first = issue(liaison, reference)
    assert look_up(client, first["code"], first["secret"]).status_code == 200
    second = issue(api("focal_point"), reference)  # a focal point may issue one too
    assert second["code"] != first["code"] and second["secret"] != first["secret"]
    old = look_up(client, first["code"], first["secret"])
    assert old.status_code == 401 and REFUSED in old.text
    assert look_up(client, second["code"], second["secret"]).status_code == 200
    with database.session() as s:
        assert len(s.scalars(select(FamilyAccess)).all()) == 1


@pytest.mark.parametrize("role", ["forensic", "partner", "admin", "auditor"])
def test_other_roles_are_refused(family_case, api, role, database):
    reference, _relative = family_case()
    resp = api(role).post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 403
    assert resp.json["error"]["code"]
    with database.session() as s:
        assert s.scalars(select(FamilyAccess)).all() == []


def test_another_organisations_case_is_not_found(family_case, api, make_org):
    reference, _relative = family_case()
    other = api("family_liaison", make_org(country="GT"))
    resp = other.post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 404


def test_a_case_without_a_reporting_relative_is_refused(make_case, liaison, add_relative):
    reference = make_case(status="active_search")
    resp = liaison.post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "no_reporting_relative"
    add_relative(liaison, reference, is_reporting_person=False)
    again = liaison.post(f"/cases/{reference}/family-access", json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "no_reporting_relative"
    assert "reporting" in again.json["error"]["message"]


def test_an_erased_reporting_relative_gets_no_code(family_case, liaison):
    reference, relative = family_case()
    erased = liaison.post(f"/relatives/{relative['id']}/erase", json={"confirm": True})
    assert erased.status_code == 200
    resp = liaison.post(f"/cases/{reference}/family-access", json={})
    assert resp.status_code == 409


# --- the page: what it shows ------------------------------------------------------------------


def test_the_right_code_shows_the_stage_and_nothing_else(family_case, liaison, client):
    reference, _relative = family_case(language="en")
    issued = issue(liaison, reference)
    resp = look_up(client, issued["code"], issued["secret"])
    assert resp.status_code == 200
    assert "We are searching" in resp.text
    for secret_thing in (reference, CANARY_NAME, issued["code"], issued["secret"]):
        assert secret_thing not in resp.text
    # Neither the code nor the secret is sent back into the form.
    assert 'value="' + issued["code"] not in resp.text


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("reported", "Your report has been received"),
        ("active_search", "We are searching"),
        ("closed", "The search has ended"),
        # News of a person found or identified is given by a person, not by the page.
        ("located_alive", "Your liaison officer will contact you"),
        ("deceased_identified", "Your liaison officer will contact you"),
    ],
)
def test_each_status_has_its_family_wording(family_case, liaison, client, status, expected):
    reference, _relative = family_case(language="en", status=status)
    issued = issue(liaison, reference)
    resp = look_up(client, issued["code"], issued["secret"])
    assert resp.status_code == 200
    assert expected in resp.text
    for word in ("located", "deceased", "identified", "alive", "remains", "closed"):
        assert word not in resp.text.lower()


def test_the_stage_is_shown_in_the_relatives_language(family_case, liaison, client):
    reference, _relative = family_case(language="ar")
    issued = issue(liaison, reference)
    form = client.get(STATUS, headers={"Accept-Language": "en"})
    assert html_lang(form.text) == ("en", "ltr")
    resp = look_up(client, issued["code"], issued["secret"])
    assert resp.status_code == 200
    assert html_lang(resp.text) == ("ar", "rtl")
    # The stage itself is in Arabic (the catalogue translates every message: test_i18n's gate).
    stage = re.search(r'<h2 id="stage-title">([^<]+)</h2>', resp.text).group(1)
    assert "We are searching" not in resp.text
    assert re.search("[\u0600-\u06ff]{3,}", stage), stage


def test_a_regional_tag_uses_its_language(family_case, liaison, client):
    reference, _relative = family_case(language="fr-CA")
    issued = issue(liaison, reference)
    resp = look_up(client, issued["code"], issued["secret"])
    assert html_lang(resp.text) == ("fr", "ltr")


def test_an_unsupported_language_falls_back_to_the_pages(family_case, liaison, client):
    reference, _relative = family_case(language="ti")  # Tigrinya: no catalogue yet
    issued = issue(liaison, reference)
    page = client.get(STATUS, headers={"Accept-Language": "es"})
    token = csrf_from(page.text)
    resp = client.post(
        STATUS,
        data={"csrf_token": token, "code": issued["code"], "secret": issued["secret"]},
        headers={"Accept-Language": "es"},
    )
    assert resp.status_code == 200
    assert html_lang(resp.text) == ("es", "ltr")


def test_the_switcher_sets_the_page_language_and_comes_back_to_the_form(
    family_case, liaison, client
):
    reference, _relative = family_case(language="ti")
    issued = issue(liaison, reference)
    form = client.get(STATUS)
    switched = client.post(
        "/language",
        data={"csrf_token": csrf_from(form.text), "language": "fr", "next": STATUS},
    )
    assert switched.status_code == 302
    assert html_lang(client.get(STATUS).text) == ("fr", "ltr")
    # After a look-up (a POST page) the switcher still leads back to the blank form.
    resp = look_up(client, issued["code"], issued["secret"])
    assert resp.status_code == 200 and html_lang(resp.text) == ("fr", "ltr")
    assert f'name="next" value="{STATUS}"' in resp.text
    for code in ("en", "es", "fr", "ar"):
        assert f'name="language" value="{code}"' in resp.text


# --- the page: nothing tells what exists ------------------------------------------------------


def test_every_wrong_answer_is_the_same(family_case, liaison, client, database):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    expired_ref, _r = family_case()
    expired = issue(liaison, expired_ref)
    with database.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == expired_ref))
        s.execute(
            update(FamilyAccess)
            .where(FamilyAccess.case_id == case_id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    replaced_ref, _r = family_case()
    replaced = issue(liaison, replaced_ref)
    issue(liaison, replaced_ref)
    erased_ref, erased_relative = family_case()
    erased = issue(liaison, erased_ref)
    gone = liaison.post(f"/relatives/{erased_relative['id']}/erase", json={"confirm": True})
    assert gone.status_code == 200

    answers = {
        "unknown code": look_up(client, another_code(issued["code"]), issued["secret"]),
        "wrong secret": look_up(client, issued["code"], another_code(issued["secret"])),
        "malformed code": look_up(client, "hello", "world"),
        "expired code": look_up(client, expired["code"], expired["secret"]),
        "replaced code": look_up(client, replaced["code"], replaced["secret"]),
        "erased relative": look_up(client, erased["code"], erased["secret"]),
    }
    statuses = {name: resp.status_code for name, resp in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    bodies = {without_token(resp.text) for resp in answers.values()}
    assert len(bodies) == 1
    assert REFUSED in bodies.pop()
    headers = {
        tuple(sorted((k, v) for k, v in r.headers if k not in ("Set-Cookie", "X-Request-Id")))
        for r in answers.values()
    }
    assert len(headers) == 1
    # The right code and secret still work (they were refused above only with a wrong part).
    assert look_up(client, issued["code"], issued["secret"]).status_code == 200


def test_an_unknown_code_costs_one_argon2_verification(family_case, liaison, client, monkeypatch):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    calls = []
    real = argon2.PasswordHasher.verify

    def counting(self, hash, password):  # noqa: A002 - argon2's own parameter name
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    look_up(client, another_code(issued["code"]), issued["secret"])
    look_up(client, "not a code", "nor a secret")
    look_up(client, issued["code"], another_code(issued["secret"]))
    assert len(calls) == 3
    assert all(h.startswith("$argon2id$") for h in calls)


def test_an_empty_field_is_a_form_error_and_counts_nothing(client, database):
    page = client.get(STATUS)
    resp = client.post(STATUS, data={"csrf_token": csrf_from(page.text), "code": "", "secret": ""})
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.text
    no_token = client.post(STATUS, data={"code": "ABCDE-FGHJK", "secret": "ABCD-EFGH-JKLM"})
    assert no_token.status_code == 400
    with database.session() as s:
        assert s.scalars(select(FamilyStatusThrottle)).all() == []


# --- throttling -------------------------------------------------------------------------------


def test_a_code_is_throttled_after_five_failures_known_or_not(family_case, liaison, client):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    unknown = another_code(issued["code"])
    wrong = another_code(issued["secret"])
    # Five failures per code, each from another address (so only the code's count grows).
    for i in range(5):
        assert look_up(client, issued["code"], wrong, address=f"198.51.100.{i}").status_code == 401
        assert look_up(client, unknown, wrong, address=f"198.51.101.{i}").status_code == 401
    # The sixth try waits, even with the right secret; an unknown code waits the same way.
    real = look_up(client, issued["code"], issued["secret"], address="198.51.100.99")
    fake = look_up(client, unknown, issued["secret"], address="198.51.101.99")
    assert real.status_code == fake.status_code == 429
    assert LATER in real.text
    assert without_token(real.text) == without_token(fake.text)


def test_an_address_is_throttled_after_twenty_failures(family_case, liaison, client):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    symbols = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    for i in range(20):
        code = "ABCDE-" + symbols[i] * 5  # twenty different codes, none of them issued
        assert look_up(client, code, issued["secret"]).status_code == 401
    blocked = look_up(client, issued["code"], issued["secret"])
    assert blocked.status_code == 429 and LATER in blocked.text
    elsewhere = look_up(client, issued["code"], issued["secret"], address="192.0.2.55")
    assert elsewhere.status_code == 200


def test_the_wait_ends_after_the_window(family_case, liaison, client, database):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    for i in range(5):
        look_up(client, issued["code"], another_code(issued["secret"]), address=f"198.51.100.{i}")
    assert look_up(client, issued["code"], issued["secret"]).status_code == 429
    # Sixteen minutes later (the window is 15 minutes).
    past = dt.timedelta(minutes=16)
    with database.session() as s:
        for row in s.scalars(select(FamilyStatusThrottle)):
            row.window_started_at -= past
            if row.locked_until is not None:
                row.locked_until -= past
    assert look_up(client, issued["code"], issued["secret"]).status_code == 200


# --- nothing readable stored, every look-up audited --------------------------------------------


def test_neither_code_nor_secret_is_stored_in_clear(family_case, liaison, client, database):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    look_up(client, issued["code"], another_code(issued["secret"]))
    look_up(client, issued["code"], issued["secret"])
    dump = raw_database_dump(database)
    for value in (issued["code"], issued["secret"]):
        for form in (value, value.replace("-", ""), value.lower(), value.replace("-", "").lower()):
            assert form.encode() not in dump, form
    assert ADDRESS.encode() not in dump
    with database.session() as s:
        (row,) = s.scalars(select(FamilyAccess)).all()
        assert row.secret_hash.startswith("$argon2id$")
        assert len(row.code_hash) == 64


def test_every_look_up_is_audited_without_code_secret_or_address(
    family_case, liaison, client, audit_events
):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    (issue_event,) = audit_events("family_access.issue")
    assert issue_event.case_reference == reference and issue_event.actor_id == liaison.user.id
    look_up(client, issued["code"], issued["secret"])
    look_up(client, issued["code"], another_code(issued["secret"]))
    look_up(client, another_code(issued["code"]), issued["secret"])
    events = audit_events("family_status.lookup")
    assert [(e.decision, e.details["outcome"]) for e in events] == [
        ("allow", "shown"),
        ("deny", "wrong_secret"),
        ("deny", "unknown_code"),
    ]
    shown, wrong, unknown = events
    assert shown.case_reference == reference and wrong.case_reference == reference
    assert unknown.case_reference is None
    forbidden = [issued["code"], issued["secret"], ADDRESS]
    forbidden += [v.replace("-", "") for v in forbidden[:2]]
    for event in [issue_event, *events]:
        text = repr({c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns})
        for value in forbidden:
            assert value not in text and value.lower() not in text


def test_throttled_look_ups_and_lockouts_are_audited(family_case, liaison, client, audit_events):
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    for i in range(5):
        look_up(client, issued["code"], another_code(issued["secret"]), address=f"10.0.0.{i}")
    look_up(client, issued["code"], issued["secret"], address="10.0.1.1")
    (lockout,) = audit_events("family_status.lockout")
    assert lockout.details["scope"] == "code" and lockout.case_reference == reference
    last = audit_events("family_status.lookup")[-1]
    assert last.decision == "deny" and last.details == {"outcome": "throttled"}


def test_look_ups_of_unknown_codes_reach_the_auditors(
    family_case, liaison, api, make_org, client, audit_events, database, login
):
    """An unknown code names no case, so its look-up belongs to no organisation: it is an
    instance-level event, and every auditor on the instance sees it (with its lockout) in the
    audit list (page and API), as they see their own organisation's look-ups; other events of no
    organisation (the command line's) stay out of their list."""
    reference, _relative = family_case()
    issued = issue(liaison, reference)
    unknown = another_code(issued["code"])
    for i in range(5):
        look_up(client, unknown, issued["secret"], address=f"10.0.2.{i}")
    events = audit_events("family_status.lookup")
    assert [e.details["outcome"] for e in events] == ["unknown_code"] * 5
    assert all(e.organisation_id is None for e in events)
    (lockout,) = audit_events("family_status.lockout")
    assert lockout.organisation_id is None and lockout.details["scope"] == "code"
    from casework import audit

    with database.session() as s:  # another event of no organisation (the command line's)
        audit.append(s, audit.PlainActor(role="system"), "keys.rotate", object_type="keyring")

    own, other = api("auditor"), api("auditor", make_org("MX"))
    for auditor in (own, other):
        listed = auditor.get("/audit/events?action=family_status.*&per_page=100")
        assert listed.status_code == 200, listed.json
        seen = [(e["action"], e["details"].get("outcome")) for e in listed.json["items"]]
        assert seen.count(("family_status.lookup", "unknown_code")) == 5
        assert ("family_status.lockout", None) in seen
        everything = auditor.get("/audit/events?per_page=100").json["items"]
        assert not any(
            e["organisation_id"] is None and not e["action"].startswith("family_status.")
            for e in everything
        )
    # The page lists them too.
    login(other.user)
    page = client.get("/audit?action=family_status.lookup")
    assert page.status_code == 200
    assert page.text.count('<code dir="ltr">family_status.lookup</code>') == 5
