"""The stand-in domain's page, command, demo loader and hook."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint

from casework.auth.policy import require

bp = Blueprint("sample", __name__, url_prefix="/sample")
LOADED: list[int] = []


@bp.route("")
@require("sample.read")
def index() -> str:
    return "sample register"


@bp.route("/cases/<reference>")
@require("sample.read")
def for_case(reference: str) -> str:
    return f"sample records of {reference}"


@click.command("sample")
def sample() -> None:
    """The sample domain's command."""
    click.echo("sample command ran")


def load_demo(session: Any, organisations: Any, users: Any) -> None:
    LOADED.append(len(organisations))


def refuse_closing(session: Any, case: Any) -> str | None:
    return "The sample domain refuses."
