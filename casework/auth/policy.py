"""The one authorisation layer: role → allowed actions, and organisation scoping of queries.

Domains declare their actions here through `permission()` in their own policy module; views
only say which action they perform (`require`), and queries go through `scoped()`, so a record
of another organisation is simply not found (404), never "forbidden".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import Select

from casework.auth.models import Role, User
from casework.errors import Forbidden, Unauthorized

_PERMISSIONS: dict[str, frozenset[Role]] = {}


def permission(action: str, *roles: Role) -> str:
    """Declare which roles may perform `action`; returns the action name for use in views."""
    existing = _PERMISSIONS.get(action)
    if existing is not None and existing != frozenset(roles):
        raise ValueError(f"action {action} declared twice with different roles")
    _PERMISSIONS[action] = frozenset(roles)
    return action


def roles_for(action: str) -> frozenset[Role]:
    return _PERMISSIONS.get(action, frozenset())


def declared_actions() -> dict[str, frozenset[Role]]:
    return dict(_PERMISSIONS)


# Platform actions.
MANAGE_USERS = permission("users.manage", Role.admin)
READ_AUDIT = permission("audit.read", Role.auditor)
READ_SELF = permission("self.read", *Role)


@dataclass(frozen=True)
class Actor:
    """Who acts, as plain values: what services and the audit trail receive."""

    user_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    role: str
    email: str = ""
    country: str = ""
    request_id: str | None = None
    via: str = "web"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user: User, request_id: str | None = None, via: str = "web") -> Actor:
        return cls(
            user_id=user.id,
            organisation_id=user.organisation_id,
            role=str(user.role.value),
            email=user.email,
            country=user.organisation.country if user.organisation else "",
            request_id=request_id,
            via=via,
        )

    @classmethod
    def system(cls, reason: str = "cli") -> Actor:
        return cls(user_id=None, organisation_id=None, role="system", via=reason)


def can(actor: Actor | User | None, action: str) -> bool:
    if actor is None:
        return False
    role = actor.role.value if isinstance(actor, User) else actor.role
    if role == "system":
        return True
    try:
        return Role(role) in roles_for(action)
    except ValueError:
        return False


def ensure(actor: Actor | None, action: str) -> None:
    """Raise unless `actor` may perform `action` (401 for nobody, 403 for a role denial)."""
    if actor is None:
        raise Unauthorized("Authentication required.")
    if not can(actor, action):
        raise Forbidden("Your role does not allow this action.")


S = TypeVar("S", bound=Select[Any])


def scoped(stmt: S, model: Any, actor: Actor) -> S:
    """Restrict a query to the actor's organisation: the only organisation-scoping rule."""
    if actor.role == "system":
        return stmt
    return stmt.where(model.organisation_id == actor.organisation_id)


F = TypeVar("F", bound=Callable[..., Any])


def require(action: str) -> Callable[[F], F]:
    """View decorator: the current actor must be allowed `action` (checked before the view)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from casework.auth.context import current_actor

            ensure(current_actor(), action)
            return view(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
