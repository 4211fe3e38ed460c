"""Who is acting in this request: a logged-in browser session or an API bearer token."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_login import LoginManager, current_user

from casework.auth import operations
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.web import db_session, request_id, settings

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = None  # server-side sessions below do the real work


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    sid = session.get("sid")
    if not sid:
        return None
    row = operations.load_session(db_session(), sid, settings().session_idle_minutes)
    if row is None or str(row.user_id) != user_id:
        session.clear()
        return None
    return row.user


def bearer_user() -> User | None:
    """The user behind `Authorization: Bearer <token>`, memoised for the request."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            user = operations.resolve_token(db_session(), token.strip())
        g.api_user = user
    return g.api_user


def current_user_obj() -> User | None:
    if request.path.startswith("/api/"):
        return bearer_user()
    return current_user if current_user.is_authenticated else None


def current_actor() -> Actor | None:
    user = current_user_obj()
    if user is None:
        return None
    via = "api" if request.path.startswith("/api/") else "web"
    return Actor.for_user(user, request_id=request_id(), via=via)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
