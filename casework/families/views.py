"""Pages of the families domain: a case's family, a relative (contacts, consent, notifications),
the hotline look-up (a POST form: numbers never go into URLs) and the liaison worklist.

Every page that shows personal data reads it through the access gateway: one audit event per
page shown. Pages that change something look records up in the actor's organisation only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import Schema
from wtforms.fields.choices import SelectChoice

from casework import forms as page_forms
from casework.access import Shown
from casework.access.current import current_access
from casework.auth.context import acting
from casework.auth.policy import can, require
from casework.auth.queries import organisation_choices
from casework.cases.forms import STATUS_LABELS
from casework.cases.models import Case
from casework.cases.resources import CASE
from casework.categories import Category
from casework.db import utcnow
from casework.errors import CaseworkError
from casework.families import forms, lookups, operations, queries
from casework.families.models import Relative
from casework.families.policy import (
    CREATE_RELATIVE,
    ERASE_RELATIVE,
    GIVE_CONSENT,
    LOOKUP_RELATIVES,
    MANAGE_NOTIFICATIONS,
    READ_RELATIVES,
    READ_WORKLIST,
    UPDATE_RELATIVE,
    WITHDRAW_CONSENT,
    refuse_closing,
)
from casework.families.resources import RELATIVE
from casework.families.schemas import (
    ConsentCreateSchema,
    ConsentWithdrawSchema,
    EraseSchema,
    NoRelativeReachableSchema,
    NotificationCreateSchema,
    NotificationUpdateSchema,
    RelativeCreateSchema,
    RelativeUpdateSchema,
)
from casework.forms import version_of
from casework.web import db_session, discard_changes

bp = Blueprint("families", __name__)

#: What the relative page shows: contacts, consents and notifications.
RELATIVE_PAGE = (Category.family_contacts, Category.consent, Category.notifications)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "channel_labels": forms.CHANNEL_LABELS,
        "purpose_labels": forms.PURPOSE_LABELS,
        "scope_labels": forms.SCOPE_LABELS,
        "kind_labels": forms.KIND_LABELS,
        "outcome_labels": forms.OUTCOME_LABELS,
        "support_labels": forms.SUPPORT_LABELS,
        "country_name": page_forms.country_label,
        "language_name": page_forms.language_markup,
    }


# --- look-ups ---------------------------------------------------------------------------------


def _officer_choices(case: Case) -> list[SelectChoice]:
    users = queries.officers_of_organisation(db_session(), case.organisation_id)
    return [forms.BLANK] + [SelectChoice(str(u.id), u.email) for u in users]


def _shown_after_refusal() -> None:
    """A refused write shows the stored record again: drop what the write left behind, and keep
    the read's audit event although the answer is a 4xx."""
    discard_changes()
    g.commit_on_error = True


def _submit(
    form: FlaskForm,
    schema: Schema,
    payload: Callable[[], dict[str, Any]],
    write: Callable[[dict[str, Any]], Any],
) -> tuple[Any, int]:
    """A posted form: CSRF, then the API's schema, then the service.

    Returns (the service's result, 200), or (None, the error status) with the errors shown on
    the form. `payload` is called only once the CSRF token is good.
    """
    if not form.validate_on_submit():
        return None, page_forms.status_of(form)
    data = page_forms.load(schema, form, payload())
    if data is None:
        return None, 422
    try:
        return write(data), 200
    except CaseworkError as exc:
        return None, page_forms.refused(form, exc)


# --- the case's family ------------------------------------------------------------------------


def _family_page(case: Case, form: forms.RelativeForm, status: int = 200) -> Any:
    access = current_access()
    relatives, _total = queries.relatives_of_case(access, case.id, 1, 500)
    shown = access.read_page(
        RELATIVE, relatives, view="family_page", only=[Category.family_contacts]
    )
    owned = access.owns(CASE, case)
    return render_template(
        "families/family.html",
        case=case,
        relatives=shown,
        form=form,
        unreachable=forms.UnreachableForm(formdata=None),
        needs_notification=_needs_notification(case),
        can_add=owned and can(access.actor, CREATE_RELATIVE),
        can_manage=owned and can(access.actor, MANAGE_NOTIFICATIONS),
        status_label=STATUS_LABELS[case.status],
    ), status


def _needs_notification(case: Case) -> bool:
    return refuse_closing(db_session(), case) is not None


@bp.route("/cases/<reference>/family", methods=["GET"])
@login_required
@require(READ_RELATIVES)
def family(reference: str) -> Any:
    """A case's relatives, the form to add one, and the no-relative-reachable record."""
    return _family_page(
        lookups.visible_case(current_access(), reference), forms.RelativeForm(formdata=None)
    )


@bp.route("/cases/<reference>/family", methods=["POST"])
@login_required
@require(CREATE_RELATIVE)
def add_relative(reference: str) -> Any:
    case = lookups.owned_case(reference)
    form = forms.RelativeForm()
    relative, status = _submit(
        form,
        RelativeCreateSchema(),
        lambda: page_forms.payload(form, forms.RELATIVE_INPUT),
        lambda data: operations.create_relative(db_session(), acting(), case, data),
    )
    if relative is not None:
        flash(_("Relative added."), "info")
        return redirect(
            page_forms.to_message(url_for("families.relative", relative_id=relative.id))
        )
    _shown_after_refusal()
    return _family_page(case, form, status)


@bp.route("/cases/<reference>/family/no-relative-reachable", methods=["POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def no_relative_reachable(reference: str) -> Any:
    case = lookups.owned_case(reference)
    form = forms.UnreachableForm()
    if form.validate_on_submit():
        data = page_forms.load(
            NoRelativeReachableSchema(),
            form,
            page_forms.payload(form, ("no_relative_reachable_reason",), keep_empty=True),
        )
        if data is not None:
            operations.record_no_relative_reachable(
                db_session(), acting(), case, data["no_relative_reachable_reason"]
            )
            flash(_("Recorded: no relative could be reached."), "info")
            return redirect(
                page_forms.to_message(url_for("families.family", reference=case.reference))
            )
    flash(_("Give the reason no relative could be reached."), "error")
    return redirect(page_forms.to_message(url_for("families.family", reference=case.reference)))


# --- a relative -------------------------------------------------------------------------------


def _relative_page(
    relative: Relative,
    *,
    consent_form: forms.ConsentForm | None = None,
    notification_form: forms.NotificationForm | None = None,
    status: int = 200,
) -> Any:
    access = current_access()
    actor, session = access.actor, access.session
    shown: Shown[Relative] = access.read(
        RELATIVE, relative, view="relative_page", only=RELATIVE_PAGE
    )
    consents = (
        queries.consents_of_relative(session, relative.id, 1, 500)[0]
        if shown.shows(Category.consent)
        else []
    )
    notifications = (
        queries.notifications_of_relative(session, relative.id)
        if shown.shows(Category.notifications)
        else []
    )
    consent_form = consent_form or forms.ConsentForm(formdata=None)
    organisations = organisation_choices(session)
    consent_form.scope_organisation.choices = [forms.BLANK] + [
        SelectChoice(value, label) for value, label in organisations
    ]
    notification_form = notification_form or forms.NotificationForm(
        formdata=None, relative_id=str(relative.id), language=relative.preferred_language or ""
    )
    if shown.is_owned:
        notification_form.officer_id.choices = _officer_choices(relative.case)
    owned = shown.is_owned
    return render_template(
        "families/relative.html",
        organisation_labels=dict(organisations),
        relative=shown,
        case=relative.case,
        consents=consents,
        notifications=notifications,
        consent_form=consent_form,
        notification_form=notification_form,
        can_update=owned and can(actor, UPDATE_RELATIVE),
        can_consent=owned and can(actor, GIVE_CONSENT),
        can_withdraw=owned and can(actor, WITHDRAW_CONSENT),
        can_manage=owned and can(actor, MANAGE_NOTIFICATIONS),
        can_erase=owned and can(actor, ERASE_RELATIVE),
        today=utcnow().date(),
    ), status


@bp.route("/relatives/<uuid:relative_id>")
@login_required
@require(READ_RELATIVES)
def relative(relative_id: uuid.UUID) -> Any:
    """Contacts (the safety note first), consents and notifications of one relative."""
    return _relative_page(lookups.visible_relative(current_access(), relative_id))


@bp.route("/relatives/<uuid:relative_id>/edit", methods=["GET", "POST"])
@login_required
@require(UPDATE_RELATIVE)
def edit_relative(relative_id: uuid.UUID) -> Any:
    actor, session = acting(), db_session()
    rel = lookups.owned_relative(relative_id)
    if rel.is_erased:
        raise operations.RelativeErased(_("This relative was erased."))
    if request.method == "GET":
        current_access().read(RELATIVE, rel, view="edit_page", only=[Category.family_contacts])
        form = forms.RelativeForm(data=forms.relative_form_data(rel))
        return render_template(
            "families/relative_edit.html", relative=rel, form=form, version=rel.version
        )
    form = forms.RelativeForm()
    version = request.form.get("version", type=int)
    saved, status = _submit(
        form,
        RelativeUpdateSchema(),
        lambda: forms.relative_update_payload(form),
        lambda data: operations.update_relative(session, actor, rel, data, version),
    )
    if saved is not None:
        flash(_("Relative saved."), "info")
        return redirect(page_forms.to_message(url_for("families.relative", relative_id=rel.id)))
    # The form shows what the user sent, not the stored record: nothing is read.
    return render_template(
        "families/relative_edit.html", relative=rel, form=form, version=version
    ), status


@bp.route("/relatives/<uuid:relative_id>/consents", methods=["POST"])
@login_required
@require(GIVE_CONSENT)
def give_consent(relative_id: uuid.UUID) -> Any:
    rel = lookups.owned_relative(relative_id)
    form = forms.ConsentForm()
    consent, status = _submit(
        form,
        ConsentCreateSchema(),
        lambda: forms.consent_payload(form, rel),
        lambda data: operations.give_consent(db_session(), acting(), rel, data),
    )
    if consent is None:
        _shown_after_refusal()
        return _relative_page(rel, consent_form=form, status=status)
    flash(_("Consent recorded."), "info")
    return redirect(page_forms.to_message(url_for("families.relative", relative_id=rel.id)))


@bp.route("/consents/<uuid:consent_id>/withdraw", methods=["GET", "POST"])
@login_required
@require(WITHDRAW_CONSENT)
def withdraw_consent(consent_id: uuid.UUID) -> Any:
    actor, session = acting(), db_session()
    consent = queries.consent_or_404(session, actor, consent_id)
    form = forms.WithdrawForm()
    status = 200
    if request.method == "POST":
        withdrawn, status = _submit(
            form,
            ConsentWithdrawSchema(),
            lambda: page_forms.payload(form, ("reason",), keep_empty=True),
            lambda data: operations.withdraw_consent(session, actor, consent, data["reason"]),
        )
        if withdrawn is not None:
            flash(_("Consent withdrawn. It no longer allows any use, from now on."), "info")
            return redirect(
                page_forms.to_message(url_for("families.relative", relative_id=consent.relative_id))
            )
        _shown_after_refusal()
    shown = current_access().read(
        RELATIVE,
        consent.relative,
        view="withdraw_page",
        only=[Category.consent, Category.family_contacts],
    )
    return render_template(
        "families/withdraw.html", consent=consent, relative=shown, form=form
    ), status


@bp.route("/relatives/<uuid:relative_id>/notifications", methods=["POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def plan_notification(relative_id: uuid.UUID) -> Any:
    rel = lookups.owned_relative(relative_id)
    form = forms.NotificationForm()  # its officer choices are filled when the page is shown again
    planned, status = _submit(
        form,
        NotificationCreateSchema(),
        lambda: {
            **page_forms.payload(form, forms.PLAN_INPUT),
            "relative_id": str(rel.id),
        },
        lambda data: operations.plan_notification(db_session(), acting(), rel.case, data),
    )
    if planned is None:
        _shown_after_refusal()
        return _relative_page(rel, notification_form=form, status=status)
    flash(_("Notification planned."), "info")
    return redirect(page_forms.to_message(url_for("families.relative", relative_id=rel.id)))


@bp.route("/notifications/<uuid:notification_id>", methods=["GET", "POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def notification(notification_id: uuid.UUID) -> Any:
    """Record a delivery or an outcome, reschedule, or close out a follow-up."""
    actor, session = acting(), db_session()
    n = queries.notification_or_404(session, actor, notification_id)
    if request.method == "GET":
        form = forms.DeliveryForm(data=forms.delivery_form_data(n, actor.user_id, utcnow().date()))
    else:
        form = forms.DeliveryForm()
    form.officer_id.choices = _officer_choices(n.relative.case)
    status = 200
    if request.method == "POST":
        version = version_of(form.version.data)
        saved, status = _submit(
            form,
            NotificationUpdateSchema(),
            lambda: forms.delivery_payload(form, n),
            lambda data: operations.update_notification(session, actor, n, data, version),
        )
        if saved is not None:
            flash(_("Notification saved."), "info")
            return redirect(
                page_forms.to_message(url_for("families.relative", relative_id=n.relative_id))
            )
        _shown_after_refusal()
    # The page names the relative and shows the safety note (read through the gateway, after a
    # refused change too); the form shows what the user sent.
    shown = current_access().read(
        RELATIVE,
        n.relative,
        view="notification_page",
        only=[Category.notifications, Category.family_contacts],
    )
    return render_template("families/notification.html", n=n, relative=shown, form=form), status


@bp.route("/relatives/<uuid:relative_id>/erase", methods=["GET", "POST"])
@login_required
@require(ERASE_RELATIVE)
def erase(relative_id: uuid.UUID) -> Any:
    actor, session = acting(), db_session()
    rel = lookups.owned_relative(relative_id)
    form = forms.EraseForm()
    status = 200
    if request.method == "POST":
        erasure, status = _submit(
            form,
            EraseSchema(),
            lambda: {
                "confirm": bool(form.confirm.data),
                **page_forms.payload(form, ("note",), keep_empty=True),
            },
            lambda data: operations.erase_relative(session, actor, rel, data.get("note")),
        )
        if erasure is not None:
            flash(_("The relative's contacts were destroyed."), "info")
            return redirect(page_forms.to_message(url_for("families.relative", relative_id=rel.id)))
        _shown_after_refusal()
    shown = current_access().read(RELATIVE, rel, view="erase_page", only=[Category.family_contacts])
    return render_template("families/erase.html", relative=shown, form=form), status


# --- hotline look-up and worklist -----------------------------------------------------------


@bp.route("/relatives/lookup", methods=["GET", "POST"])
@login_required
@require(LOOKUP_RELATIVES)
def lookup() -> Any:
    """The hotline look-up: the number (or email) travels in the POST body, never the URL."""
    form = forms.LookupForm()
    results: list[Shown[Relative]] | None = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            phone = (form.phone.data or "").strip()
            email = (form.email.data or "").strip()
            region = (form.region.data or "").strip().upper() or None
            if bool(phone) == bool(email):
                form.phone.errors = [_("Give either a phone number or an email.")]
                status = 422
            else:
                access = current_access()
                try:
                    found = operations.lookup_relatives(
                        access.session,
                        access.actor,
                        phone=phone or None,
                        email=email or None,
                        region=region,
                    )
                except CaseworkError as exc:
                    status = page_forms.refused(form, exc)
                else:
                    results = access.read_page(
                        RELATIVE, found, view="lookup_page", only=[Category.family_contacts]
                    )
        else:
            status = page_forms.status_of(form)
    return render_template("families/lookup.html", form=form, results=results), status


@bp.route("/worklist")
@login_required
@require(READ_WORKLIST)
def worklist() -> Any:
    """Notifications due or overdue for the organisation, earliest first; overdue ones marked.
    Each row names the relative with their phone, language and safety note (read through the
    access gateway for this page's rows only); notification notes are never shown."""
    form = forms.WorklistForm(request.args)
    today = utcnow().date()
    due_before = today
    status = 200
    if form.due_before.data:
        try:
            due_before = dt.date.fromisoformat(form.due_before.data)
        except ValueError:
            form.due_before.errors = [_("Not a valid date.")]
            status = 422
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    per_page = 50
    items, total = queries.worklist(db_session(), acting(), due_before, page, per_page)
    # Whom to call and how: the relatives of this page's rows only, read through the gateway
    # (one audit event naming them).
    relatives = list({n.relative_id: n.relative for n in items}.values())
    people = {
        shown.id: shown
        for shown in current_access().read_page(
            RELATIVE, relatives, view="worklist", only=[Category.family_contacts], page=page
        )
    }
    return render_template(
        "families/worklist.html",
        form=form,
        people=people,
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        due_before=due_before,
        today=today,
    ), status
