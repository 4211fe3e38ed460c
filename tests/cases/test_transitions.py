"""The status lifecycle: every legal and every illegal move over the full status grid."""

from __future__ import annotations

import itertools

import pytest

from casework import registry
from casework.auth.policy import Actor
from casework.cases import operations, queries
from casework.cases.models import CaseStatus, ClosureReason
from casework.cases.policy import TRANSITIONS, closure_reasons_for
from casework.families.operations import record_no_relative_reachable

STATUSES = list(CaseStatus)


def force_status(database, reference: str, status: CaseStatus, reason=None) -> None:
    """Put a case into any status through the unchecked service path (as tests may)."""
    if status is CaseStatus.reported:
        return
    if status is CaseStatus.closed and reason is None:
        reason = ClosureReason.withdrawn_by_family
    with database.session() as s:
        case = queries.case_by_reference_any_org(s, reference)
        operations.set_status_unchecked(s, Actor.system("test"), case, status, "arranged", reason)
        if status is CaseStatus.deceased_identified:
            # The families domain refuses closing such a case until the family was notified or
            # none could be reached: document the latter, so the table is tested on its own.
            record_no_relative_reachable(s, Actor.system("test"), case, "arranged")


def _body(source: CaseStatus, target: CaseStatus) -> dict:
    body = {"status": target.value, "note": f"{source.value} to {target.value}"}
    if target is CaseStatus.closed:
        reasons = closure_reasons_for(source) or list(ClosureReason)
        body["closure_reason"] = reasons[0].value
    return body


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_status_grid(focal, make_case, database, source, target):
    ref = make_case(focal)["reference"]
    force_status(database, ref, source)
    version = focal.get(f"/cases/{ref}").json["version"]
    resp = focal.post(f"/cases/{ref}/status", json=_body(source, target))
    allowed = [s.value for s in TRANSITIONS[source]]
    after = focal.get(f"/cases/{ref}").json
    if target.value not in allowed:
        assert resp.status_code == 409, resp.json
        error = resp.json["error"]
        assert error["code"] == "illegal_transition"
        assert error["allowed_statuses"] == allowed
        for name in allowed:
            assert name in error["message"]
        assert (after["status"], after["version"]) == (source.value, version)
    elif target is CaseStatus.deceased_identified:
        # Until identifications exist, none can be confirmed: always refused, saying why.
        assert resp.status_code == 409
        assert resp.json["error"]["code"] == "identification_required"
        assert "confirmed identification" in resp.json["error"]["message"]
        assert after["status"] == source.value
    else:
        assert resp.status_code == 200, resp.json
        assert resp.json["status"] == target.value
        assert resp.json["version"] == version + 1
        events = focal.get(f"/cases/{ref}/timeline?per_page=100").json["items"]
        last = events[-1]
        assert (last["from_status"], last["to_status"]) == (source.value, target.value)
        assert last["note"] == f"{source.value} to {target.value}"
        assert last["actor"] == focal.user.email


@pytest.mark.parametrize(
    ("source", "reason"),
    [(s, r) for s in STATUSES if CaseStatus.closed in TRANSITIONS[s] for r in ClosureReason],
)
def test_closure_reason_must_fit_the_state(focal, make_case, database, source, reason):
    ref = make_case(focal)["reference"]
    force_status(database, ref, source)
    resp = focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "note": "closing", "closure_reason": reason.value},
    )
    if reason is ClosureReason.duplicate and reason in closure_reasons_for(source):
        # Closing as a duplicate names the case it duplicates (see test_found_by_trying).
        assert resp.status_code == 422
        assert "duplicate_of" in resp.json["error"]["fields"]
    elif reason in closure_reasons_for(source):
        assert resp.status_code == 200
        assert resp.json["closure_reason"] == reason.value
    else:
        assert resp.status_code == 422
        assert "closure_reason" in resp.json["error"]["fields"]


def test_closing_needs_a_reason_and_other_moves_take_none(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.post(f"/cases/{ref}/status", json={"status": "closed", "note": "n"})
    assert resp.status_code == 422 and "closure_reason" in resp.json["error"]["fields"]
    resp = focal.post(
        f"/cases/{ref}/status",
        json={"status": "active_search", "note": "n", "closure_reason": "located"},
    )
    assert resp.status_code == 422 and "closure_reason" in resp.json["error"]["fields"]


@pytest.mark.parametrize("note", [None, "", "   "])
def test_a_note_is_required(focal, make_case, note):
    ref = make_case(focal)["reference"]
    body = {"status": "active_search"} | ({} if note is None else {"note": note})
    resp = focal.post(f"/cases/{ref}/status", json=body)
    assert resp.status_code == 422
    assert "note" in resp.json["error"]["fields"]
    assert focal.get(f"/cases/{ref}").json["status"] == "reported"


def test_status_change_honours_a_given_version(focal, make_case):
    ref = make_case(focal)["reference"]
    focal.patch(f"/cases/{ref}", json={"version": 1, "sex": "male"})
    resp = focal.post(
        f"/cases/{ref}/status", json={"status": "active_search", "note": "n", "version": 1}
    )
    assert resp.status_code == 409
    assert resp.json["error"]["current_version"] == 2


def test_unchecked_path_reaches_deceased_identified_and_closing_follows_the_table(
    focal, make_case, database
):
    ref = make_case(focal)["reference"]
    force_status(database, ref, CaseStatus.deceased_identified)
    assert focal.get(f"/cases/{ref}").json["status"] == "deceased_identified"
    resp = focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "note": "returned", "closure_reason": "identified"},
    )
    assert resp.status_code == 200


def test_a_close_guard_of_a_higher_domain_can_refuse_closing(focal, make_case):
    ref = make_case(focal)["reference"]
    with registry.registered(
        registry.CLOSE_REFUSAL, lambda session, case: "Notify the family first."
    ):
        resp = focal.post(
            f"/cases/{ref}/status",
            json={"status": "closed", "note": "n", "closure_reason": "withdrawn_by_family"},
        )
    assert resp.status_code == 409
    assert resp.json["error"]["message"] == "Notify the family first."
    assert focal.get(f"/cases/{ref}").json["status"] == "reported"
