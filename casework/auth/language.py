"""The interface language: the switcher on every page (signed in or not) and the language
setting of the user's profile.

Which language a page is in (the factory's locale selector): the signed-in user's setting, else
the switcher's choice remembered in a cookie, else the browser's Accept-Language, else English.
A signed-in user's switch is also saved as their setting (it follows them to other browsers).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from casework import i18n
from casework.auth.context import current_user_obj
from casework.auth.models import User
from casework.auth.policy import READ_SELF, require
from casework.errors import InvalidInput
from casework.web import db_session

bp = Blueprint("language", __name__)

#: The profile's choice meaning "no setting: follow the browser".
BROWSER = ""


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), validate_choice=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [(BROWSER, _("The browser's language"), {})] + [
            (code, i18n.LANGUAGE_NAMES[code], {"lang": code}) for code in i18n.LANGUAGES
        ]


def remember(response: Any, code: str | None) -> Any:
    """Remember (or forget, with None) a choice in the language cookie."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    if code is None:
        response.delete_cookie(i18n.COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
    else:
        response.set_cookie(
            i18n.COOKIE,
            code,
            max_age=i18n.COOKIE_MAX_AGE,
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def _save_setting(code: str | None) -> bool:
    """Save the signed-in user's setting; False when nobody is signed in."""
    user = current_user_obj()
    if user is None:
        return False
    s = db_session()
    row = s.get(User, user.id)
    if row is None:
        return False
    row.language = code
    return True


@bp.route("/language", methods=["POST"])
def switch():
    """The switcher: a button per language; back to the page it was pressed on."""
    from casework.auth.views import safe_next

    code = i18n.supported(request.form.get("language"))
    if code is None:
        raise InvalidInput(
            _("Choose one of the languages offered."), {"language": [_("Unknown language.")]}
        )
    _save_setting(code)
    return remember(redirect(safe_next(request.form.get("next"))), code)


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
@require(READ_SELF)
def setting():
    """The user's language setting (a language, or the browser's)."""
    user = current_user_obj()
    form = LanguageForm(data={"language": (user.language if user else None) or BROWSER})
    status = 200
    if form.validate_on_submit():
        code = i18n.supported(form.language.data)
        _save_setting(code)
        with force_locale(code or _browser_language()):
            flash(_("Your language setting is saved."), "info")
        return remember(redirect(url_for("language.setting")), code)
    elif request.method == "POST":
        status = 422
    return render_template("auth/language.html", form=form), status


def _browser_language() -> str:
    return request.accept_languages.best_match(i18n.LANGUAGES) or i18n.DEFAULT_LANGUAGE
