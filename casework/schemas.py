"""Schema fields every domain's API shares, written once: bounded text, countries, languages,
enumerations and their values in answers. Error messages never quote the value."""

from __future__ import annotations

from enum import Enum
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from casework import vocabulary

#: Longest BCP 47 tag accepted (the registry's longest real tags are far shorter).
LANGUAGE_TAG_MAX = 35


def no_nul(value: str) -> None:
    """A validator of text that will be stored: no NUL (PostgreSQL refuses it) and no unpaired
    surrogate (it cannot be encoded, so it can be neither encrypted nor stored)."""
    if "\x00" in value:
        raise ValidationError("Text may not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Text may not contain unpaired surrogate characters.") from None


def values_of(enum_cls: type[Enum]) -> list[str]:
    return [m.value for m in enum_cls]


class Text(fields.String):
    """A string stripped of surrounding space (so blank means empty); NUL is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        no_nul(text)
        return text.strip()


def text(max_len: int, min_len: int | None = None, **kw: Any) -> Text:
    """Bounded text: at most `max_len` characters (at least `min_len`) once stripped."""
    return Text(validate=validate.Length(min=min_len, max=max_len), **kw)


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
