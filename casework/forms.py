"""Form plumbing every domain's pages share, written once: errors from the API's schemas and
services placed next to the fields they name, and the version a page was loaded at."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import FieldList

from casework.errors import CaseworkError


def flatten(messages: Any) -> list[str]:
    """Every message of a (nested) marshmallow error structure, in order."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flatten(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in flatten(value)]
    return [str(messages)]


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
