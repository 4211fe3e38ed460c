"""JSON API of the auth domain: who am I, and the users of the caller's organisation."""

from __future__ import annotations

import uuid

from casework.api import api_blueprint
from casework.auth import operations, queries
from casework.auth.context import bearer_user, current_actor
from casework.auth.policy import MANAGE_USERS, READ_SELF, require
from casework.auth.schemas import UserCreateSchema, UserSchema
from casework.errors import NotFound
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
