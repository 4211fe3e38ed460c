"""JSON API of sharing: agreements, share requests and decisions, partner views, and the
exchange log (thin: parse, call a service or a query, dump)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, jsonify, stream_with_context, url_for
from marshmallow import Schema, fields

from casework.access import dump
from casework.access.current import current_access
from casework.api import api_blueprint, expected_version, page_of, shaped, shaped_page
from casework.auth.context import acting
from casework.auth.policy import require
from casework.cases import queries as case_queries
from casework.cases.schemas import CaseSchema
from casework.db import check_version
from casework.dna.schemas import DnaReferenceSchema
from casework.exchange import operations, partner, queries
from casework.exchange.models import Direction, ExchangeEntry, Share, ShareStatus
from casework.exchange.resources import SHARE
from casework.exchange.schemas import (
    AgreementCreateSchema,
    AgreementDetailSchema,
    AgreementListArgs,
    AgreementListSchema,
    AgreementUpdateSchema,
    ExchangeListArgs,
    ExchangeListSchema,
    ShareApproveSchema,
    SharedAccessSchema,
    SharedCaseArgs,
    ShareListArgs,
    ShareListSchema,
    ShareRequestSchema,
    ShareRevokeSchema,
    ShareSchema,
)
from casework.families.schemas import RelativeSchema
from casework.schemas import PageSchema
from casework.web import database, db_session

blp = api_blueprint(
    "exchange_api",
    __name__,
    description="Sharing under the privacy rules: agreements, share requests and their "
    "decisions, partner views of shared cases, and the exchange log",
)

READ_AGREEMENTS = "agreements.read"
MANAGE_AGREEMENTS = "agreements.manage"
READ_SHARES = "shares.read"
REQUEST_SHARES = "shares.request"
APPROVE_SHARES = "shares.approve"
REVOKE_SHARES = "shares.revoke"
READ_SHARED = "shared.read"
READ_EXCHANGES = "exchanges.read"


def _etag(record: Any) -> dict[str, str]:
    return {"ETag": f'"{record.version}"'}


# --- agreements -------------------------------------------------------------------------------


@blp.route("/agreements", methods=["GET"])
@require(READ_AGREEMENTS)
@blp.arguments(AgreementListArgs, location="query")
@blp.response(200, AgreementListSchema)
def list_agreements(args: dict[str, Any]) -> Any:
    """The organisation's agreements (those it made, and those naming it as the partner),
    newest first; filters `partner`, `active`."""
    page, per_page = args["page"], args["per_page"]
    items, total = queries.agreements_page(
        db_session(),
        acting(),
        page,
        per_page,
        partner=args.get("partner"),
        active=args.get("active"),
    )
    return page_of(items, page, per_page, total)


@blp.route("/agreements", methods=["POST"])
@require(MANAGE_AGREEMENTS)
@blp.arguments(AgreementCreateSchema)
@blp.response(201, AgreementDetailSchema)
def create_agreement(data: dict[str, Any]) -> Any:
    """Record an agreement with a partner organisation: per purpose the categories allowed,
    the legal bases accepted, validity dates, the recipient's retention in days, and whether
    the family's consent is required (default true)."""
    agreement = operations.create_agreement(db_session(), acting(), data)
    headers = _etag(agreement)
    headers["Location"] = url_for("exchange_api.get_agreement", agreement_id=agreement.id)
    return _with_revisions(agreement), headers


def _with_revisions(agreement: Any) -> Any:
    """The agreement with every version of its terms (what AgreementDetailSchema dumps)."""
    agreement.revisions = queries.revisions_of(db_session(), agreement.id)
    return agreement


@blp.route("/agreements/<agreement_id>", methods=["GET"])
@require(READ_AGREEMENTS)
@blp.response(200, AgreementDetailSchema)
def get_agreement(agreement_id: str) -> Any:
    """One agreement with every version of its terms."""
    agreement = queries.agreement_or_404(db_session(), acting(), agreement_id)
    return _with_revisions(agreement), _etag(agreement)


@blp.route("/agreements/<agreement_id>", methods=["PATCH"])
@require(MANAGE_AGREEMENTS)
@blp.arguments(AgreementUpdateSchema)
@blp.response(200, AgreementDetailSchema)
def update_agreement(data: dict[str, Any], agreement_id: str) -> Any:
    """Change an agreement's terms (a new version; the old terms are kept) or end it early
    with `ended_on` (today or later). Carries `version` (or If-Match); a stale one is 409."""
    version = expected_version(data.pop("version", None))
    session, actor = db_session(), acting()
    agreement = queries.owned_agreement_or_404(session, actor, agreement_id, for_update=True)
    operations.update_agreement(session, actor, agreement, data, version)
    return _with_revisions(agreement), _etag(agreement)


# --- shares -----------------------------------------------------------------------------------


@blp.route("/cases/<reference>/shares", methods=["GET"])
@require(READ_SHARES)
@blp.arguments(ShareListArgs, location="query")
@blp.response(200, ShareListSchema)
def list_case_shares(args: dict[str, Any], reference: str) -> Any:
    """The case's share requests with their decisions and reasons, newest first."""
    access = current_access()
    case = case_queries.case_or_404(access.session, access.actor, reference)
    page, per_page = args["page"], args["per_page"]
    status = ShareStatus(args["status"]) if args.get("status") else None
    items, total = queries.shares_of_case(access, case.id, page, per_page, status)
    shown = access.read_page(SHARE, items, view="case_shares", page=page)
    return shaped_page(ShareSchema(), shown, page, per_page, total)


@blp.route("/cases/<reference>/shares", methods=["POST"])
@require(REQUEST_SHARES)
@blp.arguments(ShareRequestSchema)
@blp.response(201, ShareSchema)
def request_share(data: dict[str, Any], reference: str) -> Any:
    """Ask to share categories of the case with a recipient organisation. The answer carries
    the decision (`allowed`, `denied` or `pending_approval`) and the reasons: every rule's
    outcome in the order of the privacy rules. A denied request is recorded too (201)."""
    session, actor = db_session(), acting()
    case = case_queries.case_or_404(session, actor, reference, for_update=True)
    share = operations.request_share(session, actor, case, data)
    headers = _etag(share)
    headers["Location"] = url_for("exchange_api.get_share", share_id=share.id)
    shown = current_access().shown(SHARE, share)
    return shaped(ShareSchema(), shown, status=201, headers=headers)


@blp.route("/shares", methods=["GET"])
@require(READ_SHARES)
@blp.arguments(ShareListArgs, location="query")
@blp.response(200, ShareListSchema)
def list_shares(args: dict[str, Any]) -> Any:
    """The organisation's shares waiting for a second approval (`status=pending_approval`,
    the default), oldest first."""
    access = current_access()
    page, per_page = args["page"], args["per_page"]
    items, total = queries.pending_shares(access, page, per_page)
    shown = access.read_page(SHARE, items, view="pending_shares", page=page)
    return shaped_page(ShareSchema(), shown, page, per_page, total)


@blp.route("/shares/<share_id>", methods=["GET"])
@require(READ_SHARES)
@blp.response(200, ShareSchema)
def get_share(share_id: str) -> Any:
    """One share request with its decision and reasons."""
    access = current_access()
    share = queries.owned_share_or_404(access, share_id)
    return shaped(ShareSchema(), access.read(SHARE, share, view="share"), headers=_etag(share))


def _decided(share: Share) -> Response:
    return shaped(ShareSchema(), current_access().shown(SHARE, share), headers=_etag(share))


@blp.route("/shares/<share_id>/approve", methods=["POST"])
@require(APPROVE_SHARES)
@blp.arguments(ShareApproveSchema)
@blp.response(200, ShareSchema)
def approve_share(data: dict[str, Any], share_id: str) -> Any:
    """The second person's approval of a share waiting for it (the person who requested it
    gets 409 `four_eyes_required`). The rules are checked again as of now: the answer is the
    share, `active` or, if something changed meanwhile, `denied` with the reasons."""
    version = expected_version(data.get("version"), required=False)
    access = current_access()
    share = queries.owned_share_or_404(access, share_id, for_update=True)
    check_version(share, version)
    operations.approve_share(access.session, access.actor, share)
    return _decided(share)


@blp.route("/shares/<share_id>/revoke", methods=["POST"])
@require(REVOKE_SHARES)
@blp.arguments(ShareRevokeSchema)
@blp.response(200, ShareSchema)
def revoke_share(data: dict[str, Any], share_id: str) -> Any:
    """End a share at once: the recipient's access ends (or, waiting for approval, never
    starts). An optional `note` says why."""
    version = expected_version(data.get("version"), required=False)
    access = current_access()
    share = queries.owned_share_or_404(access, share_id, for_update=True)
    check_version(share, version)
    operations.revoke_share(access.session, access.actor, share, data.get("note"))
    return _decided(share)


# --- partner views ----------------------------------------------------------------------------


def _shared_case_body(view: partner.PartnerView) -> dict[str, Any]:
    body = dump(CaseSchema(only=partner.CASE_FIELDS), view.case)
    body["access"] = SharedAccessSchema().dump(view.shared)
    if view.shows("family_contacts"):
        body["relatives"] = [dump(RelativeSchema(), r) for r in view.relatives]
    if view.shows("dna_references"):
        body["dna_references"] = [dump(DnaReferenceSchema(), r) for r in view.dna_references]
    return body


#: What a partner is answered of a shared case (documentation: a category not granted is absent).
SharedCaseRowSchema = Schema.from_dict(
    {name: CaseSchema._declared_fields[name] for name in partner.CASE_FIELDS}
    | {"access": fields.Nested(SharedAccessSchema)},
    name="SharedCaseRow",
)
SharedCaseSchema = Schema.from_dict(
    SharedCaseRowSchema._declared_fields
    | {
        "relatives": fields.List(fields.Nested(RelativeSchema)),
        "dna_references": fields.List(fields.Nested(DnaReferenceSchema)),
    },
    name="SharedCase",
)
SharedCaseListSchema = Schema.from_dict(
    {"items": fields.List(fields.Nested(SharedCaseRowSchema))} | PageSchema._declared_fields,
    name="SharedCaseList",
)


@blp.route("/shared-cases", methods=["GET"])
@require(READ_SHARED)
@blp.arguments(SharedCaseArgs, location="query")
@blp.response(200, SharedCaseListSchema)
def list_shared_cases(args: dict[str, Any]) -> Any:
    """The cases shared with the caller's organisation that it may still read: per case the
    granted categories of it only, the purposes and when access ends (one audited read per
    page, each view logged in the exchange log). Filter `purpose`."""
    access = current_access()
    session, actor = access.session, access.actor
    page, per_page = args["page"], args["per_page"]
    ids, total = queries.shared_case_ids_page(session, actor, page, per_page, args.get("purpose"))
    shared = queries.shared_access(session, actor, ids, args.get("purpose"))
    cases = queries.cases_in_order(access, ids)
    shown = partner.read_shared_list(access, cases, shared, "shared_cases", page)
    items = []
    for s in shown:
        row = dump(CaseSchema(only=partner.CASE_FIELDS), s)
        row["access"] = SharedAccessSchema().dump(shared[s.record.id])
        items.append(row)
    return jsonify(page_of(items, page, per_page, total))


@blp.route("/shared-cases/<reference>", methods=["GET"])
@require(READ_SHARED)
@blp.response(200, SharedCaseSchema)
def get_shared_case(reference: str) -> Any:
    """One case shared with the caller's organisation: only the granted categories (what was
    not granted is absent), its relatives' contacts if `family_contacts` was granted, its DNA
    references if `dna_references` was. Audited, and logged in both exchange logs."""
    access = current_access()
    case, shared = queries.shared_case_or_404(access.session, access.actor, reference)
    view = partner.read_shared_case(access, case, shared, "shared_case")
    return jsonify(_shared_case_body(view))


# --- exchange log -----------------------------------------------------------------------------

CSV_COLUMNS = (
    "at",
    "direction",
    "event",
    "case_reference",
    "partner_organisation_id",
    "partner_name",
    "purpose",
    "categories",
    "legal_basis",
    "decision",
    "package_sha256",
    "share_id",
    "actor",
    "details",
)


def _csv_row(entry: ExchangeEntry) -> list[str]:
    details = ";".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in sorted(entry.details.items())
    )
    return [
        entry.at.isoformat(),
        entry.direction.value,
        entry.event.value,
        entry.case_reference or "",
        str(entry.partner_organisation_id or ""),
        entry.partner_name or "",
        entry.purpose or "",
        " ".join(entry.categories or []),
        entry.legal_basis or "",
        entry.decision or "",
        entry.package_sha256 or "",
        str(entry.share_id or ""),
        entry.actor_email or "",
        details,
    ]


def csv_lines(rows: Iterator[ExchangeEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in rows:
        writer.writerow(_csv_row(entry))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
    yield buffer.getvalue()


def _csv_stream(actor: Any, filters: queries.LogFilters) -> Iterator[str]:
    """The CSV lines read with a session of their own, closed however the download ends: the
    request's session is committed and closed before the body is sent (reusing it left a
    transaction open after the download, holding SQLite's write lock)."""
    session = database().new_session()
    try:
        yield from csv_lines(queries.log_rows(session, actor, filters))
    finally:
        session.rollback()
        session.close()


def log_filters(args: dict[str, Any]) -> queries.LogFilters:
    return queries.LogFilters(
        case_reference=args.get("case"),
        partner=args.get("partner"),
        direction=Direction(args["direction"]) if args.get("direction") else None,
        date_from=args.get("from_"),
        date_to=args.get("to"),
    )


@blp.route("/exchanges", methods=["GET"])
@require(READ_EXCHANGES)
@blp.arguments(ExchangeListArgs, location="query")
@blp.response(200, ExchangeListSchema)
def list_exchanges(args: dict[str, Any]) -> Any:
    """The organisation's exchange log, newest first: every request and its decision,
    approval, revocation, grant start and end, and partner view. Filters `case`, `partner`,
    `direction`, `from`, `to` (dates); `format=csv` for a CSV file (no personal values)."""
    session, actor = db_session(), acting()
    filters = log_filters(args)
    if args.get("format") == "csv":
        return Response(
            stream_with_context(_csv_stream(actor, filters)),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="exchange-log.csv"'},
        )
    page, per_page = args["page"], args["per_page"]
    items, total = queries.log_page(session, actor, filters, page, per_page)
    return page_of(items, page, per_page, total)
