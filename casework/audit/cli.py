"""`casework audit …`: verify the chain, print its signed head for a witness, reseal an old
chain under the audit key."""

from __future__ import annotations

import json
import sys

import click

from casework.audit.trail import (
    HeadError,
    ResealRefused,
    SignedHead,
    chain_head,
    reseal,
    sign_head,
    verify,
)
from casework.commands import CliContext, fail

_BATCH = click.option(
    "--batch-size",
    type=click.IntRange(100, 100_000),
    default=5000,
    show_default=True,
    help="Events read per query (memory use is bounded by it).",
)


@click.group("audit")
def audit() -> None:
    """The audit trail."""


def _witnessed(path: str | None) -> SignedHead | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read(64 * 1024)
        doc = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise click.BadParameter(f"cannot read it ({exc.strerror})", param_hint="--head") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise click.BadParameter("not a JSON document", param_hint="--head") from None
    try:
        return SignedHead.from_json(doc)
    except HeadError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from None


@audit.command("verify")
@_BATCH
@click.option(
    "--head",
    "head_file",
    type=click.Path(dir_okay=False),
    help="A signed head printed earlier by `casework audit head`: the chain must still hold "
    "its event, unchanged, and extend it.",
)
def verify_command(batch_size: int, head_file: str | None) -> None:
    """Walk the audit chain: exit 0 when intact, 1 naming the first broken event."""
    witnessed = _witnessed(head_file)
    ctx = click.get_current_context().ensure_object(CliContext)
    with ctx.session() as s:
        total = chain_head(s).seq
        if sys.stderr.isatty() and total > batch_size:
            with click.progressbar(
                length=total, label="Verifying audit chain", file=sys.stderr
            ) as bar:
                result = verify(s, batch_size, progress=bar.update, witnessed=witnessed)
        else:
            result = verify(s, batch_size, witnessed=witnessed)
    if result.ok:
        extends = (
            f" (extends the witnessed head at event {witnessed.sequence})" if witnessed else ""
        )
        click.echo(f"audit chain intact: {result.count} events{extends}")
        return
    click.echo(f"audit chain broken at event {result.first_bad_seq}: {result.problem}")
    sys.exit(1)


@audit.command("head")
def head_command() -> None:
    """Print the chain's head signed with the instance's Ed25519 key, as JSON (sequence, hash,
    time, signature, public key), for an outside witness to keep."""
    ctx = click.get_current_context().ensure_object(CliContext)
    with ctx.session() as s:
        try:
            signed = sign_head(s)
        except HeadError as exc:
            fail(f"cannot sign the head: {exc}")
            return
    click.echo(json.dumps(signed.to_json(), indent=2, sort_keys=True))


@audit.command("reseal")
@_BATCH
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reseal_command(batch_size: int, yes: bool) -> None:
    """Once, after upgrading an instance whose chain predates the audit key: check every old
    link and recompute them all under the key (recorded as `audit.resealed`)."""
    if not yes:
        click.confirm(
            "Reseal the audit chain under the audit key? Run this ONLY once, after upgrading an "
            "instance whose chain was never keyed: the old links are checked first, and a broken "
            "chain is refused. If this chain was sealed before, it was rewritten: do not reseal, "
            "check it against a witnessed head (`casework audit verify --head FILE`)",
            abort=True,
        )
    ctx = click.get_current_context().ensure_object(CliContext)
    try:
        with ctx.session() as s:
            count = reseal(s, batch_size)
    except ResealRefused as exc:
        fail(f"reseal refused: {exc}")
        return
    click.echo(f"audit chain resealed: {count} events")
