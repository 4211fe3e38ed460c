"""`casework audit …`: verify the hash chain of the audit trail."""

from __future__ import annotations

import sys

import click

from casework.audit.trail import chain_head, verify
from casework.commands import CliContext


@click.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option(
    "--batch-size",
    type=click.IntRange(100, 100_000),
    default=5000,
    show_default=True,
    help="Events read per query (memory use is bounded by it).",
)
def verify_command(batch_size: int) -> None:
    """Walk the audit chain: exit 0 when intact, 1 naming the first broken event."""
    ctx = click.get_current_context().ensure_object(CliContext)
    with ctx.session() as s:
        total = chain_head(s).seq
        if sys.stderr.isatty() and total > batch_size:
            with click.progressbar(
                length=total, label="Verifying audit chain", file=sys.stderr
            ) as bar:
                result = verify(s, batch_size, progress=bar.update)
        else:
            result = verify(s, batch_size)
    if result.ok:
        click.echo(f"audit chain intact: {result.count} events")
        return
    click.echo(f"audit chain broken at event {result.first_bad_seq}: {result.problem}")
    sys.exit(1)
