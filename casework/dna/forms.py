"""Page forms of the DNA domain. Field names equal the API's; the forms only collect input (and
carry the CSRF token): validation is the API schemas' and services' job, so pages and API agree.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from casework.forms import CaseworkForm

BLANK = SelectChoice("", "—")

DATABASE_KIND_LABELS = {
    "national_genetic_bank": _l("National genetic bank"),
    "icmp": _l("ICMP"),
    "interpol_ifamilia": _l("Interpol I-Familia"),
    "forensic_lab": _l("Forensic laboratory"),
    "other": _l("Other"),
}
SAMPLE_KIND_LABELS = {
    "family_reference": _l("Family reference"),
    "personal_effect": _l("Personal effect"),
    "post_mortem": _l("Post-mortem sample"),
}
REPORT_STATUS_LABELS = {
    "reported": _l("reported"),
    "confirmed": _l("confirmed"),
    "excluded": _l("excluded"),
}


def _select(label: Any, choices: list[SelectChoice] | None = None) -> SelectField:
    # The API's schema validates the value (one vocabulary, one message), not WTForms.
    return SelectField(label, choices=choices or [BLANK], validate_choice=False, default="")


class DatabaseForm(CaseworkForm):
    name = StringField(_l("Name"))
    institution = StringField(_l("Institution"))
    country = StringField(_l("Country (ISO code)"), render_kw={"maxlength": 2, "size": 3})
    kind = _select(
        _l("Kind"), [BLANK] + [SelectChoice(k, v) for k, v in DATABASE_KIND_LABELS.items()]
    )
    submit = SubmitField(_l("Register database"), render_kw={"id": "submit-database"})


class CaseReferenceForm(CaseworkForm):
    sample_kind = _select(
        _l("Sample kind"),
        [
            SelectChoice("family_reference", SAMPLE_KIND_LABELS["family_reference"]),
            SelectChoice("personal_effect", SAMPLE_KIND_LABELS["personal_effect"]),
        ],
    )
    database_id = _select(_l("DNA database"))
    sample_id = StringField(_l("Sample identifier"), render_kw={"autocomplete": "off"})
    relative_id = _select(_l("Donor (a relative of the case)"))
    donor_relationship = StringField(_l("Donor's relationship to the missing person"))
    consent_id = _select(_l("The donor's consent for DNA"))
    collected_date = StringField(_l("Collected on"), render_kw={"type": "date"})
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Record sample reference"), render_kw={"id": "submit-reference"})


class PostMortemForm(CaseworkForm):
    database_id = _select(_l("DNA database"))
    sample_id = StringField(_l("Sample identifier"), render_kw={"autocomplete": "off"})
    collected_date = StringField(_l("Collected on"), render_kw={"type": "date"})
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Record post-mortem sample"), render_kw={"id": "submit-reference"})


class CustodyForm(CaseworkForm):
    status = StringField(render_kw={"type": "hidden"})
    version = StringField(render_kw={"type": "hidden"})
    date = StringField(_l("Date"), render_kw={"type": "date"})
    note = StringField(_l("Note"))
    submit = SubmitField(_l("Record step"))


class SearchForm(CaseworkForm):
    sample_id = StringField(
        _l("Sample identifier (any writing)"), render_kw={"autocomplete": "off"}
    )
    submit = SubmitField(_l("Find"), render_kw={"id": "submit-search"})


class MatchReportForm(CaseworkForm):
    family_reference_id = _select(_l("Family reference"))
    post_mortem_reference_id = _select(_l("Post-mortem sample"))
    lab_report_reference = StringField(_l("Laboratory report reference"))
    likelihood_ratio = StringField(_l("Likelihood ratio (as reported)"))
    reported_date = StringField(_l("Reported on"), render_kw={"type": "date"})
    submit = SubmitField(_l("Record match report"), render_kw={"id": "submit-report"})


class ExcludeForm(CaseworkForm):
    reason = TextAreaField(_l("Reason for the exclusion"))
    version = StringField(render_kw={"type": "hidden"})
    submit = SubmitField(_l("Exclude"), render_kw={"id": "submit-exclude"})
