"""Pages of sharing: agreements (admins manage them), a case's share requests with their
decisions and reasons, the second approval and revocation, the partner's "Shared with us" pages,
and the exchange log with its CSV.

Thin views: parse the form, call the service of `operations` (the API's schemas validate the
input), render. Pages that show personal data read it through the access gateway (one audit
event per page); the partner's views go through `partner.read_shared_case` / `read_shared_list`
exactly like the API, so they are audited and logged in both exchange logs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms.fields.choices import SelectChoice

from casework import forms as page_forms
from casework.access import Access
from casework.access.current import current_access
from casework.auth.context import acting
from casework.auth.models import Organisation
from casework.auth.policy import can, require
from casework.auth.queries import organisations
from casework.cases import queries as case_queries
from casework.cases.forms import CUSTODY_LABELS as CUSTODY_STEP_LABELS
from casework.cases.forms import DOCUMENT_LABELS, EVENT_LABELS, SEX_LABELS
from casework.cases.models import Case
from casework.categories import Category
from casework.db import check_version, utcnow
from casework.dna.forms import SAMPLE_KIND_LABELS
from casework.errors import CaseworkError, InvalidInput
from casework.exchange import forms, operations, partner, policy, queries
from casework.exchange.api import csv_lines, log_filters
from casework.exchange.models import Agreement, Share, ShareStatus
from casework.exchange.resources import SHARE
from casework.exchange.schemas import (
    AgreementCreateSchema,
    AgreementUpdateSchema,
    ExchangeListArgs,
    ShareRequestSchema,
)
from casework.families import queries as family_queries
from casework.families.forms import PURPOSE_LABELS as CONSENT_PURPOSE_LABELS
from casework.families.resources import RELATIVE
from casework.forms import attach_errors, version_of
from casework.web import database, db_session, discard_changes

bp = Blueprint("exchange", __name__)

READ_AGREEMENTS = "agreements.read"
MANAGE_AGREEMENTS = "agreements.manage"
READ_SHARES = "shares.read"
REQUEST_SHARES = "shares.request"
APPROVE_SHARES = "shares.approve"
REVOKE_SHARES = "shares.revoke"
READ_SHARED = "shared.read"
READ_EXCHANGES = "exchanges.read"

PER_PAGE = 50
#: Share requests shown on a case's sharing page (newest first).
CASE_SHARES = 200


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "purpose_labels": forms.PURPOSE_LABELS,
        "category_labels": forms.CATEGORY_LABELS,
        "basis_labels": forms.BASIS_LABELS,
        "decision_labels": forms.DECISION_LABELS,
        "share_status_labels": forms.STATUS_LABELS,
        "end_reason_labels": forms.END_REASON_LABELS,
        "outcome_labels": forms.OUTCOME_LABELS,
        "rule_labels": forms.RULE_LABELS,
        "direction_labels": forms.DIRECTION_LABELS,
        "event_labels": forms.EVENT_LABELS,
        "org_kind_labels": forms.ORG_KIND_LABELS,
        "sex_labels": SEX_LABELS,
        "document_labels": DOCUMENT_LABELS,
        "case_event_labels": EVENT_LABELS,
        "sample_kind_labels": SAMPLE_KIND_LABELS,
        "custody_labels": CUSTODY_STEP_LABELS,
        "country_name": page_forms.country_label,
        "reason_text": reason_text,
        "purpose_field": forms.purpose_field,
        "purposes": [p.value for p in policy.Purpose],
    }


def reason_text(reason: dict[str, Any]) -> str:
    """A stored reason in words, translated from its code and the values stored with it
    (purposes, organisations, dates, numbers: never a personal value); a reason stored without
    them is shown as the English message recorded with the decision."""
    template = policy.MESSAGES.get(reason.get("code", ""))
    params = reason.get("params")
    if template is not None and ("%(" not in template or isinstance(params, dict)):
        try:
            return _(template, **(params or {}))
        except (KeyError, ValueError, TypeError):
            pass
    return str(reason.get("message") or reason.get("code") or "")


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))


def _shown_after_refusal() -> None:
    """A refused write shows the page again: drop what the write left behind, and keep the
    read's audit event although the answer is a 4xx."""
    discard_changes()
    g.commit_on_error = True


def _submit(
    form: FlaskForm,
    load: Callable[[], dict[str, Any]],
    write: Callable[[dict[str, Any]], Any],
) -> tuple[Any, int]:
    """CSRF, then the API's schema, then the service: (result, 200) or (None, error status)
    with the errors on the form (and nothing the write left behind kept)."""
    if not form.validate_on_submit():
        _shown_after_refusal()
        if "csrf_token" in form.errors:
            flash(_("The form expired; please try again."), "error")
        return None, page_forms.status_of(form)
    try:
        data = load()
    except ValidationError as exc:
        _shown_after_refusal()
        attach_errors(form, exc.messages)
        return None, 422
    try:
        return write(data), 200
    except CaseworkError as exc:
        _shown_after_refusal()
        return None, page_forms.refused(form, exc)


def _other_organisations(own: uuid.UUID | None) -> list[Organisation]:
    return [o for o in organisations(db_session()) if o.id != own]


def _organisation_choices(own: uuid.UUID | None) -> list[SelectChoice]:
    return [forms.BLANK] + [
        SelectChoice(
            str(o.id),
            f"{o.name} · {forms.ORG_KIND_LABELS.get(o.kind.value, o.kind.value)} · {o.country}",
        )
        for o in _other_organisations(own)
    ]


# --- agreements -------------------------------------------------------------------------------


@bp.route("/agreements")
@login_required
@require(READ_AGREEMENTS)
def agreements() -> Any:
    """The organisation's agreements (those it made and those naming it), newest first."""
    actor, page = acting(), _page_number()
    items, total = queries.agreements_page(db_session(), actor, page, PER_PAGE)
    return render_template(
        "exchange/agreements.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        own=actor.organisation_id,
        can_manage=can(actor, MANAGE_AGREEMENTS),
        today=utcnow().date(),
    )


def _new_agreement_page(form: forms.AgreementForm, status: int = 200) -> Any:
    form.partner_organisation_id.choices = _organisation_choices(acting().organisation_id)
    return render_template("exchange/agreement_form.html", form=form, agreement=None), status


@bp.route("/agreements/new", methods=["GET"])
@login_required
@require(MANAGE_AGREEMENTS)
def new_agreement() -> Any:
    form = forms.AgreementForm(formdata=None, valid_from=utcnow().date().isoformat())
    return _new_agreement_page(form)


@bp.route("/agreements/new", methods=["POST"])
@login_required
@require(MANAGE_AGREEMENTS)
def create_agreement() -> Any:
    session, actor = db_session(), acting()
    form = forms.AgreementForm()

    def load() -> dict[str, Any]:
        data = forms.terms_payload(form)
        if form.partner_organisation_id.data:
            data["partner_organisation_id"] = form.partner_organisation_id.data
        return AgreementCreateSchema().load(data)

    agreement, status = _submit(
        form, load, lambda data: operations.create_agreement(session, actor, data)
    )
    if agreement is None:
        return _new_agreement_page(form, status)
    flash(_("Agreement recorded (version 1)."), "info")
    return redirect(page_forms.to_message(url_for("exchange.agreement", agreement_id=agreement.id)))


def _may_change(agreement: Agreement) -> bool:
    actor = acting()
    ended = agreement.ended_on is not None and agreement.ended_on <= utcnow().date()
    return (
        agreement.organisation_id == actor.organisation_id
        and can(actor, MANAGE_AGREEMENTS)
        and not ended
    )


@bp.route("/agreements/<uuid:agreement_id>")
@login_required
@require(READ_AGREEMENTS)
def agreement(agreement_id: uuid.UUID) -> Any:
    """One agreement with every version of its terms."""
    session, actor = db_session(), acting()
    found = queries.agreement_or_404(session, actor, agreement_id)
    revisions = queries.revisions_of(session, found.id)
    return render_template(
        "exchange/agreement.html",
        agreement=found,
        revisions=list(reversed(revisions)),
        own=actor.organisation_id,
        may_change=_may_change(found),
        today=utcnow().date(),
    )


@bp.route("/agreements/<uuid:agreement_id>/edit", methods=["GET", "POST"])
@login_required
@require(MANAGE_AGREEMENTS)
def edit_agreement(agreement_id: uuid.UUID) -> Any:
    """Change the terms: a new version (the old terms are kept). Carries the version the page
    was loaded at: a change made meanwhile by someone else is refused (409)."""
    session, actor = db_session(), acting()
    if request.method == "GET":
        found = queries.owned_agreement_or_404(session, actor, agreement_id)
        form = forms.AgreementEditForm(
            formdata=None, version=str(found.version), **forms.terms_form_data(found.terms())
        )
        return render_template("exchange/agreement_form.html", form=form, agreement=found)
    found = queries.owned_agreement_or_404(session, actor, agreement_id, for_update=True)
    form = forms.AgreementEditForm()

    def load() -> dict[str, Any]:
        data = forms.terms_payload(form)
        data.setdefault("valid_to", None)
        return AgreementUpdateSchema().load(data)

    saved, status = _submit(
        form,
        load,
        lambda data: operations.update_agreement(
            session, actor, found, data, version_of(form.version.data)
        ),
    )
    if saved is None:
        return render_template("exchange/agreement_form.html", form=form, agreement=found), status
    flash(_("Agreement saved (version %(version)s).", version=saved.version), "info")
    return redirect(page_forms.to_message(url_for("exchange.agreement", agreement_id=saved.id)))


@bp.route("/agreements/<uuid:agreement_id>/end", methods=["GET", "POST"])
@login_required
@require(MANAGE_AGREEMENTS)
def end_agreement(agreement_id: uuid.UUID) -> Any:
    """End an agreement early, after a confirmation: it cannot be undone, and every share made
    under it ends on that day."""
    session, actor = db_session(), acting()
    if request.method == "GET":
        found = queries.owned_agreement_or_404(session, actor, agreement_id)
        form = forms.EndAgreementForm(
            formdata=None, version=str(found.version), ended_on=utcnow().date().isoformat()
        )
        return render_template("exchange/agreement_end.html", form=form, agreement=found)
    found = queries.owned_agreement_or_404(session, actor, agreement_id, for_update=True)
    form = forms.EndAgreementForm()

    def load() -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if not form.confirm.data:
            errors["confirm"] = [_("Tick the box to confirm: ending an agreement is final.")]
        if not (form.ended_on.data or "").strip():
            errors["ended_on"] = [_("Give the day the agreement ends.")]
        if errors:
            raise ValidationError(errors)
        return AgreementUpdateSchema().load({"ended_on": form.ended_on.data.strip()})

    saved, status = _submit(
        form,
        load,
        lambda data: operations.update_agreement(
            session, actor, found, data, version_of(form.version.data)
        ),
    )
    if saved is None:
        return render_template("exchange/agreement_end.html", form=form, agreement=found), status
    flash(_("The agreement was ended. Access given under it ends on that day."), "info")
    return redirect(page_forms.to_message(url_for("exchange.agreement", agreement_id=saved.id)))


# --- a case's shares --------------------------------------------------------------------------


def _consent_choices(access: Access, case: Case) -> list[SelectChoice]:
    """The case's family's consents that were not withdrawn, labelled by the relative's name,
    the purpose and the date (the relatives are read through the gateway: audited)."""
    rows, _total = family_queries.relatives_of_case(access, case.id, 1, 500)
    rows = [r for r in rows if not r.is_erased]
    if not rows:
        return [forms.BLANK]
    shown = access.read_page(
        RELATIVE,
        rows,
        view="share_form",
        only={Category.family_contacts, Category.consent},
    )
    choices = [forms.BLANK]
    for relative in shown:
        if not relative.shows(Category.consent):
            continue
        name = getattr(relative, "full_name", None) or _("a relative")
        consents, _count = family_queries.consents_of_relative(access.session, relative.id, 1, 100)
        for consent in consents:
            if consent.withdrawn_at is not None:
                continue
            purpose = CONSENT_PURPOSE_LABELS.get(consent.purpose.value, consent.purpose.value)
            label = _(
                "%(name)s · %(purpose)s · given %(date)s",
                name=name,
                purpose=purpose,
                date=consent.given_at.strftime("%Y-%m-%d"),
            )
            choices.append(SelectChoice(str(consent.id), label))
    return choices


def _case_page(
    case: Case,
    *,
    form: forms.ShareForm | None = None,
    decided: str | None = None,
    status: int = 200,
) -> Any:
    access = current_access()
    actor = access.actor
    items, total = queries.shares_of_case(access, case.id, 1, CASE_SHARES)
    shown = access.read_page(SHARE, items, view="case_sharing_page")
    decision = next((s for s in shown if str(s.id) == decided), None) if decided else None
    can_request = can(actor, REQUEST_SHARES) and not case.is_shredded
    if can_request:
        form = form or forms.ShareForm(formdata=None)
        form.recipient_organisation_id.choices = _organisation_choices(case.organisation_id)
        form.consent_id.choices = _consent_choices(access, case)
    return render_template(
        "exchange/case_shares.html",
        case=case,
        shares=shown,
        total=total,
        decision=decision,
        form=form if can_request else None,
        user_id=actor.user_id,
        can_approve=can(actor, APPROVE_SHARES),
        can_revoke=can(actor, REVOKE_SHARES),
        approve_form=forms.ApproveForm(formdata=None),
        live={ShareStatus.active, ShareStatus.pending_approval},
    ), status


@bp.route("/cases/<reference>/sharing", methods=["GET"])
@login_required
@require(READ_SHARES)
def case_shares(reference: str) -> Any:
    """The case's share requests, newest first, with their decisions and reasons; the form to
    request one."""
    case = case_queries.case_or_404(db_session(), acting(), reference)
    return _case_page(case, decided=request.args.get("decided"))


@bp.route("/cases/<reference>/sharing", methods=["POST"])
@login_required
@require(REQUEST_SHARES)
def request_share(reference: str) -> Any:
    """Ask to share categories of the case: decided at once by the privacy rules; the page
    shows the decision and every reason, a denied request too."""
    session, actor = db_session(), acting()
    case = case_queries.case_or_404(session, actor, reference, for_update=True)
    form = forms.ShareForm()
    share, status = _submit(
        form,
        lambda: ShareRequestSchema().load(forms.share_payload(form)),
        lambda data: operations.request_share(session, actor, case, data),
    )
    if share is None:
        return _case_page(case, form=form, status=status)
    messages = {
        policy.Decision.allowed: _("Share allowed: the recipient has access now."),
        policy.Decision.denied: _("Share denied: see the reasons below."),
        policy.Decision.pending_approval: _(
            "The share waits for a second person's approval before anything leaves."
        ),
    }
    flash(messages[share.decision], "error" if share.decision is policy.Decision.denied else "info")
    return redirect(
        page_forms.to_message(
            url_for("exchange.case_shares", reference=case.reference, decided=share.id)
        )
    )


def _owned_share(share_id: uuid.UUID, *, for_update: bool = False) -> Share:
    return queries.owned_share_or_404(current_access(), share_id, for_update=for_update)


@bp.route("/shares/<uuid:share_id>/approve", methods=["POST"])
@login_required
@require(APPROVE_SHARES)
def approve_share(share_id: uuid.UUID) -> Any:
    """The second person's approval: the rules are checked again as of now."""
    session, actor = db_session(), acting()
    share = _owned_share(share_id, for_update=True)
    form = forms.ApproveForm()

    def write(_data: dict[str, Any]) -> Share:
        check_version(share, version_of(form.version.data))
        return operations.approve_share(session, actor, share)

    approved, status = _submit(form, dict, write)
    if approved is None:
        return _case_page(_owned_share(share_id).case, status=status)
    if approved.status is ShareStatus.active:
        flash(_("Share approved: the recipient has access now."), "info")
    else:
        flash(_("Checked again on approval, the share is refused: see the reasons."), "error")
    return redirect(
        page_forms.to_message(
            url_for("exchange.case_shares", reference=approved.case.reference, decided=approved.id)
        )
    )


@bp.route("/shares/<uuid:share_id>/revoke", methods=["GET", "POST"])
@login_required
@require(REVOKE_SHARES)
def revoke_share(share_id: uuid.UUID) -> Any:
    """End a share, after a confirmation: the recipient's access ends at once (a share waiting
    for approval never starts)."""
    session, actor = db_session(), acting()
    if request.method == "GET":
        share = _owned_share(share_id)
        form = forms.RevokeForm(formdata=None, version=str(share.version))
        return render_template("exchange/revoke.html", share=share, form=form)
    share = _owned_share(share_id, for_update=True)
    form = forms.RevokeForm()

    def load() -> dict[str, Any]:
        if not form.confirm.data:
            raise ValidationError(
                {"confirm": [_("Tick the box to confirm that the recipient's access ends.")]}
            )
        return {"note": (form.note.data or "").strip() or None}

    def write(data: dict[str, Any]) -> Share:
        check_version(share, version_of(form.version.data))
        return operations.revoke_share(session, actor, share, data["note"])

    revoked, status = _submit(form, load, write)
    if revoked is None:
        share = _owned_share(share_id)
        return render_template("exchange/revoke.html", share=share, form=form), status
    flash(_("Share revoked: the recipient's access ended."), "info")
    return redirect(
        page_forms.to_message(
            url_for("exchange.case_shares", reference=revoked.case.reference, decided=revoked.id)
        )
    )


@bp.route("/shares/pending")
@login_required
@require(APPROVE_SHARES)
def pending_shares() -> Any:
    """Shares waiting for a second person's approval, oldest first."""
    access, page = current_access(), _page_number()
    items, total = queries.pending_shares(access, page, PER_PAGE)
    shown = access.read_page(SHARE, items, view="pending_shares_page", page=page)
    return render_template(
        "exchange/pending.html",
        items=shown,
        total=total,
        page=page,
        per_page=PER_PAGE,
        user_id=access.actor.user_id,
    )


# --- partner views ----------------------------------------------------------------------------


@bp.route("/shared-cases")
@login_required
@require(READ_SHARED)
def shared_cases() -> Any:
    """ "Shared with us": each case shared with the organisation that it may still read, with
    its owner, purposes, categories and when access ends (names only if identity was granted)."""
    access, page = current_access(), _page_number()
    session, actor = access.session, access.actor
    ids, total = queries.shared_case_ids_page(session, actor, page, PER_PAGE)
    shared = queries.shared_access(session, actor, ids)
    cases = queries.cases_in_order(access, ids)
    shown = partner.read_shared_list(access, cases, shared, "shared_cases_page", page)
    rows = [(s, shared[s.record.id]) for s in shown if s.record.id in shared]
    return render_template(
        "exchange/shared_cases.html", rows=rows, total=total, page=page, per_page=PER_PAGE
    )


@bp.route("/shared-cases/<reference>")
@login_required
@require(READ_SHARED)
def shared_case(reference: str) -> Any:
    """One case shared with the organisation: only the granted categories' sections."""
    access = current_access()
    case, shared = queries.shared_case_or_404(access.session, access.actor, reference)
    view = partner.read_shared_case(access, case, shared, "shared_case_page")
    granted = set(view.case.categories) & set(shared.categories)
    return render_template(
        "exchange/shared_case.html",
        case=view.case,
        shared=shared,
        purpose_names=", ".join(str(forms.PURPOSE_LABELS.get(p, p)) for p in shared.purposes),
        granted=granted,
        relatives=view.relatives if view.shows(Category.family_contacts) else [],
        dna_references=view.dna_references if view.shows(Category.dna_references) else [],
    )


# --- exchange log -----------------------------------------------------------------------------

#: The log's GET filters: form field → query parameter (as the API names them).
LOG_PARAMS = {
    "case": "case",
    "partner": "partner",
    "direction": "direction",
    "from_": "from",
    "to": "to",
}


def _log_args(form: forms.LogFilterForm) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The filters as the API's schema loads them (None and the errors on the form when one is
    not valid), and the query parameters that repeat them (pagination, CSV link)."""
    raw = {
        param: (request.args.get(param) or "").strip()
        for param in LOG_PARAMS.values()
        if (request.args.get(param) or "").strip()
    }
    try:
        args = ExchangeListArgs().load(raw)
    except ValidationError as exc:
        by_param = {param: name for name, param in LOG_PARAMS.items()}
        messages = exc.messages if isinstance(exc.messages, dict) else {}
        for param, msgs in messages.items():
            field = form[by_param[param]] if param in by_param else None
            if field is not None:
                field.errors = page_forms.flatten(msgs)
            else:
                flash(" ".join(page_forms.flatten(msgs)), "error")
        return None, raw
    return args, raw


def _log_form() -> forms.LogFilterForm:
    form = forms.LogFilterForm(
        formdata=None,
        case=request.args.get("case", ""),
        partner=request.args.get("partner", ""),
        direction=request.args.get("direction", ""),
        from_=request.args.get("from", ""),
        to=request.args.get("to", ""),
    )
    form.from_.name = "from"
    form.partner.choices = _organisation_choices(acting().organisation_id)
    return form


@bp.route("/exchanges")
@login_required
@require(READ_EXCHANGES)
def exchanges() -> Any:
    """The organisation's exchange log, newest first, with its filters and the CSV export."""
    form, page = _log_form(), _page_number()
    args, params = _log_args(form)
    items: list[Any] = []
    total, status = 0, 200
    if args is None:
        status = 422
    else:
        items, total = queries.log_page(db_session(), acting(), log_filters(args), page, PER_PAGE)
    return render_template(
        "exchange/exchanges.html",
        form=form,
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        params=params,
        valid=args is not None,
    ), status


def _csv_stream(db: Any, actor: Any, filters: queries.LogFilters) -> Iterator[str]:
    """The CSV lines, read in batches with a session of their own: the request's session is
    committed and closed before the body is sent, and this one is closed however the download
    ends (a body never read opens none)."""
    session = db.new_session()
    try:
        yield from csv_lines(queries.log_rows(session, actor, filters))
    finally:
        session.rollback()
        session.close()


@bp.route("/exchanges.csv")
@login_required
@require(READ_EXCHANGES)
def exchanges_csv() -> Any:
    """The same log as a CSV file for data-protection officers: references, organisations,
    purposes, categories, legal bases, decisions and times; no personal value."""
    args, _params = _log_args(_log_form())
    if args is None:
        raise InvalidInput(_("Some filters are invalid."))
    stamp = dt.date.today().isoformat()
    return Response(
        _csv_stream(database(), acting(), log_filters(args)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="exchange-log-{stamp}.csv"'},
    )
