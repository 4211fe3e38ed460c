"""The exchange endpoints called as a hostile or careless client would: malformed JSON, bodies
that are not objects, wrong types, unknown enum values, 20 kB strings, NUL bytes, unpaired
surrogates, ids that are not ids, huge page numbers, impossible dates.

Every answer is a 4xx in the contract's error shape, a 422 naming the field; never a 5xx; and a
refused request leaves nothing behind (shares, exchange log, grants, agreements and their
revisions are counted before and after)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.exchange.models import (
    Agreement,
    AgreementRevision,
    ExchangeEntry,
    PartnerGrant,
    Share,
)
from tests.exchange.conftest import Sharing

pytestmark = pytest.mark.once

BIG = "x" * 20_000
ZERO = "00000000-0000-0000-0000-000000000000"
JUSTIFICATION = "The person is in danger and the family cannot be reached at all."


class Raw:
    """A JSON text sent as is (what json.dumps would not write)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r})"


def counts(database) -> dict[str, int]:
    with database.session() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (Share, ExchangeEntry, PartnerGrant, Agreement, AgreementRevision)
        }


def send(client, caller, method: str, path: str, body: Any = None, **kw: Any):
    headers = {"Authorization": f"Bearer {caller.token}"}
    if isinstance(body, Raw):
        kw["data"], kw["content_type"] = (
            body.text.encode("utf-8", "surrogatepass"),
            ("application/json"),
        )
    elif body is not None:
        kw["data"], kw["content_type"] = json.dumps(body), "application/json"
    return getattr(client, method)("/api/v1" + path, headers=headers, **kw)


def assert_refused(resp, field: str | None = None, statuses=(400, 404, 415, 422)) -> None:
    """A 4xx in the error shape; a 422 names `field` when one is given."""
    text = resp.get_data(as_text=True)
    assert resp.status_code < 500, (resp.status_code, text[:300])
    assert resp.status_code in statuses, (resp.status_code, text[:300])
    error = resp.json["error"]
    assert set(error) >= {"code", "message", "fields"}, error
    assert isinstance(error["fields"], dict)
    if field is not None:
        assert resp.status_code == 422, (resp.status_code, text[:300])
        assert field in error["fields"], (field, error)
    # No hostile value is echoed back in the message.
    assert BIG not in error["message"]


def share_body(sharing: Sharing, **overrides: Any) -> dict[str, Any]:
    return {
        "recipient_organisation_id": str(sharing.partner_org.id),
        "purpose": "tracing",
        "categories": ["identity"],
        "legal_basis": "consent",
        "consent_id": sharing.consent_id,
    } | overrides


def agreement_body(partner_org: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "partner_organisation_id": str(partner_org.id),
        "purposes": {"tracing": ["identity"]},
        "legal_bases": ["consent"],
        "valid_from": "2026-01-01",
        "valid_to": "2029-12-31",
        "retention_days": 30,
    } | overrides


# --- bodies that are not a JSON object -----------------------------------------------------------

NOT_OBJECTS = [
    Raw("{"),
    Raw('{"purpose": "tracing",}'),
    Raw("not json at all"),
    Raw(""),
    Raw("[]"),
    Raw('"tracing"'),
    Raw("null"),
    Raw("42"),
    Raw('{"purpose": NaN}'),
    Raw('{"a": ' * 2000 + "1" + "}" * 2000),
    Raw("\x00"),
]


def _write_endpoints(sharing: Sharing, pending_id: str) -> list[tuple[Any, str, str, bool]]:
    """(caller, method, path, whether a body is required: approve and revoke take none)."""
    return [
        (sharing.admin, "post", "/agreements", True),
        (sharing.admin, "patch", f"/agreements/{sharing.agreement['id']}", True),
        (sharing.focal, "post", f"/cases/{sharing.reference}/shares", True),
        (sharing.second_focal, "post", f"/shares/{pending_id}/approve", False),
        (sharing.focal, "post", f"/shares/{pending_id}/revoke", False),
    ]


def _pending(sharing: Sharing) -> str:
    consent = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={
            "purpose": "identification",
            "scope": [{"kind": "organisation", "value": str(sharing.partner_org.id)}],
        },
    ).json["id"]
    resp = sharing.share(
        purpose="identification", categories=["identity", "dna_references"], consent_id=consent
    )
    assert resp.json["status"] == "pending_approval", resp.json
    return resp.json["id"]


def test_bodies_that_are_not_a_json_object(sharing, client, database):
    pending = _pending(sharing)
    before = counts(database)
    for caller, method, path, body_required in _write_endpoints(sharing, pending):
        for body in NOT_OBJECTS:
            if body.text == "" and not body_required:
                continue  # an empty body is no body: tried last, below
            resp = send(client, caller, method, path, body)
            assert_refused(resp)
        # Another content type than JSON.
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
            resp = client.open(
                "/api/v1" + path,
                method=method.upper(),
                data="purpose=tracing",
                content_type=content_type,
                headers={"Authorization": f"Bearer {caller.token}"},
            )
            assert_refused(resp)
    assert counts(database) == before
    assert sharing.focal.get(f"/shares/{pending}").json["status"] == "pending_approval"
    # Approve and revoke take an optional body: an empty one is none.
    approved = send(client, sharing.second_focal, "post", f"/shares/{pending}/approve", Raw(""))
    assert approved.status_code == 200 and approved.json["status"] == "active", approved.json


# --- share requests -----------------------------------------------------------------------------


def share_cases(sharing: Sharing) -> list[tuple[dict[str, Any], str]]:
    """(body overrides, the field a 422 must name)."""
    return [
        ({"recipient_organisation_id": "not-a-uuid"}, "recipient_organisation_id"),
        ({"recipient_organisation_id": 12345}, "recipient_organisation_id"),
        ({"recipient_organisation_id": None}, "recipient_organisation_id"),
        ({"recipient_organisation_id": ZERO}, "recipient_organisation_id"),
        ({"recipient_organisation_id": str(sharing.owner.id)}, "recipient_organisation_id"),
        ({"recipient_organisation_id": "\x00" + ZERO[1:]}, "recipient_organisation_id"),
        ({"purpose": "surveillance"}, "purpose"),
        ({"purpose": ["tracing"]}, "purpose"),
        ({"purpose": 1}, "purpose"),
        ({"purpose": None}, "purpose"),
        ({"purpose": BIG}, "purpose"),
        ({"purpose": "tracing\x00"}, "purpose"),
        ({"categories": "identity"}, "categories"),
        ({"categories": []}, "categories"),
        ({"categories": ["identity", "identity"]}, "categories"),
        ({"categories": ["bank_account"]}, "categories"),
        ({"categories": ["consent"]}, "categories"),
        ({"categories": [None]}, "categories"),
        ({"categories": [BIG]}, "categories"),
        ({"categories": ["identity"] * 5000}, "categories"),
        ({"categories": {"identity": True}}, "categories"),
        ({"legal_basis": "goodwill"}, "legal_basis"),
        ({"legal_basis": True}, "legal_basis"),
        ({"legal_basis": BIG}, "legal_basis"),
        ({"consent_id": "not-a-uuid"}, "consent_id"),
        ({"consent_id": 7}, "consent_id"),
        ({"consent_id": [sharing.consent_id]}, "consent_id"),
        ({"justification": BIG, "legal_basis": "vital_interest"}, "justification"),
        ({"justification": 12, "legal_basis": "vital_interest"}, "justification"),
        ({"justification": ["a"], "legal_basis": "vital_interest"}, "justification"),
        (
            {"justification": JUSTIFICATION + "\x00", "legal_basis": "vital_interest"},
            "justification",
        ),
        ({"unexpected": "field"}, "unexpected"),
    ]


def test_share_requests_with_hostile_fields(sharing, database):
    before = counts(database)
    for overrides, field in share_cases(sharing):
        resp = sharing.focal.post(
            f"/cases/{sharing.reference}/shares", json=share_body(sharing, **overrides)
        )
        assert_refused(resp, field)
    for missing in ("recipient_organisation_id", "purpose", "categories"):
        body = share_body(sharing)
        del body[missing]
        resp = sharing.focal.post(f"/cases/{sharing.reference}/shares", json=body)
        assert_refused(resp, missing)
    assert counts(database) == before
    assert sharing.partner.get("/shared-cases").json["items"] == []


@pytest.mark.parametrize(
    "justification",
    [
        '"The person is in danger \\ud800 and the family cannot be reached."',
        '"\\udfff The person is in danger and the family cannot be reached."',
        '"The person is in danger and the family cannot be reached \\ud83d"',
    ],
    ids=["high", "low", "trailing-high"],
)
def test_unpaired_surrogates_in_the_justification(sharing, client, database, justification):
    before = counts(database)
    body = (
        "{"
        f'"recipient_organisation_id": "{sharing.partner_org.id}", '
        '"purpose": "tracing", "categories": ["identity"], '
        '"legal_basis": "vital_interest", '
        f'"justification": {justification}'
        "}"
    )
    resp = send(client, sharing.focal, "post", f"/cases/{sharing.reference}/shares", Raw(body))
    assert_refused(resp, "justification")
    assert counts(database) == before


def test_an_unpaired_surrogate_in_a_revocation_note(sharing, client, database):
    share = sharing.share().json
    before = counts(database)
    resp = send(
        client, sharing.focal, "post", f"/shares/{share['id']}/revoke", Raw('{"note": "a\\ud800"}')
    )
    assert_refused(resp, "note")
    assert counts(database) == before
    assert sharing.focal.get(f"/shares/{share['id']}").json["status"] == "active"


def test_share_requests_on_hostile_case_references(sharing, database):
    before = counts(database)
    for reference in (
        "SLV-2026-999999",
        "not-a-reference",
        "x" * 2000,
        "%00",
        "..%2F..%2Fagreements",
        "SLV-2026-00000%27%20OR%201=1",
    ):
        resp = sharing.focal.post(f"/cases/{reference}/shares", json=share_body(sharing))
        assert_refused(resp, statuses=(404,))
        assert_refused(sharing.focal.get(f"/cases/{reference}/shares"), statuses=(404,))
        assert_refused(sharing.partner.get(f"/shared-cases/{reference}"), statuses=(404,))
    assert counts(database) == before


# --- agreements ----------------------------------------------------------------------------------


def agreement_cases() -> list[tuple[dict[str, Any], str]]:
    return [
        ({"partner_organisation_id": "nope"}, "partner_organisation_id"),
        ({"partner_organisation_id": ZERO}, "partner_organisation_id"),
        ({"partner_organisation_id": None}, "partner_organisation_id"),
        ({"purposes": "tracing"}, "purposes"),
        ({"purposes": {"tracing": "identity"}}, "purposes"),
        ({"purposes": {"tracing": ["identity"], "surveillance": ["identity"]}}, "purposes"),
        ({"purposes": {BIG: ["identity"]}}, "purposes"),
        ({"purposes": {"tracing": [BIG]}}, "purposes"),
        ({"purposes": {"tracing\x00": ["identity"]}}, "purposes"),
        ({"purposes": {"tracing": [{"a": 1}]}}, "purposes"),
        ({"purposes": None}, "purposes"),
        ({"legal_bases": "consent"}, "legal_bases"),
        ({"legal_bases": ["consent", "consent"]}, "legal_bases"),
        ({"legal_bases": ["gut_feeling"]}, "legal_bases"),
        ({"valid_from": "2026-02-30"}, "valid_from"),
        ({"valid_from": "26-01-01"}, "valid_from"),
        ({"valid_from": "1899-12-31"}, "valid_from"),
        ({"valid_from": "9999-12-31"}, "valid_from"),
        ({"valid_from": 20260101}, "valid_from"),
        ({"valid_from": "2026-01-01T25:00:00"}, "valid_from"),
        ({"valid_to": "2025-12-31"}, "valid_to"),
        ({"valid_to": "\x00"}, "valid_to"),
        ({"valid_to": BIG}, "valid_to"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 10**30}, "retention_days"),
        ({"retention_days": "thirty"}, "retention_days"),
        ({"retention_days": Raw("1e400")}, "retention_days"),
        ({"retention_days": True}, "retention_days"),
        ({"consent_required": "yes"}, "consent_required"),
        ({"consent_required": 1}, "consent_required"),
        ({"title": BIG}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": ["x"]}, "title"),
        ({"id": ZERO}, "id"),
        ({"version": 5}, "version"),
    ]


def _encode(body: dict[str, Any]) -> str:
    return (
        "{"
        + ",".join(
            json.dumps(k) + ":" + (v.text if isinstance(v, Raw) else json.dumps(v))
            for k, v in body.items()
        )
        + "}"
    )


def test_agreements_with_hostile_fields(sharing, make_org, client, database):
    partner = make_org("FR", "humanitarian")
    before = counts(database)
    for overrides, field in agreement_cases():
        body = Raw(_encode(agreement_body(partner, **overrides)))
        assert_refused(send(client, sharing.admin, "post", "/agreements", body), field)
    assert counts(database) == before


def test_agreement_changes_with_hostile_fields(sharing, client, database):
    before = counts(database)
    path = f"/agreements/{sharing.agreement['id']}"
    cases = [
        (c, f)
        for c, f in agreement_cases()
        if f not in ("partner_organisation_id", "id", "version", "valid_from")
    ]
    cases += [
        ({"partner_organisation_id": ZERO}, "partner_organisation_id"),
        ({"ended_on": "2026-02-30"}, "ended_on"),
        ({"ended_on": "2000-01-01"}, "ended_on"),
        ({"ended_on": None}, "ended_on"),
        ({"ended_on": BIG}, "ended_on"),
    ]
    for overrides, field in cases:
        body = {"version": 1, **overrides}
        if field == "valid_to" and "valid_to" in overrides:
            body["valid_from"] = "2026-01-01"
        assert_refused(send(client, sharing.admin, "patch", path, Raw(_encode(body))), field)
    for version in ("1", 0, -1, 1.5, None, [1], True):
        resp = send(client, sharing.admin, "patch", path, {"version": version, "title": "t"})
        assert_refused(resp, "version", statuses=(422,))
    # A version far beyond the record's is a stale one.
    stale = send(client, sharing.admin, "patch", path, {"version": 10**30, "title": "t"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "version_conflict"
    for header in ("garbage", '"abc"', "W/", "\x7f", '"1", "2"'):
        resp = sharing.admin.patch(path, json={"title": "t"}, headers={"If-Match": header})
        assert_refused(resp)
    assert counts(database) == before
    assert sharing.admin.get(path).json["version"] == 1


# --- approve and revoke --------------------------------------------------------------------------


def test_approve_and_revoke_with_hostile_bodies_and_ids(sharing, client, database):
    pending = _pending(sharing)
    before = counts(database)
    for action, extra in (("approve", {}), ("revoke", {"note": "ok"})):
        path = f"/shares/{pending}/{action}"
        for body, field in (
            ({"version": "1"}, "version"),
            ({"version": 0}, "version"),
            ({"version": 1.5}, "version"),
            ({"version": [1]}, "version"),
            ({"surprise": True}, "surprise"),
        ):
            caller = sharing.second_focal
            assert_refused(send(client, caller, "post", path, {**extra, **body}), field)
        for share_id in ("not-a-uuid", ZERO, "1", "x" * 2000, "%00", pending.upper() + "0"):
            resp = sharing.second_focal.post(f"/shares/{share_id}/{action}", json={})
            assert_refused(resp, statuses=(404,))
    for note in (BIG, 42, ["n"], "a\x00b"):
        resp = sharing.focal.post(f"/shares/{pending}/revoke", json={"note": note})
        assert_refused(resp, "note")
    assert counts(database) == before
    assert sharing.focal.get(f"/shares/{pending}").json["status"] == "pending_approval"
    for share_id in ("not-a-uuid", ZERO, "x" * 2000):
        assert_refused(sharing.focal.get(f"/shares/{share_id}"), statuses=(404,))


# --- reads: ids, paging, filters ----------------------------------------------------------------


def _reads(sharing: Sharing) -> list[tuple[Any, str]]:
    return [
        (sharing.focal, "/agreements"),
        (sharing.focal, f"/cases/{sharing.reference}/shares"),
        (sharing.focal, "/shares"),
        (sharing.partner, "/shared-cases"),
        (sharing.focal, "/exchanges"),
    ]


def test_paging_out_of_range(sharing):
    sharing.share()
    for caller, path in _reads(sharing):
        for query, field in (
            ({"page": 0}, "page"),
            ({"page": -1}, "page"),
            ({"page": "one"}, "page"),
            ({"page": "1.5"}, "page"),
            ({"page": "9" * 40}, "page"),
            ({"per_page": 0}, "per_page"),
            ({"per_page": 10**9}, "per_page"),
            ({"per_page": "many"}, "per_page"),
        ):
            assert_refused(caller.get(path, query_string=query), field)
        # A page far past the end is an empty page, not an error.
        for page in (10**6, 2**31, 10**12):
            resp = caller.get(path, query_string={"page": page})
            text = resp.get_data(as_text=True)[:300]
            assert resp.status_code in (200, 422), (path, page, resp.status_code, text)
            if resp.status_code == 200:
                assert resp.json["items"] == [] and resp.json["page"] == page, (path, text)
            else:
                assert "page" in resp.json["error"]["fields"]


def test_hostile_filters(sharing):
    sharing.share()
    cases = [
        ("/agreements", {"partner": "nope"}, "partner"),
        ("/agreements", {"active": "maybe"}, "active"),
        (f"/cases/{sharing.reference}/shares", {"status": "lost"}, "status"),
        ("/shares", {"status": "x" * 20_000}, "status"),
        ("/exchanges", {"from": "2026-02-30"}, "from"),
        ("/exchanges", {"to": "1899-01-01"}, "to"),
        ("/exchanges", {"from": "9999-12-31"}, "from"),
        ("/exchanges", {"to": "\x00"}, "to"),
        ("/exchanges", {"direction": "up"}, "direction"),
        ("/exchanges", {"partner": ZERO[:-1]}, "partner"),
        ("/exchanges", {"case": "x" * 20_000}, "case"),
        ("/exchanges", {"case": "SLV\x00"}, "case"),
        ("/exchanges", {"format": "pdf"}, "format"),
    ]
    for path, query, field in cases:
        assert_refused(sharing.focal.get(path, query_string=query), field)
    for query, field in (({"purpose": "spying"}, "purpose"), ({"purpose": BIG}, "purpose")):
        assert_refused(sharing.partner.get("/shared-cases", query_string=query), field)


def test_hostile_agreement_ids(sharing):
    for agreement_id in ("not-a-uuid", ZERO, "1", "x" * 2000, "%00", "'; DROP TABLE agreements"):
        assert_refused(sharing.focal.get(f"/agreements/{agreement_id}"), statuses=(404,))
        resp = sharing.admin.patch(f"/agreements/{agreement_id}", json={"version": 1})
        assert_refused(resp, statuses=(404,))
    assert sharing.admin.get("/agreements").json["total"] == 1
