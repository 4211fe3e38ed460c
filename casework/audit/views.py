"""Pages of the audit trail for auditors: the filtered event list and chain verification."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import EXCLUDE, ValidationError
from wtforms import SubmitField

from casework import audit
from casework.audit import queries
from casework.audit.schemas import EventQuerySchema, filters_from
from casework.auth.context import current_actor
from casework.auth.policy import READ_AUDIT, Actor, require
from casework.errors import ROLE_DENIED, Forbidden
from casework.web import db_session

bp = Blueprint("audit", __name__)
log = logging.getLogger("casework.audit")


F = Callable[..., Any]

# The verifier's findings, translated (the core's wording is the English msgid).
_PROBLEMS = {
    "hash mismatch (edited)": _l("hash mismatch (edited)"),
    "missing (deleted)": _l("missing (deleted)"),
    "out of order (swapped or reordered)": _l("out of order (swapped or reordered)"),
    "hash mismatch (edited, hash recomputed)": _l("hash mismatch (edited, hash recomputed)"),
    "does not match the chain head (edited)": _l("does not match the chain head (edited)"),
    "does not start from the genesis hash (edited)": _l(
        "does not start from the genesis hash (edited)"
    ),
    "chain head missing (deleted)": _l("chain head missing (deleted)"),
    "beyond the chain head (inserted)": _l("beyond the chain head (inserted)"),
    "tail cut or head rewritten (the chain head is not authentic)": _l(
        "tail cut or head rewritten (the chain head is not authentic)"
    ),
    "appended after a head that was not authentic (tail cut or head rewritten)": _l(
        "appended after a head that was not authentic (tail cut or head rewritten)"
    ),
    "not sealed under the audit key: if this instance was upgraded from before keyed links "
    "and never resealed, run `casework audit reseal` once; if it was sealed before, the chain "
    "was rewritten (do not reseal; check it against a witnessed head with --head)": _l(
        "not sealed under the audit key: if this instance was upgraded from before keyed links "
        "and never resealed, run `casework audit reseal` once; if it was sealed before, the "
        "chain was rewritten (do not reseal; check it against a witnessed head with --head)"
    ),
}


def read_events(
    actor: Actor, filters: queries.EventFilters, page: int, per_page: int
) -> tuple[list[audit.AuditEvent], int]:
    """One page of the organisation's events; the read is itself audited (filter names only)."""
    s = db_session()
    items, total = queries.events_page(s, actor, filters, page, per_page)
    audit.append(
        s,
        actor,
        "audit.read",
        object_type="audit_events",
        case_reference=filters.case_reference,
        details={"filters": filters.used(), "page": page, "results": len(items)},
    )
    return items, total


def auditor() -> tuple[Actor, uuid.UUID]:
    """The acting auditor and their organisation (the views are behind `require`)."""
    actor = current_actor()
    if actor is None or actor.organisation_id is None:
        raise Forbidden(ROLE_DENIED)
    return actor, actor.organisation_id


class VerifyForm(FlaskForm):
    submit = SubmitField(_l("Verify chain"))


def _query_args() -> dict[str, str]:
    # An empty form field means "no filter"; unknown arguments are ignored.
    return {k: v for k, v in request.args.items() if v.strip()}


@bp.route("/audit")
@login_required
@require(READ_AUDIT)
def events() -> Any:
    actor, _ = auditor()
    raw = _query_args()
    errors: dict[str, Any] = {}
    items: list[audit.AuditEvent] = []
    total, page, per_page = 0, 1, 50
    try:
        args = EventQuerySchema().load(
            {**raw, "per_page": raw.get("per_page", "50")}, unknown=EXCLUDE
        )
    except ValidationError as exc:
        errors = exc.normalized_messages()
    else:
        page, per_page = args["page"], args["per_page"]
        filters = filters_from(args)
        items, total = read_events(actor, filters, page, per_page)
    filters_only = {k: v for k, v in raw.items() if k in ("actor", "case", "action", "from", "to")}
    pages = max(1, -(-total // per_page))
    return render_template(
        "audit/events.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        args=raw,
        filters=filters_only,
        errors=errors,
        verify_form=VerifyForm(),
    ), (422 if errors else 200)


@bp.route("/audit/verify", methods=["POST"])
@login_required
@require(READ_AUDIT)
def verify() -> Any:
    form = VerifyForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("audit.events"))
    actor, _org = auditor()
    s = db_session()
    result = audit.verify(s)
    audit.append(
        s,
        actor,
        "audit.verify",
        object_type="audit_events",
        details={"ok": result.ok, "count": result.count, "first_bad_seq": result.first_bad_seq},
    )
    if result.ok:
        flash(_("Audit chain intact: %(count)s events.", count=result.count), "info")
    else:
        flash(
            _(
                "Audit chain broken at event %(seq)s: %(problem)s",
                seq=result.first_bad_seq,
                problem=_PROBLEMS.get(result.problem or "", result.problem),
            ),
            "error",
        )
    return redirect(url_for("audit.events"))
