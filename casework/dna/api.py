"""JSON API of the DNA domain: the DNA database registry, sample references and their custody,
the sample-id look-up, and lab match reports (thin: parse, call a service, dump).

Every read of a reference or a report goes through the access gateway (`Access`): scoped to what
the actor may see, shaped to the categories allowed, one audit event per record or per page.
Writes and their look-ups see the actor's own organisation's records only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for

from casework.access.current import current_access
from casework.api import api_blueprint, expected_version, page_of, shaped, shaped_page
from casework.auth.context import acting
from casework.auth.policy import require
from casework.cases import queries as case_queries
from casework.dna import operations, queries
from casework.dna.models import MatchReportStatus
from casework.dna.policy import (
    MANAGE_DNA_DATABASES,
    READ_DNA,
    READ_DNA_DATABASES,
    READ_MATCH_REPORTS,
    WRITE_DNA,
    WRITE_MATCH_REPORTS,
)
from casework.dna.resources import DNA_REFERENCE, MATCH_REPORT
from casework.dna.schemas import (
    CustodyStepSchema,
    DnaDatabaseCreateSchema,
    DnaDatabaseListSchema,
    DnaDatabaseSchema,
    DnaReferenceCreateSchema,
    DnaReferenceListSchema,
    DnaReferenceSchema,
    DnaReferenceUpdateSchema,
    MatchReportArgs,
    MatchReportCreateSchema,
    MatchReportExcludeSchema,
    MatchReportListSchema,
    MatchReportSchema,
    PostMortemCreateSchema,
    SampleSearchSchema,
)
from casework.remains.queries import owned_remains_or_404, remains_or_404
from casework.schemas import PageArgs
from casework.web import db_session

blp = api_blueprint(
    "dna_api",
    __name__,
    description="DNA databases, sample references (never profiles) and their chain of custody, "
    "and laboratory match reports",
)


def _etag(record: Any) -> dict[str, str]:
    return {"ETag": f'"{record.version}"'}


def _shown_reference(ref: Any, view: str, status: int = 200, **headers: str) -> Any:
    shown = current_access().read(DNA_REFERENCE, ref, view=view)
    return shaped(DnaReferenceSchema(), shown, status=status, headers={**_etag(ref), **headers})


def _shown_report(report: Any, view: str, status: int = 200, **headers: str) -> Any:
    shown = current_access().read(MATCH_REPORT, report, view=view)
    return shaped(MatchReportSchema(), shown, status=status, headers={**_etag(report), **headers})


# --- DNA databases ----------------------------------------------------------------------------


@blp.route("/dna-databases", methods=["GET"])
@require(READ_DNA_DATABASES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DnaDatabaseListSchema)
def list_databases(args: dict[str, Any]) -> Any:
    """The registry of DNA databases and laboratories (no personal data)."""
    page, per_page = args["page"], args["per_page"]
    items, total = queries.databases(db_session(), page, per_page)
    return page_of(items, page, per_page, total)


@blp.route("/dna-databases", methods=["POST"])
@require(MANAGE_DNA_DATABASES)
@blp.arguments(DnaDatabaseCreateSchema)
@blp.response(201, DnaDatabaseSchema)
def create_database(data: dict[str, Any]) -> Any:
    """Register a DNA database: `name` (unique; a duplicate is a 409), `institution`, `country`
    (ISO 3166-1 alpha-2), `kind`."""
    return operations.create_database(db_session(), acting(), data)


# --- sample references of a case ----------------------------------------------------------


@blp.route("/cases/<reference>/dna-references", methods=["GET"])
@require(READ_DNA)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DnaReferenceListSchema)
def list_case_references(args: dict[str, Any], reference: str) -> Any:
    """A case's family references and personal effects (one audited read per page)."""
    access = current_access()
    case = case_queries.visible_case_or_404(access, reference, reaching=DNA_REFERENCE)
    page, per_page = args["page"], args["per_page"]
    items, total = queries.references_of_case(access, case.id, page, per_page)
    shown = access.read_page(DNA_REFERENCE, items, view="case_dna_references", page=page)
    return shaped_page(DnaReferenceSchema(), shown, page, per_page, total)


@blp.route("/cases/<reference>/dna-references", methods=["POST"])
@require(WRITE_DNA)
@blp.arguments(DnaReferenceCreateSchema)
@blp.response(201, DnaReferenceSchema)
def create_case_reference(data: dict[str, Any], reference: str) -> Any:
    """Record a sample reference of a case at custody `collected`: a `family_reference` (needs
    `relative_id`, a relative of this case, and `donor_relationship`; `consent_id`, if given, a
    consent of that relative with purpose dna) or a `personal_effect` (no relative)."""
    session, actor = db_session(), acting()
    case = case_queries.case_or_404(session, actor, reference)
    ref = operations.create_case_reference(session, actor, case, data)
    location = url_for("dna_api.get_reference", reference_id=ref.id)
    return _shown_reference(ref, "dna_reference_created", 201, Location=location)


# --- post-mortem samples of remains -------------------------------------------------------


@blp.route("/remains/<remains_id>/dna-references", methods=["GET"])
@require(READ_DNA)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DnaReferenceListSchema)
def list_remains_references(args: dict[str, Any], remains_id: str) -> Any:
    """The post-mortem samples of remains (one audited read per page)."""
    access = current_access()
    remains = remains_or_404(access, remains_id)
    page, per_page = args["page"], args["per_page"]
    items, total = queries.references_of_remains(access, remains.id, page, per_page)
    shown = access.read_page(DNA_REFERENCE, items, view="remains_dna_references", page=page)
    return shaped_page(DnaReferenceSchema(), shown, page, per_page, total)


@blp.route("/remains/<remains_id>/dna-references", methods=["POST"])
@require(WRITE_DNA)
@blp.arguments(PostMortemCreateSchema)
@blp.response(201, DnaReferenceSchema)
def create_post_mortem_reference(data: dict[str, Any], remains_id: str) -> Any:
    """Record a post-mortem sample of remains at custody `collected`."""
    access = current_access()
    remains = owned_remains_or_404(access, remains_id)
    ref = operations.create_post_mortem_reference(access.session, access.actor, remains, data)
    location = url_for("dna_api.get_reference", reference_id=ref.id)
    return _shown_reference(ref, "dna_reference_created", 201, Location=location)


# --- one reference ------------------------------------------------------------------------


@blp.route("/dna-references/search", methods=["POST"])
@require(READ_DNA)
@blp.arguments(SampleSearchSchema)
@blp.response(200, DnaReferenceListSchema)
def search_references(args: dict[str, Any]) -> Any:
    """The references of the caller's organisation with this `sample_id`, however written
    (`SV-FR-2026/00123` finds `sv fr 2026 00123`); the id travels in the body, never a URL."""
    access = current_access()
    found = operations.lookup_sample(access, args["sample_id"])
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    shown = access.read_page(
        DNA_REFERENCE, found[start : start + per_page], view="sample_lookup", page=page
    )
    return shaped_page(DnaReferenceSchema(), shown, page, per_page, len(found))


@blp.route("/dna-references/<uuid:reference_id>", methods=["GET"])
@require(READ_DNA)
@blp.response(200, DnaReferenceSchema)
def get_reference(reference_id: uuid.UUID) -> Any:
    """One sample reference with its custody history (the read is audited)."""
    return _shown_reference(queries.reference_or_404(current_access(), reference_id), "dna_ref")


@blp.route("/dna-references/<uuid:reference_id>", methods=["PATCH"])
@require(WRITE_DNA)
@blp.arguments(DnaReferenceUpdateSchema)
@blp.response(200, DnaReferenceSchema)
def update_reference(data: dict[str, Any], reference_id: uuid.UUID) -> Any:
    """Change `database_id`, `sample_id`, and for a family reference `donor_relationship` and
    `consent_id`; needs `version` (or If-Match), a stale one gets 409."""
    version = expected_version(data.pop("version", None))
    access = current_access()
    ref = queries.owned_reference_or_404(access, reference_id, for_update=True)
    operations.update_reference(access.session, access.actor, ref, data, version)
    return _shown_reference(ref, "dna_reference_updated")


@blp.route("/dna-references/<uuid:reference_id>/custody", methods=["POST"])
@require(WRITE_DNA)
@blp.arguments(CustodyStepSchema)
@blp.response(200, DnaReferenceSchema)
def record_custody(data: dict[str, Any], reference_id: uuid.UUID) -> Any:
    """The next custody step, `{"status", "date", "note", "version"}` (version or If-Match):
    only the next of collected → shipped → received → profiled → uploaded (else 409
    `custody_out_of_order`); the date not before the previous step's nor in the future; a
    family reference moves past collected only while its donor's consent for DNA is valid
    (else 409 `consent_required`)."""
    version = expected_version(data.pop("version", None))
    access = current_access()
    ref = queries.owned_reference_or_404(access, reference_id, for_update=True)
    operations.record_custody_step(access.session, access.actor, ref, data, version)
    return _shown_reference(ref, "dna_reference_custody")


# --- match reports --------------------------------------------------------------------------


@blp.route("/match-reports", methods=["GET"])
@require(READ_MATCH_REPORTS)
@blp.arguments(MatchReportArgs, location="query")
@blp.response(200, MatchReportListSchema)
def list_match_reports(args: dict[str, Any]) -> Any:
    """Match reports, newest first; filters `case` (a reference), `remains_id`, `status`."""
    access = current_access()
    filters = queries.MatchReportFilters(
        case_reference=args.get("case"),
        remains_id=args.get("remains_id"),
        status=MatchReportStatus(args["status"]) if args.get("status") else None,
    )
    page, per_page = args["page"], args["per_page"]
    items, total = queries.match_reports(access, filters, page, per_page)
    shown = access.read_page(MATCH_REPORT, items, view="match_reports", page=page)
    return shaped_page(MatchReportSchema(), shown, page, per_page, total)


@blp.route("/match-reports", methods=["POST"])
@require(WRITE_MATCH_REPORTS)
@blp.arguments(MatchReportCreateSchema)
@blp.response(201, MatchReportSchema)
def create_match_report(data: dict[str, Any]) -> Any:
    """Record a laboratory-reported match between a family reference (`family_reference_id`)
    and a post-mortem sample (`post_mortem_reference_id`) of the caller's organisation, with
    the `lab_report_reference`, the `likelihood_ratio` as reported and the `reported_date`;
    `case_reference` and `remains_id` follow from the references."""
    report = operations.create_match_report(db_session(), acting(), data)
    location = url_for("dna_api.get_match_report", report_id=report.id)
    return _shown_report(report, "match_report_created", 201, Location=location)


@blp.route("/match-reports/<uuid:report_id>", methods=["GET"])
@require(READ_MATCH_REPORTS)
@blp.response(200, MatchReportSchema)
def get_match_report(report_id: uuid.UUID) -> Any:
    """One match report (the read is audited)."""
    return _shown_report(queries.match_report_or_404(current_access(), report_id), "match_report")


@blp.route("/match-reports/<uuid:report_id>/exclude", methods=["POST"])
@require(WRITE_MATCH_REPORTS)
@blp.arguments(MatchReportExcludeSchema)
@blp.response(200, MatchReportSchema)
def exclude_match_report(data: dict[str, Any], report_id: uuid.UUID) -> Any:
    """Exclude a reported match with its `reason` (reported → excluded; else 409). `version`
    (or If-Match) is checked when given."""
    version = expected_version(data.pop("version", None), required=False)
    access = current_access()
    report = queries.owned_match_report_or_404(access, report_id, for_update=True)
    operations.exclude_match_report(access.session, access.actor, report, data["reason"], version)
    return _shown_report(report, "match_report_excluded")
