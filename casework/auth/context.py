"""Who is acting in this request: a logged-in browser session or an API bearer token."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request, session
from flask_login import LoginManager, current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.auth import mfa, operations
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.errors import Unauthorized
from casework.web import db_session, request_id, settings

log = logging.getLogger("casework.auth")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = None  # server-side sessions below do the real work


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    sid = session.get("sid")
    if not sid:
        return None
    cfg = settings()
    row = operations.load_session(
        db_session(), sid, cfg.session_idle_minutes, cfg.session_absolute_hours
    )
    if row is None or str(row.user_id) != user_id:
        session.clear()
        return None
    if mfa.required_for(row.user.role) and not session.get("mfa"):
        # A session that never passed the second factor (made before the role required it,
        # or before MFA existed): the user signs in again and enrols.
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
    proxies = app.extensions["casework.settings"].trusted_proxies
    if proxies:
        # The client address (sign-in throttling) and scheme as the outermost trusted proxy saw
        # them; X-Forwarded-* headers beyond the declared proxies are ignored (they are forged).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def refuse_anonymous() -> Any:
    """Nobody is signed in: the API answers 401, a page sends the browser to sign in."""
    if request.path.startswith("/api/"):
        raise Unauthorized("A valid bearer token is required.")
    return login_manager.unauthorized()


def record_denial(actor: Actor, action: str, view_args: dict[str, Any]) -> None:
    """Record a refused action in its own transaction (the request's is rolled back on 403),
    naming the record when a domain recognises it as one of the actor's organisation."""
    from casework import audit, registry
    from casework.web import database

    session = db_session()
    subject = None
    try:
        for provider in registry.providers(registry.DENIAL_SUBJECT):
            subject = provider(session, actor, view_args)
            if subject:
                break
        object_type, object_id, case_reference = subject or ("endpoint", request.endpoint, None)
        audit.append_denial(
            database(),
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            case_reference=case_reference,
            details={"reason": "role"},
            release=session,
        )
    except Exception as exc:  # noqa: BLE001 - the refusal stands regardless
        log.error("could not record a denied %s: %s", action, type(exc).__name__)


def acting() -> Actor:
    """The current actor of a view behind `require` (never None there)."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("Authentication required.")
    return actor
