"""JSON API of the family's status page: `POST /cases/<ref>/family-access` issues the reporting
relative's status code and one-time secret (answered once; a new one replaces the old)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from casework.api import api_blueprint
from casework.auth.context import acting
from casework.auth.policy import require
from casework.families import family_access, lookups
from casework.families.policy import ISSUE_FAMILY_ACCESS
from casework.web import db_session, settings

blp = api_blueprint(
    "family_access_api",
    __name__,
    description="The family's own status page: status codes for reporting relatives",
)


class FamilyAccessCreateSchema(Schema):
    """No fields: the code goes to the case's reporting relative."""


class FamilyAccessIssuedSchema(Schema):
    code = fields.String(
        metadata={"description": "The status code (two groups of five characters)."}
    )
    secret = fields.String(
        metadata={"description": "The one-time secret (three groups of four); never shown again."}
    )
    expires_at = fields.DateTime(metadata={"description": "When the code stops working (UTC)."})


@blp.route("/cases/<reference>/family-access", methods=["POST"])
@require(ISSUE_FAMILY_ACCESS)
@blp.arguments(FamilyAccessCreateSchema)
@blp.response(201, FamilyAccessIssuedSchema)
def issue_family_access(data: dict[str, Any], reference: str) -> Any:
    """Issue the reporting relative's status code and secret for `/family-status`, shown only
    in this answer. The case's previous code stops working. 409 `no_reporting_relative` when
    the case has no reporting relative (or only erased ones)."""
    session, cfg = db_session(), settings()
    case = lookups.owned_case(reference)
    relative = family_access.reporting_relative(session, case)
    issued = family_access.issue(
        session,
        acting(),
        case,
        relative,
        days=cfg.family_access_days,
        profile=cfg.password_hash_profile,
    )
    body = {"code": issued.code, "secret": issued.secret, "expires_at": issued.expires_at}
    return body, {"Cache-Control": "no-store"}
