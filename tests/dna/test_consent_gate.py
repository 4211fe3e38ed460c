"""The consent gate: a family reference moves past `collected` only while its donor has a valid
consent for purpose dna; withdrawing it stops further steps and warns on the case."""

from __future__ import annotations

from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases.queries import case_or_404
from casework.dna.policy import case_warnings
from tests.dna.helpers import family_body


def _family(world, relative_id, **overrides):
    resp = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, relative_id, **overrides),
    )
    assert resp.status_code == 201, resp.json
    return resp.json


def _step(world, ref_id, status, version):
    return world.focal.post(
        f"/dna-references/{ref_id}/custody", json={"status": status, "version": version}
    )


def _give_dna_consent(world, relative_id):
    resp = world.focal.post(
        f"/relatives/{relative_id}/consents",
        json={"purpose": "dna", "scope": [{"kind": "any"}]},
    )
    assert resp.status_code == 201, resp.json
    return resp.json


def test_no_consent_refuses_any_step_past_collected(world, make_relative):
    donor = make_relative(world.case, dna_consent=False)
    ref = _family(world, donor)
    resp = _step(world, ref["id"], "shipped", 1)
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "consent_required"
    again = world.focal.get(f"/dna-references/{ref['id']}").json
    assert again["custody_status"] == "collected" and again["version"] == 1
    assert len(again["custody_history"]) == 1


def test_consent_given_lets_custody_advance(world, make_relative):
    donor = make_relative(world.case, dna_consent=False)
    ref = _family(world, donor)
    assert _step(world, ref["id"], "shipped", 1).status_code == 409
    _give_dna_consent(world, donor)
    resp = _step(world, ref["id"], "shipped", 1)
    assert resp.status_code == 200 and resp.json["custody_status"] == "shipped"


def test_a_consent_for_another_purpose_does_not_open_the_gate(world, make_relative):
    donor = make_relative(world.case, dna_consent=False)
    world.focal.post(
        f"/relatives/{donor}/consents", json={"purpose": "tracing", "scope": [{"kind": "any"}]}
    )
    ref = _family(world, donor)
    assert _step(world, ref["id"], "shipped", 1).json["error"]["code"] == "consent_required"


def test_withdrawn_consent_stops_further_steps_and_warns_on_the_case(
    world, make_relative, database
):
    donor = make_relative(world.case, dna_consent=False)
    consent = _give_dna_consent(world, donor)
    ref = _family(world, donor, consent_id=consent["id"])
    assert ref["consent_id"] == consent["id"]
    assert _step(world, ref["id"], "shipped", 1).status_code == 200
    case_json = world.focal.get(f"/cases/{world.case}")
    assert case_json.status_code == 200

    withdrawn = world.focal.post(f"/consents/{consent['id']}/withdraw", json={"reason": "asked"})
    assert withdrawn.status_code == 200
    refused = _step(world, ref["id"], "received", 2)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "consent_required"

    with database.session() as s:
        actor = Actor.for_user(s.get(User, world.focal.user.id))
        case = case_or_404(s, actor, world.case)
        warnings = case_warnings(s, case)
    assert len(warnings) == 1
    assert "withdrawn or is missing" in warnings[0] and "shipped" in warnings[0]
    assert "Rosa" not in warnings[0] and "Canarina" not in warnings[0]

    # A personal effect needs no consent, and brings no warning.
    effect = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json={
            "database_id": world.database,
            "sample_id": "EFF-1",
            "sample_kind": "personal_effect",
        },
    ).json
    assert _step(world, effect["id"], "shipped", 1).status_code == 200
    with database.session() as s:
        assert len(case_warnings(s, case_or_404(s, actor, world.case))) == 1


def test_the_consent_linked_must_be_the_donors_and_for_dna(world, make_case, make_relative):
    other_case = make_case()
    other = make_relative(other_case, dna_consent=False)
    other_consent = _give_dna_consent(world, other)
    donor = make_relative(world.case, dna_consent=False)
    tracing = world.focal.post(
        f"/relatives/{donor}/consents", json={"purpose": "tracing", "scope": [{"kind": "any"}]}
    ).json
    for consent_id in (other_consent["id"], tracing["id"], "00000000-0000-0000-0000-000000000000"):
        resp = world.focal.post(
            f"/cases/{world.case}/dna-references",
            json=family_body(world.database, donor, consent_id=consent_id),
        )
        assert resp.status_code == 422 and "consent_id" in resp.json["error"]["fields"], resp.json
    assert world.focal.get(f"/cases/{world.case}/dna-references").json["total"] == 0
