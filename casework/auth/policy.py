"""The one authorisation layer: role → allowed actions, and the one decorator, `require`.

Domains declare their actions and the roles allowed each once, in their `domain.py`; views
only say which action they perform (`require`, the one decorator); which records they then see is
decided by the access gateway (casework.access), so a record out of reach is simply not found
(404), never "forbidden".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from casework import registry
from casework.auth.models import Role, User
from casework.errors import ROLE_DENIED, Forbidden, Unauthorized


def roles_for(action: str) -> frozenset[Role]:
    """The roles allowed `action`, as its domain declared them (`domain.py`, `actions`)."""
    return frozenset(Role(r) for r in registry.actions().get(action, ()))


def declared_actions() -> dict[str, frozenset[Role]]:
    return {name: frozenset(Role(r) for r in roles) for name, roles in registry.actions().items()}


# Platform actions (declared with their roles in auth/domain.py and audit/domain.py).
MANAGE_USERS = "users.manage"
READ_AUDIT = "audit.read"
READ_SELF = "self.read"
CHANGE_OWN_PASSWORD = "self.password"  # noqa: S105 - an action name, not a password
READ_ORGANISATIONS = "organisations.read"


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
        raise Forbidden(ROLE_DENIED)


F = TypeVar("F", bound=Callable[..., Any])


def require(action: str) -> Callable[[F], F]:
    """The one authorisation decorator of pages and API endpoints, naming the action.

    Nobody signed in: 401 (the API) or the sign-in page (pages). A role not allowed the action:
    403, and the refusal is recorded in the audit trail in its own transaction, naming the
    record when the actor's organisation holds it. Which records the actor then sees is the
    access gateway's business, not this decorator's.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from casework.auth.context import current_actor, record_denial, refuse_anonymous

            actor = current_actor()
            if actor is None:
                return refuse_anonymous()
            if not can(actor, action):
                record_denial(actor, action, kwargs)
                raise Forbidden(ROLE_DENIED)
            return view(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
