"""Plumbing shared by every command of the `casework` CLI: the context (settings, app, one
session per command), one-line failures instead of tracebacks. Domains' command groups import
this, never the top-level `casework.cli` (which imports them through the registry)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from sqlalchemy.orm import Session

from casework.errors import CaseworkError
from casework.settings import ConfigurationError, Settings, load_settings


class CliContext:
    """Settings and, on demand, the app; one session per command."""

    def __init__(self, app: Flask | None = None) -> None:
        self._app = app
        self._settings: Settings | None = app.extensions["casework.settings"] if app else None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def use(self, settings: Settings) -> None:
        self._settings, self._app = settings, None

    @property
    def app(self) -> Flask:
        if self._app is None:
            # The factory sits above every domain; it is looked up, not imported, from here.
            create_app = importlib.import_module("casework").create_app
            self._app = create_app(self.settings)
        return self._app

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.app.extensions["casework.db"].session() as session:
            yield session


pass_ctx = click.make_pass_decorator(CliContext, ensure=True)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


class Group(click.Group):
    """Turns expected failures into a one-line message instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:
            fail(f"cannot start: {exc}", 2)
        except CaseworkError as exc:
            details = "; ".join(
                f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in exc.fields.items()
            )
            fail(exc.message + (f" ({details})" if details else ""))
