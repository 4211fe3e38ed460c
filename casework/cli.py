"""The `casework` command line: database, organisations, users, tokens, keys, audit, demo."""

from __future__ import annotations

import os

import click
from flask import Flask

from casework import registry
from casework.commands import CliContext, Group, fail, pass_ctx
from casework.ops.cli import backup_command, restore_command
from casework.settings import load_settings


@click.group(cls=Group)
@click.version_option(package_name="casework")
def main() -> None:
    """casework — case coordination for missing migrants."""


@main.group(cls=Group)
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_ctx
def db_upgrade(ctx: CliContext, revision: str) -> None:
    """Apply all migrations (creates the database if needed)."""
    from casework import migrate

    migrate.upgrade(ctx.settings.database_url, revision)
    click.echo(f"Database is at {revision}.")


@db.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def db_downgrade(ctx: CliContext, revision: str, yes: bool) -> None:
    """Revert migrations down to REVISION (drops data of newer tables)."""
    from casework import migrate

    if not yes:
        click.confirm(f"Downgrade to {revision}? Data in dropped tables is lost.", abort=True)
    migrate.downgrade(ctx.settings.database_url, revision)
    click.echo(f"Database is at {revision}.")


@main.command("create-org")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. SV.")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(
        [
            "national_authority",
            "forensic_institute",
            "humanitarian",
            "consulate",
            "intergovernmental",
        ]
    ),
)
@pass_ctx
def create_org(ctx: CliContext, name: str, country: str, kind: str) -> None:
    """Create an organisation; prints its id on the last line."""
    from casework.auth import operations

    with ctx.session() as s:
        org = operations.create_organisation(s, name, country, kind)
        org_id = org.id
    click.echo(f"Created organisation {name} ({country.upper()}).")
    click.echo(str(org_id))


@main.command("create-user")
@click.option("--email", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        [
            "admin",
            "focal_point",
            "family_liaison",
            "forensic",
            "partner",
            "auditor",
        ]
    ),
)
@click.option("--org", "org_id", required=True, help="Organisation id (from create-org).")
@pass_ctx
def create_user(ctx: CliContext, email: str, role: str, org_id: str) -> None:
    """Create a user; the password comes from CASEWORK_PASSWORD or a prompt."""
    from casework.auth import operations

    password = os.environ.get("CASEWORK_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    with ctx.session() as s:
        user = operations.create_user(s, email, password, role, org_id)
        user_id = user.id
    click.echo(f"Created user {email.strip().lower()} ({role}).")
    click.echo(str(user_id))


@main.command("create-token")
@click.option("--email", required=True)
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None)
@pass_ctx
def create_token(ctx: CliContext, email: str, expires_days: int | None) -> None:
    """Create an API token; prints it alone on the last line (it is shown only once)."""
    from casework.auth import operations, queries

    days = expires_days or ctx.settings.token_default_days
    with ctx.session() as s:
        user = queries.user_by_email(s, email)
        if user is None or not user.is_active:
            fail("no active user with this email")
        token, secret = operations.create_token(s, user, days)
        expires = token.expires_at
    click.echo(f"Token for {email} expires {expires:%Y-%m-%d %H:%M} UTC. Store it now:")
    click.echo(secret)


@main.command("revoke-token")
@click.option("--email", required=True)
@pass_ctx
def revoke_token(ctx: CliContext, email: str) -> None:
    """Revoke every active API token of a user."""
    from casework.auth import operations, queries

    with ctx.session() as s:
        user = queries.user_by_email(s, email)
        if user is None:
            fail("no user with this email")
        count = 0
        for token in queries.tokens_of_user(s, user.id):
            if token.revoked_at is None:
                operations.revoke_token(s, token.id)
                count += 1
    click.echo(f"Revoked {count} token(s).")


def _serve(app: Flask, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_ctx
def serve(ctx: CliContext, host: str, port: int) -> None:
    """Serve the configured instance (for production use gunicorn "casework:create_app()")."""
    _serve(ctx.app, host, port)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit.")
@pass_ctx
def demo(ctx: CliContext, host: str, port: int, no_serve: bool) -> None:
    """Create (or reuse) a SQLite demo instance under ./instance/, print logins, and serve."""
    from casework import demo as demo_data
    from casework import migrate

    settings = load_settings(
        env="development",
        database_url="sqlite:///instance/casework.db",
        keyring_file="instance/keyring.json",
        instance_path="instance",
    )
    ctx.use(settings)
    migrate.upgrade(settings.database_url)
    with ctx.session() as s:
        logins, password = demo_data.load(s, settings)
    click.echo(f"Demo logins (password for all: {password}):")
    for email, role, org in logins:
        click.echo(f"  {email:<40} {role:<15} {org}")
    click.echo(
        "Admins, auditors and partners set up two-step sign-in at their first sign-in "
        "(any TOTP authenticator app; the key is also shown as text)."
    )
    if not no_serve:
        _serve(ctx.app, host, port)


@main.group(cls=Group, name="i18n")
def i18n_group() -> None:
    """Translation catalogues (casework/translations/<lang>/LC_MESSAGES/messages.po)."""


@i18n_group.command("compile")
@click.option("--force", is_flag=True, help="Compile every catalogue, not only the stale ones.")
def i18n_compile(force: bool) -> None:
    """Compile the catalogues into .mo files (the app also does it on start when one is missing
    or older than its .po). Fuzzy and untranslated messages stay in English."""
    from casework import i18n

    try:
        done = i18n.compile_all(force=force)
    except (i18n.CompileError, OSError) as exc:
        fail(f"cannot compile the catalogues: {exc}")
    for catalogue, translated in done:
        click.echo(f"{catalogue.language}: {translated} messages translated -> {catalogue.mo}")
    if not done:
        click.echo("The compiled catalogues are up to date.")


def load_domain_commands(group: click.Group) -> None:
    """Each domain's commands, from the registry, lowest layer first (a group may be extended
    by a higher domain, e.g. `keys shred` by the case registry)."""
    groups: dict[str, click.Group] = {}
    for _, command in registry.each("cli"):
        target = registry.resolve(command.ref)
        if command.group is None:
            group.add_command(target)
            if isinstance(target, click.Group):
                groups[target.name or ""] = target
        else:
            groups[command.group].add_command(target)


load_domain_commands(main)
main.add_command(backup_command)
main.add_command(restore_command)
