"""JSON API of the auth domain: who am I, the users of the caller's organisation, and the
organisations known to this instance."""

from __future__ import annotations

import uuid
from typing import Any

from casework.api import api_blueprint, page_of
from casework.auth import operations, queries
from casework.auth.context import bearer_user, current_actor
from casework.auth.policy import MANAGE_USERS, READ_ORGANISATIONS, READ_SELF, require
from casework.auth.schemas import OrganisationPageSchema, UserCreateSchema, UserSchema
from casework.errors import NotFound
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


@blp.route("/users", methods=["POST"])
@require(MANAGE_USERS)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data: dict):
    """Create a user in the caller's organisation (admin)."""
    actor = current_actor()
    return operations.create_user(
        db_session(), data["email"], data["password"], data["role"], actor.organisation_id
    )


@blp.route("/users/<uuid:user_id>")
@blp.response(200, UserSchema)
@require(MANAGE_USERS)
def get_user(user_id: uuid.UUID):
    """One user of the caller's organisation; another organisation's user is a 404."""
    user = queries.user_in_organisation(db_session(), user_id, current_actor().organisation_id)
    if user is None:
        raise NotFound("No such user.")
    return user


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
