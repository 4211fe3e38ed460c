"""Pages of the auth domain: login, logout, and the admin's user management."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from casework.auth import operations, queries
from casework.auth.context import current_actor
from casework.auth.models import Role, RoleRequest, User
from casework.auth.policy import CHANGE_OWN_PASSWORD, MANAGE_USERS, require
from casework.errors import CaseworkError, NotFound
from casework.web import db_session, discard_changes, settings

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class NewUserForm(FlaskForm):
    # The address is checked by operations.normalise_email (wtforms' Email() needs a package
    # casework does not install).
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[(r.value, r.value) for r in Role])
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
    role = SelectField(_l("Role"), choices=[(r.value, r.value) for r in Role])
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
        email = form.email.data.strip().lower()
        keys = [f"email:{email}", f"ip:{request.remote_addr}"]
        if operations.locked_until(s, keys):
            flash(_("Too many failed attempts. Try again in a few minutes."), "error")
            return render_template("auth/login.html", form=form), 429
        user = queries.user_by_email(s, email)
        if (
            user is not None
            and user.is_active
            and operations.verify_password(user, form.password.data)
        ):
            operations.clear_login_failures(s, keys[0])
            # Regenerate: drop everything of the anonymous session, start a new server session.
            session.clear()
            session["sid"] = operations.start_session(s, user)
            session.permanent = True
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        operations.record_login_failure(
            s,
            keys,
            cfg.login_max_failures,
            cfg.login_failure_window_minutes,
            cfg.login_lockout_minutes,
        )
        # Commit the failure count even though the answer is an error.
        s.commit()
        flash(_("Email or password is not correct."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    sid = session.get("sid")
    if sid:
        operations.end_session(db_session(), sid)
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
                return redirect(url_for("auth.role_requests"))
            flash(_("User created."), "info")
            return redirect(url_for("auth.users"))
    elif request.method == "POST":
        status = 400
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
            return redirect(url_for("auth.user_detail", user_id=user.id))
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
    return redirect(url_for("auth.user_detail", user_id=user.id))


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
        return redirect(url_for("auth.role_requests"))
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
        return redirect(url_for("auth.role_requests"))
    return redirect(url_for("auth.role_requests"))


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
