"""Page forms of the families domain. Field names equal the API's; the forms only collect input
(and carry the CSRF token): validation is the API schemas' job, so pages and API agree."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from casework.families.models import (
    ConsentPurpose,
    ContactChannel,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationOutcome,
    Relative,
    SupportOffered,
)
from casework.families.operations import RELATIVE_FIELDS
from casework.forms import (
    CaseworkForm,
    country_options,
    language_label,
    language_options,
    payload,
    with_current,
)

BLANK = SelectChoice("", "—")


def language_choices(current: str | None) -> list[SelectChoice]:
    """Languages by their names in the page's language (the value posted is the tag); a stored
    tag that is not one of them (es-SV, mam) is kept as the first choice."""
    options = with_current(language_options(), current, language_label)
    return [BLANK] + [SelectChoice(code, name) for code, name in options]


def _choices(enum_cls: Any, labels: dict[str, Any]) -> list[SelectChoice]:
    return [BLANK] + [SelectChoice(m.value, labels.get(m.value, m.value)) for m in enum_cls]


def _select(label: Any, choices: list[SelectChoice]) -> SelectField:
    # The API's schema validates the value (one vocabulary, one message), not WTForms.
    return SelectField(label, choices=choices, validate_choice=False, default="")


CHANNEL_LABELS = {
    "in_person": _l("In person"),
    "phone": _l("Phone"),
    "video": _l("Video call"),
    "letter": _l("Letter"),
    "email": _l("Email"),
    "sms": _l("Text message"),
    "messaging_app": _l("Messaging app"),
    "other": _l("Other"),
}
PURPOSE_LABELS = {
    "contact": _l("Contact"),
    "tracing": _l("Tracing"),
    "identification": _l("Identification"),
    "dna": _l("DNA sample collection and comparison"),
}
KIND_LABELS = {
    "acknowledgement": _l("Acknowledgement"),
    "progress_update": _l("Progress update"),
    "dna_sample_request": _l("DNA sample request"),
    "identification": _l("Identification / death notification"),
    "repatriation": _l("Repatriation of remains"),
}
OUTCOME_LABELS = {
    "delivered": _l("Delivered"),
    "not_reached": _l("Not reached"),
    "declined": _l("Declined"),
    "rescheduled": _l("Rescheduled"),
}
SUPPORT_LABELS = {
    "none": _l("None"),
    "offered": _l("Offered"),
    "referred": _l("Referred"),
}
SCOPE_CHOICES = [
    SelectChoice("", _l("Only our organisation")),
    SelectChoice("any", _l("Any recipient")),
    SelectChoice("category:humanitarian", _l("Humanitarian organisations")),
    SelectChoice("category:national_authority", _l("National authorities")),
    SelectChoice("category:forensic_institute", _l("Forensic institutes")),
    SelectChoice("category:consulate", _l("Consulates")),
    SelectChoice("category:intergovernmental", _l("Intergovernmental organisations")),
]
SCOPE_LABELS = {c.value: c.label for c in SCOPE_CHOICES}


# --- forms (field names are the API's) ------------------------------------------------------


class RelativeForm(CaseworkForm):
    full_name = StringField(_l("Full name"))
    relationship = StringField(_l("Relationship to the missing person"))
    # Chosen by name (choices set in __init__); a phone number without its country code is
    # read for this country.
    country_of_residence = SelectField(
        _l("Country of residence (a phone number without its country code is read for it)"),
        validate_choice=False,
        default="",
    )
    phone = StringField(_l("Phone"), render_kw={"type": "tel", "autocomplete": "off"})
    # Chosen by name (choices set in __init__): never a code box that cuts "Libya" to "Li".
    phone_region = SelectField(
        _l("Country of a national phone number (default: the country of residence)"),
        validate_choice=False,
        default="",
    )
    email = StringField(_l("Email"), render_kw={"type": "email", "autocomplete": "off"})
    address = TextAreaField(_l("Address"))
    preferred_language = SelectField(_l("Preferred language"), validate_choice=False, default="")
    preferred_channel = _select(_l("Preferred channel"), _choices(ContactChannel, CHANNEL_LABELS))
    is_reporting_person = BooleanField(_l("Reported the disappearance"))
    safety_note = TextAreaField(_l("Safety note (e.g. do not call before 18:00)"))
    submit = SubmitField(_l("Save relative"), render_kw={"id": "submit"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = [BLANK] + [SelectChoice(code, name) for code, name in country_options()]
        self.country_of_residence.choices = countries
        self.phone_region.choices = countries
        self.preferred_language.choices = language_choices(self.preferred_language.data)


class ConsentForm(CaseworkForm):
    purpose = _select(_l("Purpose"), _choices(ConsentPurpose, PURPOSE_LABELS))
    scope = _select(_l("May be shared with"), SCOPE_CHOICES)
    # Chosen by name from the organisations on this instance (choices set by the view).
    scope_organisation = SelectField(_l("Or one organisation"), validate_choice=False, default="")
    given_at = StringField(_l("Date given"), render_kw={"type": "date"})
    evidence_reference = StringField(_l("Evidence reference (e.g. signed form number)"))
    submit = SubmitField(_l("Record consent"), render_kw={"id": "submit-consent"})


class WithdrawForm(CaseworkForm):
    reason = TextAreaField(_l("Reason for the withdrawal"))
    submit = SubmitField(_l("Withdraw consent"), render_kw={"id": "submit-withdraw"})


class NotificationForm(CaseworkForm):
    relative_id = StringField(render_kw={"type": "hidden"})
    kind = _select(_l("Kind"), _choices(NotificationKind, KIND_LABELS))
    planned_date = StringField(_l("Planned date"), render_kw={"type": "date"})
    channel = _select(_l("Channel"), _choices(NotificationChannel, CHANNEL_LABELS))
    officer_id = _select(_l("Officer who delivers it"), [BLANK])
    language = SelectField(_l("Language"), validate_choice=False, default="")
    support_offered = _select(_l("Psychosocial support"), _choices(SupportOffered, SUPPORT_LABELS))
    follow_up_due = StringField(_l("Follow-up due"), render_kw={"type": "date"})
    notes = TextAreaField(_l("Notes"))
    submit = SubmitField(_l("Plan notification"), render_kw={"id": "submit-notification"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices(self.language.data)


class DeliveryForm(CaseworkForm):
    delivered_date = StringField(_l("Delivered on"), render_kw={"type": "date"})
    outcome = _select(_l("Outcome"), _choices(NotificationOutcome, OUTCOME_LABELS))
    planned_date = StringField(_l("Planned date (to reschedule)"), render_kw={"type": "date"})
    channel = _select(_l("Channel"), _choices(NotificationChannel, CHANNEL_LABELS))
    officer_id = _select(_l("Officer"), [BLANK])
    language = SelectField(_l("Language used"), validate_choice=False, default="")
    support_offered = _select(_l("Psychosocial support"), _choices(SupportOffered, SUPPORT_LABELS))
    follow_up_due = StringField(_l("Follow-up due"), render_kw={"type": "date"})
    follow_up_completed = BooleanField(_l("Follow-up done"))
    notes = TextAreaField(_l("Notes"))
    version = StringField(render_kw={"type": "hidden"})
    submit = SubmitField(_l("Record"), render_kw={"id": "submit-delivery"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices(self.language.data)


class EraseForm(CaseworkForm):
    confirm = BooleanField(_l("I confirm: destroy this relative's contacts for good"))
    note = TextAreaField(_l("Note on the request (kept with the case)"))
    submit = SubmitField(
        _l("Erase relative"), render_kw={"id": "submit-erase", "class": "button danger"}
    )


class UnreachableForm(CaseworkForm):
    no_relative_reachable_reason = TextAreaField(_l("Why no relative could be reached"))
    submit = SubmitField(_l("Record"), render_kw={"id": "submit-unreachable"})


class LookupForm(CaseworkForm):
    phone = StringField(_l("Phone number"), render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("Or email"), render_kw={"type": "email", "autocomplete": "off"})
    region = SelectField(
        _l("Country of a national number (default: your organisation's)"),
        validate_choice=False,
        default="",
    )
    submit = SubmitField(_l("Find"), render_kw={"id": "submit"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = [BLANK] + [
            SelectChoice(code, name) for code, name in country_options()
        ]


class WorklistForm(CaseworkForm):
    class Meta:
        csrf = False  # a GET filter with a date: nothing personal, nothing written

    due_before = StringField(_l("Due by"), render_kw={"type": "date"})
    submit = SubmitField(_l("Show"), render_kw={"id": "submit"})


# --- form data and payloads -------------------------------------------------------------------

#: Form fields sent to the service, by form (the names are the API's).
RELATIVE_INPUT = (*RELATIVE_FIELDS, "phone_region")
PLAN_INPUT = (
    "kind",
    "planned_date",
    "channel",
    "officer_id",
    "language",
    "support_offered",
    "follow_up_due",
    "notes",
)
DELIVERY_INPUT = (
    "delivered_date",
    "outcome",
    "planned_date",
    "channel",
    "officer_id",
    "language",
    "support_offered",
    "follow_up_due",
    "follow_up_completed",
)


def relative_form_data(rel: Relative) -> dict[str, Any]:
    """What the edit form shows of a relative."""
    return {
        "full_name": rel.full_name,
        "relationship": rel.relationship,
        "country_of_residence": rel.country_of_residence or "",
        "phone": rel.phone,
        "email": rel.email,
        "address": rel.address,
        "preferred_language": rel.preferred_language,
        "preferred_channel": rel.preferred_channel.value if rel.preferred_channel else "",
        "is_reporting_person": rel.is_reporting_person,
        "safety_note": rel.safety_note,
    }


def relative_update_payload(form: RelativeForm) -> dict[str, Any]:
    data = payload(form, RELATIVE_INPUT, keep_empty=True)
    if not data.get("phone_region"):
        data.pop("phone_region")
    return data


def consent_payload(form: ConsentForm, rel: Relative) -> dict[str, Any]:
    data = payload(form, ("purpose", "given_at", "evidence_reference"), keep_empty=False)
    scope: list[dict[str, Any]] = []
    if form.scope.data:
        kind, _sep, value = form.scope.data.partition(":")
        scope.append({"kind": kind, "value": value or None})
    if (form.scope_organisation.data or "").strip():
        scope.append({"kind": "organisation", "value": form.scope_organisation.data.strip()})
    # Without a partner the consent covers only the organisation holding the case.
    data["scope"] = scope or [{"kind": "organisation", "value": str(rel.case.organisation_id)}]
    return data


def delivery_form_data(n: Notification, default_officer: Any, today: Any) -> dict[str, Any]:
    """What the delivery form shows of a notification (its notes included). An outcome and a
    delivery date are shown only once recorded: the officer chooses them, so that saving the
    form as offered never records a delivery that did not happen."""
    return {
        "delivered_date": n.delivered_date.isoformat() if n.delivered_date else "",
        "outcome": n.outcome.value if n.outcome else "",
        "planned_date": n.planned_date.isoformat(),
        "channel": n.channel.value if n.channel else "",
        "officer_id": str(n.officer_id) if n.officer_id else str(default_officer),
        "language": n.language or "",
        "support_offered": n.support_offered.value if n.support_offered else "",
        "follow_up_due": n.follow_up_due.isoformat() if n.follow_up_due else "",
        "follow_up_completed": n.follow_up_completed,
        "notes": n.notes or "",
        "version": str(n.version),
    }


def delivery_payload(form: DeliveryForm, n: Notification) -> dict[str, Any]:
    data = payload(form, DELIVERY_INPUT, keep_empty=True)
    if data.get("outcome") in ("not_reached", "rescheduled"):
        data["delivered_date"] = None  # a date typed before choosing this outcome
    if not n.relative.is_erased:
        data["notes"] = (form.notes.data or "").strip() or None
    return data


# --- validation and errors --------------------------------------------------------------------
