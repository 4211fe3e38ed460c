"""Schema fields every domain's API shares, written once: bounded text, countries, languages,
enumerations and their values in answers. Error messages never quote the value."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import Enum
from typing import Any

import regex
from marshmallow import Schema, ValidationError, fields, validate

from casework import vocabulary

#: Longest BCP 47 tag accepted (the registry's longest real tags are far shorter).
LANGUAGE_TAG_MAX = 35


#: Characters no text field takes. Lone surrogates cannot be encoded (so neither encrypted nor
#: stored); NUL is refused by PostgreSQL; C0 and C1 control characters (BEL, ESC, DEL, NEL, CSI...)
#: drive terminals and printers, not readers; the bidirectional embedding, override and isolate
#: controls (U+202A-U+202E, U+2066-U+2069) reorder what a reader sees, so that "\u202eanA" shows
#: as "Ana". Tab, line feed and carriage return are allowed in multi-line text only.
#:
#: Deliberately allowed: the direction marks LRM, RLM and ALM (U+200E, U+200F, U+061C) and the
#: zero-width (non-)joiners (U+200C, U+200D). They are ordinary in Arabic, Hebrew, Persian and
#: Indic text and change no character's order on their own; a name made only of such invisible
#: characters is still refused, because a name must contain a letter (see `has_letter`).
#:
#: Also refused: noncharacters (U+FDD0-U+FDEF and the last two code points of every plane), which
#: Unicode reserves for a program's own use, and the tag characters (U+E0000-U+E007F), which
#: hide text that shows as nothing ("Ana" followed by invisible tags).
_FORBIDDEN = regex.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    "\\p{Noncharacter_Code_Point}\U000e0000-\U000e007f]"
)
#: What shows on a screen: anything but space, control and format characters and the code points
#: Unicode says to render as nothing (Default_Ignorable_Code_Point: zero-width spaces and
#: joiners, the Hangul fillers U+3164/U+115F/U+FFA0, variation selectors...). Text with none of
#: it is blank, however long.
_VISIBLE = regex.compile(r"[^\s\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


#: What `text_fault` finds, in English (pages translate each kind themselves).
TEXT_FAULTS = {
    "surrogate": "Text may not contain unpaired surrogate characters.",
    "nul": "Text may not contain NUL characters.",
    "bidi": "Text may not contain bidirectional override, embedding or isolate characters "
    "(U+202A-U+202E, U+2066-U+2069).",
    "control": "Text may not contain control characters.",
    "invisible": "Text may not contain noncharacters or tag characters.",
    "line_break": "This field is one line: it may not contain line breaks or tabs.",
}


def text_fault(value: str, *, multiline: bool = True) -> str | None:
    """The kind of character (a key of TEXT_FAULTS) that makes `value` unfit as text, or None."""
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        char = bad.group()
        if "\ud800" <= char <= "\udfff":
            return "surrogate"
        if char == "\x00":
            return "nul"
        if char in _BIDI:
            return "bidi"
        return "control" if unicodedata.category(char) == "Cc" else "invisible"
    if not multiline and _LINE_BREAKS.search(value):
        return "line_break"
    return None


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """What makes `value` unfit as text, or None. The message never quotes the value."""
    fault = text_fault(value, multiline=multiline)
    return TEXT_FAULTS[fault] if fault else None


def has_letter(value: str) -> bool:
    """True when `value` holds at least one letter (Unicode category L*) of any script that
    shows: the Hangul fillers are letters by category but render as nothing."""
    return any(unicodedata.category(c)[0] == "L" and _VISIBLE.match(c) for c in value)


def is_blank(value: str) -> bool:
    """True when nothing of `value` shows (only spaces, format characters such as zero-width
    spaces and joiners, and other default-ignorable code points)."""
    return _VISIBLE.search(value) is None


def check_text(value: str, *, multiline: bool = True) -> None:
    """A validator of text that will be stored (see `text_problem`)."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise ValidationError(problem)


def no_nul(value: str) -> None:
    """A validator of any text (kept for its callers): see `text_problem`."""
    check_text(value)


NOT_A_NAME = "A name must contain at least one letter."


def values_of(enum_cls: type[Enum]) -> list[str]:
    return [m.value for m in enum_cls]


#: Text that may be this long is free text (notes, reasons, descriptions, addresses): it may
#: span lines. Shorter text (names, places, references, titles) is one line.
MULTILINE_FROM = 1000


class Text(fields.String):
    """A string stripped of surrounding space (so blank means empty). It refuses what no text
    takes (see `text_problem`), line breaks and tabs unless `multiline`, and with `is_name` anything
    without a letter."""

    def __init__(self, *args: Any, multiline: bool = False, is_name: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        self.multiline, self.is_name = multiline, is_name

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        check_text(text, multiline=self.multiline)
        text = text.strip()
        if self.is_name:
            if text and not has_letter(text):
                raise ValidationError(NOT_A_NAME)
        elif is_blank(text):
            # Text of which nothing shows (a zero-width space, a Hangul filler) is blank, so a
            # required note made of it is missing.
            text = ""
        return text


def text(
    max_len: int, min_len: int | None = None, *, multiline: bool | None = None, **kw: Any
) -> Text:
    """Bounded text: at most `max_len` characters (at least `min_len`) once stripped. It is
    multi-line when asked, or else when `max_len` reaches MULTILINE_FROM."""
    if multiline is None:
        multiline = max_len >= MULTILINE_FROM
    return Text(validate=validate.Length(min=min_len, max=max_len), multiline=multiline, **kw)


def person_name(max_len: int, min_len: int | None = None, **kw: Any) -> Text:
    """A person's name (given or family names, an alias, a relative's full name): one line of
    bounded text with at least one letter."""
    return Text(validate=validate.Length(min=min_len, max=max_len), is_name=True, **kw)


class Country(fields.String):
    """An ISO 3166-1 alpha-2 code (any case in, upper case out); blank means none."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        code = super()._deserialize(value, attr, data, **kwargs)
        if not code.strip():
            return None
        try:
            return vocabulary.country_code(code)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Language(fields.String):
    """A BCP 47 language tag (es, es-SV, mam, ar), returned in canonical case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        tag = super()._deserialize(value, attr, data, **kwargs)
        if len(tag) > LANGUAGE_TAG_MAX:
            raise ValidationError("Not a BCP 47 language tag.")
        try:
            return vocabulary.language_tag(tag)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def one_of(enum_cls: type[Enum]) -> validate.OneOf:
    """Only the enumeration's values (the error lists them)."""
    return validate.OneOf(values_of(enum_cls))


def choice(enum_cls: type[Enum], **kw: Any) -> fields.String:
    """A string field that takes one of the enumeration's values."""
    return fields.String(validate=one_of(enum_cls), **kw)


def enum_value(attr: str) -> fields.Function:
    """In an answer: the plain value of the record's enumeration attribute (or null)."""

    def get(obj: Any) -> Any:
        value = getattr(obj, attr)
        return getattr(value, "value", value)

    return fields.Function(get, dump_only=True)


def unique_list(items: list[Any]) -> None:
    """A list validator: the same value twice is refused."""
    if len(set(items)) != len(items):
        raise ValidationError("Values may not repeat.")


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: "yes", 1 or "maybe" are refused (wrong type, 422)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# --- paging: every list of the API ---------------------------------------------------------

#: Rows per page of every API list, unless the caller asks for another size up to the most.
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(
        load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


class PageSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


#: The earliest day any date field takes (as the case dates: casework's records start later).
EARLIEST_DAY = dt.date(1900, 1, 1)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day_bounds_error(day: dt.date, years_ahead: int) -> str | None:
    """What is wrong with `day` as a date of casework's records, or None: before 1900, or more
    than `years_ahead` years after today (UTC)."""
    if day < EARLIEST_DAY:
        return "The year must be 1900 or later."
    today = dt.datetime.now(dt.UTC).date()
    if day > today.replace(year=today.year + years_ahead, day=min(today.day, 28)):
        return f"Too far in the future: at most {years_ahead} years from today."
    return None


class Day(fields.Date):
    """A calendar day, YYYY-MM-DD, from 1900 to `years_ahead` years after today, with the same
    messages in every domain ("There is no such day." for 2026-02-30)."""

    default_error_messages = {"invalid": "Not a date: use YYYY-MM-DD."}

    def __init__(self, *args: Any, years_ahead: int = 5, **kw: Any):
        super().__init__(*args, **kw)
        self.years_ahead = years_ahead

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and _ISO_DAY.match(value.strip()):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError("There is no such day.") from None
        else:
            day = super()._deserialize(value, attr, data, **kwargs)
        problem = day_bounds_error(day, self.years_ahead)
        if problem:
            raise ValidationError(problem)
        return day
