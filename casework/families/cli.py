"""`casework keys shred-relative RELATIVE_ID`: a relative's erasure from the command line."""

from __future__ import annotations

import uuid

import click

from casework.commands import CliContext, fail, pass_ctx


@click.command("shred-relative")
@click.argument("relative_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def shred_relative(ctx: CliContext, relative_id: str, yes: bool) -> None:
    """Destroy a relative's data key: contacts and notes become unreadable (irreversible)."""
    from casework.auth.policy import Actor
    from casework.families import operations, queries
    from casework.families.models import Relative
    from casework.keys.cli import confirm_and_shred

    try:
        rid = uuid.UUID(relative_id)
    except ValueError:
        fail("no relative with this id")
        return
    with ctx.session() as s:
        relative = s.get(Relative, rid)
        if relative is None:
            fail("no relative with this id")
            return
        key = relative.data_key
        reference = relative.case.reference
        entries = queries.index_entry_count(s, key.id)
    confirm_and_shred(
        ctx,
        key,
        description=f"relative {rid} of case {reference}",
        yes=yes,
        audit={"object_type": "relative", "object_id": str(rid), "case_reference": reference},
    )
    with ctx.session() as s:
        shredded = s.get(Relative, rid)
        assert shredded is not None  # relatives are never deleted
        operations.after_cli_shred(s, Actor.system("cli"), shredded, entries)
