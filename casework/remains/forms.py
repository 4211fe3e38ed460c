"""Page forms of the remains domain. Field names equal the API's; the forms only collect input
(and carry the CSRF token): validation is the API schemas' job, so pages and API agree."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from casework.cases.forms import SEX_LABELS
from casework.cases.models import Sex
from casework.forms import CaseworkForm, country_options
from casework.remains.models import Remains, RemainsStatus
from casework.remains.operations import AGE_RANGE, FIELDS, STATURE_RANGE

STATUS_LABELS = {
    RemainsStatus.unidentified: _l("Unidentified"),
    RemainsStatus.identified: _l("Identified"),
    RemainsStatus.returned_to_family: _l("Returned to the family"),
}
BLANK = SelectChoice("", "—")
_NUMBERS = ("age_min", "age_max", "stature_min_cm", "stature_max_cm")


def _countries() -> list[SelectChoice]:
    return [BLANK] + [SelectChoice(code, name) for code, name in country_options()]


class RemainsForm(CaseworkForm):
    found_date = StringField(_l("Found on (YYYY, YYYY-MM or YYYY-MM-DD)"))
    found_country = SelectField(_l("Country found in"), validate_choice=False)
    found_place = StringField(_l("Place found"))
    recovery_context = TextAreaField(_l("Recovery context"))
    sex = SelectField(
        _l("Sex"),
        choices=[SelectChoice(s.value, SEX_LABELS[s]) for s in Sex],
        default="unknown",
        validate_choice=False,
    )
    age_min = StringField(_l("Estimated age from (years)"))
    age_max = StringField(_l("Estimated age to (years)"))
    stature_min_cm = StringField(_l("Stature from (cm)"))
    stature_max_cm = StringField(_l("Stature to (cm)"))
    distinguishing_marks = TextAreaField(_l("Distinguishing marks"))
    effects = TextAreaField(_l("Clothing and effects"))
    version = HiddenField()
    # Fingerprints of the values the form was loaded with (casework.forms.fingerprints): on an
    # edit conflict they tell which fields the user changed and which the colleague changed.
    base = HiddenField()
    submit = SubmitField(_l("Save"), render_kw={"id": "submit"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found_country.choices = _countries()


class StatusForm(CaseworkForm):
    status = HiddenField(default=RemainsStatus.returned_to_family.value)
    version = HiddenField(id="status_version")
    status_submit = SubmitField(_l("Mark as returned to the family"))


class FilterForm(CaseworkForm):
    class Meta:
        csrf = False  # a GET filter: nothing personal, nothing written

    status = SelectField(
        _l("Status"),
        choices=[BLANK] + [SelectChoice(s.value, STATUS_LABELS[s]) for s in RemainsStatus],
        validate_choice=False,
    )
    sex = SelectField(
        _l("Sex"),
        choices=[BLANK] + [SelectChoice(s.value, SEX_LABELS[s]) for s in Sex],
        validate_choice=False,
    )
    found_country = SelectField(_l("Country found in"), validate_choice=False)
    submit = SubmitField(_l("Show"), render_kw={"id": "filter"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found_country.choices = _countries()


# --- between forms and API-shaped data ----------------------------------------------------


def _text(value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else value
    return text or None


def _number(value: Any) -> Any:
    """A whole number typed in a form as an integer; anything else is passed on as typed, for
    the schema to refuse (blank: none)."""
    text = _text(value)
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return text


def payload(form: RemainsForm) -> dict[str, Any]:
    """The form's input in the API's shape (RemainsCreateSchema / RemainsUpdateSchema)."""
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = form[name].data
        data[name] = _number(value) if name in _NUMBERS else _text(value)
    data["sex"] = form.sex.data or "unknown"
    return data


#: The ranges of the form: (lower bound, upper bound, the limits of both, the message shown next to
#: the upper bound when it is below the lower one).
RANGES = (
    ("age_min", "age_max", AGE_RANGE, _l("Must not be below the lowest age.")),
    (
        "stature_min_cm",
        "stature_max_cm",
        STATURE_RANGE,
        _l("Must not be below the lowest stature."),
    ),
)


def range_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Upside-down ranges of a payload, named by their upper bound as the API names them, in
    words a user reads. The API's schema checks ranges only once every field is valid, so the
    page checks them itself to show every error at once. Only bounds the schema accepts (whole
    numbers within their limits) are compared: then the schema's only message about the upper
    bound is its own range message, which this one replaces."""
    errors: dict[str, list[str]] = {}
    for low, high, (least, most), message in RANGES:
        lo, hi = data.get(low), data.get(high)
        valid = all(
            isinstance(v, int) and not isinstance(v, bool) and least <= v <= most for v in (lo, hi)
        )
        if valid and lo > hi:
            errors[high] = [str(message)]
    return errors


def form_data(remains: Remains) -> dict[str, Any]:
    """Stored remains as RemainsForm data (the edit page and the conflict page)."""
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(remains, name)
        data[name] = "" if value is None else str(getattr(value, "value", value))
    data["version"] = str(remains.version)
    return data


def payload_as_form_data(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Submitted values back into form data, carrying another version (to re-apply them)."""
    shown = {name: "" if value is None else str(value) for name, value in data.items()}
    shown["version"] = str(version)
    return shown
