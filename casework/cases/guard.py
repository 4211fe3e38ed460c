"""Role checks for case pages and endpoints, auditing refusals on an existing in-org case."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from casework.audit import append_denial
from casework.auth.context import current_actor
from casework.auth.policy import Actor, can
from casework.cases import queries
from casework.errors import Forbidden, Unauthorized
from casework.web import database, db_session

F = TypeVar("F", bound=Callable[..., Any])


def _record_denial(actor: Actor, action: str, reference: str | None) -> None:
    # Only a case the actor's organisation holds is worth a trail entry; anything else says
    # nothing about a data subject (and must not reveal whether it exists).
    if not reference:
        return
    case = queries.case_by_reference(db_session(), actor, reference)
    if case is None:
        return
    append_denial(
        database(),
        actor,
        action,
        object_type="case",
        object_id=case.reference,
        case_reference=case.reference,
        details={"reason": "role"},
        release=db_session(),
    )


def guarded(action: str) -> Callable[[F], F]:
    """Like auth's `require`, but an in-organisation case refused to a role is audited."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                raise Unauthorized("Authentication required.")
            if not can(actor, action):
                _record_denial(actor, action, kwargs.get("reference"))
                raise Forbidden("Your role does not allow this action.")
            return view(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def acting() -> Actor:
    """The current actor of a guarded view (never None there)."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("Authentication required.")
    return actor
