"""Page forms of sharing. Field names equal the API's where they map one to one; the forms only
collect input (and carry the CSRF token): validation is the API schemas' and the services' job,
so pages and API agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from casework.cases.forms import MultiCheckboxField
from casework.categories import SHAREABLE
from casework.exchange.models import Direction, LogEvent, ShareStatus
from casework.exchange.policy import Decision, LegalBasis, Outcome, Purpose
from casework.forms import CaseworkForm

BLANK = SelectChoice("", "—")

PURPOSE_LABELS: Mapping[str, Any] = {
    Purpose.tracing: _l("Tracing"),
    Purpose.identification: _l("Identification"),
    Purpose.family_notification: _l("Family notification"),
    Purpose.repatriation: _l("Repatriation"),
    Purpose.statistics: _l("Statistics"),
    Purpose.law_enforcement: _l("Law enforcement"),
    Purpose.migration_control: _l("Migration control"),
}
CATEGORY_LABELS: Mapping[str, Any] = {
    "identity": _l("Identity"),
    "circumstances": _l("Circumstances of the disappearance"),
    "physical_description": _l("Physical description"),
    "family_contacts": _l("Family contacts"),
    "dna_references": _l("DNA references"),
    "photos": _l("Photos"),
}
BASIS_LABELS: Mapping[str, Any] = {
    LegalBasis.consent: _l("The family's consent"),
    LegalBasis.vital_interest: _l("Vital interest"),
    LegalBasis.public_interest: _l("Public interest"),
}
DECISION_LABELS: Mapping[str, Any] = {
    Decision.allowed: _l("Allowed"),
    Decision.denied: _l("Denied"),
    Decision.pending_approval: _l("Waiting for a second approval"),
}
STATUS_LABELS: Mapping[str, Any] = {
    ShareStatus.pending_approval: _l("waiting for a second approval"),
    ShareStatus.active: _l("active"),
    ShareStatus.denied: _l("denied"),
    ShareStatus.expired: _l("expired"),
    ShareStatus.revoked: _l("ended"),
}
END_REASON_LABELS: Mapping[str, Any] = {
    "revoked": _l("revoked"),
    "consent_withdrawn": _l("the family's consent was withdrawn"),
    "agreement_ended": _l("the agreement ended"),
    "expired": _l("the retention period ran out"),
    "case_shredded": _l("the case's data was erased"),
    "denied_on_approval": _l("refused when a second person checked it"),
}
OUTCOME_LABELS: Mapping[str, Any] = {
    Outcome.passed: _l("met"),
    Outcome.failed: _l("not met"),
    Outcome.needs_approval: _l("waiting"),
}
RULE_LABELS: Mapping[str, Any] = {
    "agreement": _l("Agreement"),
    "categories": _l("Categories of data"),
    "legal_basis": _l("Legal basis"),
    "protection": _l("Protection flags"),
    "special_categories": _l("DNA and family contacts"),
    "purpose_limitation": _l("Purpose"),
    "four_eyes": _l("Second approval"),
    "minimisation": _l("What leaves"),
}
DIRECTION_LABELS: Mapping[str, Any] = {
    Direction.outgoing: _l("outgoing"),
    Direction.incoming: _l("incoming"),
}
EVENT_LABELS: Mapping[str, Any] = {
    LogEvent.requested: _l("requested"),
    LogEvent.approved: _l("approved"),
    LogEvent.granted: _l("access granted"),
    LogEvent.revoked: _l("revoked"),
    LogEvent.grant_ended: _l("access ended"),
    LogEvent.viewed: _l("viewed"),
}
ORG_KIND_LABELS: Mapping[str, Any] = {
    "national_authority": _l("national authority"),
    "forensic_institute": _l("forensic institute"),
    "humanitarian": _l("humanitarian organisation"),
    "consulate": _l("consulate"),
    "intergovernmental": _l("intergovernmental organisation"),
}

CATEGORY_CHOICES = [SelectChoice(c.value, CATEGORY_LABELS[c.value]) for c in SHAREABLE]
BASIS_CHOICES = [SelectChoice(b.value, BASIS_LABELS[b.value]) for b in LegalBasis]
PURPOSE_CHOICES = [SelectChoice(p.value, PURPOSE_LABELS[p.value]) for p in Purpose]


def _select(label: Any, choices: list[SelectChoice] | None = None) -> SelectField:
    # The API's schema validates the value (one vocabulary, one message), not WTForms.
    return SelectField(label, choices=choices or [BLANK], validate_choice=False, default="")


def purpose_field(purpose: str) -> str:
    """The name of the checkbox group of one purpose's categories in the agreement forms."""
    return f"purpose_{purpose}"


class _Terms(CaseworkForm):
    title = StringField(_l("Title (e.g. the reference of the signed agreement)"))
    legal_bases = MultiCheckboxField(_l("Legal bases accepted"), choices=BASIS_CHOICES)
    valid_from = StringField(_l("Valid from"), render_kw={"type": "date"})
    valid_to = StringField(_l("Valid until (leave empty: until ended)"), render_kw={"type": "date"})
    retention_days = StringField(
        _l("The recipient keeps the data for (days)"),
        render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
    )
    consent_required = BooleanField(_l("The family's consent is required"), default=True)


for _purpose in Purpose:
    setattr(
        _Terms,
        purpose_field(_purpose.value),
        MultiCheckboxField(PURPOSE_LABELS[_purpose.value], choices=CATEGORY_CHOICES),
    )


class AgreementForm(_Terms):
    partner_organisation_id = _select(_l("Partner organisation"))
    submit = SubmitField(_l("Record the agreement"), render_kw={"id": "submit-agreement"})


class AgreementEditForm(_Terms):
    version = HiddenField()
    submit = SubmitField(_l("Save a new version"), render_kw={"id": "submit-agreement"})


class EndAgreementForm(CaseworkForm):
    ended_on = StringField(_l("Ended on (today or a later day)"), render_kw={"type": "date"})
    confirm = BooleanField(
        _l("I understand: this cannot be undone, and access given under it ends that day")
    )
    version = HiddenField()
    submit = SubmitField(_l("End the agreement"), render_kw={"id": "submit-end"})


class ShareForm(CaseworkForm):
    recipient_organisation_id = _select(_l("Recipient"))
    purpose = _select(_l("Purpose"), [BLANK, *PURPOSE_CHOICES])
    categories = MultiCheckboxField(_l("Categories of data"), choices=CATEGORY_CHOICES)
    legal_basis = RadioField(_l("Legal basis"), choices=BASIS_CHOICES, validate_choice=False)
    consent_id = _select(_l("The family's consent (legal basis: consent)"))
    justification = TextAreaField(
        _l("Written justification (vital or public interest: why consent cannot be obtained)")
    )
    submit = SubmitField(_l("Request the share"), render_kw={"id": "submit-share"})


class ApproveForm(CaseworkForm):
    version = HiddenField()
    submit = SubmitField(_l("Approve"))


class RevokeForm(CaseworkForm):
    note = TextAreaField(_l("Note (optional): why the share ends"))
    confirm = BooleanField(_l("I confirm: the recipient's access ends now"))
    version = HiddenField()
    submit = SubmitField(_l("Revoke the share"), render_kw={"id": "submit-revoke"})


class LogFilterForm(CaseworkForm):
    class Meta:
        csrf = False  # a GET filter: a case reference, an organisation, dates; nothing personal

    case = StringField(_l("Case reference"))
    partner = _select(_l("Partner organisation"))
    direction = _select(
        _l("Direction"),
        [BLANK, *(SelectChoice(d.value, DIRECTION_LABELS[d.value]) for d in Direction)],
    )
    from_ = StringField(_l("From"), render_kw={"type": "date"})
    to = StringField(_l("To"), render_kw={"type": "date"})
    submit = SubmitField(_l("Show"), render_kw={"id": "submit-filter"})


# --- payloads (the API's names) ---------------------------------------------------------------


def terms_payload(form: _Terms) -> dict[str, Any]:
    """The agreement terms as the API's schemas take them; blank dates are left out (an edit
    clears `valid_to` with an explicit null)."""
    purposes = {
        p.value: list(form[purpose_field(p.value)].data or [])
        for p in Purpose
        if form[purpose_field(p.value)].data
    }
    data: dict[str, Any] = {
        "purposes": purposes,
        "legal_bases": list(form.legal_bases.data or []),
        "consent_required": bool(form.consent_required.data),
    }
    title = (form.title.data or "").strip()
    data["title"] = title or None
    for name in ("valid_from", "valid_to", "retention_days"):
        value = (form[name].data or "").strip()
        if value:
            data[name] = value
    return data


def terms_form_data(terms: Mapping[str, Any]) -> dict[str, Any]:
    """An agreement's current terms as the edit form's initial data."""
    data: dict[str, Any] = {
        "title": terms.get("title") or "",
        "legal_bases": list(terms.get("legal_bases") or []),
        "valid_from": terms.get("valid_from") or "",
        "valid_to": terms.get("valid_to") or "",
        "retention_days": str(terms.get("retention_days") or ""),
        "consent_required": bool(terms.get("consent_required")),
    }
    for purpose, categories in (terms.get("purposes") or {}).items():
        data[purpose_field(purpose)] = list(categories)
    return data


def share_payload(form: ShareForm) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient_organisation_id": form.recipient_organisation_id.data or None,
        "purpose": form.purpose.data or None,
        "categories": list(form.categories.data or []),
        "legal_basis": form.legal_basis.data or None,
    }
    if data["recipient_organisation_id"] is None:
        data.pop("recipient_organisation_id")
    if data["purpose"] is None:
        data.pop("purpose")
    if form.legal_basis.data == LegalBasis.consent and form.consent_id.data:
        data["consent_id"] = form.consent_id.data
    justification = (form.justification.data or "").strip()
    if justification and form.legal_basis.data != LegalBasis.consent:
        data["justification"] = justification
    return data
