"""Pages of the remains domain: the list (non-personal filters in the URL), registration, the
remains page, editing with version conflicts, and the return to the family.

Every page that shows personal data reads it through the access gateway: one audit event per
page shown. Pages that change something look the remains up in the actor's organisation only.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import Schema, ValidationError

from casework.access.current import current_access
from casework.auth.policy import can, require
from casework.cases.forms import SEX_LABELS
from casework.errors import CaseworkError, VersionConflict
from casework.forms import (
    attach_errors,
    country_label,
    fingerprints,
    flash_errors,
    merge,
    merge_key,
    to_message,
    version_of,
)
from casework.remains import forms, operations, queries
from casework.remains.models import Remains, RemainsStatus
from casework.remains.policy import READ_REMAINS, WRITE_REMAINS
from casework.remains.resources import REMAINS
from casework.remains.schemas import (
    RemainsCreateSchema,
    RemainsQuerySchema,
    RemainsUpdateSchema,
    identified_case_reference,
)
from casework.web import discard_changes

bp = Blueprint("remains", __name__, url_prefix="/remains")

PER_PAGE = 25
_FILTERS = ("status", "sex", "found_country", "page")

#: Pages of other domains about one remains record (shown when installed and allowed).
RELATED_PAGES = (
    ("candidates.for_remains", _l("Candidate cases"), "candidates.read"),
    ("dna.for_remains", _l("Post-mortem samples"), "dna.read"),
)
#: The identifications of the case the remains were identified as (once identified).
IDENTIFICATIONS_PAGE = (
    "identification.for_case",
    _l("Identifications of the case"),
    "identifications.read",
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "remains_status_labels": forms.STATUS_LABELS,
        "sex_labels": SEX_LABELS,
        "country_name": country_label,
    }


def _back_to(remains_id: uuid.UUID, anchor: str = "") -> Any:
    return redirect(to_message(url_for("remains.detail", remains_id=remains_id) + anchor), code=303)


def _related_links(remains: Remains, identified_case: str | None) -> list[dict[str, Any]]:
    actor = current_access().actor
    links = [
        {
            "url": url_for(endpoint, remains_id=remains.id),
            "label": label,
            "endpoint": endpoint,
        }
        for endpoint, label, action in RELATED_PAGES
        if endpoint in current_app.view_functions and can(actor, action)
    ]
    endpoint, label, action = IDENTIFICATIONS_PAGE
    if identified_case and endpoint in current_app.view_functions and can(actor, action):
        links.append(
            {
                "url": url_for(endpoint, reference=identified_case),
                "label": label,
                "endpoint": endpoint,
            }
        )
    return links


# --- list -------------------------------------------------------------------------------------


@bp.route("")
@login_required
@require(READ_REMAINS)
def index() -> Any:
    """Remains the actor may see, newest first; the filters are not personal data."""
    form = forms.FilterForm(formdata=request.args)
    raw = {k: v for k, v in request.args.items() if k in _FILTERS and v}
    raw["per_page"] = str(PER_PAGE)
    try:
        args = RemainsQuerySchema().load(raw)
    except ValidationError as exc:
        attach_errors(form, exc.messages_dict)
        return render_template(
            "remains/list.html", form=form, rows=[], total=0, page=1, pages=1, query={}
        ), 422
    access = current_access()
    filters = queries.RemainsFilters(
        status=args.get("status"), sex=args.get("sex"), found_country=args.get("found_country")
    )
    page = args["page"]
    items, total = queries.list_remains(access, filters, page, PER_PAGE)
    rows = access.read_page(REMAINS, items, view="remains_list", page=page)
    pages = max(1, -(-total // PER_PAGE))
    query = {k: v for k, v in raw.items() if k in ("status", "sex", "found_country")}
    return render_template(
        "remains/list.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        query=query,
        may_register=can(access.actor, WRITE_REMAINS),
    )


# --- registration and editing -----------------------------------------------------------------


def _checked(form: forms.RemainsForm, schema: Schema, payload: dict[str, Any]) -> Any:
    """The payload loaded by the API's schema, or None with every error shown next to its field
    at once: the schema's field errors and, in words, a range upside down (which the schema
    reports only once the other fields are valid, and by the API's field names)."""
    errors: dict[str, Any] = {}
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        errors = exc.messages_dict
    ranges = forms.range_errors(payload)
    if not errors and not ranges:
        return data
    attach_errors(form, {**errors, **ranges})
    return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require(WRITE_REMAINS)
def new() -> Any:
    form = forms.RemainsForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400 if "csrf_token" in form.errors else 422
        elif (data := _checked(form, RemainsCreateSchema(), forms.payload(form))) is None:
            status = 422
        else:
            access = current_access()
            try:
                remains = operations.create_remains(access.session, access.actor, data)
            except CaseworkError as exc:
                attach_errors(form, exc.fields)
                flash(exc.message, "error")
                status = exc.status
            else:
                flash(_("Remains %(reference)s recorded.", reference=remains.reference), "info")
                return _back_to(remains.id)
    return render_template("remains/new.html", form=form), status


@bp.route("/<uuid:remains_id>/edit", methods=["GET", "POST"])
@login_required
@require(WRITE_REMAINS)
def edit(remains_id: uuid.UUID) -> Any:
    access = current_access()
    if request.method == "GET":
        remains = queries.owned_remains_or_404(access, remains_id)
        loaded = forms.form_data(remains)
        base = fingerprints(loaded, forms.FIELDS, merge_key("remains-edit"))
        form = forms.RemainsForm(data={**loaded, "base": base})
        access.read(REMAINS, remains, view="edit")
        return render_template("remains/edit.html", form=form, remains=remains)

    form = forms.RemainsForm()
    remains = queries.owned_remains_or_404(access, remains_id, for_update=True)
    if not form.validate_on_submit():
        status = 400 if "csrf_token" in form.errors else 422
        return render_template("remains/edit.html", form=form, remains=remains), status
    payload = forms.payload(form)
    expected = version_of(form.version.data)
    if expected is None:
        # Without the version the user saw, saving could overwrite someone else's change.
        return _conflict(remains_id, payload, form.base.data)
    data = _checked(form, RemainsUpdateSchema(), payload)
    if data is None:
        return render_template("remains/edit.html", form=form, remains=remains), 422
    try:
        operations.update_remains(access.session, access.actor, remains, data, expected)
    except VersionConflict:
        return _conflict(remains_id, payload, form.base.data)
    except CaseworkError as exc:
        discard_changes()
        attach_errors(form, exc.fields)
        flash(exc.message, "error")
        return render_template("remains/edit.html", form=form, remains=remains), exc.status
    flash(_("Remains %(reference)s saved.", reference=remains.reference), "info")
    return _back_to(remains.id)


def _conflict(remains_id: uuid.UUID, payload: dict[str, Any], base: str | None) -> Any:
    """Someone saved first: show their version beside the user's, and a form that MERGES the
    two (casework.forms.merge): the colleague's value where only they changed a field, the
    user's where only the user did, the colleague's to review where both did."""
    discard_changes()
    access = current_access()
    current = queries.owned_remains_or_404(access, remains_id)
    theirs = forms.form_data(current)
    yours = forms.payload_as_form_data(payload, current.version)
    key = merge_key("remains-edit")
    merged, taken, _kept, both = merge(yours, theirs, base, forms.FIELDS, key)
    merged["version"] = str(current.version)
    merged["base"] = fingerprints(theirs, forms.FIELDS, key)  # the next save: against theirs
    # formdata=None: the form shows the merged values with the *current* version.
    form = forms.RemainsForm(formdata=None, data=merged)
    differing = [name for name in payload if yours.get(name, "") != theirs.get(name, "")]
    access.read(REMAINS, current, view="conflict")
    # The page shows the stored record, so its read is audited although the answer is a 409.
    g.commit_on_error = True
    return render_template(
        "remains/conflict.html",
        form=form,
        remains=current,
        yours=yours,
        theirs=theirs,
        differing=differing,
        taken=taken,
        both=both,
    ), 409


# --- the remains page -------------------------------------------------------------------------


@bp.route("/<uuid:remains_id>")
@login_required
@require(READ_REMAINS)
def detail(remains_id: uuid.UUID) -> Any:
    """The remains page: every field the actor may see, the status, and the pages of other
    domains about the remains. One audit event for everything shown."""
    access = current_access()
    remains = queries.remains_or_404(access, remains_id)
    owned = access.owns(REMAINS, remains)
    shown = access.read(REMAINS, remains, view="remains")
    may_write = owned and can(access.actor, WRITE_REMAINS)
    status_form = None
    if may_write and remains.status == RemainsStatus.identified:
        status_form = forms.StatusForm(version=str(remains.version))
    identified_case = identified_case_reference(remains)
    return render_template(
        "remains/detail.html",
        remains=shown,
        shows=shown.shows,
        identified_case=identified_case,
        may_edit=may_write,
        status_form=status_form,
        related=_related_links(remains, identified_case),
    )


@bp.route("/<uuid:remains_id>/status", methods=["POST"])
@login_required
@require(WRITE_REMAINS)
def change_status(remains_id: uuid.UUID) -> Any:
    """Identified remains handed over: identified → returned_to_family (version-checked)."""
    form = forms.StatusForm()
    access = current_access()
    remains = queries.owned_remains_or_404(access, remains_id, for_update=True)
    if not form.validate_on_submit():
        discard_changes()
        flash_errors(form.errors)
        return _back_to(remains_id)
    try:
        operations.update_remains(
            access.session,
            access.actor,
            remains,
            {"status": form.status.data or ""},
            version_of(form.version.data),
        )
    except CaseworkError as exc:
        discard_changes()
        flash(exc.message, "error")
        return _back_to(remains_id)
    flash(_("Remains marked as returned to the family."), "info")
    return _back_to(remains_id)
