"""`casework keys shred CASE_REF`: crypto-shred one case's personal data (added to `keys`)."""

from __future__ import annotations

import click

from casework.cases import queries
from casework.commands import CliContext, fail, pass_ctx
from casework.keys.cli import confirm_and_shred


@click.command("shred")
@click.argument("case_ref")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def shred(ctx: CliContext, case_ref: str, yes: bool) -> None:
    """Destroy a case's data key: its personal fields become unreadable for good.

    Status, nationality and the other statistics fields stay; the case's blind-index entries
    are removed and a tombstone is written to the audit trail.
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
        key = case.data_key
    confirm_and_shred(
        ctx,
        key,
        description=f"case {reference}",
        yes=yes,
        audit={"object_type": "case", "object_id": reference, "case_reference": reference},
    )
