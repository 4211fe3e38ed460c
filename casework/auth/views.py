"""Pages of the auth domain: login, logout, and the admin's user management."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from casework.auth import mfa, operations, queries, signin, throttle
from casework.auth.context import current_actor
from casework.auth.models import Role, RoleRequest, User
from casework.auth.policy import CHANGE_OWN_PASSWORD, MANAGE_USERS, READ_SELF, require
from casework.errors import CaseworkError, NotFound
from casework.web import db_session, discard_changes, request_id, settings

bp = Blueprint("auth", __name__)


def to_message(url: str) -> str:
    """A redirect after a POST goes to the flashed message (`#messages`, at the top of the
    page) when there is one (as casework.forms.to_message, which this layer cannot import)."""
    return url + "#messages" if session.get("_flashes") else url


#: Roles as pages name them (never the raw code such as focal_point).
ROLE_LABELS = {
    Role.admin: _l("Administrator"),
    Role.focal_point: _l("Focal point"),
    Role.family_liaison: _l("Family liaison officer"),
    Role.forensic: _l("Forensic specialist"),
    Role.partner: _l("Partner"),
    Role.auditor: _l("Auditor"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class NewUserForm(FlaskForm):
    # The address is checked by operations.normalise_email (wtforms' Email() needs a package
    # casework does not install).
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    # No role is chosen for the admin: a blank first choice, and a role is required.
    role = SelectField(
        _l("Role"),
        choices=[("", _l("Choose…"))] + [(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose a role."))],
        default="",
    )
    password = PasswordField(
        _l("Initial password"),
        description=_l(
            "At least 12 characters; not a common password; not containing the email address."
        ),
        validators=[DataRequired(), Length(max=1024)],
    )
    submit = SubmitField(_l("Create user"))


class UserStatusForm(FlaskForm):
    is_active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    submit = SubmitField(_l("Change role"))


class DecisionForm(FlaskForm):
    """Approve or reject a role request: the CSRF token and the button pressed."""


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l(
            "At least 12 characters; not a common password; not containing your email address."
        ),
        validators=[DataRequired(), Length(max=1024)],
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


def _password_problem_text(code: str) -> str:
    """Why a password was refused, in the reader's language."""
    texts = {
        "too_short": _("At least 12 characters."),
        "too_long": _("At most 1024 characters."),
        "common": _("This password is on a list of common passwords."),
        "contains_email": _("The password may not contain the email address."),
    }
    return texts.get(code, _("This password is not acceptable."))


def _show_errors(form: FlaskForm, exc: CaseworkError) -> None:
    """A refused change: its field errors next to the fields, its message at the top."""
    problems = exc.extra.get("problems") or []
    for name, msgs in exc.fields.items():
        if name in form:
            if problems and "password" in name:
                form[name].errors = [_password_problem_text(p) for p in problems]
            else:
                form[name].errors = list(msgs)
    if problems:
        flash(_("The password is not acceptable."), "error")
    else:
        flash(exc.message, "error")


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target:
        return url_for("home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home")
    if "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        s = db_session()
        cfg = settings()
        step = signin.password_step(
            s,
            form.email.data.strip().lower(),
            form.password.data,
            address=request.remote_addr,
            secret_key=cfg.secret_key or "",
            policy=_throttle_policy(),
            request_id=request_id(),
        )
        if step.retry_after:
            return _too_many("auth/login.html", form, step.retry_after)
        if step.user is None:
            # Commit the failure count and its events even though the answer is an error.
            s.commit()
            flash(_("Email or password is not correct."), "error")
            return render_template("auth/login.html", form=form), 401
        user = step.user
        target = safe_next(request.args.get("next"))
        # Regenerate: drop everything of the anonymous session.
        session.clear()
        if mfa.is_enrolled(s, user.id) or mfa.required_for(user.role):
            stage = "code" if mfa.is_enrolled(s, user.id) else "enrol"
            if stage == "enrol":
                mfa.discard_unconfirmed(s, user.id)
            session[PENDING] = {"uid": str(user.id), "at": int(time.time()), "next": target}
            session[PENDING_STAGE] = stage
            return redirect(url_for("auth.mfa_code" if stage == "code" else "auth.mfa_enrol"))
        return redirect(_finish_sign_in(s, user, step.keys, "none", target))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    sid = session.get("sid")
    if sid:
        user = current_user if current_user.is_authenticated else None
        signin.sign_out(db_session(), user, sid, request_id())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
@require(MANAGE_USERS)
def users():
    actor = current_actor()
    form = NewUserForm()
    s = db_session()
    status = 200
    if form.validate_on_submit():
        try:
            made = operations.request_user(
                s, actor, form.email.data, form.password.data, form.role.data
            )
        except CaseworkError as exc:
            discard_changes()
            _show_errors(form, exc)
            status = exc.status
        else:
            if isinstance(made, RoleRequest):
                flash(_("The account waits for a second admin to approve its role."), "info")
                return redirect(to_message(url_for("auth.role_requests")))
            flash(_("User created."), "info")
            return redirect(to_message(url_for("auth.users")))
    elif request.method == "POST":
        # A bad CSRF token is a bad request; a field left blank or invalid is a 422.
        status = 400 if "csrf_token" in form.errors else 422
    rows = queries.users_of_organisation(s, actor.organisation_id)
    pending = queries.pending_role_requests(s, actor.organisation_id)
    return render_template(
        "auth/users.html",
        form=form,
        users=rows,
        pending=pending,
        format_datetime=format_datetime,
    ), status


def _user_of_organisation(user_id: str):
    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        raise NotFound() from None
    user = queries.user_in_organisation(db_session(), uid, current_actor().organisation_id)
    if user is None:
        raise NotFound()
    return user


def _render_user(user, form=None, role_form=None, status: int = 200):
    s = db_session()
    return render_template(
        "auth/user.html",
        user=user,
        form=form or UserStatusForm(is_active=user.is_active, formdata=None),
        role_form=role_form or RoleForm(role=user.role.value, formdata=None),
        pending=queries.pending_role_requests(s, user.organisation_id, user_id=user.id),
    ), status


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
@login_required
@require(MANAGE_USERS)
def user_detail(user_id: str):
    actor = current_actor()
    user = _user_of_organisation(user_id)
    form = UserStatusForm(is_active=user.is_active)
    if form.validate_on_submit():
        if user.id == actor.user_id and not form.is_active.data:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            operations.set_user_active(db_session(), user, bool(form.is_active.data), actor=actor)
            flash(_("Saved."), "info")
            return redirect(to_message(url_for("auth.user_detail", user_id=user.id)))
    return _render_user(user, form=form)


@bp.route("/admin/users/<user_id>/role", methods=["POST"])
@login_required
@require(MANAGE_USERS)
def change_role(user_id: str):
    actor = current_actor()
    user = _user_of_organisation(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_user(user, role_form=form, status=400)
    try:
        made = operations.change_role(db_session(), actor, user, form.role.data)
    except CaseworkError as exc:
        discard_changes()
        _show_errors(form, exc)
        return _render_user(user, role_form=form, status=exc.status)
    if isinstance(made, RoleRequest):
        flash(_("The new role waits for a second admin's approval."), "info")
    else:
        flash(_("Role changed."), "info")
    return redirect(to_message(url_for("auth.user_detail", user_id=user.id)))


@bp.route("/admin/role-requests")
@login_required
@require(MANAGE_USERS)
def role_requests():
    """Requests for the admin and auditor roles, waiting for a second admin."""
    actor = current_actor()
    rows = queries.pending_role_requests(db_session(), actor.organisation_id)
    return render_template(
        "auth/role_requests.html",
        requests=rows,
        form=DecisionForm(),
        format_datetime=format_datetime,
    )


@bp.route("/admin/role-requests/<request_id>/<decision>", methods=["POST"])
@login_required
@require(MANAGE_USERS)
def decide_role_request(request_id: str, decision: str):
    actor = current_actor()
    try:
        rid = uuid.UUID(request_id)
    except ValueError:
        raise NotFound() from None
    if decision not in ("approve", "reject"):
        raise NotFound()
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(to_message(url_for("auth.role_requests")))
    try:
        if decision == "approve":
            operations.approve_role_request(db_session(), actor, rid)
            flash(_("Role approved."), "info")
        else:
            operations.reject_role_request(db_session(), actor, rid)
            flash(_("Role request rejected."), "info")
    except operations.FourEyesRequired:
        discard_changes()
        flash(_("A second admin must approve this role: not the one who asked for it."), "error")
        return render_template(
            "auth/role_requests.html",
            requests=queries.pending_role_requests(db_session(), actor.organisation_id),
            form=DecisionForm(formdata=None),
            format_datetime=format_datetime,
        ), 409
    except CaseworkError as exc:
        discard_changes()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(to_message(url_for("auth.role_requests")))
    return redirect(to_message(url_for("auth.role_requests")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@require(CHANGE_OWN_PASSWORD)
def change_password():
    """The signed-in user changes their password; their other sessions end."""
    actor = current_actor()
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        s = db_session()
        user = s.get(User, actor.user_id)
        try:
            operations.change_password(
                s,
                user,
                form.current_password.data,
                form.new_password.data,
                actor=actor,
                keep_session=session.get("sid"),
            )
        except CaseworkError as exc:
            discard_changes()
            _show_errors(form, exc)
            status = exc.status
        else:
            flash(_("Your password is changed. Your other sessions have ended."), "info")
            return redirect(url_for("home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status


# --- two-step sign-in (TOTP) ------------------------------------------------------------------

#: The signed session cookie carries a sign-in whose password step passed, for this long.
PENDING = "pending_sign_in"
PENDING_STAGE = "pending_stage"
PENDING_SECONDS = 300
#: Set in the session when its sign-in passed a second factor (required roles need it).
MFA_DONE = "mfa"


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The 6-digit code from your authenticator app, or a recovery code."),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The 6-digit code your authenticator app shows now."),
        validators=[DataRequired(), Length(max=32)],
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class MfaResetForm(FlaskForm):
    """Reset another user's second factor: the CSRF token and the button."""


def _throttle_policy() -> throttle.Policy:
    cfg = settings()
    return throttle.Policy(
        max_failures=cfg.login_max_failures,
        window_minutes=cfg.login_failure_window_minutes,
        cap_minutes=cfg.login_lockout_minutes,
    )


def _too_many(template: str, form: FlaskForm, seconds: int):
    flash(_("Too many failed attempts. Try again in a few minutes."), "error")
    return render_template(template, form=form), 429, {"Retry-After": str(max(1, seconds))}


def _pending_user(s, stage: str) -> User | None:
    """The user whose password step passed in this browser, if it is recent and at `stage`."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or session.get(PENDING_STAGE) != stage:
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    try:
        user = s.get(User, uuid.UUID(str(pending.get("uid"))))
    except ValueError:
        return None
    return user if user is not None and user.is_active else None


def _finish_sign_in(s, user: User, keys, second_factor: str, target: str | None = None) -> str:
    """Start the signed-in session (a new identifier) and say where to go next."""
    pending = session.get(PENDING)
    target = target or (pending.get("next") if isinstance(pending, dict) else None)
    session.clear()
    session["sid"] = signin.complete(
        s, user, keys, second_factor=second_factor, request_id=request_id()
    )
    session[MFA_DONE] = second_factor != "none"
    session.permanent = True
    login_user(user)
    return safe_next(target)


@bp.route("/login/code", methods=["GET", "POST"])
def mfa_code():
    s = db_session()
    user = _pending_user(s, "code")
    if user is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        cfg = settings()
        keys = throttle.keys_for(cfg.secret_key or "", user.email, request.remote_addr)
        wait = throttle.retry_after(s, keys)
        if wait:
            return _too_many("auth/mfa_code.html", form, wait)
        used = mfa.check_code(s, user, form.code.data, request_id=request_id())
        if used is not None:
            return redirect(_finish_sign_in(s, user, keys, used))
        # mfa.check_code recorded auth.mfa_failure; count it against the keys.
        signin.failed(
            s,
            user,
            keys,
            _throttle_policy(),
            action="",
            reason="mfa",
            request_id=request_id(),
        )
        s.commit()
        flash(_("The code is not correct, has expired or was already used."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/mfa_code.html", form=form), status


@bp.route("/mfa/enrol", methods=["GET", "POST"])
def mfa_enrol():
    """Set up the second factor: at the first sign-in of a role that requires it (before
    anything else), or later from the account's page for the others."""
    s = db_session()
    signing_in = _pending_user(s, "enrol")
    user = signing_in or (current_user if current_user.is_authenticated else None)
    if user is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    if mfa.is_enrolled(s, user.id):
        flash(_("Two-step sign-in is already set up for this account."), "info")
        return redirect(url_for("auth.mfa_settings"))
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(s, user, form.code.data, request_id=request_id())
        if codes is not None:
            if signing_in is not None:
                cfg = settings()
                keys = throttle.keys_for(cfg.secret_key or "", user.email, request.remote_addr)
                onward = _finish_sign_in(s, user, keys, "totp")
            else:
                session[MFA_DONE] = True
                onward = url_for("auth.mfa_settings")
            # Shown once: only their hashes are kept.
            return render_template("auth/mfa_codes.html", codes=codes, onward=onward)
        form.code.errors = [_("The code is not correct or has expired. Try the next one.")]
        status = 422
    elif request.method == "POST":
        status = 400
    secret = mfa.pending_secret(s, user)
    uri = mfa.provisioning_uri(secret, user.email)
    return render_template(
        "auth/mfa_enrol.html",
        form=form,
        secret=secret,
        # segno draws paths only; it escapes the title. The URI becomes pixels, not text.
        qr=Markup(mfa.qr_svg(uri, _("QR code for your authenticator app"))),  # noqa: S704
        required=mfa.required_for(user.role),
        signing_in=signing_in is not None,
    ), status


@bp.route("/account/mfa")
@login_required
@require(READ_SELF)
def mfa_settings():
    s = db_session()
    user = current_user
    return render_template(
        "auth/mfa_settings.html",
        enrolled=mfa.is_enrolled(s, user.id),
        required=mfa.required_for(user.role),
        codes_left=mfa.recovery_codes_left(s, user.id),
    )


@bp.route("/admin/users/<user_id>/mfa/reset", methods=["POST"])
@login_required
@require(MANAGE_USERS)
def mfa_reset(user_id: str):
    actor = current_actor()
    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        raise NotFound() from None
    s = db_session()
    user = queries.user_in_organisation(s, uid, actor.organisation_id)
    if user is None:
        raise NotFound()
    if not MfaResetForm().validate_on_submit():
        return redirect(to_message(url_for("auth.user_detail", user_id=user.id))), 400
    if user.id == actor.user_id:
        flash(_("Another admin must reset your own two-step sign-in."), "error")
        return redirect(to_message(url_for("auth.user_detail", user_id=user.id)))
    mfa.reset(s, actor, user, operations.end_sessions)
    flash(_("Two-step sign-in was reset; the user's sessions have ended."), "info")
    return redirect(to_message(url_for("auth.user_detail", user_id=user.id)))


@bp.app_template_global()
def mfa_state(user: User) -> str:
    """For the user-admin page: "enrolled", "pending" (set up, not confirmed) or "none"."""
    row = mfa.record(db_session(), user.id)
    if row is None:
        return "none"
    return "enrolled" if row.enrolled_at is not None else "pending"


@bp.app_template_global()
def mfa_reset_form() -> MfaResetForm:
    return MfaResetForm()


@bp.app_template_global()
def role_label(role: Any) -> str:
    """A role's translated name for any page (the value itself when it is no role)."""
    try:
        return str(ROLE_LABELS[Role(getattr(role, "value", role))])
    except ValueError:
        return str(role or "")
