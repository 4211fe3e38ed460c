"""The sharing policy of DESIGN §6 (`casework.exchange.policy.decide`), rule by rule and in
combination with a table of scenarios.

Pure values only: no app, no database. Every expectation below comes from DESIGN §6 (and the
share part of CONTRACT.md), not from running the code. Each rule test starts from a share that
is allowed and changes one thing, so it can also say which rules (and only which) fail.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from casework.exchange.policy import (
    Agreement,
    CaseFacts,
    Consent,
    Decision,
    Outcome,
    ProtectionFlag,
    Recipient,
    Request,
    Rule,
    Verdict,
    decide,
)

TODAY = dt.date(2026, 5, 14)
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)

# DESIGN §6, in its order.
DESIGN_ORDER = [
    "agreement",
    "categories",
    "legal_basis",
    "protection",
    "special_categories",
    "purpose_limitation",
    "four_eyes",
    "minimisation",
]

# --- recipients -----------------------------------------------------------------------------


def _org(name: str, country: str, kind: str) -> Recipient:
    return Recipient(id=uuid.uuid4(), name=name, country=country, kind=kind)


ICRC = _org("ICRC Delegation", "CH", "humanitarian")
RED_CROSS_SV = _org("Salvadoran Red Cross", "SV", "humanitarian")
MINISTRY_SV = _org("Ministry of Foreign Affairs SV", "SV", "national_authority")
CONSULATE_SV = _org("Consulate of El Salvador", "SV", "consulate")
PROSECUTOR_MX = _org("Fiscalia General MX", "MX", "national_authority")
MIGRATION_MX = _org("Instituto Nacional de Migracion", "MX", "national_authority")
INTERPOL = _org("Interpol General Secretariat", "FR", "intergovernmental")
LAB_MX = _org("Forensic Institute MX", "MX", "forensic_institute")
OTHER_ORG = _org("Some other organisation", "GT", "humanitarian")

# --- agreements -----------------------------------------------------------------------------

HUMANITARIAN_PURPOSES: dict[str, tuple[str, ...]] = {
    "tracing": ("identity", "circumstances", "physical_description", "photos"),
    "identification": ("identity", "physical_description", "dna_references", "photos"),
    "family_notification": ("identity", "family_contacts"),
    "repatriation": ("identity",),
    "statistics": ("circumstances",),
}
ALL_BASES = ("consent", "vital_interest", "public_interest")


def agreement(
    recipient: Recipient,
    purposes: dict[str, Sequence[str]] | None = None,
    *,
    legal_bases: Sequence[str] = ALL_BASES,
    valid_from: dt.date = TODAY - dt.timedelta(days=365),
    valid_to: dt.date | None = TODAY + dt.timedelta(days=365),
    retention_days: int = 90,
    consent_required: bool = False,
    ended_on: dt.date | None = None,
) -> Agreement:
    return Agreement(
        id=uuid.uuid4(),
        partner_organisation_id=recipient.id,
        purposes=HUMANITARIAN_PURPOSES if purposes is None else purposes,
        legal_bases=legal_bases,
        valid_from=valid_from,
        valid_to=valid_to,
        retention_days=retention_days,
        consent_required=consent_required,
        ended_on=ended_on,
    )


# --- consents -------------------------------------------------------------------------------


def by_org(recipient: Recipient) -> dict[str, Any]:
    return {"kind": "organisation", "value": str(recipient.id)}


def by_kind(kind: str) -> dict[str, Any]:
    return {"kind": "category", "value": kind}


ANYONE: dict[str, Any] = {"kind": "any", "value": None}


def consent(
    purpose: str, *scope: dict[str, Any], withdrawn: bool = False, id: str | None = None
) -> Consent:
    return Consent(
        id=id or str(uuid.uuid4()), purpose=purpose, scope=list(scope), withdrawn=withdrawn
    )


JUSTIFICATION = "The person is a child alone at the border and no relative can be reached."
# A name, a date of birth and a phone number: personal values no message may ever hold.
CANARY_NAME = "Ana Maria Gomez Perez"
CANARY_JUSTIFICATION = (
    f"{CANARY_NAME}, born 1994-03-07 in Usulutan, phone +503 7012 3456, is at risk of death."
)


def ask(
    purpose: str = "tracing",
    categories: Sequence[str] = ("identity", "circumstances"),
    legal_basis: str | None = "consent",
    *,
    consent: Consent | None = None,
    consent_id: str | None = None,
    justification: str | None = None,
    second_approval: bool = False,
) -> Request:
    return Request(
        purpose=purpose,
        categories=list(categories),
        legal_basis=legal_basis,
        consent_id=consent.id if consent is not None else consent_id,
        justification=justification,
        second_approval=second_approval,
    )


def case(*consents: Consent, flags: Sequence[ProtectionFlag] = ()) -> CaseFacts:
    return CaseFacts(protection_flags=list(flags), consents=list(consents))


def run(
    facts: CaseFacts,
    request: Request,
    recipient: Recipient,
    agreements: Sequence[Agreement],
    today: dt.date = TODAY,
) -> Verdict:
    """Decide, and check what holds for every verdict: one reason per rule in DESIGN order,
    outcomes and decision consistent, every message rendered."""
    verdict = decide(facts, request, recipient, agreements, today)
    assert [r.rule.value for r in verdict.reasons] == DESIGN_ORDER
    for reason in verdict.reasons:
        as_dict = reason.as_dict()
        assert set(as_dict) == {"rule", "outcome", "code", "message"}
        assert as_dict["message"] and "%(" not in as_dict["message"]
    outcomes = {r.outcome for r in verdict.reasons}
    if Outcome.failed in outcomes:
        assert verdict.decision is Decision.denied
    elif Outcome.needs_approval in outcomes:
        assert verdict.decision is Decision.pending_approval
    else:
        assert verdict.decision is Decision.allowed
    return verdict


def failed(verdict: Verdict) -> set[str]:
    return {r.rule.value for r in verdict.reasons if r.outcome is Outcome.failed}


def reason_of(verdict: Verdict, rule: str):
    return next(r for r in verdict.reasons if r.rule.value == rule)


def assert_fails(verdict: Verdict, rule: str, code: str) -> None:
    reason = reason_of(verdict, rule)
    assert (reason.outcome, reason.code) == (Outcome.failed, code), reason
    assert verdict.decision is Decision.denied


def assert_passes(verdict: Verdict, rule: str, code: str | None = None) -> None:
    reason = reason_of(verdict, rule)
    assert reason.outcome is Outcome.passed, reason
    if code is not None:
        assert reason.code == code


# The baseline: a tracing share to the ICRC under the family's consent for tracing, scoped to
# the ICRC by organisation id. Allowed; each test below changes one thing of it.
TRACING_CONSENT = consent("tracing", by_org(ICRC))


def baseline(**changes: Any) -> Verdict:
    facts = changes.pop("facts", case(TRACING_CONSENT))
    request = changes.pop("request", ask(consent=TRACING_CONSENT))
    recipient = changes.pop("recipient", ICRC)
    agreements = changes.pop("agreements", [agreement(ICRC)])
    today = changes.pop("today", TODAY)
    assert not changes
    return run(facts, request, recipient, agreements, today)


def test_the_baseline_share_is_allowed_by_every_rule():
    verdict = baseline()
    assert verdict.decision is Decision.allowed
    assert failed(verdict) == set()
    assert [r.outcome for r in verdict.reasons] == [Outcome.passed] * 8


# --- rule 1: an agreement active today that covers the purpose --------------------------------


def test_agreement_active_and_covering_the_purpose_passes():
    deal = agreement(ICRC, valid_to=dt.date(2027, 1, 31))
    verdict = baseline(agreements=[deal])
    assert_passes(verdict, "agreement", "agreement_active")
    assert "ICRC Delegation" in reason_of(verdict, "agreement").message
    assert "2027-01-31" in reason_of(verdict, "agreement").message
    assert verdict.agreement == deal


@pytest.mark.parametrize(
    "dates",
    [
        {"valid_from": TODAY},
        {"valid_to": TODAY},
        {"valid_to": None},
        {"ended_on": TOMORROW},
    ],
    ids=["starts-today", "last-day-today", "open-ended", "ends-early-but-later"],
)
def test_agreement_validity_bounds_are_inclusive(dates):
    assert_passes(baseline(agreements=[agreement(ICRC, **dates)]), "agreement", "agreement_active")


def test_no_agreement_denies():
    verdict = baseline(agreements=[])
    assert_fails(verdict, "agreement", "no_agreement")
    assert "ICRC Delegation" in reason_of(verdict, "agreement").message
    # Without an agreement no category is allowed either.
    assert failed(verdict) == {"agreement", "categories"}


def test_an_agreement_with_another_organisation_is_no_agreement():
    verdict = baseline(agreements=[agreement(OTHER_ORG)])
    assert_fails(verdict, "agreement", "no_agreement")


def test_an_expired_agreement_denies():
    verdict = baseline(agreements=[agreement(ICRC, valid_to=YESTERDAY)])
    assert_fails(verdict, "agreement", "agreement_expired")
    assert YESTERDAY.isoformat() in reason_of(verdict, "agreement").message
    assert failed(verdict) == {"agreement", "categories"}


def test_an_agreement_that_starts_later_denies():
    verdict = baseline(agreements=[agreement(ICRC, valid_from=TOMORROW)])
    assert_fails(verdict, "agreement", "agreement_not_yet_valid")
    assert TOMORROW.isoformat() in reason_of(verdict, "agreement").message


def test_an_agreement_ended_early_denies():
    deal = agreement(ICRC, valid_to=TODAY + dt.timedelta(days=300), ended_on=YESTERDAY)
    verdict = baseline(agreements=[deal])
    assert_fails(verdict, "agreement", "agreement_expired")
    assert YESTERDAY.isoformat() in reason_of(verdict, "agreement").message


def test_a_purpose_the_agreement_does_not_cover_denies():
    ident = consent("identification", by_org(ICRC))
    verdict = baseline(
        facts=case(ident),
        request=ask("identification", ["identity"], consent=ident),
        agreements=[agreement(ICRC, {"tracing": ["identity"]})],
    )
    assert_fails(verdict, "agreement", "purpose_not_covered")
    assert "identification" in reason_of(verdict, "agreement").message
    assert failed(verdict) == {"agreement", "categories"}


def test_the_agreement_covering_the_purpose_is_chosen_among_several():
    old = agreement(ICRC, valid_to=YESTERDAY)
    other_purpose = agreement(ICRC, {"statistics": ["circumstances"]})
    current = agreement(ICRC)
    verdict = baseline(agreements=[old, other_purpose, current, agreement(OTHER_ORG)])
    assert verdict.decision is Decision.allowed
    assert verdict.agreement == current


# --- rule 2: each category allowed by that agreement for that purpose -------------------------


def test_categories_the_agreement_allows_pass():
    verdict = baseline()
    assert_passes(verdict, "categories", "categories_allowed")
    assert "identity" in reason_of(verdict, "categories").message


def test_a_category_the_agreement_does_not_allow_for_the_purpose_denies():
    # Photos are allowed for identification, not for tracing under this agreement.
    deal = agreement(ICRC, {"tracing": ["identity"], "identification": ["photos"]})
    verdict = baseline(
        request=ask(categories=["identity", "photos"], consent=TRACING_CONSENT),
        agreements=[deal],
    )
    assert_fails(verdict, "categories", "category_not_allowed")
    message = reason_of(verdict, "categories").message
    assert "photos" in message and "identity" not in message
    assert failed(verdict) == {"categories"}


def test_an_unknown_category_denies():
    verdict = baseline(
        request=ask(categories=["identity", "bank_details"], consent=TRACING_CONSENT)
    )
    assert_fails(verdict, "categories", "category_not_allowed")
    assert failed(verdict) == {"categories"}


def test_no_category_denies():
    verdict = baseline(request=ask(categories=[], consent=TRACING_CONSENT))
    assert_fails(verdict, "categories", "no_categories")
    assert failed(verdict) == {"categories"}


# --- rule 3: a legal basis ------------------------------------------------------------------


@pytest.mark.parametrize("basis", [None, "", "legitimate_interest"])
def test_no_legal_basis_denies(basis):
    verdict = baseline(request=ask(legal_basis=basis, justification=JUSTIFICATION))
    assert_fails(verdict, "legal_basis", "no_legal_basis")
    assert failed(verdict) == {"legal_basis"}


def test_a_basis_the_agreement_does_not_accept_denies():
    verdict = baseline(
        request=ask(legal_basis="vital_interest", justification=JUSTIFICATION),
        agreements=[agreement(ICRC, legal_bases=["consent", "public_interest"])],
    )
    assert_fails(verdict, "legal_basis", "legal_basis_not_accepted")
    assert "vital interest" in reason_of(verdict, "legal_basis").message
    assert failed(verdict) == {"legal_basis"}


@pytest.mark.parametrize("basis", ["vital_interest", "public_interest"])
def test_consent_required_by_the_agreement_but_an_interest_basis_used_denies(basis):
    verdict = baseline(
        request=ask(legal_basis=basis, justification=JUSTIFICATION),
        agreements=[agreement(ICRC, consent_required=True)],
    )
    assert_fails(verdict, "legal_basis", "consent_required")
    assert failed(verdict) == {"legal_basis"}


def test_consent_required_by_the_agreement_and_given_passes():
    verdict = baseline(agreements=[agreement(ICRC, consent_required=True)])
    assert_passes(verdict, "legal_basis", "consent_valid")
    assert verdict.decision is Decision.allowed


@pytest.mark.parametrize("basis", ["vital_interest", "public_interest"])
@pytest.mark.parametrize(
    "justification",
    [None, "", "   ", "Child alone.", "x" * 19, "  " + "x" * 19 + "   "],
    ids=["none", "empty", "blank", "short", "19-chars", "19-chars-padded"],
)
def test_an_interest_basis_without_a_long_enough_justification_denies(basis, justification):
    verdict = baseline(request=ask(legal_basis=basis, justification=justification))
    assert_fails(verdict, "legal_basis", "justification_missing")
    assert "20" in reason_of(verdict, "legal_basis").message
    assert failed(verdict) == {"legal_basis"}


@pytest.mark.parametrize("basis", ["vital_interest", "public_interest"])
@pytest.mark.parametrize("justification", ["x" * 20, JUSTIFICATION])
def test_an_interest_basis_with_a_justification_passes(basis, justification):
    verdict = baseline(request=ask(legal_basis=basis, justification=justification))
    assert_passes(verdict, "legal_basis", "interest_justified")
    assert verdict.decision is Decision.allowed


def test_an_interest_basis_needs_no_consent():
    verdict = baseline(
        facts=case(),
        request=ask(legal_basis="public_interest", justification=JUSTIFICATION),
    )
    assert verdict.decision is Decision.allowed


def test_consent_basis_without_a_consent_id_denies():
    verdict = baseline(request=ask(consent_id=None))
    assert_fails(verdict, "legal_basis", "consent_missing")
    assert failed(verdict) == {"legal_basis"}


def test_a_consent_id_that_is_not_among_the_cases_consents_denies():
    elsewhere = consent("tracing", ANYONE)  # another family's consent
    verdict = baseline(request=ask(consent=elsewhere))
    assert_fails(verdict, "legal_basis", "consent_missing")
    assert failed(verdict) == {"legal_basis"}


def test_a_withdrawn_consent_denies():
    withdrawn = consent("tracing", by_org(ICRC), withdrawn=True)
    verdict = baseline(facts=case(withdrawn), request=ask(consent=withdrawn))
    assert_fails(verdict, "legal_basis", "consent_withdrawn")
    assert failed(verdict) == {"legal_basis"}


def test_a_consent_for_another_purpose_denies():
    contact = consent("contact", by_org(ICRC))
    verdict = baseline(facts=case(TRACING_CONSENT, contact), request=ask(consent=contact))
    assert_fails(verdict, "legal_basis", "consent_other_purpose")
    assert "tracing" in reason_of(verdict, "legal_basis").message
    assert failed(verdict) == {"legal_basis"}


# Which consent purpose covers which share purpose (from the brief's description of the
# mapping: tracing←tracing; identification←identification or dna; family_notification←contact;
# repatriation←identification; statistics←tracing or identification; the two purposes outside
# the humanitarian ones only by themselves).
COVERS = {
    "tracing": {"tracing"},
    "identification": {"identification", "dna"},
    "family_notification": {"contact"},
    "repatriation": {"identification"},
    "statistics": {"tracing", "identification"},
    "law_enforcement": {"law_enforcement"},
    "migration_control": {"migration_control"},
}
CONSENT_PURPOSES = ["contact", "tracing", "identification", "dna"] + [
    "law_enforcement",
    "migration_control",
]


@pytest.mark.parametrize("consent_purpose", CONSENT_PURPOSES)
@pytest.mark.parametrize("share_purpose", list(COVERS))
def test_which_consent_purpose_covers_which_share_purpose(share_purpose, consent_purpose):
    given = consent(consent_purpose, by_org(ICRC))
    deal = agreement(ICRC, {p: ["identity"] for p in COVERS})
    verdict = run(case(given), ask(share_purpose, ["identity"], consent=given), ICRC, [deal], TODAY)
    reason = reason_of(verdict, "legal_basis")
    if consent_purpose in COVERS[share_purpose]:
        assert (reason.outcome, reason.code) == (Outcome.passed, "consent_valid")
    else:
        assert (reason.outcome, reason.code) == (Outcome.failed, "consent_other_purpose")


@pytest.mark.parametrize(
    "scope",
    [
        [by_org(OTHER_ORG)],
        [by_kind("national_authority")],
        [by_kind("consulate"), by_org(OTHER_ORG)],
        [],
    ],
    ids=["another-organisation", "another-kind", "neither", "empty-scope"],
)
def test_a_consent_scoped_to_another_recipient_denies(scope):
    scoped = consent("tracing", *scope)
    verdict = baseline(facts=case(scoped), request=ask(consent=scoped))
    assert_fails(verdict, "legal_basis", "consent_other_recipient")
    assert "ICRC Delegation" in reason_of(verdict, "legal_basis").message
    assert failed(verdict) == {"legal_basis"}


@pytest.mark.parametrize(
    "scope",
    [[by_org(ICRC)], [ANYONE], [by_kind("humanitarian")], [by_org(OTHER_ORG), by_org(ICRC)]],
    ids=["by-organisation", "anyone", "by-recipient-kind", "one-of-several"],
)
def test_a_consent_scoped_to_the_recipient_passes(scope):
    scoped = consent("tracing", *scope)
    verdict = baseline(facts=case(scoped), request=ask(consent=scoped))
    assert_passes(verdict, "legal_basis", "consent_valid")
    assert verdict.decision is Decision.allowed


# --- rule 4: protection flags ---------------------------------------------------------------


def test_no_protection_flag_passes():
    assert_passes(baseline(), "protection", "no_protection_flag")


def test_a_flag_naming_the_recipient_organisation_denies():
    facts = case(TRACING_CONSENT, flags=[ProtectionFlag("organisation", str(ICRC.id))])
    verdict = baseline(facts=facts)
    assert_fails(verdict, "protection", "protection_flag_organisation")
    assert "ICRC Delegation" in reason_of(verdict, "protection").message
    assert failed(verdict) == {"protection"}


def test_a_flag_naming_another_organisation_does_not_block():
    facts = case(TRACING_CONSENT, flags=[ProtectionFlag("organisation", str(OTHER_ORG.id))])
    assert baseline(facts=facts).decision is Decision.allowed


def _share_to(recipient: Recipient, flags: Sequence[ProtectionFlag]) -> Verdict:
    """A tracing share under public interest, approved by a second person."""
    return run(
        case(flags=flags),
        ask(legal_basis="public_interest", justification=JUSTIFICATION, second_approval=True),
        recipient,
        [agreement(recipient)],
    )


@pytest.mark.parametrize("recipient", [MINISTRY_SV, CONSULATE_SV], ids=lambda r: r.kind)
@pytest.mark.parametrize("country", ["SV", "sv"])
def test_a_country_flag_blocks_a_state_authority_of_that_country(recipient, country):
    verdict = _share_to(recipient, [ProtectionFlag("country", country)])
    assert_fails(verdict, "protection", "protection_flag_country")
    assert "SV" in reason_of(verdict, "protection").message
    assert failed(verdict) == {"protection"}


@pytest.mark.parametrize(
    "recipient",
    [RED_CROSS_SV, PROSECUTOR_MX, CONSULATE_SV],
    ids=["humanitarian-of-that-country", "authority-of-another", "consulate-other-flag"],
)
def test_a_country_flag_does_not_block_others(recipient):
    flag = "MX" if recipient is CONSULATE_SV else "SV"
    verdict = _share_to(recipient, [ProtectionFlag("country", flag)])
    assert_passes(verdict, "protection", "no_protection_flag")
    assert verdict.decision is Decision.allowed


# --- rule 5: DNA references and family contacts ---------------------------------------------


def test_no_special_category_passes():
    assert_passes(baseline(), "special_categories", "special_categories_fine")


def test_dna_references_for_identification_under_an_agreement_covering_them_pass():
    dna = consent("dna", by_org(ICRC))
    verdict = baseline(
        facts=case(dna),
        request=ask("identification", ["dna_references"], consent=dna, second_approval=True),
    )
    assert_passes(verdict, "special_categories", "special_categories_allowed")
    assert verdict.decision is Decision.allowed


@pytest.mark.parametrize("purpose", ["tracing", "repatriation", "statistics"])
def test_dna_references_outside_identification_deny(purpose):
    # The agreement allows them for that purpose, and for identification too: rule 2 passes,
    # rule 5 does not (DNA references go only for identification).
    given = consent({"repatriation": "identification"}.get(purpose, "tracing"), by_org(ICRC))
    allowed = ["identity", "dna_references"]
    deal = agreement(ICRC, {purpose: allowed, "identification": allowed})
    verdict = run(
        case(given),
        ask(purpose, ["identity", "dna_references"], consent=given, second_approval=True),
        ICRC,
        [deal],
    )
    assert_fails(verdict, "special_categories", "dna_needs_identification")
    assert failed(verdict) == {"special_categories"}


def test_dna_references_under_an_agreement_not_allowing_them_for_identification_deny():
    dna = consent("dna", by_org(ICRC))
    deal = agreement(
        ICRC, {"identification": ["identity"], "tracing": ["identity", "dna_references"]}
    )
    verdict = baseline(
        facts=case(dna),
        request=ask("identification", ["dna_references"], consent=dna, second_approval=True),
        agreements=[deal],
    )
    assert_fails(verdict, "special_categories", "dna_needs_identification")
    assert failed(verdict) == {"categories", "special_categories"}


@pytest.mark.parametrize("purpose", ["tracing", "identification", "repatriation"])
def test_family_contacts_outside_family_notification_deny(purpose):
    given = consent("identification" if purpose != "tracing" else "tracing", by_org(ICRC))
    deal = agreement(ICRC, {purpose: ["identity", "family_contacts"]})
    verdict = run(
        case(given), ask(purpose, ["identity", "family_contacts"], consent=given), ICRC, [deal]
    )
    assert_fails(verdict, "special_categories", "family_contacts_need_notification")
    assert failed(verdict) == {"special_categories"}


def test_family_contacts_for_family_notification_pass():
    contact = consent("contact", by_org(ICRC))
    verdict = baseline(
        facts=case(contact),
        request=ask("family_notification", ["identity", "family_contacts"], consent=contact),
    )
    assert_passes(verdict, "special_categories", "special_categories_allowed")
    assert verdict.decision is Decision.allowed


# --- rule 6: purposes outside the humanitarian ones -----------------------------------------

OUTSIDE = ["law_enforcement", "migration_control"]


def _outside(purpose: str, given: Consent | None, **request: Any) -> Verdict:
    """A share to Interpol (not a State authority: no four-eyes) for a purpose outside the
    humanitarian ones, under an agreement that covers it."""
    deal = agreement(INTERPOL, {purpose: ["identity"]})
    facts = case(given) if given is not None else case()
    if given is not None:
        request.setdefault("consent", given)
    return run(facts, ask(purpose, ["identity"], **request), INTERPOL, [deal])


def test_a_humanitarian_purpose_passes_rule_six():
    verdict = baseline()
    assert_passes(verdict, "purpose_limitation", "humanitarian_purpose")


@pytest.mark.parametrize("purpose", OUTSIDE)
def test_outside_purpose_with_explicit_consent_for_it_and_the_recipient_is_allowed(purpose):
    verdict = _outside(purpose, consent(purpose, by_org(INTERPOL)))
    assert_passes(verdict, "purpose_limitation", "explicit_consent_given")
    assert verdict.decision is Decision.allowed


@pytest.mark.parametrize("purpose", OUTSIDE)
@pytest.mark.parametrize("basis", ["vital_interest", "public_interest"])
def test_outside_purpose_under_an_interest_basis_is_refused(purpose, basis):
    verdict = _outside(purpose, None, legal_basis=basis, justification=JUSTIFICATION)
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"purpose_limitation"}


@pytest.mark.parametrize("purpose", OUTSIDE)
@pytest.mark.parametrize(
    "scope", [[ANYONE], [by_kind("intergovernmental")]], ids=["anyone", "by-kind"]
)
def test_outside_purpose_with_a_consent_not_naming_the_recipient_is_refused(purpose, scope):
    # The consent is a valid legal basis (rule 3) but not explicit for this recipient.
    verdict = _outside(purpose, consent(purpose, *scope))
    assert_passes(verdict, "legal_basis", "consent_valid")
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"purpose_limitation"}


@pytest.mark.parametrize(
    "purpose, consent_purpose",
    [
        (purpose, other)
        for purpose in OUTSIDE
        for other in ["tracing", "identification", "dna", "contact", *OUTSIDE]
        if other != purpose
    ],
)
def test_outside_purpose_with_a_consent_for_another_purpose_is_refused(purpose, consent_purpose):
    verdict = _outside(purpose, consent(consent_purpose, by_org(INTERPOL)))
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert_fails(verdict, "legal_basis", "consent_other_purpose")
    assert failed(verdict) == {"legal_basis", "purpose_limitation"}


@pytest.mark.parametrize("purpose", OUTSIDE)
def test_outside_purpose_with_a_consent_for_another_organisation_is_refused(purpose):
    verdict = _outside(purpose, consent(purpose, by_org(OTHER_ORG)))
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"legal_basis", "purpose_limitation"}


@pytest.mark.parametrize("purpose", OUTSIDE)
def test_outside_purpose_with_a_withdrawn_explicit_consent_is_refused(purpose):
    verdict = _outside(purpose, consent(purpose, by_org(INTERPOL), withdrawn=True))
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"legal_basis", "purpose_limitation"}


@pytest.mark.parametrize("purpose", OUTSIDE)
def test_outside_purpose_with_an_explicit_consent_of_another_case_is_refused(purpose):
    elsewhere = consent(purpose, by_org(INTERPOL))
    verdict = _outside(purpose, None, consent=elsewhere)
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"legal_basis", "purpose_limitation"}


def test_an_unknown_purpose_is_outside_the_humanitarian_ones():
    # Even under an agreement that lists it, a purpose that is not one of the five
    # humanitarian ones needs explicit consent (there can be none for it).
    verdict = _outside("research", None, legal_basis="public_interest", justification=JUSTIFICATION)
    assert_fails(verdict, "purpose_limitation", "explicit_consent_required")
    assert failed(verdict) == {"purpose_limitation"}


# --- rule 7: four eyes ----------------------------------------------------------------------


def test_no_second_approval_needed_for_a_humanitarian_recipient_without_dna():
    assert_passes(baseline(), "four_eyes", "no_second_approval_needed")
    approved = baseline(request=ask(consent=TRACING_CONSENT, second_approval=True))
    assert_passes(approved, "four_eyes", "no_second_approval_needed")
    assert approved.decision is Decision.allowed


def _dna_share(second_approval: bool) -> Verdict:
    dna = consent("dna", by_org(ICRC))
    request = ask(
        "identification", ["dna_references"], consent=dna, second_approval=second_approval
    )
    return baseline(facts=case(dna), request=request)


def test_dna_references_wait_for_a_second_approval():
    verdict = _dna_share(False)
    reason = reason_of(verdict, "four_eyes")
    assert (reason.outcome, reason.code) == (Outcome.needs_approval, "second_approval_dna")
    assert verdict.decision is Decision.pending_approval
    assert failed(verdict) == set()


def test_dna_references_leave_once_a_second_person_approved():
    verdict = _dna_share(True)
    assert_passes(verdict, "four_eyes", "second_approval_given")
    assert verdict.decision is Decision.allowed


@pytest.mark.parametrize("recipient", [MINISTRY_SV, CONSULATE_SV], ids=lambda r: r.kind)
def test_a_state_authority_waits_for_a_second_approval(recipient):
    request = ask(legal_basis="public_interest", justification=JUSTIFICATION)
    verdict = run(case(), request, recipient, [agreement(recipient)])
    reason = reason_of(verdict, "four_eyes")
    assert (reason.outcome, reason.code) == (Outcome.needs_approval, "second_approval_state")
    assert recipient.name in reason.message
    assert verdict.decision is Decision.pending_approval


@pytest.mark.parametrize("recipient", [MINISTRY_SV, CONSULATE_SV], ids=lambda r: r.kind)
def test_a_state_authority_gets_the_share_once_a_second_person_approved(recipient):
    request = ask(legal_basis="public_interest", justification=JUSTIFICATION, second_approval=True)
    verdict = run(case(), request, recipient, [agreement(recipient)])
    assert_passes(verdict, "four_eyes", "second_approval_given")
    assert verdict.decision is Decision.allowed


@pytest.mark.parametrize("recipient", [LAB_MX, INTERPOL, RED_CROSS_SV], ids=lambda r: r.kind)
def test_other_kinds_are_not_state_authorities(recipient):
    request = ask(legal_basis="public_interest", justification=JUSTIFICATION)
    verdict = run(case(), request, recipient, [agreement(recipient)])
    assert_passes(verdict, "four_eyes", "no_second_approval_needed")
    assert verdict.decision is Decision.allowed


def test_a_second_approval_does_not_lift_a_refusal():
    facts = case(flags=[ProtectionFlag("country", "SV")])
    request = ask(legal_basis="public_interest", justification=JUSTIFICATION, second_approval=True)
    verdict = run(facts, request, MINISTRY_SV, [agreement(MINISTRY_SV)])
    assert verdict.decision is Decision.denied


# --- rule 8: minimisation -------------------------------------------------------------------


@pytest.mark.parametrize("days", [30, 90, 365])
def test_minimisation_names_the_categories_and_the_retention_of_the_agreement(days):
    verdict = baseline(agreements=[agreement(ICRC, retention_days=days)])
    reason = reason_of(verdict, "minimisation")
    assert (reason.outcome, reason.code) == (Outcome.passed, "minimised")
    assert f"{days} days" in reason.message
    assert "identity" in reason.message and "circumstances" in reason.message
    assert "photos" not in reason.message  # allowed by the agreement, not requested


def test_minimisation_of_a_share_waiting_for_approval_names_the_retention():
    reason = reason_of(_dna_share(False), "minimisation")
    assert reason.code == "minimised" and "90 days" in reason.message


def test_nothing_leaves_when_refused():
    verdict = baseline(agreements=[])
    reason = reason_of(verdict, "minimisation")
    assert reason.code == "nothing_leaves"
    assert "days" not in reason.message


# --- every rule, in order, without personal values ------------------------------------------


def test_every_rule_is_evaluated_even_after_a_failure():
    facts = case(flags=[ProtectionFlag("organisation", str(ICRC.id))])
    request = ask("law_enforcement", ["family_contacts", "dna_references"], legal_basis=None)
    verdict = run(facts, request, ICRC, [])
    assert verdict.decision is Decision.denied
    assert [(r.rule.value, r.outcome.value, r.code) for r in verdict.reasons] == [
        ("agreement", "failed", "no_agreement"),
        ("categories", "failed", "category_not_allowed"),
        ("legal_basis", "failed", "no_legal_basis"),
        ("protection", "failed", "protection_flag_organisation"),
        ("special_categories", "failed", "dna_needs_identification"),
        ("purpose_limitation", "failed", "explicit_consent_required"),
        ("four_eyes", "needs_approval", "second_approval_dna"),
        ("minimisation", "passed", "nothing_leaves"),
    ]
    assert [r.rule.value for r in verdict.refusals] == DESIGN_ORDER[:6]


def test_a_late_rule_failing_is_reported_with_the_early_ones_passed():
    facts = case(TRACING_CONSENT, flags=[ProtectionFlag("organisation", str(ICRC.id))])
    verdict = baseline(facts=facts)
    assert [r.outcome.value for r in verdict.reasons] == [
        "passed",
        "passed",
        "passed",
        "failed",
        "passed",
        "passed",
        "passed",
        "passed",
    ]


def test_reasons_come_in_the_design_order():
    assert [rule.value for rule in Rule] == DESIGN_ORDER
    for verdict in (baseline(), baseline(agreements=[]), _dna_share(False)):
        assert [r.rule.value for r in verdict.reasons] == DESIGN_ORDER


@pytest.mark.parametrize("basis", ["vital_interest", "public_interest"])
@pytest.mark.parametrize(
    "recipient, agreements, purpose",
    [
        (ICRC, "ok", "tracing"),  # allowed
        (MINISTRY_SV, "ok", "tracing"),  # waits for approval
        (ICRC, "none", "tracing"),  # denied
        (INTERPOL, "ok", "law_enforcement"),  # denied by rule 6
    ],
)
def test_no_message_holds_the_justification_or_any_personal_value(
    basis, recipient, agreements, purpose
):
    deals = [agreement(recipient, {purpose: ["identity"]})] if agreements == "ok" else []
    flags = [ProtectionFlag("country", "GT")]
    for justification in (CANARY_JUSTIFICATION, CANARY_NAME):  # passing, then too short
        request = ask(purpose, ["identity"], basis, justification=justification)
        verdict = run(case(flags=flags), request, recipient, deals)
        text = " ".join(r.message for r in verdict.reasons)
        text += " ".join(str(r.as_dict()) for r in verdict.reasons)
        for canary in (CANARY_NAME, "Gomez", "1994", "Usulutan", "7012", "at risk of death"):
            assert canary not in text


def test_messages_hold_no_consent_id():
    secret_id = "consent-" + uuid.uuid4().hex
    given = consent("tracing", by_org(ICRC), id=secret_id)
    for facts in (case(given), case()):
        verdict = baseline(facts=facts, request=ask(consent=given))
        assert all(secret_id not in r.message for r in verdict.reasons)


def test_decide_is_pure():
    facts = case(TRACING_CONSENT)
    request = ask(consent=TRACING_CONSENT)
    deals = [agreement(ICRC)]
    first = decide(facts, request, ICRC, deals, TODAY)
    second = decide(facts, request, ICRC, deals, TODAY)
    assert first == second
    # The date is an argument, not the clock: a year later the same agreement has expired.
    later = decide(facts, request, ICRC, deals, TODAY + dt.timedelta(days=400))
    assert later.decision is Decision.denied


# --- combinations: a table of scenarios ----------------------------------------------------


@dataclass(frozen=True)
class Row:
    scenario: str
    recipient: Recipient
    request: Request
    agreements: Sequence[Agreement]
    facts: CaseFacts = field(default_factory=CaseFacts)
    # expected, from DESIGN §6
    decision: Decision = Decision.allowed
    failed: frozenset[str] = frozenset()


ALLOWED, DENIED, PENDING = Decision.allowed, Decision.denied, Decision.pending_approval

_tracing_any = consent("tracing", ANYONE)
_dna_icrc = consent("dna", by_org(ICRC))
_ident_consulates = consent("identification", by_kind("consulate"))
_dna_consulates = consent("dna", by_kind("consulate"))
_contact_icrc = consent("contact", by_org(ICRC))
_ident_any = consent("identification", ANYONE)
_tracing_withdrawn = consent("tracing", by_org(ICRC), withdrawn=True)
_le_interpol = consent("law_enforcement", by_org(INTERPOL))
_le_anyone = consent("law_enforcement", ANYONE)
_mc_migration = consent("migration_control", by_org(MIGRATION_MX))
_mc_authorities = consent("migration_control", by_kind("national_authority"))
_tracing_red_cross = consent("tracing", by_kind("humanitarian"))
_SV_FLAG = ProtectionFlag("country", "SV")
_JUST = {"justification": JUSTIFICATION}

TABLE = [
    Row(
        "ICRC traces a person with the family's tracing consent for anyone",
        ICRC,
        ask(consent=_tracing_any),
        [agreement(ICRC)],
        case(_tracing_any),
    ),
    Row(
        "ICRC receives DNA references for identification under a DNA consent: four eyes",
        ICRC,
        ask("identification", ["identity", "dna_references"], consent=_dna_icrc),
        [agreement(ICRC)],
        case(_dna_icrc),
        PENDING,
    ),
    Row(
        "the same DNA share once a second person approved it",
        ICRC,
        ask(
            "identification",
            ["identity", "dna_references"],
            consent=_dna_icrc,
            second_approval=True,
        ),
        [agreement(ICRC)],
        case(_dna_icrc),
        ALLOWED,
    ),
    Row(
        "the consulate of El Salvador, for repatriation under an identification consent "
        "for consulates: a State authority waits for approval",
        CONSULATE_SV,
        ask("repatriation", ["identity"], consent=_ident_consulates),
        [agreement(CONSULATE_SV)],
        case(_ident_consulates),
        PENDING,
    ),
    Row(
        "the same consulate when the person fled El Salvador (flag: not its authorities)",
        CONSULATE_SV,
        ask("repatriation", ["identity"], consent=_ident_consulates, second_approval=True),
        [agreement(CONSULATE_SV)],
        case(_ident_consulates, flags=[_SV_FLAG]),
        DENIED,
        frozenset({"protection"}),
    ),
    Row(
        "repatriation needs an identification consent: a DNA consent is not one",
        CONSULATE_SV,
        ask("repatriation", ["identity"], consent=_dna_consulates, second_approval=True),
        [agreement(CONSULATE_SV)],
        case(_dna_consulates),
        DENIED,
        frozenset({"legal_basis"}),
    ),
    Row(
        "the Salvadoran Red Cross traces a person flagged against Salvadoran authorities",
        RED_CROSS_SV,
        ask(consent=_tracing_red_cross),
        [agreement(RED_CROSS_SV)],
        case(_tracing_red_cross, flags=[_SV_FLAG]),
    ),
    Row(
        "a Mexican authority identifies a person flagged against Salvadoran authorities, "
        "in the public interest: waits for approval",
        PROSECUTOR_MX,
        ask("identification", ["identity", "photos"], "public_interest", **_JUST),
        [agreement(PROSECUTOR_MX)],
        case(flags=[_SV_FLAG]),
        PENDING,
    ),
    Row(
        "ICRC notifies the family with family contacts under a contact consent",
        ICRC,
        ask("family_notification", ["identity", "family_contacts"], consent=_contact_icrc),
        [agreement(ICRC)],
        case(_contact_icrc),
    ),
    Row(
        "family contacts asked for tracing, which the agreement does not allow either",
        ICRC,
        ask("tracing", ["identity", "family_contacts"], consent=_tracing_any),
        [agreement(ICRC)],
        case(_tracing_any),
        DENIED,
        frozenset({"categories", "special_categories"}),
    ),
    Row(
        "statistics under an identification consent for anyone",
        ICRC,
        ask("statistics", ["circumstances"], consent=_ident_any),
        [agreement(ICRC)],
        case(_ident_any),
    ),
    Row(
        "a forensic institute gets DNA references for tracing, which its agreement lists",
        LAB_MX,
        ask("tracing", ["dna_references"], "public_interest", **_JUST, second_approval=True),
        [agreement(LAB_MX, {"tracing": ["dna_references"]})],
        case(),
        DENIED,
        frozenset({"special_categories"}),
    ),
    Row(
        "an agreement that ended yesterday",
        ICRC,
        ask(consent=_tracing_any),
        [agreement(ICRC, valid_to=YESTERDAY)],
        case(_tracing_any),
        DENIED,
        frozenset({"agreement", "categories"}),
    ),
    Row(
        "an agreement that starts tomorrow",
        ICRC,
        ask(consent=_tracing_any),
        [agreement(ICRC, valid_from=TOMORROW)],
        case(_tracing_any),
        DENIED,
        frozenset({"agreement", "categories"}),
    ),
    Row(
        "the agreement requires consent but the vital interest is invoked",
        ICRC,
        ask(legal_basis="vital_interest", **_JUST),
        [agreement(ICRC, consent_required=True)],
        case(),
        DENIED,
        frozenset({"legal_basis"}),
    ),
    Row(
        "the family withdrew its tracing consent",
        ICRC,
        ask(consent=_tracing_withdrawn),
        [agreement(ICRC)],
        case(_tracing_withdrawn),
        DENIED,
        frozenset({"legal_basis"}),
    ),
    Row(
        "the vital interest with a two-word justification",
        ICRC,
        ask(legal_basis="vital_interest", justification="Child alone"),
        [agreement(ICRC)],
        case(),
        DENIED,
        frozenset({"legal_basis"}),
    ),
    Row(
        "nothing requested",
        ICRC,
        ask(categories=[], consent=_tracing_any),
        [agreement(ICRC)],
        case(_tracing_any),
        DENIED,
        frozenset({"categories"}),
    ),
    Row(
        "Interpol for law enforcement in the public interest, no explicit consent",
        INTERPOL,
        ask("law_enforcement", ["identity"], "public_interest", **_JUST),
        [agreement(INTERPOL, {"law_enforcement": ["identity"]})],
        case(),
        DENIED,
        frozenset({"purpose_limitation"}),
    ),
    Row(
        "Interpol for law enforcement under a law-enforcement consent for anyone",
        INTERPOL,
        ask("law_enforcement", ["identity"], consent=_le_anyone),
        [agreement(INTERPOL, {"law_enforcement": ["identity"]})],
        case(_le_anyone),
        DENIED,
        frozenset({"purpose_limitation"}),
    ),
    Row(
        "Interpol for law enforcement under the family's explicit consent naming Interpol",
        INTERPOL,
        ask("law_enforcement", ["identity"], consent=_le_interpol),
        [agreement(INTERPOL, {"law_enforcement": ["identity"]})],
        case(_le_interpol),
    ),
    Row(
        "a law-enforcement consent naming Interpol does not cover migration control",
        INTERPOL,
        ask("migration_control", ["identity"], consent=_le_interpol),
        [agreement(INTERPOL, {"migration_control": ["identity"]})],
        case(_le_interpol),
        DENIED,
        frozenset({"legal_basis", "purpose_limitation"}),
    ),
    Row(
        "migration control by a migration authority named in an explicit consent: four eyes",
        MIGRATION_MX,
        ask("migration_control", ["identity"], consent=_mc_migration),
        [agreement(MIGRATION_MX, {"migration_control": ["identity"]})],
        case(_mc_migration),
        PENDING,
    ),
    Row(
        "migration control under a consent for national authorities in general",
        MIGRATION_MX,
        ask("migration_control", ["identity"], consent=_mc_authorities, second_approval=True),
        [agreement(MIGRATION_MX, {"migration_control": ["identity"]})],
        case(_mc_authorities),
        DENIED,
        frozenset({"purpose_limitation"}),
    ),
    Row(
        "a purpose no agreement should list ('research'), in the public interest",
        ICRC,
        ask("research", ["circumstances"], "public_interest", **_JUST),
        [agreement(ICRC, {"research": ["circumstances"]})],
        case(),
        DENIED,
        frozenset({"purpose_limitation"}),
    ),
    Row(
        "everything wrong: no agreement, no basis, a flag on the recipient, DNA for law "
        "enforcement",
        ICRC,
        ask("law_enforcement", ["dna_references"], legal_basis=None),
        [],
        case(flags=[ProtectionFlag("organisation", str(ICRC.id))]),
        DENIED,
        frozenset(
            {
                "agreement",
                "categories",
                "legal_basis",
                "protection",
                "special_categories",
                "purpose_limitation",
            }
        ),
    ),
]


@pytest.mark.parametrize("row", TABLE, ids=[row.scenario for row in TABLE])
def test_combinations(row: Row):
    verdict = run(row.facts, row.request, row.recipient, row.agreements)
    assert (verdict.decision, failed(verdict)) == (row.decision, set(row.failed))


def test_the_table_is_large_enough_and_covers_every_decision_and_rule():
    assert len(TABLE) >= 15
    assert {row.decision for row in TABLE} == set(Decision)
    assert set().union(*(row.failed for row in TABLE)) == set(DESIGN_ORDER[:6])
