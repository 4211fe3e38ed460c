"""Marshmallow schemas of the auth domain (requests are validated by the same schemas)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.auth.models import Role
from casework.schemas import PageSchema, StrictBoolean


class OrganisationSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    country = fields.String(dump_only=True)
    kind = fields.Function(lambda o: o.kind.value, dump_only=True)


class OrganisationListItemSchema(OrganisationSchema):
    """An organisation as `GET /organisations` lists it."""

    is_state_authority = fields.Boolean(
        dump_only=True, metadata={"description": "True for national authorities and consulates."}
    )
    is_peer = fields.Boolean(
        dump_only=True,
        metadata={"description": "True for an organisation of a registered peer instance."},
    )


class OrganisationPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationListItemSchema))


class UserSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True)
    role = fields.Function(lambda u: u.role.value, dump_only=True)
    organisation = fields.Nested(OrganisationSchema, dump_only=True)
    is_active = fields.Boolean(dump_only=True)


_STRENGTH_RULES = (
    "At least 12 characters, not on zxcvbn's list of common passwords, not containing the local "
    "part of the email address."
)


class UserCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(
        required=True,
        validate=validate.OneOf([r.value for r in Role]),
        metadata={"description": "admin and auditor wait for a second admin's approval (202)."},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=12, max=1024),
        metadata={"description": _STRENGTH_RULES},
    )


class UserUpdateSchema(Schema):
    """A change of a user: the role (admin and auditor wait for approval) and/or active."""

    role = fields.String(validate=validate.OneOf([r.value for r in Role]))
    is_active = StrictBoolean()


class PasswordChangeSchema(Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=12, max=1024),
        metadata={"description": _STRENGTH_RULES},
    )


class RoleRequestSchema(Schema):
    """A request for the admin or auditor role, waiting for (or decided by) a second admin."""

    id = fields.UUID(dump_only=True)
    kind = fields.Function(
        lambda r: "role_change" if r.email is None else "new_user",
        dump_only=True,
        metadata={"description": "`new_user` or `role_change`."},
    )
    user_id = fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The user (a new user's id once approved)."},
    )
    email = fields.Function(
        lambda r: r.email if r.email is not None else (r.user.email if r.user else None),
        dump_only=True,
    )
    role = fields.Function(lambda r: r.role.value, dump_only=True)
    status = fields.Function(lambda r: r.status.value, dump_only=True)
    requested_by = fields.UUID(dump_only=True)
    requested_at = fields.DateTime(dump_only=True)
    decided_by = fields.UUID(dump_only=True, allow_none=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
