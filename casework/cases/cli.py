"""The case registry's commands: `casework cases show CASE_REF` (a read through the access
gateway, audited like any other) and `casework keys shred CASE_REF` (added to `keys`)."""

from __future__ import annotations

import json

import click

from casework import registry
from casework.access import Access, dump
from casework.auth.policy import Actor
from casework.cases import queries
from casework.cases.resources import CASE
from casework.cases.schemas import CaseSchema
from casework.commands import CliContext, Group, fail, pass_ctx
from casework.keys.cli import Shred, confirm_and_shred


@click.group("cases", cls=Group)
def cases() -> None:
    """Missing-person cases."""


@cases.command("show")
@click.argument("case_ref")
@click.option(
    "--purpose",
    required=True,
    help="Why the record is read (written to the audit trail), e.g. 'data_subject_request'.",
)
@pass_ctx
def show(ctx: CliContext, case_ref: str, purpose: str) -> None:
    """Print a case as JSON (the API's fields). The read is audited with its purpose."""
    if not purpose.replace("_", "").isalnum() or len(purpose) > 64:
        fail("--purpose: letters, digits and underscores, at most 64")
    with ctx.session() as s:
        access = Access(s, Actor.system("cli"), purpose=purpose.lower())
        case = queries.visible_case(access, case_ref)
        if case is None:
            fail(f"no case {queries.normalise_reference(case_ref)}")
            return
        body = dump(CaseSchema(), access.read(CASE, case, view="cli"))
    click.echo(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True))


@cases.command("reindex-names")
@click.option("--batch", default=500, show_default=True, help="Cases per transaction.")
@pass_ctx
def reindex_names(ctx: CliContext, batch: int) -> None:
    """Recompute every case's name keys in the blind index (after an upgrade that changes how
    names are matched). Names are decrypted in memory only; safe to run while the service runs
    and to run again."""
    from sqlalchemy import func, select

    from casework.cases import operations
    from casework.cases.models import Case
    from casework.keys import RecordUnreadable

    with ctx.session() as s:
        total = s.scalar(select(func.count(Case.id))) or 0
    done = skipped = 0
    last = None
    with click.progressbar(length=total, label="re-indexing case names") as bar:
        while True:
            with ctx.session() as s:
                stmt = select(Case).order_by(Case.id).limit(batch)
                if last is not None:
                    stmt = stmt.where(Case.id > last)
                rows = list(s.scalars(stmt))
                if not rows:
                    break
                for case in rows:
                    try:
                        if not case.is_shredded:
                            operations.reindex_names(s, case)
                            done += 1
                    except RecordUnreadable:
                        skipped += 1  # a damaged record keeps its old keys
                last = rows[-1].id
                bar.update(len(rows))
    click.echo(f"re-indexed {done} cases" + (f", {skipped} unreadable" if skipped else ""))


@click.command("shred")
@click.argument("case_ref")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def shred(ctx: CliContext, case_ref: str, yes: bool) -> None:
    """Destroy a case's data key, and its relatives' keys with it: their personal fields become
    unreadable for good (one confirmation lists every subject; --yes skips it).

    Status, nationality and the other statistics fields stay; the blind-index entries (names,
    phones, e-mails) are removed, the freed pages erased, and a tombstone per subject is written
    to the audit trail for the owning organisation.
    """
    reference = queries.normalise_reference(case_ref)
    with ctx.session() as s:
        case = (
            queries.case_by_reference_any_org(s, reference)
            if queries.is_reference(reference)
            else None
        )
        if case is None:
            fail(f"no case {reference}")
            return
        if case.is_shredded:
            fail(f"case {reference} was already shredded.")
        subjects = [
            Shred(
                key_id=case.data_key_id,
                description=f"case {reference}",
                organisation_id=case.organisation_id,
                object_type="case",
                object_id=reference,
                case_reference=reference,
            ),
            *registry.gather(registry.CASE_SHRED_DEPENDENTS, s, case),
        ]
    confirm_and_shred(ctx, subjects, yes=yes)
