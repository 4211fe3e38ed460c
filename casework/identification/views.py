"""Pages of identifications: the list (those awaiting a second person first in sight), one case's
identifications, recording one, and one identification with the confirm and reject forms for a
second person (the recorder sees that it awaits someone else).

Pages that show personal data read it through the access gateway (one audit event per page
shown); decisions look the identification up in the actor's own organisation only.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from casework import forms as page_forms
from casework.access import Access
from casework.access.current import current_access
from casework.auth.context import acting
from casework.auth.policy import can, require
from casework.cases import queries as case_queries
from casework.cases.forms import STATUS_LABELS as CASE_STATUS_LABELS
from casework.cases.models import Case, CaseStatus
from casework.cases.policy import CHANGE_CASE_STATUS, allowed_targets
from casework.cases.resources import CASE
from casework.db import utcnow
from casework.dna.display import ratio_text
from casework.dna.resources import MATCH_REPORT
from casework.errors import CaseworkError
from casework.forms import attach_errors, version_of
from casework.identification import forms, operations, queries
from casework.identification.models import (
    Identification,
    IdentificationMethod,
    IdentificationStatus,
)
from casework.identification.policy import (
    READ_IDENTIFICATIONS,
    RECORD_IDENTIFICATIONS,
    REVIEW_IDENTIFICATIONS,
    awaits_second_person,
)
from casework.identification.resources import IDENTIFICATION
from casework.identification.schemas import IdentificationCreateSchema
from casework.remains import queries as remains_queries
from casework.remains.models import Remains, RemainsStatus
from casework.remains.resources import REMAINS
from casework.web import db_session, discard_changes

bp = Blueprint("identification", __name__)

PER_PAGE = 50
#: Most unidentified remains offered in the form's picker (newest first).
REMAINS_CHOICES = 200


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "method_labels": forms.METHOD_LABELS,
        "source_labels": forms.SOURCE_LABELS,
        "status_labels": forms.STATUS_LABELS,
        "report_status_labels": forms.REPORT_STATUS_LABELS,
        "link_to": _link_to,
    }


def _required_action(view: Any) -> str | None:
    seen: set[int] = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        action = getattr(view, "required_action", None)
        if action is not None:
            return action
        view = getattr(view, "__wrapped__", None)
    return None


def _link_to(endpoint: str, **values: Any) -> str | None:
    """The URL of another domain's page, or None when that page does not exist or the actor's
    role may not open it."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return None
    action = _required_action(view)
    if action is not None and not can(acting(), action):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _shown_after_refusal() -> None:
    """A refused write shows the page again: drop what the write left behind, and keep the
    read's audit event although the answer is a 4xx."""
    discard_changes()
    g.commit_on_error = True


def _refused(form: Any, exc: CaseworkError) -> int:
    """A refused write: nothing it wrote stays, the error goes next to its field."""
    _shown_after_refusal()
    attach_errors(form, exc.fields)
    flash(exc.message, "error")
    return exc.status


# --- lists ------------------------------------------------------------------------------------


@bp.route("/identifications")
@login_required
@require(READ_IDENTIFICATIONS)
def index() -> Any:
    """Identifications the actor may see, newest first; those awaiting a second person marked."""
    form = forms.FilterForm(request.args)
    status = form.status.data if form.status.data in IdentificationStatus.__members__ else None
    method = form.method.data if form.method.data in IdentificationMethod.__members__ else None
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    access = current_access()
    filters = queries.IdentificationFilters(
        status=IdentificationStatus(status) if status else None,
        method=IdentificationMethod(method) if method else None,
    )
    items, total = queries.list_identifications(access, filters, page, PER_PAGE)
    shown = access.read_page(IDENTIFICATION, items, view="identifications_page", page=page)
    return render_template(
        "identification/index.html",
        form=form,
        items=shown,
        total=total,
        page=page,
        per_page=PER_PAGE,
        filters={"status": status or "", "method": method or ""},
        user_id=access.actor.user_id,
        awaits_second_person=awaits_second_person,
        can_record=can(access.actor, RECORD_IDENTIFICATIONS),
        can_review=can(access.actor, REVIEW_IDENTIFICATIONS),
    )


@bp.route("/cases/<reference>/identifications")
@login_required
@require(READ_IDENTIFICATIONS)
def for_case(reference: str) -> Any:
    """One case's identifications, with a button to record one."""
    access = current_access()
    case = case_queries.visible_case_or_404(access, reference, reaching=IDENTIFICATION)
    items, _total = queries.identifications_of_case(access, case.id, 1, 500)
    shown = access.read_page(IDENTIFICATION, items, view="case_identifications_page")
    return render_template(
        "identification/for_case.html",
        case=case,
        items=shown,
        case_status_label=CASE_STATUS_LABELS[case.status],
        user_id=access.actor.user_id,
        awaits_second_person=awaits_second_person,
        can_record=access.owns(CASE, case) and can(access.actor, RECORD_IDENTIFICATIONS),
        can_review=access.owns(CASE, case) and can(access.actor, REVIEW_IDENTIFICATIONS),
    )


# --- recording --------------------------------------------------------------------------------


def _remains_label(remains: Remains) -> str:
    parts = [remains.reference]
    if remains.found_country:
        parts.append(remains.found_country)
    if remains.found_month:
        parts.append(remains.found_month.strftime("%Y-%m"))
    return " · ".join(parts)


def _fill_choices(access: Access, form: forms.IdentificationForm, case: Case) -> None:
    """The case's usable match reports and the organisation's unidentified remains (those of
    the reports and the one the page was opened with first); the read is audited."""
    reports = queries.usable_match_reports(access, case.id)
    shown = access.read_page(MATCH_REPORT, reports, view="identification_form") if reports else []
    form.match_report_id.choices = [forms.BLANK] + [
        SelectChoice(
            str(r.id),
            _(
                "%(lab)s · %(date)s · likelihood ratio %(ratio)s · remains %(remains)s · "
                "%(status)s",
                lab=getattr(r, "lab_report_reference", None) or "—",
                date=r.reported_date.isoformat(),
                ratio=ratio_text(r.likelihood_ratio),
                remains=r.remains.reference,
                status=forms.REPORT_STATUS_LABELS.get(r.status.value, r.status.value),
            ),
        )
        for r in shown
        if r.shows("dna_references")
    ]
    wanted: list[Remains] = [r.remains for r in reports]
    chosen = form.remains_id.data or request.args.get("remains")
    if chosen:
        with contextlib.suppress(CaseworkError):
            wanted.append(remains_queries.owned_remains_or_404(access, chosen))
    recent, _total = remains_queries.list_remains(
        access,
        remains_queries.RemainsFilters(status=RemainsStatus.unidentified.value),
        1,
        REMAINS_CHOICES,
    )
    offered = list({r.id: r for r in [*wanted, *recent] if access.owns(REMAINS, r)}.values())
    if offered:
        access.read_page(REMAINS, offered, view="identification_form")
    form.remains_id.choices = [forms.BLANK] + [
        SelectChoice(str(r.id), _remains_label(r)) for r in offered
    ]


def _new_page(case: Case | None, form: Any, status: int = 200) -> Any:
    if case is not None:
        _fill_choices(current_access(), form, case)
    return render_template(
        "identification/new.html",
        case=case,
        form=form,
        case_form=forms.CaseChoiceForm(request.args) if case is None else None,
    ), status


@bp.route("/identifications/new", methods=["GET"])
@login_required
@require(RECORD_IDENTIFICATIONS)
def new() -> Any:
    """The form to record an identification of one of the organisation's cases: first the case
    (its reference, or the link from the case's page), then the method and the evidence."""
    reference = (request.args.get("case") or "").strip()
    if not reference:
        return _new_page(None, None)
    case = case_queries.case_by_reference(db_session(), acting(), reference)
    if case is None:
        case_form = forms.CaseChoiceForm(request.args)
        case_form.case.errors = [_("No case of your organisation has this reference.")]
        return render_template(
            "identification/new.html", case=None, form=None, case_form=case_form
        ), 404
    remains = request.args.get("remains") or ""
    form = forms.IdentificationForm(
        formdata=None,
        case_reference=case.reference,
        remains_id=remains,
        source="local",
        identified_date=utcnow().date().isoformat(),
    )
    return _new_page(case, form)


@bp.route("/identifications/new", methods=["POST"])
@login_required
@require(RECORD_IDENTIFICATIONS)
def record() -> Any:
    form = forms.IdentificationForm()
    session, actor = db_session(), acting()
    case = case_queries.case_by_reference(session, actor, form.case_reference.data or "")
    if case is None:
        return _new_page(None, None, 404)
    if not form.validate_on_submit():
        _shown_after_refusal()
        return _new_page(case, form, 400 if "csrf_token" in form.errors else 422)
    try:
        data = IdentificationCreateSchema().load(
            page_forms.payload(form, forms.IDENTIFICATION_INPUT)
        )
    except ValidationError as exc:
        _shown_after_refusal()
        attach_errors(form, exc.messages)
        return _new_page(case, form, 422)
    try:
        ident = operations.record_identification(session, actor, data)
    except CaseworkError as exc:
        status = _refused(form, exc)
        case = case_queries.case_by_reference(session, actor, case.reference) or case
        return _new_page(case, form, status)
    flash(_("Identification recorded. A second person must now confirm or reject it."), "info")
    return redirect(page_forms.to_message(url_for("identification.detail", ident_id=ident.id)))


# --- one identification -----------------------------------------------------------------------


def _detail_page(
    ident: Identification,
    *,
    reject_form: forms.RejectForm | None = None,
    status: int = 200,
) -> Any:
    access = current_access()
    shown = access.read(IDENTIFICATION, ident, view="identification_page")
    actor = access.actor
    decidable = shown.is_owned and ident.status is IdentificationStatus.recorded
    may_review = decidable and can(actor, REVIEW_IDENTIFICATIONS)
    version = str(ident.version)
    # Once confirmed, the case may move to deceased_identified (on its own page): say so.
    case_may_follow = ident.status is IdentificationStatus.confirmed and (
        CaseStatus.deceased_identified in allowed_targets(ident.case.status)
    )
    return render_template(
        "identification/detail.html",
        ident=shown,
        case=ident.case,
        case_may_follow=case_may_follow,
        may_change_case_status=shown.is_owned and can(actor, CHANGE_CASE_STATUS),
        deceased_identified_label=CASE_STATUS_LABELS[CaseStatus.deceased_identified],
        awaiting_me=awaits_second_person(ident, actor.user_id) and may_review,
        may_decide=may_review and ident.recorded_by != actor.user_id,
        confirm_form=forms.ConfirmForm(formdata=None, version=version),
        reject_form=reject_form or forms.RejectForm(formdata=None, version=version),
        case_status_label=CASE_STATUS_LABELS[ident.case.status],
    ), status


@bp.route("/identifications/<uuid:ident_id>")
@login_required
@require(READ_IDENTIFICATIONS)
def detail(ident_id: uuid.UUID) -> Any:
    return _detail_page(queries.visible_identification_or_404(current_access(), ident_id))


@bp.route("/identifications/<uuid:ident_id>/confirm", methods=["POST"])
@login_required
@require(REVIEW_IDENTIFICATIONS)
def confirm(ident_id: uuid.UUID) -> Any:
    session, actor = db_session(), acting()
    ident = queries.owned_identification_or_404(current_access(), ident_id, for_update=True)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        _shown_after_refusal()
        flash(_("The form expired; please try again."), "error")
        return _detail_page(ident, status=400)
    try:
        operations.confirm_identification(session, actor, ident, version_of(form.version.data))
    except CaseworkError as exc:
        status = _refused(form, exc)
        ident = queries.owned_identification_or_404(current_access(), ident_id)
        return _detail_page(ident, status=status)
    flash(_("Identification confirmed."), "info")
    return redirect(page_forms.to_message(url_for("identification.detail", ident_id=ident.id)))


@bp.route("/identifications/<uuid:ident_id>/reject", methods=["POST"])
@login_required
@require(REVIEW_IDENTIFICATIONS)
def reject(ident_id: uuid.UUID) -> Any:
    session, actor = db_session(), acting()
    ident = queries.owned_identification_or_404(current_access(), ident_id, for_update=True)
    form = forms.RejectForm()
    if not form.validate_on_submit():
        _shown_after_refusal()
        flash(_("The form expired; please try again."), "error")
        return _detail_page(ident, reject_form=form, status=400)
    if not form.confirm.data:
        _shown_after_refusal()
        form.confirm.errors = [_("Tick the box to confirm the rejection.")]
        return _detail_page(ident, reject_form=form, status=422)
    try:
        operations.reject_identification(
            session, actor, ident, form.reason.data or "", version_of(form.version.data)
        )
    except CaseworkError as exc:
        status = _refused(form, exc)
        ident = queries.owned_identification_or_404(current_access(), ident_id)
        return _detail_page(ident, reject_form=form, status=status)
    flash(_("Identification rejected."), "info")
    return redirect(page_forms.to_message(url_for("identification.detail", ident_id=ident.id)))
