"""Pages of the families domain: a case's family, a relative (contacts, consent, notifications),
the hotline look-up (a POST form: numbers never go into URLs) and the liaison worklist."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from casework.auth.context import acting
from casework.auth.policy import can, require
from casework.cases import queries as case_queries
from casework.cases.forms import STATUS_LABELS
from casework.cases.models import Case
from casework.db import utcnow
from casework.errors import CaseworkError, Forbidden, NotFound
from casework.families import operations, queries
from casework.families.models import (
    ConsentPurpose,
    ContactChannel,
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationOutcome,
    Relative,
    SupportOffered,
)
from casework.families.policy import (
    CONSENT,
    CONTACTS,
    CREATE_RELATIVE,
    ERASE_RELATIVE,
    GIVE_CONSENT,
    LOOKUP_RELATIVES,
    MANAGE_NOTIFICATIONS,
    NOTIFICATIONS,
    READ_NOTIFICATIONS,
    READ_RELATIVES,
    READ_WORKLIST,
    UPDATE_RELATIVE,
    WITHDRAW_CONSENT,
    refuse_closing,
)
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
from casework.web import db_session

bp = Blueprint("families", __name__)


_BLANK = SelectChoice("", "—")


def _choices(enum_cls: Any, labels: dict[str, Any]) -> list[SelectChoice]:
    return [_BLANK] + [SelectChoice(m.value, labels.get(m.value, m.value)) for m in enum_cls]


def _select(label: Any, choices: list[SelectChoice]) -> SelectField:
    # The API's schema validates the value (one vocabulary, one message), not WTForms.
    return SelectField(label, choices=choices, validate_choice=False, default="")


CHANNEL_LABELS = {
    "in_person": _l("In person"),
    "phone": _l("Phone"),
    "video": _l("Video call"),
    "letter": _l("Letter"),
    "email": _l("Email"),
    "sms": _l("Text message"),
    "messaging_app": _l("Messaging app"),
    "other": _l("Other"),
}
PURPOSE_LABELS = {
    "contact": _l("Contact"),
    "tracing": _l("Tracing"),
    "identification": _l("Identification"),
    "dna": _l("DNA sample collection and comparison"),
}
KIND_LABELS = {
    "acknowledgement": _l("Acknowledgement"),
    "progress_update": _l("Progress update"),
    "dna_sample_request": _l("DNA sample request"),
    "identification": _l("Identification / death notification"),
    "repatriation": _l("Repatriation of remains"),
}
OUTCOME_LABELS = {
    "delivered": _l("Delivered"),
    "not_reached": _l("Not reached"),
    "declined": _l("Declined"),
    "rescheduled": _l("Rescheduled"),
}
SUPPORT_LABELS = {
    "none": _l("None"),
    "offered": _l("Offered"),
    "referred": _l("Referred"),
}
SCOPE_CHOICES = [
    SelectChoice("", _l("Only our organisation")),
    SelectChoice("any", _l("Any recipient")),
    SelectChoice("category:humanitarian", _l("Humanitarian organisations")),
    SelectChoice("category:national_authority", _l("National authorities")),
    SelectChoice("category:forensic_institute", _l("Forensic institutes")),
    SelectChoice("category:consulate", _l("Consulates")),
    SelectChoice("category:intergovernmental", _l("Intergovernmental organisations")),
]


# --- forms (field names are the API's) ------------------------------------------------------


class RelativeForm(FlaskForm):
    full_name = StringField(_l("Full name"))
    relationship = StringField(_l("Relationship to the missing person"))
    phone = StringField(_l("Phone"), render_kw={"type": "tel", "autocomplete": "off"})
    phone_region = StringField(
        _l("Country of a national phone number (ISO code, default your organisation's)"),
        render_kw={"maxlength": 2, "size": 3},
    )
    email = StringField(_l("Email"), render_kw={"type": "email", "autocomplete": "off"})
    address = TextAreaField(_l("Address"))
    preferred_language = StringField(_l("Preferred language (e.g. es, mam, ar)"))
    preferred_channel = _select(_l("Preferred channel"), _choices(ContactChannel, CHANNEL_LABELS))
    is_reporting_person = BooleanField(_l("Reported the disappearance"))
    safety_note = TextAreaField(_l("Safety note (e.g. do not call before 18:00)"))
    submit = SubmitField(_l("Save relative"), render_kw={"id": "submit"})


class ConsentForm(FlaskForm):
    purpose = _select(_l("Purpose"), _choices(ConsentPurpose, PURPOSE_LABELS))
    scope = _select(_l("May be shared with"), SCOPE_CHOICES)
    scope_organisation = StringField(_l("Or a partner organisation's id"))
    given_at = StringField(_l("Date given"), render_kw={"type": "date"})
    evidence_reference = StringField(_l("Evidence reference (e.g. signed form number)"))
    submit = SubmitField(_l("Record consent"), render_kw={"id": "submit-consent"})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the withdrawal"))
    submit = SubmitField(_l("Withdraw consent"), render_kw={"id": "submit-withdraw"})


class NotificationForm(FlaskForm):
    relative_id = StringField(render_kw={"type": "hidden"})
    kind = _select(_l("Kind"), _choices(NotificationKind, KIND_LABELS))
    planned_date = StringField(_l("Planned date"), render_kw={"type": "date"})
    channel = _select(_l("Channel"), _choices(NotificationChannel, CHANNEL_LABELS))
    officer_id = _select(_l("Officer who delivers it"), [_BLANK])
    language = StringField(_l("Language (e.g. es)"))
    support_offered = _select(_l("Psychosocial support"), _choices(SupportOffered, SUPPORT_LABELS))
    follow_up_due = StringField(_l("Follow-up due"), render_kw={"type": "date"})
    notes = TextAreaField(_l("Notes"))
    submit = SubmitField(_l("Plan notification"), render_kw={"id": "submit-notification"})


class DeliveryForm(FlaskForm):
    delivered_date = StringField(_l("Delivered on"), render_kw={"type": "date"})
    outcome = _select(_l("Outcome"), _choices(NotificationOutcome, OUTCOME_LABELS))
    planned_date = StringField(_l("Planned date (to reschedule)"), render_kw={"type": "date"})
    channel = _select(_l("Channel"), _choices(NotificationChannel, CHANNEL_LABELS))
    officer_id = _select(_l("Officer"), [_BLANK])
    language = StringField(_l("Language used"))
    support_offered = _select(_l("Psychosocial support"), _choices(SupportOffered, SUPPORT_LABELS))
    follow_up_due = StringField(_l("Follow-up due"), render_kw={"type": "date"})
    follow_up_completed = BooleanField(_l("Follow-up done"))
    notes = TextAreaField(_l("Notes"))
    version = StringField(render_kw={"type": "hidden"})
    submit = SubmitField(_l("Record"), render_kw={"id": "submit-delivery"})


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I confirm: destroy this relative's contacts for good"))
    note = TextAreaField(_l("Note on the request (kept with the case)"))
    submit = SubmitField(_l("Erase relative"), render_kw={"id": "submit-erase"})


class UnreachableForm(FlaskForm):
    no_relative_reachable_reason = TextAreaField(_l("Why no relative could be reached"))
    submit = SubmitField(_l("Record"), render_kw={"id": "submit-unreachable"})


class LookupForm(FlaskForm):
    phone = StringField(_l("Phone number"), render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("Or email"), render_kw={"type": "email", "autocomplete": "off"})
    region = StringField(
        _l("Country of a national number (ISO code, default your organisation's)"),
        render_kw={"maxlength": 2, "size": 3},
    )
    submit = SubmitField(_l("Find"), render_kw={"id": "submit"})


class WorklistForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter with a date: nothing personal, nothing written

    due_before = StringField(_l("Due by"), render_kw={"type": "date"})
    submit = SubmitField(_l("Show"), render_kw={"id": "submit"})


# --- helpers ----------------------------------------------------------------------------------

#: Form fields sent to the service, by form (the names are the API's).
_RELATIVE_INPUT = (*operations.RELATIVE_FIELDS, "phone_region")
_PLAN_INPUT = (
    "kind",
    "planned_date",
    "channel",
    "officer_id",
    "language",
    "support_offered",
    "follow_up_due",
    "notes",
)
_DELIVERY_INPUT = (
    "delivered_date",
    "outcome",
    "planned_date",
    "channel",
    "officer_id",
    "language",
    "support_offered",
    "follow_up_due",
    "follow_up_completed",
)


def _payload(form: FlaskForm, names: tuple[str, ...], *, keep_empty: bool = True) -> dict:
    """Form values as the API would receive them: blank text is null (or left out)."""
    data: dict[str, Any] = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip() or None
        if value is None and not keep_empty:
            continue
        data[name] = value
    return data


def _load(schema: Schema, form: FlaskForm, data: dict[str, Any]) -> dict[str, Any] | None:
    """Validate with the API's schema; errors go onto the form's fields (None when invalid)."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        _show_errors(form, exc.messages)
        return None


def _show_errors(form: FlaskForm, messages: Any) -> None:
    if not isinstance(messages, dict):
        flash(_("Some fields are invalid."), "error")
        return
    for name, msgs in messages.items():
        text = _flatten(msgs)
        if name in form:
            form[name].errors = list(form[name].errors or []) + text
        else:
            flash(" ".join(text), "error")


def _flatten(msgs: Any) -> list[str]:
    if isinstance(msgs, dict):
        return [m for v in msgs.values() for m in _flatten(v)]
    if isinstance(msgs, list | tuple):
        return [m for v in msgs for m in _flatten(v)]
    return [str(msgs)]


def _refused(form: FlaskForm, exc: CaseworkError) -> int:
    _show_errors(form, exc.fields)
    flash(exc.message, "error")
    return exc.status


def _case(reference: str) -> Case:
    case = case_queries.case_by_reference(db_session(), acting(), reference)
    if case is None:
        raise NotFound()
    return case


def _relative(relative_id: uuid.UUID) -> Relative:
    relative = queries.relative_for_actor(db_session(), relative_id, acting())
    if relative is None:
        raise NotFound()
    return relative


def _officer_choices(case: Case) -> list[SelectChoice]:
    users = queries.officers_of_organisation(db_session(), case.organisation_id)
    return [_BLANK] + [SelectChoice(str(u.id), u.email) for u in users]


def _status_of(form: FlaskForm) -> int:
    return 400 if "csrf_token" in form.errors else 422


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
        return None, _status_of(form)
    data = _load(schema, form, payload())
    if data is None:
        return None, 422
    try:
        return write(data), 200
    except CaseworkError as exc:
        return None, _refused(form, exc)


# --- the case's family ------------------------------------------------------------------------


@bp.route("/cases/<reference>/family", methods=["GET", "POST"])
@login_required
@require(READ_RELATIVES)
def family(reference: str) -> Any:
    """A case's relatives, the form to add one, and the no-relative-reachable record."""
    actor, session = acting(), db_session()
    case = _case(reference)
    form = RelativeForm()
    unreachable = UnreachableForm(formdata=None)
    status = 200
    if request.method == "POST":
        if not can(actor, CREATE_RELATIVE):
            raise Forbidden(_("Your role does not allow this action."))
        relative, status = _submit(
            form,
            RelativeCreateSchema(),
            lambda: _payload(form, _RELATIVE_INPUT, keep_empty=False),
            lambda data: operations.create_relative(session, actor, case, data),
        )
        if relative is not None:
            flash(_("Relative added."), "info")
            return redirect(url_for("families.relative", relative_id=relative.id))
    relatives, _total = queries.relatives_of_case(session, case.id, 1, 500)
    operations.record_relative_reads(session, actor, relatives, view="family_page")
    return render_template(
        "families/family.html",
        case=case,
        relatives=relatives,
        form=form,
        unreachable=unreachable,
        needs_notification=_needs_notification(case),
        can_add=can(actor, CREATE_RELATIVE),
        can_manage=can(actor, MANAGE_NOTIFICATIONS),
        channel_labels=CHANNEL_LABELS,
        status_label=STATUS_LABELS[case.status],
    ), status


def _needs_notification(case: Case) -> bool:
    return refuse_closing(db_session(), case) is not None


@bp.route("/cases/<reference>/family/no-relative-reachable", methods=["POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def no_relative_reachable(reference: str) -> Any:
    case = _case(reference)
    form = UnreachableForm()
    if form.validate_on_submit():
        data = _load(
            NoRelativeReachableSchema(), form, _payload(form, ("no_relative_reachable_reason",))
        )
        if data is not None:
            operations.record_no_relative_reachable(
                db_session(), acting(), case, data["no_relative_reachable_reason"]
            )
            flash(_("Recorded: no relative could be reached."), "info")
            return redirect(url_for("families.family", reference=case.reference))
    flash(_("Give the reason no relative could be reached."), "error")
    return redirect(url_for("families.family", reference=case.reference))


# --- a relative -------------------------------------------------------------------------------


def _relative_page(
    relative: Relative,
    *,
    consent_form: ConsentForm | None = None,
    notification_form: NotificationForm | None = None,
    status: int = 200,
) -> Any:
    actor, session = acting(), db_session()
    case = relative.case
    consents, _total = queries.consents_of_relative(session, relative.id, 1, 500)
    notifications = (
        queries.notifications_of_relative(session, relative.id)
        if can(actor, READ_NOTIFICATIONS)
        else []
    )
    consent_form = consent_form or ConsentForm(formdata=None)
    notification_form = notification_form or NotificationForm(
        formdata=None, relative_id=str(relative.id), language=relative.preferred_language or ""
    )
    notification_form.officer_id.choices = _officer_choices(case)
    operations.record_relative_reads(
        session,
        actor,
        [relative],
        view="relative_page",
        categories=[CONTACTS, CONSENT, NOTIFICATIONS],
    )
    return render_template(
        "families/relative.html",
        relative=relative,
        case=case,
        consents=consents,
        notifications=notifications,
        consent_form=consent_form,
        notification_form=notification_form,
        can_update=can(actor, UPDATE_RELATIVE),
        can_consent=can(actor, GIVE_CONSENT),
        can_withdraw=can(actor, WITHDRAW_CONSENT),
        can_manage=can(actor, MANAGE_NOTIFICATIONS),
        can_erase=can(actor, ERASE_RELATIVE),
        channel_labels=CHANNEL_LABELS,
        purpose_labels=PURPOSE_LABELS,
        scope_labels={c.value: c.label for c in SCOPE_CHOICES},
        kind_labels=KIND_LABELS,
        outcome_labels=OUTCOME_LABELS,
        support_labels=SUPPORT_LABELS,
        today=utcnow().date(),
    ), status


@bp.route("/relatives/<uuid:relative_id>")
@login_required
@require(READ_RELATIVES)
def relative(relative_id: uuid.UUID) -> Any:
    """Contacts (the safety note first), consents and notifications of one relative."""
    return _relative_page(_relative(relative_id))


@bp.route("/relatives/<uuid:relative_id>/edit", methods=["GET", "POST"])
@login_required
@require(UPDATE_RELATIVE)
def edit_relative(relative_id: uuid.UUID) -> Any:
    actor, session = acting(), db_session()
    rel = _relative(relative_id)
    if rel.is_erased:
        raise operations.RelativeErased(_("This relative was erased."))
    form = RelativeForm(
        data={
            "full_name": rel.full_name,
            "relationship": rel.relationship,
            "phone": rel.phone,
            "email": rel.email,
            "address": rel.address,
            "preferred_language": rel.preferred_language,
            "preferred_channel": rel.preferred_channel.value if rel.preferred_channel else "",
            "is_reporting_person": rel.is_reporting_person,
            "safety_note": rel.safety_note,
        }
        if request.method == "GET"
        else None
    )
    version = request.form.get("version", type=int) if request.method == "POST" else rel.version
    status = 200
    if request.method == "POST":
        saved, status = _submit(
            form,
            RelativeUpdateSchema(),
            lambda: _relative_update_payload(form),
            lambda data: operations.update_relative(session, actor, rel, data, version),
        )
        if saved is not None:
            flash(_("Relative saved."), "info")
            return redirect(url_for("families.relative", relative_id=rel.id))
    else:
        operations.record_relative_reads(session, actor, [rel], view="edit_page")
    return render_template(
        "families/relative_edit.html", relative=rel, form=form, version=version
    ), status


def _relative_update_payload(form: RelativeForm) -> dict[str, Any]:
    payload = _payload(form, _RELATIVE_INPUT)
    if not payload.get("phone_region"):
        payload.pop("phone_region")
    return payload


@bp.route("/relatives/<uuid:relative_id>/consents", methods=["POST"])
@login_required
@require(GIVE_CONSENT)
def give_consent(relative_id: uuid.UUID) -> Any:
    rel = _relative(relative_id)
    form = ConsentForm()
    consent, status = _submit(
        form,
        ConsentCreateSchema(),
        lambda: _consent_payload(form, rel),
        lambda data: operations.give_consent(db_session(), acting(), rel, data),
    )
    if consent is None:
        return _relative_page(rel, consent_form=form, status=status)
    flash(_("Consent recorded."), "info")
    return redirect(url_for("families.relative", relative_id=rel.id) + "#consents")


def _consent_payload(form: ConsentForm, rel: Relative) -> dict[str, Any]:
    payload = _payload(form, ("purpose", "given_at", "evidence_reference"), keep_empty=False)
    scope: list[dict[str, Any]] = []
    if form.scope.data:
        kind, _sep, value = form.scope.data.partition(":")
        scope.append({"kind": kind, "value": value or None})
    if (form.scope_organisation.data or "").strip():
        scope.append({"kind": "organisation", "value": form.scope_organisation.data.strip()})
    # Without a partner the consent covers only the organisation holding the case.
    payload["scope"] = scope or [{"kind": "organisation", "value": str(rel.case.organisation_id)}]
    return payload


@bp.route("/consents/<uuid:consent_id>/withdraw", methods=["GET", "POST"])
@login_required
@require(WITHDRAW_CONSENT)
def withdraw_consent(consent_id: uuid.UUID) -> Any:
    consent = queries.consent_for_actor(db_session(), consent_id, acting())
    if consent is None:
        raise NotFound()
    form = WithdrawForm()
    status = 200
    if request.method == "POST":
        withdrawn, status = _submit(
            form,
            ConsentWithdrawSchema(),
            lambda: _payload(form, ("reason",)),
            lambda data: operations.withdraw_consent(
                db_session(), acting(), consent, data["reason"]
            ),
        )
        if withdrawn is not None:
            flash(_("Consent withdrawn. It no longer allows any use, from now on."), "info")
            return redirect(
                url_for("families.relative", relative_id=consent.relative_id) + "#consents"
            )
    return render_template(
        "families/withdraw.html", consent=consent, form=form, purpose_labels=PURPOSE_LABELS
    ), status


@bp.route("/relatives/<uuid:relative_id>/notifications", methods=["POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def plan_notification(relative_id: uuid.UUID) -> Any:
    rel = _relative(relative_id)
    form = NotificationForm()  # its officer choices are filled when the page is shown again
    planned, status = _submit(
        form,
        NotificationCreateSchema(),
        lambda: {**_payload(form, _PLAN_INPUT, keep_empty=False), "relative_id": str(rel.id)},
        lambda data: operations.plan_notification(db_session(), acting(), rel.case, data),
    )
    if planned is None:
        return _relative_page(rel, notification_form=form, status=status)
    flash(_("Notification planned."), "info")
    return redirect(url_for("families.relative", relative_id=rel.id) + "#notifications")


@bp.route("/notifications/<uuid:notification_id>", methods=["GET", "POST"])
@login_required
@require(MANAGE_NOTIFICATIONS)
def notification(notification_id: uuid.UUID) -> Any:
    """Record a delivery or an outcome, reschedule, or close out a follow-up."""
    actor, session = acting(), db_session()
    n = queries.notification_for_actor(session, notification_id, actor)
    if n is None:
        raise NotFound()
    if request.method == "GET":
        form = DeliveryForm(
            data={
                "delivered_date": (n.delivered_date or utcnow().date()).isoformat(),
                "outcome": n.outcome.value if n.outcome else "delivered",
                "planned_date": n.planned_date.isoformat(),
                "channel": n.channel.value if n.channel else "",
                "officer_id": str(n.officer_id) if n.officer_id else str(actor.user_id),
                "language": n.language or "",
                "support_offered": n.support_offered.value if n.support_offered else "",
                "follow_up_due": n.follow_up_due.isoformat() if n.follow_up_due else "",
                "follow_up_completed": n.follow_up_completed,
                "notes": n.notes or "",
                "version": str(n.version),
            }
        )
        if n.notes_enc is not None:
            operations.record_relative_reads(
                session, actor, [n.relative], view="notification_page", categories=[NOTIFICATIONS]
            )
    else:
        form = DeliveryForm()
    form.officer_id.choices = _officer_choices(n.relative.case)
    status = 200
    if request.method == "POST":
        version = _version(form.version.data)
        saved, status = _submit(
            form,
            NotificationUpdateSchema(),
            lambda: _delivery_payload(form, n),
            lambda data: operations.update_notification(session, actor, n, data, version),
        )
        if saved is not None:
            flash(_("Notification saved."), "info")
            return redirect(
                url_for("families.relative", relative_id=n.relative_id) + "#notifications"
            )
    return render_template(
        "families/notification.html",
        n=n,
        form=form,
        kind_labels=KIND_LABELS,
        outcome_labels=OUTCOME_LABELS,
    ), status


def _delivery_payload(form: DeliveryForm, n: Notification) -> dict[str, Any]:
    payload = _payload(form, _DELIVERY_INPUT)
    if payload.get("outcome") in ("not_reached", "rescheduled"):
        payload["delivered_date"] = None  # the form pre-fills today's date
    if not n.relative.is_erased:
        payload["notes"] = (form.notes.data or "").strip() or None
    return payload


def _version(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


@bp.route("/relatives/<uuid:relative_id>/erase", methods=["GET", "POST"])
@login_required
@require(ERASE_RELATIVE)
def erase(relative_id: uuid.UUID) -> Any:
    rel = _relative(relative_id)
    form = EraseForm()
    status = 200
    if request.method == "POST":
        erasure, status = _submit(
            form,
            EraseSchema(),
            lambda: {"confirm": bool(form.confirm.data), **_payload(form, ("note",))},
            lambda data: operations.erase_relative(db_session(), acting(), rel, data.get("note")),
        )
        if erasure is not None:
            flash(_("The relative's contacts were destroyed."), "info")
            return redirect(url_for("families.relative", relative_id=rel.id))
    return render_template("families/erase.html", relative=rel, form=form), status


# --- hotline look-up and worklist -----------------------------------------------------------


@bp.route("/relatives/lookup", methods=["GET", "POST"])
@login_required
@require(LOOKUP_RELATIVES)
def lookup() -> Any:
    """The hotline look-up: the number (or email) travels in the POST body, never the URL."""
    form = LookupForm()
    results: list[Relative] | None = None
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
                try:
                    results = operations.lookup_relatives(
                        db_session(),
                        acting(),
                        phone=phone or None,
                        email=email or None,
                        region=region,
                    )
                except CaseworkError as exc:
                    status = _refused(form, exc)
        else:
            status = _status_of(form)
    return render_template("families/lookup.html", form=form, results=results), status


@bp.route("/worklist")
@login_required
@require(READ_WORKLIST)
def worklist() -> Any:
    """Notifications due or overdue for the organisation, earliest first; overdue ones marked."""
    form = WorklistForm(request.args)
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
    return render_template(
        "families/worklist.html",
        form=form,
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        due_before=due_before,
        today=today,
        kind_labels=KIND_LABELS,
        channel_labels=CHANNEL_LABELS,
        outcome_labels=OUTCOME_LABELS,
    ), status
