"""Page forms of the case registry. Field names equal the API's; the forms only collect input
(and carry the CSRF token): validation is the API schemas' job, so pages and API agree."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms

    def _Choice(value: str, label: Any) -> tuple[str, Any]:  # type: ignore[no-redef]  # noqa: N802
        return (value, label)


from casework.cases.models import (
    AgeBand,
    Case,
    CaseStatus,
    ClosureReason,
    DocumentKind,
    EventType,
    ProtectionKind,
    Sex,
    Vulnerability,
)
from casework.forms import (
    CaseworkForm,
    CountryField,
    RowForm,
    country_code_of,
    country_label,
    country_options,
    language_code_of,
    language_shown,
)

#: Words that timeline entries of higher domains carry in `detail` (never personal values):
#: custody steps of DNA samples and identification methods.
CUSTODY_LABELS = {
    "collected": _l("collected"),
    "shipped": _l("shipped"),
    "received": _l("received"),
    "profiled": _l("profiled"),
    "uploaded": _l("uploaded"),
}
METHOD_LABELS = {
    "dna": _l("DNA"),
    "fingerprints": _l("fingerprints"),
    "dental": _l("dental"),
    "documents_and_visual": _l("documents and visual recognition"),
    "other": _l("other method"),
}
STATUS_LABELS = {
    CaseStatus.reported: _l("Reported"),
    CaseStatus.active_search: _l("Active search"),
    CaseStatus.located_alive: _l("Located alive"),
    CaseStatus.deceased_identified: _l("Deceased, identified"),
    CaseStatus.closed: _l("Closed"),
}
CLOSURE_LABELS = {
    ClosureReason.located: _l("Located"),
    ClosureReason.identified: _l("Identified"),
    ClosureReason.withdrawn_by_family: _l("Withdrawn by the family"),
    ClosureReason.duplicate: _l("Duplicate"),
}
SEX_LABELS = {
    Sex.female: _l("Female"),
    Sex.male: _l("Male"),
    Sex.other: _l("Other"),
    Sex.unknown: _l("Unknown"),
}
EVENT_LABELS = {
    EventType.shipwreck: _l("Shipwreck"),
    EventType.land_crossing: _l("Land crossing"),
    EventType.desert_crossing: _l("Desert crossing"),
    EventType.detention: _l("Detention"),
    EventType.other: _l("Other"),
}
VULNERABILITY_LABELS = {
    Vulnerability.child: _l("Child"),
    Vulnerability.unaccompanied: _l("Unaccompanied"),
    Vulnerability.pregnant: _l("Pregnant"),
    Vulnerability.disability: _l("Disability"),
    Vulnerability.other: _l("Other vulnerability"),
}
DOCUMENT_LABELS = {
    DocumentKind.passport: _l("Passport"),
    DocumentKind.national_id: _l("National identity card"),
    DocumentKind.birth_certificate: _l("Birth certificate"),
    DocumentKind.driving_licence: _l("Driving licence"),
    DocumentKind.consular_card: _l("Consular card"),
    DocumentKind.other: _l("Other document"),
}
PROTECTION_LABELS = {
    ProtectionKind.country: _l("The authorities of a country"),
    ProtectionKind.organisation: _l("An organisation"),
}

_NONE: list[Any] = [_Choice("", "—")]
_SPLIT = re.compile(r"\s*[,;\n\u060c\u061b]\s*")  # also the Arabic comma and semicolon
EXTRA_ROWS = 1
_ROW_LISTS = ("identity_documents", "protection_flags")


def _choices(labels: dict[Any, Any]) -> list[Any]:
    return [_Choice(k.value, v) for k, v in labels.items()]


def choices_of(pairs: list[tuple[str, Any]]) -> list[Any]:
    return [_Choice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IdentityDocumentForm(RowForm):
    kind = SelectField(_l("Document"), choices=_NONE + _choices(DOCUMENT_LABELS))
    number = StringField(_l("Number"))
    issuing_country = CountryField(_l("Issued by"))


class ProtectionFlagForm(RowForm):
    kind = SelectField(_l("Do not share with"), choices=_NONE + _choices(PROTECTION_LABELS))
    # A country or an organisation, chosen by name (the value sent is its code or id).
    value = SelectField(_l("Which country or organisation"), validate_choice=False)
    reason = TextAreaField(_l("Reason"))


class CaseForm(CaseworkForm):
    given_names = StringField(_l("Given names"))
    family_names = StringField(_l("Family names"))
    aliases = TextAreaField(_l("Other names and spellings (one per line)"))
    sex = SelectField(_l("Sex"), choices=_choices(SEX_LABELS), default="unknown")
    date_of_birth = StringField(_l("Date of birth (YYYY, YYYY-MM or YYYY-MM-DD)"))
    age_band = SelectField(
        _l("Age band (derived from the date of birth when possible)"),
        choices=_NONE + [_Choice(b.value, b.value) for b in AgeBand],
    )
    nationality = CountryField(_l("Nationality"))
    languages = StringField(_l("Languages (names or codes, comma-separated: Spanish, Mam, ar)"))
    place_of_origin = StringField(_l("Place of origin"))
    identity_documents = FieldList(FormField(IdentityDocumentForm), label=_l("Identity documents"))
    last_seen_date = StringField(_l("Last seen (YYYY, YYYY-MM or YYYY-MM-DD)"))
    last_seen_country = CountryField(_l("Country last seen in"))
    last_seen_place = StringField(_l("Place last seen"))
    route_countries = StringField(_l("Countries on the route, in order (names, comma-separated)"))
    event_type = SelectField(_l("Event"), choices=_NONE + _choices(EVENT_LABELS))
    circumstances = TextAreaField(_l("Circumstances of the disappearance"))
    stature_min_cm = StringField(_l("Stature from (cm)"))
    stature_max_cm = StringField(_l("Stature to (cm)"))
    distinguishing_marks = TextAreaField(_l("Distinguishing marks"))
    clothing_and_belongings = TextAreaField(_l("Clothing and belongings"))
    vulnerabilities = MultiCheckboxField(
        _l("Vulnerabilities"), choices=_choices(VULNERABILITY_LABELS)
    )
    protection_flags = FieldList(FormField(ProtectionFlagForm), label=_l("Protection flags"))
    version = HiddenField()
    # Fingerprints of the values the form was loaded with (see `fingerprints`): on an edit
    # conflict they tell which fields the user changed and which the colleague changed.
    base = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(
        self, *args: Any, organisations: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._organisations = choices_of(organisations or [])
        self._countries = _NONE + choices_of(country_options())

    @property
    def country_names(self) -> list[str]:
        """The names the page's one `<datalist id="countries">` offers to the country boxes."""
        return [str(choice.label) for choice in self._countries[len(_NONE) :]]

    def compact_rows(self) -> None:
        """Keep only the filled document and flag rows, in order (as case_payload sends them),
        so that error positions from the schema point at the right rows."""
        for name in _ROW_LISTS:
            rows = self[name]
            filled = [row.data for row in rows if _is_filled(row.data)]
            while len(rows):
                rows.pop_entry()
            for data in filled:
                rows.append_entry(data)
        self._choose_countries()

    def add_blank_rows(self) -> None:
        """One empty row after the others, for adding a document or a flag."""
        for name in _ROW_LISTS:
            for _ in range(EXTRA_ROWS):
                self[name].append_entry()
        self._choose_countries()

    def _choose_countries(self) -> None:
        for row in self.protection_flags:
            row.form.value.choices = self._targets(row.form.value.data)

    def _targets(self, current: str | None) -> dict[str, list[Any]]:
        """Countries and organisations, grouped; a value that is neither (an invalid one being
        corrected) is kept as an option so the user sees what they sent."""
        groups = {
            "": list(_NONE),
            str(_l("Countries")): self._countries[len(_NONE) :],
            str(_l("Organisations")): list(self._organisations),
        }
        known = {c.value for options in groups.values() for c in options}
        if current and current not in known:
            groups[""].append(_Choice(current, current))
        return groups


def _is_filled(data: dict[str, Any]) -> bool:
    return any(isinstance(v, str) and v.strip() for v in data.values())


#: Fields of a case as the pages name them (the timeline's "Updated: …" among others).
FIELD_LABELS: dict[str, Any] = {
    name: value.args[0]
    for name, value in vars(CaseForm).items()
    if getattr(value, "args", None) and name not in ("version", "base", "submit")
}
FIELD_LABELS["vulnerability_rows"] = FIELD_LABELS["vulnerabilities"]
FIELD_LABELS["last_seen_month"] = FIELD_LABELS["last_seen_date"]


def field_label(name: str) -> str:
    """A case field's translated label (the name itself for a field the form does not have)."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


class StatusForm(CaseworkForm):
    status = SelectField(_l("New status"), validate_choice=False)
    closure_reason = SelectField(_l("Closure reason"), validate_choice=False)
    duplicate_of = StringField(_l("Duplicate of (the reference of the case it duplicates)"))
    # "(required)" is added by the page's field macro (required=true), not by the label.
    note = TextAreaField(_l("Note"))
    version = HiddenField()
    submit = SubmitField(_l("Change status"))


class LinkDuplicateForm(CaseworkForm):
    # Shares the case page with StatusForm: own element ids, the API's field names.
    duplicate_reference = StringField(_l("Reference of the duplicate case"))
    note = TextAreaField(_l("Note"), id="link_note")
    version = HiddenField(id="link_version")
    link_submit = SubmitField(_l("Link as duplicate and close it"))


class CaseSearchForm(CaseworkForm):
    q = StringField(_l("Name or reference"))
    status = SelectField(_l("Status"), choices=_NONE + _choices(STATUS_LABELS))
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    last_seen_country = SelectField(_l("Country last seen in"), validate_choice=False)
    last_seen_from = StringField(_l("Last seen from (YYYY or YYYY-MM)"))
    last_seen_to = StringField(_l("Last seen until (YYYY or YYYY-MM)"))
    vulnerability = SelectField(_l("Vulnerability"), choices=_NONE + _choices(VULNERABILITY_LABELS))
    submit = SubmitField(_l("Search"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nationality.choices = _NONE + choices_of(country_options())
        self.last_seen_country.choices = self.nationality.choices


# --- between forms and API-shaped data ----------------------------------------------------


def _text(value: Any) -> str | None:
    text = (value or "").strip() if isinstance(value, str) else value
    return text or None


def _number(value: Any) -> Any:
    """A whole number typed in a form as an integer; anything else is passed on as typed, for
    the schema to refuse (blank: none)."""
    text = _text(value)
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return text


def _codes(value: str | None) -> list[str]:
    return [part for part in _SPLIT.split(value or "") if part]


def case_payload(form: CaseForm) -> dict[str, Any]:
    """The form's input in the API's shape (CaseCreateSchema / CaseUpdateSchema)."""
    data: dict[str, Any] = {
        name: _text(form[name].data)
        for name in (
            "given_names",
            "family_names",
            "date_of_birth",
            "age_band",
            "nationality",
            "place_of_origin",
            "last_seen_date",
            "last_seen_country",
            "last_seen_place",
            "event_type",
            "circumstances",
            "distinguishing_marks",
            "clothing_and_belongings",
        )
    }
    data["sex"] = form.sex.data or "unknown"
    data["stature_min_cm"] = _number(form.stature_min_cm.data)
    data["stature_max_cm"] = _number(form.stature_max_cm.data)
    lines = (form.aliases.data or "").splitlines()
    data["aliases"] = [line.strip() for line in lines if line.strip()]
    data["languages"] = [language_code_of(part) for part in _codes(form.languages.data)]
    data["route_countries"] = [country_code_of(part) for part in _codes(form.route_countries.data)]
    data["vulnerabilities"] = list(form.vulnerabilities.data or [])
    data["identity_documents"] = [
        {
            "kind": row.form.kind.data or "",
            "number": row.form.number.data or "",
            "issuing_country": _text(row.form.issuing_country.data),
        }
        for row in form.identity_documents
        if _text(row.form.kind.data) or _text(row.form.number.data)
    ]
    data["protection_flags"] = [
        {
            "kind": row.form.kind.data or "",
            "value": (row.form.value.data or "").strip(),
            "reason": row.form.reason.data or "",
        }
        for row in form.protection_flags
        if _text(row.form.kind.data) or _text(row.form.value.data) or _text(row.form.reason.data)
    ]
    return data


def form_data(case: Case) -> dict[str, Any]:
    """A stored case as CaseForm data (for the edit page and the conflict page)."""
    return {
        "given_names": case.given_names or "",
        "family_names": case.family_names or "",
        "aliases": "\n".join(case.aliases or []),
        "sex": case.sex.value,
        "date_of_birth": case.date_of_birth or "",
        "age_band": case.age_band.value if case.age_band else "",
        "nationality": case.nationality or "",
        "languages": _languages_shown(case.languages),
        "place_of_origin": case.place_of_origin or "",
        "identity_documents": [
            {**doc, "issuing_country": doc.get("issuing_country") or ""}
            for doc in case.identity_documents or []
        ],
        "last_seen_date": case.last_seen_date or "",
        "last_seen_country": case.last_seen_country or "",
        "last_seen_place": case.last_seen_place or "",
        "route_countries": _countries_shown(case.route_countries),
        "event_type": case.event_type.value if case.event_type else "",
        "circumstances": case.circumstances or "",
        "stature_min_cm": _shown_number(case.stature_min_cm),
        "stature_max_cm": _shown_number(case.stature_max_cm),
        "distinguishing_marks": case.distinguishing_marks or "",
        "clothing_and_belongings": case.clothing_and_belongings or "",
        "vulnerabilities": case.vulnerabilities,
        "protection_flags": [
            {**flag, "reason": flag.get("reason") or ""} for flag in case.protection_flags
        ],
        "version": str(case.version),
    }


def _languages_shown(tags: list[str] | None) -> str:
    return ", ".join(language_shown(tag) for tag in tags or [] if tag)


def _countries_shown(codes: list[str] | None) -> str:
    return ", ".join(country_label(code) for code in codes or [] if code)


def _shown_number(value: int | None) -> str:
    return "" if value is None else str(value)


def payload_as_form_data(payload: dict[str, Any], version: int) -> dict[str, Any]:
    """Submitted values back into form data, carrying another version (to re-apply them)."""
    data = dict(payload)
    data["aliases"] = "\n".join(payload.get("aliases") or [])
    data["languages"] = _languages_shown(payload.get("languages"))
    data["route_countries"] = _countries_shown(payload.get("route_countries"))
    for name, value in list(data.items()):
        if value is None:
            data[name] = ""
    data["identity_documents"] = [
        {k: v or "" for k, v in doc.items()} for doc in payload.get("identity_documents") or []
    ]
    data["version"] = str(version)
    return data


#: The fields an edit conflict is merged on (casework.forms.merge).
MERGED = tuple(name for name in FIELD_LABELS if name in CaseForm.__dict__)
