"""`casework exchange …`: sharing from the command line (packages between instances come later)."""

from __future__ import annotations

import click

from casework.commands import CliContext, pass_ctx


@click.group("exchange")
def exchange() -> None:
    """Sharing with partner organisations."""


@exchange.command("expire")
@pass_ctx
def expire(ctx: CliContext) -> None:
    """Record the end of every share whose retention period ran out (access already stopped
    at that time; this writes it in the exchange log). Safe to run from cron at any time."""
    from casework.exchange import operations

    with ctx.session() as s:
        ended = operations.expire_due(s)
        s.commit()
    click.echo(f"{ended} share(s) expired")
