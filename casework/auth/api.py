"""JSON API of the auth domain: who am I, the users of the caller's organisation, and the
organisations known to this instance."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify

from casework.api import api_blueprint, page_of
from casework.auth import operations, queries
from casework.auth.context import bearer_user, current_actor
from casework.auth.models import RoleRequest
from casework.auth.policy import (
    CHANGE_OWN_PASSWORD,
    MANAGE_USERS,
    READ_ORGANISATIONS,
    READ_SELF,
    require,
)
from casework.auth.schemas import (
    OrganisationPageSchema,
    PasswordChangeSchema,
    RoleRequestSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from casework.errors import Conflict, NotFound
from casework.schemas import PageArgs
from casework.web import db_session

blp = api_blueprint("auth_api", __name__, description="The caller and their organisation's users")


@blp.route("/me")
@blp.response(200, UserSchema)
@require(READ_SELF)
def me():
    """The user behind the bearer token."""
    return bearer_user()


@blp.route("/users", methods=["GET"])
@blp.response(200, UserSchema(many=True))
@require(MANAGE_USERS)
def list_users():
    """Users of the caller's organisation (admin)."""
    return queries.users_of_organisation(db_session(), current_actor().organisation_id)


def _pending(req: RoleRequest) -> Response:
    """202: the role waits for a second admin (`POST /role-requests/<id>/approve`)."""
    resp = jsonify(RoleRequestSchema().dump(req))
    resp.status_code = 202
    return resp


@blp.route("/users", methods=["POST"])
@require(MANAGE_USERS)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.alt_response(202, schema=RoleRequestSchema, description="Waiting for a second admin")
def create_user(data: dict):
    """Create a user in the caller's organisation (admin).

    The ordinary roles: 201 with the user. `admin` and `auditor`: 202 with a pending role
    request; the account exists only once a second admin approves it. The password must have
    at least 12 characters, not be a common password, and not contain the email's local part
    (422 naming `password`, with `problems`: `too_short`, `common`, `contains_email`)."""
    made = operations.request_user(
        db_session(), current_actor(), data["email"], data["password"], data["role"]
    )
    return _pending(made) if isinstance(made, RoleRequest) else made


def _user_or_404(user_id: uuid.UUID):
    user = queries.user_in_organisation(db_session(), user_id, current_actor().organisation_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@blp.route("/users/<uuid:user_id>")
@blp.response(200, UserSchema)
@require(MANAGE_USERS)
def get_user(user_id: uuid.UUID):
    """One user of the caller's organisation; another organisation's user is a 404."""
    return _user_or_404(user_id)


@blp.route("/users/<uuid:user_id>", methods=["PATCH"])
@require(MANAGE_USERS)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@blp.alt_response(202, schema=RoleRequestSchema, description="Waiting for a second admin")
def update_user(data: dict, user_id: uuid.UUID):
    """Change a user's role and/or deactivate (or reactivate) them (admin).

    Deactivation ends the user's sessions at once. A change to `admin` or `auditor` answers 202
    with a pending role request that a second admin approves. Nobody changes their own role
    or deactivates themselves (409)."""
    actor = current_actor()
    user = _user_or_404(user_id)
    s = db_session()
    if "is_active" in data:
        if user.id == actor.user_id and not data["is_active"]:
            raise Conflict("You cannot deactivate your own account.")
        operations.set_user_active(s, user, data["is_active"], actor=actor)
    if "role" in data:
        made = operations.change_role(s, actor, user, data["role"])
        if isinstance(made, RoleRequest):
            return _pending(made)
    return user


@blp.route("/role-requests", methods=["GET"])
@blp.response(200, RoleRequestSchema(many=True))
@require(MANAGE_USERS)
def list_role_requests():
    """Requests for the admin or auditor role waiting for a second admin (admin)."""
    return queries.pending_role_requests(db_session(), current_actor().organisation_id)


@blp.route("/role-requests/<uuid:request_id>/approve", methods=["POST"])
@blp.response(200, RoleRequestSchema)
@require(MANAGE_USERS)
def approve_role_request(request_id: uuid.UUID):
    """A second admin approves: the user is created, or the role changed, only now. The admin
    who asked, and the user whose role it is, get 409 `four_eyes_required`; a decided request
    409 `not_pending`."""
    return operations.approve_role_request(db_session(), current_actor(), request_id)


@blp.route("/role-requests/<uuid:request_id>/reject", methods=["POST"])
@blp.response(200, RoleRequestSchema)
@require(MANAGE_USERS)
def reject_role_request(request_id: uuid.UUID):
    """Turn a role request down (any admin of the organisation, the one who asked included)."""
    return operations.reject_role_request(db_session(), current_actor(), request_id)


@blp.route("/me/password", methods=["POST"])
@require(CHANGE_OWN_PASSWORD)
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data: dict):
    """Change the caller's own password (the current one is required). Every browser session
    of the caller ends. 422 naming `current_password` or `new_password` when refused."""
    actor = current_actor()
    user = bearer_user()
    operations.change_password(
        db_session(), user, data["current_password"], data["new_password"], actor=actor
    )
    return None


@blp.route("/organisations", methods=["GET"])
@require(READ_ORGANISATIONS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrganisationPageSchema)
def list_organisations(args: dict[str, Any]) -> dict[str, Any]:
    """Organisations known to this instance, by name (every signed-in role).

    The caller's own and the others on this instance; organisations of registered peer
    instances will be listed too (`is_peer` true) once peers exist, until then `is_peer` is
    always false. Organisation names are not personal data: the read is not audited.
    """
    page, per_page = args["page"], args["per_page"]
    items, total = queries.organisations_page(db_session(), page, per_page)
    return page_of(items, page, per_page, total)
