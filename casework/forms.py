"""Form plumbing every domain's pages share, written once: the text rule of every text field,
errors from the API's schemas and services placed next to the fields they name, and the
version a page was loaded at."""

from __future__ import annotations

import gettext
import hashlib
import hmac
from functools import lru_cache
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from flask import current_app, flash, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from marshmallow import Schema, ValidationError
from wtforms import FieldList, PasswordField, StringField, TextAreaField
from wtforms import Form as _WtForm
from wtforms.validators import ValidationError as FieldError

from casework import vocabulary
from casework.errors import CaseworkError
from casework.schemas import text_fault

_FAULT_MESSAGES = {
    "surrogate": _l("Text may not contain unpaired surrogate characters."),
    "nul": _l("Text may not contain NUL characters."),
    "bidi": _l(
        "Text may not contain bidirectional override, embedding or isolate characters "
        "(U+202A-U+202E, U+2066-U+2069)."
    ),
    "control": _l("Text may not contain control characters."),
    "invisible": _l("Text may not contain noncharacters or tag characters."),
    "line_break": _l("This field is one line: it may not contain line breaks or tabs."),
}


class TextRule:
    """The API's text rule on a page's field (casework.schemas.text_fault): no unpaired
    surrogate, control character or bidirectional override; line breaks and tabs in a text area
    only."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str):
            fault = text_fault(field.data, multiline=self.multiline)
            if fault is not None:
                raise FieldError(str(_FAULT_MESSAGES[fault]))


class _TextRules:
    """Form meta that gives every text field (not a password) the text rule when it is bound."""

    def bind_field(self, form: Any, unbound_field: Any, options: Any) -> Any:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.validators = [*field.validators, TextRule(isinstance(field, TextAreaField))]
        if (field.render_kw or {}).get("type") == "date":
            _as_day_input(field)
        return field


def _as_day_input(field: Any) -> None:
    """Date inputs are one kind on every page (docs/architecture.md, "Dates"): a text box whose
    label gives the format, as the case forms' partial dates (YYYY, YYYY-MM) need; never the
    browser's picker, whose mm/dd/yyyy follows the browser's settings, not the page's."""
    field.render_kw = {
        **field.render_kw,
        "type": "text",
        "inputmode": "numeric",
        "autocomplete": "off",
        "maxlength": 10,
    }
    field.label.text = _("%(label)s (YYYY-MM-DD)", label=field.label.text)


class CaseworkForm(FlaskForm):
    """The base of every page form: FlaskForm (CSRF) with the text rule on every text field."""

    class Meta(_TextRules):
        pass


class RowForm(_WtForm):
    """The base of a form repeated in rows (FormField): the text rule, no CSRF of its own."""

    class Meta(_TextRules):
        pass


#: The API's messages (meant for programmers) in the words a page shows its user.
_PLAIN = {
    "Not a BCP 47 language tag.": _l("Choose a language from the list."),
    "Unknown language.": _l("Choose a language from the list."),
    "Unknown script.": _l("Choose a language from the list."),
    "Unknown region.": _l("Choose a language from the list."),
    "Not an ISO 3166-1 alpha-2 country code.": _l("Choose a country from the list."),
    "Unknown country code.": _l("Choose a country from the list."),
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Erasure must be confirmed with true.": _l("Tick the box to confirm the erasure."),
}


def plain(message: Any) -> str:
    """A message as a page shows it: the API's jargon in plain, translated words."""
    text = str(message)
    found = _PLAIN.get(text)
    return str(found) if found is not None else text


def flatten(messages: Any) -> list[str]:
    """Every message of a (nested) marshmallow error structure, in order (in plain words)."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flatten(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in flatten(value)]
    return [plain(messages)]


# --- pickers: languages and countries by their names in the page's language ------------------


def _page_locale() -> Locale:
    try:
        return get_locale() or Locale.parse("en")
    except (RuntimeError, UnknownLocaleError):  # outside a request
        return Locale.parse("en")


@lru_cache(maxsize=16)
def _countries(locale_name: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_name).territories
    pairs = [(c.alpha_2, names.get(c.alpha_2) or c.name) for c in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


@lru_cache(maxsize=16)
def _languages(locale_name: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale_name).languages
    pairs = []
    for code, name in names.items():
        if "_" in code:
            continue  # regional variants: the language itself is offered
        try:
            if vocabulary.language_tag(code) == code:
                pairs.append((code, name))
        except ValueError:
            continue
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_options() -> list[tuple[str, str]]:
    """(ISO code, name in the page's language) of every country, sorted by name."""
    return list(_countries(str(_page_locale())))


def language_options() -> list[tuple[str, str]]:
    """(language code, name in the page's language) of the languages known, sorted by name."""
    return list(_languages(str(_page_locale())))


def country_label(code: str | None) -> str:
    """A country's name in the page's language (the code itself when unknown; "" for none)."""
    if not code:
        return ""
    return dict(_countries(str(_page_locale()))).get(code.upper(), code)


def language_label(tag: str | None) -> str:
    """A language tag's name in the page's language (es-SV: "Spanish (El Salvador)"), the tag
    itself when Babel and pycountry know nothing of it; "" for none."""
    return _language_name(tag)[0]


def language_markup(tag: str | None) -> Markup:
    """`language_label` for a page: a name only pycountry's English knows (North Levantine
    Arabic, "apc", has no name in CLDR nor in pycountry's Spanish) is marked lang="en", so it is
    read as English and not as a word of the page's language."""
    name, english = _language_name(tag)
    if english:
        return Markup('<span lang="en">%s</span>') % name
    return Markup("%s") % name


def _language_name(tag: str | None) -> tuple[str, bool]:
    """(name, whether the name is English where the page is not)."""
    if not tag:
        return "", False
    locale = _page_locale()
    try:
        name = Locale.parse(tag, sep="-").get_display_name(locale)
        if name:
            return name, False
    except (ValueError, UnknownLocaleError):
        pass
    lang = tag.split("-", 1)[0].lower()
    name = locale.languages.get(lang)
    if name:
        return name, False
    found = pycountry.languages.get(alpha_3=lang) if len(lang) == 3 else None
    if found is None:
        return tag, False
    translated = _iso639_3(locale.language).gettext(found.name)
    return translated, translated == found.name and locale.language != "en"


@lru_cache(maxsize=16)
def _iso639_3(language: str) -> gettext.NullTranslations:
    """pycountry's catalogue of ISO 639-3 names in `language` (none: the English names)."""
    return gettext.translation(
        "iso639-3", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def with_current(options: list[tuple[str, str]], current: str | None, label: Any) -> list:
    """Options with the current value kept when it is not among them (a regional tag such as
    es-SV, or an invalid value being corrected), so a form never drops what is stored."""
    if current and current not in {value for value, _name in options}:
        return [(current, label(current)), *options]
    return options


def attach_errors(form: FlaskForm, messages: Any) -> None:
    """Show schema or service errors next to the fields they name (rows of a list field too);
    an error about something the form has no field for is flashed instead of lost."""
    if not isinstance(messages, dict):
        flash(_("Some fields are invalid."), "error")
        return
    for name, msgs in messages.items():
        if name not in form:
            flash(" ".join(flatten(msgs)), "error")
            continue
        field = form[name]
        if isinstance(field, FieldList) and isinstance(msgs, dict):
            for index, sub in msgs.items():
                row = _row(field, index)
                if row is None or not isinstance(sub, dict):
                    field.errors = [*(field.errors or []), *flatten(sub)]
                    continue
                for sub_name, sub_msgs in sub.items():
                    if sub_name in row.form:
                        row.form[sub_name].errors = flatten(sub_msgs)
        else:
            field.errors = [*(field.errors or []), *flatten(msgs)]


def _row(field: FieldList, index: Any) -> Any:
    try:
        return field.entries[int(index)]
    except (ValueError, IndexError):
        return None


def flash_errors(messages: dict[str, Any]) -> None:
    """Errors of a form that is not shown again (the page redirects): flashed, field by field."""
    for name, msgs in messages.items():
        for msg in flatten(msgs):
            flash(f"{name}: {msg}", "error")


def version_of(value: str | None) -> int | None:
    """The record version a page's hidden field carried (None when absent or not a number)."""
    try:
        return int(value or "")
    except ValueError:
        return None


def payload(form: FlaskForm, names: tuple[str, ...], *, keep_empty: bool = False) -> dict:
    """Form values as the API would receive them: blank text is left out (with `keep_empty`:
    sent as null, so that an edit can clear a field)."""
    data: dict[str, Any] = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip() or None
        if value is None and not keep_empty:
            continue
        data[name] = value
    return data


def load(schema: Schema, form: FlaskForm, data: dict[str, Any]) -> dict[str, Any] | None:
    """Validate with the API's schema; errors go onto the form's fields (None when invalid)."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        attach_errors(form, exc.messages)
        return None


def refused(form: FlaskForm, exc: CaseworkError) -> int:
    """A service refused the form: its message flashed, its fields' errors placed; the status."""
    attach_errors(form, exc.fields)
    flash(exc.message, "error")
    return exc.status


def status_of(form: FlaskForm) -> int:
    """The status of a page whose form did not validate: 400 for a bad CSRF token, else 422."""
    return 400 if "csrf_token" in form.errors else 422


def to_message(url: str) -> str:
    """Where a redirect after a POST goes: the flashed message itself (`#messages`, at the top
    of the page), so the user sees what happened, not a section far below it. Unchanged when
    nothing was flashed."""
    if session.get("_flashes"):
        return url.split("#", 1)[0] + "#messages"
    return url


# --- the edit-conflict merge (cases, remains) -------------------------------------------------


def merge_key(purpose: str) -> bytes:
    """The key of an edit form's fingerprints: the app's secret (pages cannot forge them)."""
    secret = current_app.secret_key or ""
    raw = secret if isinstance(secret, bytes) else str(secret).encode()
    return raw + b"/" + purpose.encode()


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(
            "\x1f".join(f"{k}={item[k] or ''}" for k in sorted(item))
            if isinstance(item, dict)
            else str(item)
            for item in value
        )
    return "" if value is None else str(value).strip()


def _fingerprint(key: bytes, name: str, value: Any) -> str:
    digest = hmac.new(key, f"{name}\0{_as_text(value)}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def fingerprints(data: dict[str, Any], names: tuple[str, ...], key: bytes) -> str:
    """An edit form's `base` field: a keyed digest of each field as loaded (no personal value
    travels in it; the page holds the values anyway)."""
    return ",".join(f"{name}:{_fingerprint(key, name, data.get(name))}" for name in names)


def merge(
    yours: dict[str, Any],
    theirs: dict[str, Any],
    base: str | None,
    names: tuple[str, ...],
    key: bytes,
) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
    """A three-way merge of form data after an edit conflict.

    Returns (data to pre-fill, fields taken from the colleague, fields kept as the user typed
    them, fields both changed). Where only the colleague changed a field, theirs; where only
    the user did, yours; where both did, theirs, to review. Without the base (an old page),
    every differing field counts as changed by both: the colleague's text is never wiped."""
    known: dict[str, str] = {}
    for part in (base or "").split(","):
        name, _sep, digest = part.partition(":")
        if name and digest:
            known[name] = digest
    merged = dict(yours)
    taken: list[str] = []
    kept: list[str] = []
    both: list[str] = []
    for name in names:
        mine, their = yours.get(name), theirs.get(name)
        if _as_text(mine) == _as_text(their):
            continue
        original = known.get(name)
        you_changed = original is None or _fingerprint(key, name, mine) != original
        they_changed = original is None or _fingerprint(key, name, their) != original
        if you_changed and not they_changed:
            kept.append(name)
            continue
        merged[name] = their
        (both if you_changed else taken).append(name)
    return merged, taken, kept, both


# --- countries and languages typed or picked by name ------------------------------------------


@lru_cache(maxsize=16)
def _country_lookup(locale_name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", None)):
            if name:
                found.setdefault(name.casefold(), country.alpha_2)
    for locale in {"en", locale_name}:
        for code, name in _countries(locale):
            found[name.casefold()] = code
    return found


@lru_cache(maxsize=16)
def _language_lookup(locale_name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for locale in {"en", locale_name}:
        for code, name in _languages(locale):
            found.setdefault(name.casefold(), code)
    return found


def country_code_of(text: str | None) -> str | None:
    """A country typed or picked by name (in the page's language or English) or by its code,
    as its ISO code; anything else is returned as typed, for the schema to refuse in plain
    words ("Choose a country from the list."). Blank: None."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return _country_lookup(str(_page_locale())).get(value.casefold(), value)


def language_code_of(text: str | None) -> str | None:
    """A language typed by name (Spanish, español) or as a tag (es, es-SV, mam), as its tag;
    anything else as typed, for the schema to refuse. Blank: None."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return vocabulary.language_tag(value)
    except ValueError:
        return _language_lookup(str(_page_locale())).get(value.casefold(), value)


def language_shown(tag: str | None) -> str:
    """A language as a text box shows it: its name for a bare language (es: Spanish), the tag
    itself when it carries a region or script (es-SV), which the box takes back as typed."""
    if not tag:
        return ""
    return language_label(tag) if "-" not in tag else tag


class CountryField(StringField):
    """A country box offering the page's one `<datalist id="countries">` (names in the page's
    language): it shows the country's name and gives its code (casework.forms.country_code_of).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        render_kw = {"list": "countries", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.data = country_code_of(self.data)

    def _value(self) -> str:
        return country_label(self.data) if self.data else ""
