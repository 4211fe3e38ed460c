"""Pages of the DNA domain: a case's sample references (add one, record the next custody step),
the post-mortem samples of remains, the sample-id look-up (a POST form: identifiers never go
into URLs), match reports, and the DNA database registry.

Every page that shows personal data reads it through the access gateway: one audit event per
page shown. Pages that change something look records up in the actor's organisation only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import Schema
from wtforms.fields.choices import SelectChoice

from casework import forms as page_forms
from casework.access import Shown
from casework.access.current import current_access
from casework.auth.context import acting
from casework.auth.policy import can, require
from casework.cases import queries as case_queries
from casework.cases.models import Case
from casework.cases.resources import CASE
from casework.categories import Category
from casework.db import utcnow
from casework.dna import forms, operations, policy, queries
from casework.dna.display import ratio_text
from casework.dna.models import (
    DnaMatchReport,
    DnaReference,
    MatchReportStatus,
    SampleKind,
)
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
    DnaReferenceCreateSchema,
    MatchReportCreateSchema,
    MatchReportExcludeSchema,
    PostMortemCreateSchema,
)
from casework.errors import CaseworkError
from casework.families import queries as family_queries
from casework.families.models import ConsentPurpose, Relative
from casework.families.resources import RELATIVE
from casework.forms import version_of
from casework.remains.models import Remains
from casework.remains.queries import owned_remains_or_404, remains_or_404
from casework.remains.resources import REMAINS
from casework.web import db_session, discard_changes

bp = Blueprint("dna", __name__)

#: Most references or reports a page lists.
PAGE_LIMIT = 500


# A likelihood ratio reads the same on every page: {{ value|ratio }}.
bp.add_app_template_filter(ratio_text, "ratio")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "custody_labels": {s.value: label for s, label in policy.CUSTODY_LABELS.items()},
        "sample_kind_labels": forms.SAMPLE_KIND_LABELS,
        "database_kind_labels": forms.DATABASE_KIND_LABELS,
        "report_status_labels": forms.REPORT_STATUS_LABELS,
    }


def _shown_after_refusal() -> None:
    """A refused write shows the page again: drop what the write left behind, and keep the
    read's audit event although the answer is a 4xx."""
    discard_changes()
    g.commit_on_error = True


def _submit(
    form: FlaskForm,
    schema: Schema,
    payload: Callable[[], dict[str, Any]],
    write: Callable[[dict[str, Any]], Any],
) -> tuple[Any, int]:
    """A posted form: CSRF, then the API's schema, then the service. Returns (the service's
    result, 200), or (None, the error status) with the errors shown on the form."""
    if not form.validate_on_submit():
        return None, page_forms.status_of(form)
    data = page_forms.load(schema, form, payload())
    if data is None:
        return None, 422
    try:
        return write(data), 200
    except CaseworkError as exc:
        return None, page_forms.refused(form, exc)


def _database_choices() -> list[SelectChoice]:
    return [forms.BLANK] + [
        SelectChoice(str(d.id), d.name) for d in queries.all_databases(db_session())
    ]


def _custody_forms(refs: list[Shown[DnaReference]], may_write: bool) -> dict[Any, Any]:
    """Per reference that may move on: the form of its next custody step."""
    if not may_write:
        return {}
    found = {}
    for ref in refs:
        following = policy.next_custody_status(ref.record.custody_status)
        if following is None or ref.record.is_shredded:
            continue
        found[ref.record.id] = (
            following.value,
            forms.CustodyForm(
                formdata=None, status=following.value, version=str(ref.record.version)
            ),
        )
    return found


# --- a case's sample references -------------------------------------------------------------


def _sees_relatives() -> bool:
    """May the actor's role see relatives (names and contacts)? A forensic officer may not: the
    family references they see show no donor's name, and they cannot pick a donor."""
    return Category.family_contacts in current_access().own_categories(RELATIVE)


def _relatives(case: Case, owned: bool) -> list[Shown[Relative]]:
    """The case's relatives with their names and consents, when the actor may see them."""
    access = current_access()
    if not owned or not _sees_relatives():
        return []
    rows, _total = family_queries.relatives_of_case(access, case.id, 1, PAGE_LIMIT)
    return access.read_page(
        RELATIVE, rows, view="case_dna_page", only=[Category.family_contacts, Category.consent]
    )


def _case_page(case: Case, form: forms.CaseReferenceForm | None = None, status: int = 200) -> Any:
    access = current_access()
    session, actor = access.session, access.actor
    owned = access.owns(CASE, case)
    may_write = owned and can(actor, WRITE_DNA)
    rows, _total = queries.references_of_case(access, case.id, 1, PAGE_LIMIT)
    refs = access.read_page(DNA_REFERENCE, rows, view="case_dna_page")
    relatives = _relatives(case, owned)
    donors = {r.record.id: r for r in relatives}
    consents = [
        c
        for c in family_queries.active_consents_of_case(session, case.id, ConsentPurpose.dna)
        if c.relative_id in donors and donors[c.relative_id].shows(Category.consent)
    ]
    form = form or forms.CaseReferenceForm(formdata=None)
    form.database_id.choices = _database_choices()
    # A family reference needs its donor picked among the case's relatives: offered only to a
    # role that sees them; the others record personal effects.
    records_family = _sees_relatives()
    if not records_family:
        form.sample_kind.choices = [
            c for c in form.sample_kind.choices if c.value == SampleKind.personal_effect.value
        ]
    form.relative_id.choices = [forms.BLANK] + [
        SelectChoice(str(r.record.id), f"{r.full_name} ({r.relationship})")
        for r in relatives
        if not r.record.is_erased
    ]
    form.consent_id.choices = [forms.BLANK] + [
        SelectChoice(
            str(c.id),
            _(
                "%(name)s: consent for DNA given %(date)s",
                name=donors[c.relative_id].full_name,
                date=c.given_at.date().isoformat(),
            ),
        )
        for c in consents
    ]
    gate = {
        r.record.id: policy.donor_may_give(session, r.record)
        for r in refs
        if r.record.sample_kind is SampleKind.family_reference
    }
    return render_template(
        "dna/case.html",
        case=case,
        refs=refs,
        donors=donors,
        gate=gate,
        form=form,
        custody=_custody_forms(refs, may_write),
        may_write=may_write,
        records_family=records_family,
        warnings=policy.case_warnings(session, case) if owned else [],
    ), status


@bp.route("/cases/<reference>/dna", methods=["GET"])
@login_required
@require(READ_DNA)
def for_case(reference: str) -> Any:
    """A case's family references and personal effects with their custody, the form to add
    one, and the next custody step of each."""
    access = current_access()
    return _case_page(case_queries.visible_case_or_404(access, reference, reaching=DNA_REFERENCE))


def _case_payload(form: forms.CaseReferenceForm) -> dict[str, Any]:
    data = page_forms.payload(
        form,
        (
            "sample_kind",
            "database_id",
            "sample_id",
            "relative_id",
            "donor_relationship",
            "consent_id",
            "collected_date",
            "note",
        ),
    )
    if data.get("sample_kind") == SampleKind.personal_effect.value:
        # The family reference's fields stay on the form; a personal effect takes none.
        for name in ("relative_id", "donor_relationship", "consent_id"):
            data.pop(name, None)
    return data


@bp.route("/cases/<reference>/dna", methods=["POST"])
@login_required
@require(WRITE_DNA)
def add_case_reference(reference: str) -> Any:
    session, actor = db_session(), acting()
    case = case_queries.case_or_404(session, actor, reference)
    form = forms.CaseReferenceForm()
    ref, status = _submit(
        form,
        DnaReferenceCreateSchema(),
        lambda: _case_payload(form),
        lambda data: operations.create_case_reference(session, actor, case, data),
    )
    if ref is not None:
        flash(_("Sample reference recorded (custody: collected)."), "info")
        return redirect(page_forms.to_message(url_for("dna.for_case", reference=case.reference)))
    _shown_after_refusal()
    return _case_page(case, form, status)


# --- post-mortem samples of remains ---------------------------------------------------------


def _remains_page(
    remains: Remains, form: forms.PostMortemForm | None = None, status: int = 200
) -> Any:
    access = current_access()
    owned = access.owns(REMAINS, remains)
    may_write = owned and can(access.actor, WRITE_DNA)
    rows, _total = queries.references_of_remains(access, remains.id, 1, PAGE_LIMIT)
    refs = access.read_page(DNA_REFERENCE, rows, view="remains_dna_page")
    form = form or forms.PostMortemForm(formdata=None)
    form.database_id.choices = _database_choices()
    return render_template(
        "dna/remains.html",
        remains=remains,
        refs=refs,
        form=form,
        custody=_custody_forms(refs, may_write),
        may_write=may_write,
    ), status


@bp.route("/remains/<uuid:remains_id>/dna", methods=["GET"])
@login_required
@require(READ_DNA)
def for_remains(remains_id: uuid.UUID) -> Any:
    """The post-mortem samples of remains with their custody, and the form to add one."""
    return _remains_page(remains_or_404(current_access(), remains_id))


@bp.route("/remains/<uuid:remains_id>/dna", methods=["POST"])
@login_required
@require(WRITE_DNA)
def add_post_mortem(remains_id: uuid.UUID) -> Any:
    access = current_access()
    remains = owned_remains_or_404(access, remains_id)
    form = forms.PostMortemForm()
    ref, status = _submit(
        form,
        PostMortemCreateSchema(),
        lambda: page_forms.payload(form, ("database_id", "sample_id", "collected_date", "note")),
        lambda data: operations.create_post_mortem_reference(
            access.session, access.actor, remains, data
        ),
    )
    if ref is not None:
        flash(_("Post-mortem sample recorded (custody: collected)."), "info")
        return redirect(page_forms.to_message(url_for("dna.for_remains", remains_id=remains.id)))
    _shown_after_refusal()
    return _remains_page(remains, form, status)


# --- custody ----------------------------------------------------------------------------------


def _page_of(ref: DnaReference) -> str:
    if ref.case is not None:
        return url_for("dna.for_case", reference=ref.case.reference)
    return url_for("dna.for_remains", remains_id=ref.remains_id)


@bp.route("/dna-references/<uuid:reference_id>/custody", methods=["POST"])
@login_required
@require(WRITE_DNA)
def record_custody(reference_id: uuid.UUID) -> Any:
    """The next custody step of a reference; back to its page, a refusal flashed there."""
    access = current_access()
    ref = queries.owned_reference_or_404(access, reference_id, for_update=True)
    back = _page_of(ref) + f"#ref-{ref.id}"
    form = forms.CustodyForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(page_forms.to_message(back))
    data = page_forms.load(
        CustodyStepSchema(), form, page_forms.payload(form, ("status", "date", "note"))
    )
    if data is None:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(page_forms.to_message(back))
    try:
        operations.record_custody_step(
            access.session, access.actor, ref, data, version_of(form.version.data)
        )
    except CaseworkError as exc:
        discard_changes()
        flash(exc.message, "error")
        for field, msgs in exc.fields.items():
            if field != "status":
                flash(f"{field}: {' '.join(str(m) for m in msgs)}", "error")
        return redirect(page_forms.to_message(back))
    label = policy.CUSTODY_LABELS[ref.custody_status]
    flash(_("Custody step recorded: %(step)s.", step=label), "info")
    return redirect(page_forms.to_message(back))


# --- sample-id look-up --------------------------------------------------------------------------


@bp.route("/dna-references/search", methods=["GET", "POST"])
@login_required
@require(READ_DNA)
def search() -> Any:
    """The organisation's references with a sample identifier, however written; the identifier
    travels in the POST body, never the URL."""
    form = forms.SearchForm()
    results: list[Shown[DnaReference]] | None = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            access = current_access()
            try:
                found = operations.lookup_sample(access, form.sample_id.data or "")
            except CaseworkError as exc:
                status = page_forms.refused(form, exc)
            else:
                results = access.read_page(DNA_REFERENCE, found, view="sample_lookup_page")
        else:
            status = page_forms.status_of(form)
    return render_template("dna/search.html", form=form, results=results), status


# --- match reports ----------------------------------------------------------------------------


def _reference_label(ref: Shown[DnaReference]) -> str:
    record = ref.record
    where = record.case.reference if record.case is not None else record.remains.reference
    sample = ref.sample_id if ref.allows("sample_id") else None
    return f"{where} · {sample or '—'} · {record.database.name}"


def _reports_page(form: forms.MatchReportForm | None = None, status: int = 200) -> Any:
    access = current_access()
    actor = access.actor
    wanted = request.args.get("status") or None
    filters = queries.MatchReportFilters(
        status=MatchReportStatus(wanted) if wanted in MatchReportStatus.__members__ else None,
    )
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    per_page = 50
    rows, total = queries.match_reports(access, filters, page, per_page)
    reports = access.read_page(MATCH_REPORT, rows, view="match_reports_page", page=page)
    may_write = can(actor, WRITE_MATCH_REPORTS)
    if may_write:
        form = form or forms.MatchReportForm(formdata=None)
        pickable = queries.owned_references_of_kind(
            access, SampleKind.family_reference
        ) + queries.owned_references_of_kind(access, SampleKind.post_mortem)
        shown = access.read_page(DNA_REFERENCE, pickable, view="match_report_form")
        form.family_reference_id.choices = [forms.BLANK] + [
            SelectChoice(str(r.record.id), _reference_label(r))
            for r in shown
            if r.record.sample_kind is SampleKind.family_reference
        ]
        form.post_mortem_reference_id.choices = [forms.BLANK] + [
            SelectChoice(str(r.record.id), _reference_label(r))
            for r in shown
            if r.record.sample_kind is SampleKind.post_mortem
        ]
    return render_template(
        "dna/match_reports.html",
        reports=reports,
        total=total,
        page=page,
        per_page=per_page,
        status_filter=filters.status.value if filters.status else "",
        form=form if may_write else None,
    ), status


@bp.route("/match-reports", methods=["GET"])
@login_required
@require(READ_MATCH_REPORTS)
def match_reports() -> Any:
    """Match reports of the organisation, newest first, and the form to record one."""
    return _reports_page()


@bp.route("/match-reports", methods=["POST"])
@login_required
@require(WRITE_MATCH_REPORTS)
def add_match_report() -> Any:
    session, actor = db_session(), acting()
    form = forms.MatchReportForm()
    report, status = _submit(
        form,
        MatchReportCreateSchema(),
        lambda: page_forms.payload(
            form,
            (
                "family_reference_id",
                "post_mortem_reference_id",
                "lab_report_reference",
                "likelihood_ratio",
                "reported_date",
            ),
        ),
        lambda data: operations.create_match_report(session, actor, data),
    )
    if report is not None:
        flash(_("Match report recorded."), "info")
        return redirect(page_forms.to_message(url_for("dna.match_report", report_id=report.id)))
    _shown_after_refusal()
    return _reports_page(form, status)


def _report_page(report: DnaMatchReport, form: forms.ExcludeForm | None = None) -> Any:
    access = current_access()
    shown = access.read(MATCH_REPORT, report, view="match_report_page")
    may_exclude = (
        shown.is_owned
        and can(access.actor, WRITE_MATCH_REPORTS)
        and report.status is MatchReportStatus.reported
    )
    form = form or forms.ExcludeForm(formdata=None, version=str(report.version))
    return render_template(
        "dna/match_report.html",
        report=shown,
        form=form if may_exclude else None,
        today=utcnow().date(),
    )


@bp.route("/match-reports/<uuid:report_id>", methods=["GET"])
@login_required
@require(READ_MATCH_REPORTS)
def match_report(report_id: uuid.UUID) -> Any:
    """One match report: the case, the remains, both references, the laboratory's report."""
    return _report_page(queries.match_report_or_404(current_access(), report_id))


@bp.route("/match-reports/<uuid:report_id>/exclude", methods=["POST"])
@login_required
@require(WRITE_MATCH_REPORTS)
def exclude_match_report(report_id: uuid.UUID) -> Any:
    access = current_access()
    report = queries.owned_match_report_or_404(access, report_id, for_update=True)
    form = forms.ExcludeForm()
    excluded, status = _submit(
        form,
        MatchReportExcludeSchema(),
        lambda: page_forms.payload(form, ("reason",)),
        lambda data: operations.exclude_match_report(
            access.session, access.actor, report, data["reason"], version_of(form.version.data)
        ),
    )
    if excluded is not None:
        flash(_("Match report excluded."), "info")
        return redirect(page_forms.to_message(url_for("dna.match_report", report_id=report.id)))
    _shown_after_refusal()
    return _report_page(report, form), status


# --- the DNA database registry ----------------------------------------------------------------


def _databases_page(form: forms.DatabaseForm | None = None, status: int = 200) -> Any:
    items = queries.all_databases(db_session())
    may_manage = can(acting(), MANAGE_DNA_DATABASES)
    return render_template(
        "dna/databases.html",
        databases=items,
        form=(form or forms.DatabaseForm(formdata=None)) if may_manage else None,
    ), status


@bp.route("/dna-databases", methods=["GET"])
@login_required
@require(READ_DNA_DATABASES)
def databases() -> Any:
    """The registry of DNA databases and laboratories, and (administrators) the form to add
    one."""
    return _databases_page()


@bp.route("/dna-databases", methods=["POST"])
@login_required
@require(MANAGE_DNA_DATABASES)
def add_database() -> Any:
    form = forms.DatabaseForm()
    created, status = _submit(
        form,
        DnaDatabaseCreateSchema(),
        lambda: page_forms.payload(form, ("name", "institution", "country", "kind")),
        lambda data: operations.create_database(db_session(), acting(), data),
    )
    if created is not None:
        flash(_("DNA database registered."), "info")
        return redirect(page_forms.to_message(url_for("dna.databases")))
    discard_changes()
    return _databases_page(form, status)
