"""Pages of the case registry: list and search, registration, case page, edit, status, link.

Searches by name are POST forms: personal data never appears in a URL.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from casework import registry
from casework.access.current import current_access
from casework.auth.context import acting
from casework.auth.policy import can, require
from casework.auth.queries import organisation_choices
from casework.cases import forms, operations, queries
from casework.cases.models import Case, ClosureReason
from casework.cases.policy import (
    CHANGE_CASE_STATUS,
    LINK_DUPLICATES,
    READ_CASES,
    WRITE_CASES,
    closure_reasons_for,
    targets_for,
)
from casework.cases.resources import CASE
from casework.cases.schemas import (
    CaseCreateSchema,
    CaseQuerySchema,
    CaseUpdateSchema,
    LinkDuplicateSchema,
    StatusChangeSchema,
    filters_from,
)
from casework.categories import Category
from casework.db import utcnow
from casework.errors import CaseworkError, InvalidInput, NotFound, VersionConflict
from casework.forms import (
    attach_errors,
    country_label,
    fingerprints,
    flatten,
    language_markup,
    merge,
    merge_key,
    to_message,
    version_of,
)
from casework.web import db_session, discard_changes

bp = Blueprint("cases", __name__, url_prefix="/cases")

PER_PAGE = 25
TIMELINE_LIMIT = 500
_FILTERS = (
    "status",
    "nationality",
    "last_seen_country",
    "last_seen_from",
    "last_seen_to",
    "vulnerability",
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_labels": forms.STATUS_LABELS,
        "closure_labels": forms.CLOSURE_LABELS,
        "closure_labels_by_value": {r.value: label for r, label in forms.CLOSURE_LABELS.items()},
        "sex_labels": forms.SEX_LABELS,
        "event_labels": forms.EVENT_LABELS,
        "vulnerability_labels": forms.VULNERABILITY_LABELS,
        "document_labels": forms.DOCUMENT_LABELS,
        "custody_labels": forms.CUSTODY_LABELS,
        "method_labels": forms.METHOD_LABELS,
        "country_name": country_label,
        # A format, never a real reference, as the placeholder of reference boxes.
        "reference_placeholder": f"{utcnow().year}-000000",
    }


@bp.app_template_filter("language_name")
def _language_name(tag: str) -> str:
    """A language tag by its name in the page's language (es: Spanish)."""
    return language_markup(tag)


@bp.app_template_filter("country_label")
def _country_label(code: str) -> str:
    """A country code by its name in the page's language (MX: Mexico)."""
    return country_label(code)


@bp.app_template_filter("case_field")
def _case_field(name: str) -> str:
    """A case field's name as pages show it (the timeline's "Updated: Date of birth, …")."""
    return forms.field_label(name)


def _case_or_404(reference: str, *, for_update: bool = False) -> Case:
    return queries.case_or_404(db_session(), acting(), reference, for_update=for_update)


def _case_form(**kwargs: Any) -> forms.CaseForm:
    """The case form, with the organisations a protection flag can name, chosen by name (the
    case's own organisation is not one of them)."""
    own = str(acting().organisation_id)
    others = [(i, name) for i, name in organisation_choices(db_session()) if i != own]
    return forms.CaseForm(organisations=others, **kwargs)


def _back_to(case_reference: str, anchor: str = "") -> Any:
    return redirect(
        to_message(url_for("cases.detail", reference=case_reference) + anchor), code=303
    )


# --- list and search ----------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@login_required
@require(READ_CASES)
def index() -> Any:
    """GET takes the non-personal filters only; a name search is POSTed (never in the URL)."""
    if request.method == "POST":
        form = forms.CaseSearchForm()
        raw = {k: v for k, v in request.form.items() if k in (*_FILTERS, "q", "page") and v}
    else:
        # Filled from the query string, but still carrying a CSRF token for the POST it leads to.
        form = forms.CaseSearchForm(formdata=request.args)
        raw = {k: v for k, v in request.args.items() if k in (*_FILTERS, "page") and v}
    raw["per_page"] = str(PER_PAGE)
    try:
        args = CaseQuerySchema().load(raw)
    except ValidationError as exc:
        attach_errors(form, exc.messages_dict)
        return render_template("cases/list.html", form=form, found=None, page=1), 422
    access = current_access()
    found = queries.search_cases(access, filters_from(args), args["page"], args["per_page"])
    rows = access.read_page(
        CASE,
        found.items,
        view="search" if args.get("q") else "list",
        only=(Category.identity, Category.circumstances),
        page=args["page"],
    )
    pages = max(1, -(-found.total // PER_PAGE))
    return render_template(
        "cases/list.html",
        form=form,
        found=found,
        rows=rows,
        page=args["page"],
        pages=pages,
        may_register=can(acting(), WRITE_CASES),
    )


# --- registration and editing -------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
@require(WRITE_CASES)
def new() -> Any:
    form = _case_form()
    status = 200
    if request.method == "POST":
        form.compact_rows()
        try:
            data = CaseCreateSchema().load(forms.case_payload(form))
            case = operations.create_case(db_session(), acting(), data)
        except ValidationError as exc:
            attach_errors(form, exc.messages_dict)
            status = 422
        except CaseworkError as exc:
            attach_errors(form, exc.fields)
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("Case %(reference)s registered.", reference=case.reference), "info")
            return _back_to(case.reference)
    form.add_blank_rows()
    return render_template("cases/new.html", form=form), status


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@login_required
@require(WRITE_CASES)
def edit(reference: str) -> Any:
    session = db_session()
    actor = acting()
    if request.method == "GET":
        case = _case_or_404(reference)
        loaded = forms.form_data(case)
        base = fingerprints(loaded, forms.MERGED, merge_key("case-edit"))
        form = _case_form(data={**loaded, "base": base})
        form.add_blank_rows()
        current_access().read(CASE, case, view="edit")
        return render_template("cases/edit.html", form=form, case=case)

    form = _case_form()
    form.compact_rows()
    case = _case_or_404(reference, for_update=True)
    payload = forms.case_payload(form)
    expected = version_of(form.version.data)
    if expected is None:
        # Without the version the user saw, saving could overwrite someone else's change.
        return _conflict(reference, payload, form.base.data)
    try:
        data = CaseUpdateSchema().load(payload)
        operations.update_case(session, actor, case, data, expected)
    except ValidationError as exc:
        attach_errors(form, exc.messages_dict)
        form.add_blank_rows()
        return render_template("cases/edit.html", form=form, case=case), 422
    except VersionConflict:
        return _conflict(reference, payload, form.base.data)
    except CaseworkError as exc:
        attach_errors(form, exc.fields)
        flash(exc.message, "error")
        form.add_blank_rows()
        return render_template("cases/edit.html", form=form, case=case), exc.status
    flash(_("Case %(reference)s saved.", reference=case.reference), "info")
    return _back_to(case.reference)


def _conflict(reference: str, payload: dict[str, Any], base: str | None) -> Any:
    """Someone saved first: show their version beside the user's, and a form that MERGES the
    two: where only the colleague changed a field, theirs; where only the user did, the user's;
    where both did, the colleague's, marked to review. Saving as offered never wipes the
    colleague's text."""
    discard_changes()
    current = _case_or_404(reference)
    theirs = forms.form_data(current)
    yours = forms.payload_as_form_data(payload, current.version)
    key = merge_key("case-edit")
    merged, taken, kept, both = merge(yours, theirs, base, forms.MERGED, key)
    merged["version"] = str(current.version)
    # The next save is compared with the current version.
    merged["base"] = fingerprints(theirs, forms.MERGED, key)
    # formdata=None: the form shows the merged values with the *current* version, not the
    # stale version the request carried.
    form = _case_form(formdata=None, data=merged)
    form.add_blank_rows()
    differing = [name for name in payload if _shown(yours.get(name)) != _shown(theirs.get(name))]
    current_access().read(CASE, current, view="conflict")
    # The page shows the stored record, so its read is audited although the answer is a 409.
    g.commit_on_error = True
    return render_template(
        "cases/conflict.html",
        form=form,
        case=current,
        yours=yours,
        theirs=theirs,
        differing=differing,
        taken=taken,
        kept=kept,
        both=both,
        shown=_shown,
    ), 409


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(
            " ".join(f"{v}" for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        )
    return "" if value is None else str(value)


# --- the case page ------------------------------------------------------------------------


@bp.route("/<reference>")
@login_required
@require(READ_CASES)
def detail(reference: str) -> Any:
    """The case page: the caller's organisation's case, or a case granted to it (then only the
    granted categories, and nothing to change). One audit event for everything shown."""
    return _case_page(reference)


def _case_page(
    reference: str,
    *,
    status_form: forms.StatusForm | None = None,
    link_form: forms.LinkDuplicateForm | None = None,
    code: int = 200,
) -> Any:
    """The case page, with fresh forms, or with a refused form as the user sent it (its errors
    next to its fields and summed up at its top). A refused form is answered with the page
    itself (`code`), not a redirect, so nothing the user chose or typed is lost; the page's
    read is audited all the same."""
    session = db_session()
    actor = acting()
    access = current_access()
    case = queries.visible_case_or_404(access, reference)
    owned = access.owns(CASE, case)
    writable = owned and not case.is_shredded
    duplicates = []
    if writable and can(actor, LINK_DUPLICATES) and case.duplicate_of_id is None:
        duplicates = queries.possible_duplicates(session, case)
    shown = access.read(CASE, case, view="case", related=[d.reference for d in duplicates])
    events, total_events = queries.timeline(session, case, 1, TIMELINE_LIMIT)
    targets = targets_for(actor, case.status)
    if writable and can(actor, CHANGE_CASE_STATUS) and targets:
        if status_form is None:
            # formdata=None: on a refused link the request's fields (its note) are not this
            # form's.
            status_form = forms.StatusForm(formdata=None, version=str(case.version))
        elif not status_form.version.data:
            status_form.version.data = str(case.version)
        # No action is pre-selected: a blank "Choose…" first, and the user picks the status.
        status_form.status.choices = forms.choices_of(
            [("", _("Choose…"))] + [(s.value, forms.STATUS_LABELS[s]) for s in targets]
        )
        status_form.closure_reason.choices = forms.choices_of(
            [("", "—")]
            + [(r.value, forms.CLOSURE_LABELS[r]) for r in closure_reasons_for(case.status)]
        )
    else:
        status_form = None
    if writable and can(actor, LINK_DUPLICATES) and case.duplicate_of_id is None:
        if link_form is None:
            link_form = forms.LinkDuplicateForm(formdata=None, version=str(case.version))
        elif not link_form.version.data:
            link_form.version.data = str(case.version)
    else:
        link_form = None
    org_ids = [f["value"] for f in case.protection_targets if f["kind"] == "organisation"]
    if code >= 400:
        g.commit_on_error = True  # the read's audit event (the refused change was discarded)
    return render_template(
        "cases/detail.html",
        case=shown,
        shows=shown.shows,
        is_owned=owned,
        events=events,
        more_events=total_events > len(events),
        status_form=status_form,
        link_form=link_form,
        may_close_as_duplicate=ClosureReason.duplicate in closure_reasons_for(case.status),
        duplicates=duplicates,
        organisation_names=queries.organisation_names(session, org_ids),
        may_edit=writable and can(actor, WRITE_CASES),
        warnings=registry.gather(registry.CASE_WARNINGS, session, case) if owned else [],
    ), code


def _refused(
    form: forms.CaseworkForm, messages: Any = None, exc: CaseworkError | None = None
) -> int:
    """The refusal's errors onto the form (the fields they name; the rest at the form's top);
    what was written is discarded. The page's status."""
    discard_changes()
    if exc is not None:
        messages = exc.fields
        form.form_errors.append(exc.message)
    if isinstance(messages, dict):
        placed = {k: v for k, v in messages.items() if k in form}
        rest = {k: v for k, v in messages.items() if k not in form}
        attach_errors(form, placed)
        form.form_errors.extend(flatten(rest))
    if isinstance(exc, VersionConflict):
        # Someone changed the case meanwhile: the page shows it as it is now, and the form
        # carries that version, with what the user chose.
        form.version.data = None
    return exc.status if exc is not None else 422


@bp.route("/<reference>/status", methods=["POST"])
@login_required
@require(CHANGE_CASE_STATUS)
def change_status(reference: str) -> Any:
    form = forms.StatusForm()
    case = _case_or_404(reference, for_update=True)
    raw: dict[str, Any] = {
        "status": form.status.data or "",
        "note": form.note.data or "",
        "closure_reason": form.closure_reason.data or None,
        "duplicate_of": (form.duplicate_of.data or "").strip() or None,
    }
    if not raw["status"]:
        message = {"status": [_("Choose the new status.")]}
        return _case_page(reference, status_form=form, code=_refused(form, message))
    try:
        data = StatusChangeSchema().load(raw)
        operations.change_status_as_asked(
            db_session(), acting(), case, data, version_of(form.version.data)
        )
    except ValidationError as exc:
        return _case_page(reference, status_form=form, code=_refused(form, exc.messages_dict))
    except CaseworkError as exc:
        return _case_page(reference, status_form=form, code=_refused(form, exc=exc))
    flash(_("Status changed."), "info")
    return _back_to(case.reference)


@bp.route("/<reference>/link-duplicate", methods=["POST"])
@login_required
@require(LINK_DUPLICATES)
def link_duplicate(reference: str) -> Any:
    form = forms.LinkDuplicateForm()
    session = db_session()
    raw = {"duplicate_reference": form.duplicate_reference.data or "", "note": form.note.data}
    try:
        data = LinkDuplicateSchema().load(raw)
        # A whole reference, or its end (000025, 25) when one case of the organisation has it.
        duplicate_ref = queries.own_reference(
            session, acting(), data["duplicate_reference"], field="duplicate_reference"
        ) or queries.normalise_reference(data["duplicate_reference"])
        found = queries.cases_for_update(session, acting(), [reference, duplicate_ref])
        survivor = found.get(queries.normalise_reference(reference))
        if survivor is None:
            raise NotFound(_("No such case."))
        duplicate = found.get(duplicate_ref)
        if duplicate is None:
            raise InvalidInput(
                _("There is no case with that reference in your organisation."),
                {"duplicate_reference": [_("No case of your organisation has this reference.")]},
            )
        operations.link_duplicate(
            session, acting(), survivor, duplicate, data["note"], version_of(form.version.data)
        )
    except ValidationError as exc:
        return _case_page(reference, link_form=form, code=_refused(form, exc.messages_dict))
    except NotFound:
        raise
    except CaseworkError as exc:
        return _case_page(reference, link_form=form, code=_refused(form, exc=exc))
    flash(
        _("Case %(duplicate)s closed as a duplicate of this case.", duplicate=duplicate.reference),
        "info",
    )
    return _back_to(survivor.reference)
