"""Pages of the family's status page: the public `/family-status` (no sign-in: a relative enters
the code and secret and sees the case's stage and next step, in their language) and, for staff,
issuing the reporting relative's code with its printable notice.

The look-up's rules (same answer for anything wrong, throttling, audit) are in
`casework.families.family_access`. The answers here:

- a refused look-up, whatever was wrong: 401 and the form again with one message, the same
  page byte for byte apart from the CSRF token (nothing typed is shown back);
- a key that waits: 429 and the form with "try again later" (the same for a real code and an
  unknown one after as many tries, so it tells nothing either);
- an empty field or a bad CSRF token: 422 / 400 before any look-up (nothing is counted);
- the right code and secret: 200 and the stage, in the reporting relative's preferred language
  when it is one the pages are written in, else in the page's language (the switcher's choice,
  else the browser's). The switcher (`POST /language`) comes back to the blank form.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from casework.access.current import current_access
from casework.auth.context import acting, current_actor
from casework.auth.policy import can, require
from casework.categories import Category
from casework.families import family_access, lookups
from casework.families.policy import ISSUE_FAMILY_ACCESS
from casework.families.resources import RELATIVE
from casework.families.status_models import FamilyAccess
from casework.forms import CaseworkForm
from casework.i18n import direction
from casework.web import db_session, request_id, settings

bp = Blueprint("family_status", __name__)


class StatusForm(CaseworkForm):
    code = StringField(_l("Status code"), validators=[InputRequired(_l("Enter the status code."))])
    secret = StringField(_l("Secret"), validators=[InputRequired(_l("Enter the secret."))])
    submit = SubmitField(_l("Show the status"))


#: The confirmation's `replaces` when the case had no code.
NO_CODE = "none"


class IssueForm(CaseworkForm):
    # Which code the confirmation page showed (its row's id, or "none"): a confirmation
    # replaces that code only, so sending it again (a refresh of the notice, Back) issues
    # nothing.
    replaces = HiddenField()
    confirm = BooleanField(
        _l("I understand that the relative's current status code, if any, stops working."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Issue status code"))


def _status_page(form: StatusForm, status: int, message: Any = None) -> Any:
    return render_template("families/status.html", form=form, message=message), status


@bp.route("/family-status", methods=["GET"])
def family_status() -> Any:
    """The form: the code and the secret (public, no sign-in)."""
    return _status_page(StatusForm(formdata=None), 200)


@bp.route("/family-status", methods=["POST"])
def family_status_lookup() -> Any:
    """The look-up: the stage for the right code and secret, else one refusal for everything."""
    form = StatusForm()
    if not form.validate_on_submit():
        return _status_page(form, 400 if "csrf_token" in form.errors else 422)
    cfg = settings()
    outcome = family_access.lookup(
        db_session(),
        form.code.data,
        form.secret.data,
        address=request.remote_addr,
        policy=family_access.ThrottlePolicy(
            failures_per_code=cfg.family_status_failures_per_code,
            failures_per_address=cfg.family_status_failures_per_address,
            window_minutes=cfg.family_status_window_minutes,
        ),
        profile=cfg.password_hash_profile,
        request_id=request_id(),
    )
    # Nothing typed is shown back.
    blank = StatusForm(formdata=None)
    if outcome.stage is None:
        # The failure counts and the audit events are kept although the answer is a 4xx.
        g.commit_on_error = True
        if outcome.throttled:
            return _status_page(blank, 429, _l("Too many attempts. Please try again later."))
        message = _l(
            "The status code or the secret is not right, or the code no longer works. Check "
            "both and try again, or ask your liaison officer for a new code."
        )
        return _status_page(blank, 401, message)
    language = family_access.language_of(outcome.language) or _page_language()
    title, next_step = family_access.STAGES[outcome.stage]
    with force_locale(language):
        return render_template(
            "families/status.html",
            form=blank,
            message=None,
            stage_title=str(title),
            next_step=str(next_step),
        ), 200


def _page_language() -> str:
    return str(get_locale() or "en")


# --- staff: issuing the code ------------------------------------------------------------------


@bp.app_context_processor
def _issue_button() -> dict[str, Any]:
    def family_access_allowed(relative: Any) -> bool:
        """May the signed-in user issue this relative a status code (the relative page's
        button): their organisation's reporting relative, not erased, and the action's role."""
        try:
            return bool(
                can(current_actor(), ISSUE_FAMILY_ACCESS)
                and getattr(relative, "is_owned", False)
                and not relative.is_erased
                and relative.is_reporting_person
            )
        except AttributeError:  # family contacts not shown
            return False

    return {"family_access_allowed": family_access_allowed}


@bp.route("/relatives/<uuid:relative_id>/family-access", methods=["GET"])
@login_required
@require(ISSUE_FAMILY_ACCESS)
def issue_page(relative_id: uuid.UUID) -> Any:
    """The confirmation before a new code: it replaces the one the relative may hold."""
    relative = lookups.owned_relative(relative_id)
    if relative.is_erased or not relative.is_reporting_person:
        raise family_access.NoReportingRelative(
            _("A status code is issued to the relative who reported the disappearance only.")
        )
    shown = current_access().read(
        RELATIVE, relative, view="family_access_page", only=[Category.family_contacts]
    )
    current = (
        db_session()
        .scalars(select(FamilyAccess).where(FamilyAccess.case_id == relative.case_id))
        .one_or_none()
    )
    form = IssueForm(formdata=None, replaces=str(current.id) if current else NO_CODE)
    return render_template(
        "families/status_issue.html",
        relative=shown,
        case=relative.case,
        current=current,
        form=form,
    )


def _replaces(sent: str | None) -> object:
    """The code the confirmation was for: its row's id, None for "none"; anything else (no
    field, a malformed one) matches no code, so nothing is issued."""
    if sent == NO_CODE:
        return None
    try:
        return uuid.UUID(sent or "")
    except ValueError:
        return object()


@bp.route("/relatives/<uuid:relative_id>/family-access", methods=["POST"])
@login_required
@require(ISSUE_FAMILY_ACCESS)
def issue_code(relative_id: uuid.UUID) -> Any:
    """Issue the code and show its printable notice, once, in the relative's language."""
    session, cfg = db_session(), settings()
    relative = lookups.owned_relative(relative_id)
    form = IssueForm()
    if not form.validate_on_submit():
        status = 400 if "csrf_token" in form.errors else 422
        shown = current_access().read(
            RELATIVE, relative, view="family_access_page", only=[Category.family_contacts]
        )
        g.commit_on_error = True
        current = session.scalars(
            select(FamilyAccess).where(FamilyAccess.case_id == relative.case_id)
        ).one_or_none()
        return render_template(
            "families/status_issue.html",
            relative=shown,
            case=relative.case,
            current=current,
            form=form,
        ), status
    try:
        issued = family_access.issue(
            session,
            acting(),
            relative.case,
            relative,
            days=cfg.family_access_days,
            profile=cfg.password_hash_profile,
            replaces=_replaces(form.replaces.data),
        )
    except family_access.CodeChanged:
        # Sent again (a refresh of the notice, Back) or overtaken by another officer: the code
        # printed last keeps working.
        return render_template("families/status_changed.html", relative_id=relative.id), 409
    language = family_access.language_of(relative.preferred_language) or _page_language()
    # Only the printable notice is in the relative's language (its element carries lang and
    # dir); the page around it, navigation included, stays in the officer's.
    with force_locale(language):
        notice = render_template(
            "families/_family_notice.html",
            issued=issued,
            status_url=url_for("family_status.family_status", _external=True),
            stage_titles=list(dict.fromkeys(str(t) for t, _n in family_access.STAGES.values())),
            notice_language=language,
            notice_direction=direction(language),
        )
    return render_template(
        "families/status_notice.html",
        notice=Markup(notice),  # noqa: S704 - Jinja rendered it (autoescaped) above
        case=relative.case,
        relative_id=relative.id,
    )
