"""Marshmallow schemas of the auth domain (requests are validated by the same schemas)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.auth.models import Role
from casework.schemas import PageSchema


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


class UserCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=10, max=1024)
    )
