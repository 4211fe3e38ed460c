"""The privacy rules of DESIGN §6: one pure function, `decide`, that says whether a share of
one case's data to one recipient is allowed, denied or waits for a second person's approval,
with every rule's outcome in the order of the design.

Plain values in, plain values out: no database, no Flask, no clock (today is an argument). The
messages hold no personal value (purposes, categories, organisation names, countries and
numbers only); pages translate them by their `code` (see `MESSAGES`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Purpose(enum.StrEnum):
    tracing = "tracing"
    identification = "identification"
    family_notification = "family_notification"
    repatriation = "repatriation"
    statistics = "statistics"
    # Outside the humanitarian purposes: refused unless rule 6 holds.
    law_enforcement = "law_enforcement"
    migration_control = "migration_control"


HUMANITARIAN = frozenset(
    {
        Purpose.tracing,
        Purpose.identification,
        Purpose.family_notification,
        Purpose.repatriation,
        Purpose.statistics,
    }
)
NON_HUMANITARIAN = frozenset({Purpose.law_enforcement, Purpose.migration_control})


class LegalBasis(enum.StrEnum):
    consent = "consent"
    vital_interest = "vital_interest"
    public_interest = "public_interest"


class Decision(enum.StrEnum):
    allowed = "allowed"
    denied = "denied"
    pending_approval = "pending_approval"


class Outcome(enum.StrEnum):
    passed = "passed"
    failed = "failed"
    needs_approval = "needs_approval"


class Rule(enum.StrEnum):
    """The rules, in the order of DESIGN §6 (their values are the `rule` of each reason)."""

    agreement = "agreement"  # 1
    categories = "categories"  # 2
    legal_basis = "legal_basis"  # 3
    protection = "protection"  # 4
    special_categories = "special_categories"  # 5
    purpose_limitation = "purpose_limitation"  # 6
    four_eyes = "four_eyes"  # 7
    minimisation = "minimisation"  # 8


RULE_ORDER: tuple[Rule, ...] = tuple(Rule)

#: Which consent purposes (families' consent `purpose`) cover a share purpose. The two purposes
#: outside the humanitarian ones are covered only by a consent given for exactly that purpose.
CONSENT_COVERS: Mapping[str, frozenset[str]] = {
    Purpose.tracing: frozenset({"tracing"}),
    Purpose.identification: frozenset({"identification", "dna"}),
    Purpose.family_notification: frozenset({"contact"}),
    Purpose.repatriation: frozenset({"identification"}),
    Purpose.statistics: frozenset({"tracing", "identification"}),
    Purpose.law_enforcement: frozenset({"law_enforcement"}),
    Purpose.migration_control: frozenset({"migration_control"}),
}

#: Organisation kinds that are State authorities (a share to one waits for a second approval).
STATE_AUTHORITY_KINDS = frozenset({"national_authority", "consulate"})
#: The shortest written justification accepted for the vital- or public-interest basis.
JUSTIFICATION_MIN = 20

DNA = "dna_references"
FAMILY_CONTACTS = "family_contacts"

# What each outcome says, by code, with non-personal placeholders. Pages translate them (the
# strings are marked with N_ for extraction); the API answers them in English.


def N_(text: str) -> str:  # noqa: N802 - the conventional marker for deferred translation
    return text


MESSAGES: Mapping[str, str] = {
    # 1. agreement
    "agreement_active": N_(
        "Agreement with %(recipient)s is in force until %(valid_to)s and covers %(purpose)s."
    ),
    "no_agreement": N_("There is no data-sharing agreement with %(recipient)s."),
    "agreement_expired": N_("The agreement with %(recipient)s ended on %(valid_to)s."),
    "agreement_not_yet_valid": N_(
        "The agreement with %(recipient)s only starts on %(valid_from)s."
    ),
    "purpose_not_covered": N_(
        "The agreement with %(recipient)s does not cover sharing for %(purpose)s."
    ),
    # 2. categories
    "categories_allowed": N_("The agreement allows %(categories)s for %(purpose)s."),
    "category_not_allowed": N_(
        "The agreement does not allow sharing %(categories)s for %(purpose)s."
    ),
    "no_categories": N_("No category of data was chosen."),
    # 3. legal basis
    "consent_valid": N_(
        "The family's consent covers %(purpose)s and %(recipient)s; if it is withdrawn, "
        "access ends at once."
    ),
    "interest_justified": N_("Shared in the %(basis)s, with a written justification."),
    "no_legal_basis": N_("No legal basis was given."),
    "legal_basis_not_accepted": N_("The agreement does not accept the %(basis)s as legal basis."),
    "consent_required": N_("The agreement requires the family's consent."),
    "consent_missing": N_("No consent of this family was named, or it is not this case's."),
    "consent_withdrawn": N_("The family withdrew the consent named."),
    "consent_other_purpose": N_("The family's consent does not cover %(purpose)s."),
    "consent_other_recipient": N_(
        "The family's consent does not cover sharing with %(recipient)s."
    ),
    "justification_missing": N_(
        "Sharing in the %(basis)s needs a written justification of at least %(minimum)s characters."
    ),
    # 4. protection flags
    "no_protection_flag": N_("No protection flag on the case concerns %(recipient)s."),
    "protection_flag_organisation": N_("The case is flagged: never share with %(recipient)s."),
    "protection_flag_country": N_(
        "The case is flagged: never share with the authorities of %(country)s."
    ),
    # 5. DNA references and family contacts
    "special_categories_fine": N_("No DNA references or family contacts are requested."),
    "special_categories_allowed": N_(
        "DNA references go only for identification and family contacts only for family "
        "notification: this request keeps to that."
    ),
    "dna_needs_identification": N_(
        "DNA references can be shared only for identification, under an agreement that "
        "covers them for identification."
    ),
    "family_contacts_need_notification": N_(
        "Family contacts can be shared only for family notification."
    ),
    # 6. purposes outside the humanitarian ones
    "humanitarian_purpose": N_("%(purpose)s is a humanitarian purpose."),
    "explicit_consent_given": N_(
        "The family gave explicit consent for %(purpose)s by %(recipient)s."
    ),
    "explicit_consent_required": N_(
        "Sharing for %(purpose)s is refused unless the family gave explicit consent for "
        "exactly that purpose and %(recipient)s."
    ),
    # 7. four eyes
    "no_second_approval_needed": N_("No second approval is needed."),
    "second_approval_given": N_("A second person approved this share."),
    "second_approval_dna": N_(
        "DNA references leave only after a second person approves the share."
    ),
    "second_approval_state": N_(
        "%(recipient)s is a State authority: the share leaves only after a second person "
        "approves it."
    ),
    # 8. minimisation
    "minimised": N_(
        "Only %(categories)s leave; %(recipient)s may keep them for %(retention_days)s days."
    ),
    "nothing_leaves": N_("Nothing leaves: the request is refused."),
}


@dataclass(frozen=True)
class Agreement:
    """An agreement between the sharing organisation and one partner, as the rules read it."""

    id: uuid.UUID | str
    partner_organisation_id: uuid.UUID | str
    purposes: Mapping[str, Iterable[str]]  # purpose → allowed categories
    legal_bases: Iterable[str]
    valid_from: dt.date
    valid_to: dt.date | None
    retention_days: int
    consent_required: bool = False
    ended_on: dt.date | None = None  # ended early: it no longer applies from that day on

    @property
    def last_day(self) -> dt.date | None:
        # `ended_on` is the day it was ended: it no longer applies from that day on.
        ended = self.ended_on - dt.timedelta(days=1) if self.ended_on is not None else None
        days = [d for d in (self.valid_to, ended) if d is not None]
        return min(days) if days else None

    @property
    def end_date(self) -> dt.date | None:
        """The day it ended (or ends), as people say it: its last valid day, or the day it was
        ended early."""
        if self.ended_on is not None and (self.valid_to is None or self.ended_on <= self.valid_to):
            return self.ended_on
        return self.valid_to

    def active_on(self, today: dt.date) -> bool:
        last = self.last_day
        return self.valid_from <= today and (last is None or today <= last)

    def allowed(self, purpose: str) -> frozenset[str]:
        return frozenset(self.purposes.get(purpose, ()))


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID | str
    name: str
    country: str
    kind: str

    @property
    def is_state_authority(self) -> bool:
        return self.kind in STATE_AUTHORITY_KINDS


@dataclass(frozen=True)
class Consent:
    """One of the case's family's consents: its purpose, scope and whether it was withdrawn."""

    id: uuid.UUID | str
    purpose: str
    scope: Sequence[Mapping[str, Any]]  # [{"kind": "organisation"|"category"|"any", "value"}]
    withdrawn: bool = False

    def covers_recipient(self, recipient: Recipient, *, exactly: bool = False) -> bool:
        """Does the scope name the recipient (with `exactly`: by organisation, not by kind or
        as anyone)?"""
        for item in self.scope:
            kind, value = item.get("kind"), item.get("value")
            if kind == "organisation" and str(value) == str(recipient.id):
                return True
            if exactly:
                continue
            if kind == "any" or (kind == "category" and value == recipient.kind):
                return True
        return False


@dataclass(frozen=True)
class ProtectionFlag:
    kind: str  # "country": the State authorities of that country; "organisation": that one
    value: str


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need of the case: its protection flags and its family's consents."""

    protection_flags: Sequence[ProtectionFlag] = ()
    consents: Sequence[Consent] = ()


@dataclass(frozen=True)
class Request:
    purpose: str
    categories: Sequence[str]
    legal_basis: str | None
    consent_id: uuid.UUID | str | None = None
    justification: str | None = None
    #: A second person (not the requester) approved it: the four-eyes rule is met.
    second_approval: bool = False


@dataclass(frozen=True)
class Reason:
    rule: Rule
    outcome: Outcome
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code] % self.params

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value,
            "outcome": self.outcome.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: tuple[Reason, ...]
    agreement: Agreement | None = None

    @property
    def refusals(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.outcome is Outcome.failed)

    def outcome_of(self, rule: Rule) -> Outcome:
        return next(r.outcome for r in self.reasons if r.rule is rule)


def _names(values: Iterable[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values)


def _pick_agreement(
    agreements: Sequence[Agreement], recipient: Recipient, purpose: str, today: dt.date
) -> tuple[Agreement | None, Reason]:
    """Rule 1: the agreement with the recipient that is active today and covers the purpose."""
    rule = Rule.agreement
    theirs = [a for a in agreements if str(a.partner_organisation_id) == str(recipient.id)]
    params: dict[str, Any] = {"recipient": recipient.name, "purpose": purpose.replace("_", " ")}
    if not theirs:
        return None, Reason(rule, Outcome.failed, "no_agreement", params)
    active = [a for a in theirs if a.active_on(today)]
    covering = [a for a in active if purpose in a.purposes]
    if covering:
        # The one that lasts longest (an open-ended one first), then the most recent start.
        best = max(covering, key=lambda a: (a.last_day or dt.date.max, a.valid_from))
        valid_to = best.last_day.isoformat() if best.last_day else "further notice"
        return best, Reason(
            rule, Outcome.passed, "agreement_active", {**params, "valid_to": valid_to}
        )
    if active:
        return None, Reason(rule, Outcome.failed, "purpose_not_covered", params)
    future = [a for a in theirs if a.valid_from > today]
    if future and len(future) == len(theirs):
        first = min(a.valid_from for a in future)
        return None, Reason(
            rule,
            Outcome.failed,
            "agreement_not_yet_valid",
            {**params, "valid_from": first.isoformat()},
        )
    ended = max((a.end_date for a in theirs if a.end_date is not None), default=today)
    return None, Reason(
        rule, Outcome.failed, "agreement_expired", {**params, "valid_to": ended.isoformat()}
    )


def _categories(request: Request, agreement: Agreement | None) -> Reason:
    rule = Rule.categories
    purpose = request.purpose.replace("_", " ")
    if not request.categories:
        return Reason(rule, Outcome.failed, "no_categories")
    allowed = agreement.allowed(request.purpose) if agreement else frozenset()
    refused = [c for c in request.categories if c not in allowed]
    if refused:
        params = {"categories": _names(refused), "purpose": purpose}
        return Reason(rule, Outcome.failed, "category_not_allowed", params)
    params = {"categories": _names(request.categories), "purpose": purpose}
    return Reason(rule, Outcome.passed, "categories_allowed", params)


def _consent_named(case: CaseFacts, request: Request) -> Consent | None:
    if request.consent_id is None:
        return None
    return next((c for c in case.consents if str(c.id) == str(request.consent_id)), None)


def _legal_basis(
    case: CaseFacts, request: Request, recipient: Recipient, agreement: Agreement | None
) -> Reason:
    rule = Rule.legal_basis
    basis = request.legal_basis
    params: dict[str, Any] = {
        "purpose": request.purpose.replace("_", " "),
        "recipient": recipient.name,
        "basis": (basis or "").replace("_", " "),
    }
    if basis not in {b.value for b in LegalBasis}:
        return Reason(rule, Outcome.failed, "no_legal_basis", params)
    if agreement is not None:
        if basis not in set(agreement.legal_bases):
            return Reason(rule, Outcome.failed, "legal_basis_not_accepted", params)
        if agreement.consent_required and basis != LegalBasis.consent:
            return Reason(rule, Outcome.failed, "consent_required", params)
    if basis != LegalBasis.consent:
        if len((request.justification or "").strip()) < JUSTIFICATION_MIN:
            params["minimum"] = JUSTIFICATION_MIN
            return Reason(rule, Outcome.failed, "justification_missing", params)
        return Reason(rule, Outcome.passed, "interest_justified", params)
    consent = _consent_named(case, request)
    if consent is None:
        return Reason(rule, Outcome.failed, "consent_missing", params)
    if consent.withdrawn:
        return Reason(rule, Outcome.failed, "consent_withdrawn", params)
    if consent.purpose not in CONSENT_COVERS.get(request.purpose, frozenset()):
        return Reason(rule, Outcome.failed, "consent_other_purpose", params)
    if not consent.covers_recipient(recipient):
        return Reason(rule, Outcome.failed, "consent_other_recipient", params)
    return Reason(rule, Outcome.passed, "consent_valid", params)


def _protection(case: CaseFacts, recipient: Recipient) -> Reason:
    rule = Rule.protection
    for flag in case.protection_flags:
        if flag.kind == "organisation" and str(flag.value) == str(recipient.id):
            return Reason(
                rule, Outcome.failed, "protection_flag_organisation", {"recipient": recipient.name}
            )
        if (
            flag.kind == "country"
            and flag.value.upper() == recipient.country.upper()
            and recipient.is_state_authority
        ):
            return Reason(
                rule, Outcome.failed, "protection_flag_country", {"country": recipient.country}
            )
    return Reason(rule, Outcome.passed, "no_protection_flag", {"recipient": recipient.name})


def _special_categories(request: Request, agreement: Agreement | None) -> Reason:
    rule = Rule.special_categories
    categories = set(request.categories)
    if DNA in categories:
        covered = agreement is not None and DNA in agreement.allowed(Purpose.identification)
        if request.purpose != Purpose.identification or not covered:
            return Reason(rule, Outcome.failed, "dna_needs_identification")
    if FAMILY_CONTACTS in categories and request.purpose != Purpose.family_notification:
        return Reason(rule, Outcome.failed, "family_contacts_need_notification")
    if categories & {DNA, FAMILY_CONTACTS}:
        return Reason(rule, Outcome.passed, "special_categories_allowed")
    return Reason(rule, Outcome.passed, "special_categories_fine")


def _purpose_limitation(case: CaseFacts, request: Request, recipient: Recipient) -> Reason:
    rule = Rule.purpose_limitation
    params = {"purpose": request.purpose.replace("_", " "), "recipient": recipient.name}
    # Only the five humanitarian purposes pass as such: any other (law enforcement, migration
    # control, or a purpose unknown here) needs the explicit consent.
    if request.purpose in HUMANITARIAN:
        return Reason(rule, Outcome.passed, "humanitarian_purpose", params)
    consent = _consent_named(case, request) if request.legal_basis == LegalBasis.consent else None
    if (
        consent is not None
        and not consent.withdrawn
        and consent.purpose == request.purpose
        and consent.covers_recipient(recipient, exactly=True)
    ):
        return Reason(rule, Outcome.passed, "explicit_consent_given", params)
    return Reason(rule, Outcome.failed, "explicit_consent_required", params)


def _four_eyes(request: Request, recipient: Recipient) -> Reason:
    rule = Rule.four_eyes
    dna = DNA in request.categories
    if not dna and not recipient.is_state_authority:
        return Reason(rule, Outcome.passed, "no_second_approval_needed")
    if request.second_approval:
        return Reason(rule, Outcome.passed, "second_approval_given")
    if dna:
        return Reason(rule, Outcome.needs_approval, "second_approval_dna")
    return Reason(
        rule, Outcome.needs_approval, "second_approval_state", {"recipient": recipient.name}
    )


def decide(
    case: CaseFacts,
    request: Request,
    recipient: Recipient,
    agreements: Sequence[Agreement],
    today: dt.date,
) -> Verdict:
    """Allow, deny or wait for a second approval: every rule of DESIGN §6 is evaluated (none
    stops the others), and the reasons come in the design's order."""
    agreement, first = _pick_agreement(agreements, recipient, request.purpose, today)
    reasons = [
        first,
        _categories(request, agreement),
        _legal_basis(case, request, recipient, agreement),
        _protection(case, recipient),
        _special_categories(request, agreement),
        _purpose_limitation(case, request, recipient),
        _four_eyes(request, recipient),
    ]
    failed = any(r.outcome is Outcome.failed for r in reasons)
    if failed:
        reasons.append(Reason(Rule.minimisation, Outcome.passed, "nothing_leaves"))
        decision = Decision.denied
    else:
        assert agreement is not None  # rule 1 passed
        params = {
            "categories": _names(request.categories),
            "recipient": recipient.name,
            "retention_days": agreement.retention_days,
        }
        reasons.append(Reason(Rule.minimisation, Outcome.passed, "minimised", params))
        waiting = any(r.outcome is Outcome.needs_approval for r in reasons)
        decision = Decision.pending_approval if waiting else Decision.allowed
    return Verdict(decision, tuple(reasons), agreement)
