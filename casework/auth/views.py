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
from wtforms.validators import DataRequired, Email, Length

from casework.auth import operations, queries
from casework.auth.context import current_actor
from casework.auth.models import Role
from casework.auth.policy import MANAGE_USERS, require
from casework.errors import CaseworkError, NotFound
from casework.web import db_session, settings

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[(r.value, r.value) for r in Role])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=10, max=1024)]
    )
    submit = SubmitField(_l("Create user"))


class UserStatusForm(FlaskForm):
    is_active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


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
            operations.create_user(
                s, form.email.data, form.password.data, form.role.data, actor.organisation_id
            )
        except CaseworkError as exc:
            for name, msgs in exc.fields.items():
                if name in form:
                    form[name].errors = list(msgs)
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("User created."), "info")
            return redirect(url_for("auth.users"))
    elif request.method == "POST":
        status = 400
    rows = queries.users_of_organisation(s, actor.organisation_id)
    return render_template(
        "auth/users.html", form=form, users=rows, format_datetime=format_datetime
    ), status


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
@login_required
@require(MANAGE_USERS)
def user_detail(user_id: str):
    actor = current_actor()
    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        raise NotFound() from None
    s = db_session()
    user = queries.user_in_organisation(s, uid, actor.organisation_id)
    if user is None:
        raise NotFound()
    form = UserStatusForm(is_active=user.is_active)
    if form.validate_on_submit():
        if user.id == actor.user_id and not form.is_active.data:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            operations.set_user_active(s, user, bool(form.is_active.data))
            flash(_("Saved."), "info")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user.html", user=user, form=form)
