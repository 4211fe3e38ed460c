"""Page forms of identifications. Field names equal the API's; the forms only collect input (and
carry the CSRF token): validation is the API schema's and the service's, so pages and API
agree."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from casework.forms import CaseworkForm
from casework.identification.models import (
    IdentificationMethod,
    IdentificationSource,
    IdentificationStatus,
)

BLANK = SelectChoice("", "—")

METHOD_LABELS = {
    "dna": _l("DNA (laboratory match report)"),
    "fingerprints": _l("Fingerprints"),
    "dental": _l("Dental records"),
    "documents_and_visual": _l("Documents and visual recognition"),
    "other": _l("Other method"),
}
SOURCE_LABELS = {
    "local": _l("Our organisation"),
    "external": _l("Another agency or country"),
}
STATUS_LABELS = {
    "recorded": _l("Awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
}
REPORT_STATUS_LABELS = {
    "reported": _l("reported"),
    "confirmed": _l("confirmed"),
    "excluded": _l("excluded"),
}


def _choices(enum_cls: Any, labels: dict[str, Any], blank: bool = True) -> list[SelectChoice]:
    found = [SelectChoice(m.value, labels.get(m.value, m.value)) for m in enum_cls]
    return [BLANK, *found] if blank else found


def _select(label: Any, choices: list[SelectChoice], default: str = "") -> SelectField:
    # The API's schema validates the value (one vocabulary, one message), not WTForms.
    return SelectField(label, choices=choices, validate_choice=False, default=default)


class IdentificationForm(CaseworkForm):
    case_reference = HiddenField()
    method = _select(_l("Method"), _choices(IdentificationMethod, METHOD_LABELS))
    # Choices set by the view: the case's match reports, the organisation's unidentified remains.
    match_report_id = _select(_l("Match report (method DNA)"), [BLANK])
    remains_id = _select(_l("Remains (optional)"), [BLANK])
    source = _select(
        _l("Identified by"), _choices(IdentificationSource, SOURCE_LABELS, blank=False), "local"
    )
    identified_by = StringField(_l("Agency or country that identified (external source)"))
    external_reference = StringField(_l("Their reference (external source)"))
    document_reference = StringField(_l("Document reference"))
    identified_date = StringField(_l("Date of the identification"), render_kw={"type": "date"})
    notes = TextAreaField(_l("Notes"))
    submit = SubmitField(_l("Record the identification"), render_kw={"id": "submit-identification"})


class CaseChoiceForm(CaseworkForm):
    """Which case an identification is recorded for (a GET form: a case reference is not
    personal data). Its button is written in the template, without a name, so that the URL
    carries the case only."""

    class Meta:
        csrf = False

    case = StringField(_l("Case reference (e.g. SLV-2026-000123)"))


class FilterForm(CaseworkForm):
    class Meta:
        csrf = False  # a GET filter: nothing personal, nothing written

    status = _select(_l("Status"), _choices(IdentificationStatus, STATUS_LABELS))
    method = _select(_l("Method"), _choices(IdentificationMethod, METHOD_LABELS))
    submit = SubmitField(_l("Show"), render_kw={"id": "submit-filter"})


class ConfirmForm(CaseworkForm):
    version = HiddenField()
    submit = SubmitField(_l("Confirm the identification"), render_kw={"id": "submit-confirm"})


class RejectForm(CaseworkForm):
    version = HiddenField()
    reason = TextAreaField(_l("Why it is rejected"))
    # The page's confirmation step of an irreversible decision (the API takes the reason alone).
    confirm = BooleanField(_l("I confirm: reject this identification for good"))
    submit = SubmitField(
        _l("Reject the identification"), render_kw={"id": "submit-reject", "class": "button danger"}
    )


#: Form fields sent to the service (the names are the API's).
IDENTIFICATION_INPUT = (
    "case_reference",
    "method",
    "match_report_id",
    "remains_id",
    "source",
    "identified_by",
    "external_reference",
    "document_reference",
    "identified_date",
    "notes",
)
