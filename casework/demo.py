"""Demo data: organisations in several countries, a user for every role, and domain samples."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import registry
from casework.auth import operations
from casework.auth.models import Organisation, User
from casework.settings import Settings

DEMO_ORGS = [
    ("Dirección de Búsqueda de Personas Desaparecidas", "SV", "national_authority"),
    ("Instituto de Medicina Legal", "SV", "forensic_institute"),
    ("Procuraduría de Derechos Humanos", "GT", "national_authority"),
    ("Humanitarian Tracing Network", "CH", "humanitarian"),
]

# (email, role, organisation index)
DEMO_USERS = [
    ("admin@sv.demo", "admin", 0),
    ("focal@sv.demo", "focal_point", 0),
    # The second person of the four-eyes rule (shares to a State authority, DNA references).
    ("focal2@sv.demo", "focal_point", 0),
    ("liaison@sv.demo", "family_liaison", 0),
    # The search directorate's medico-legal unit: it matches remains with the directorate's
    # own cases. The forensic institute (organisation 1) sees cases once they are shared.
    ("forensic@sv.demo", "forensic", 0),
    ("auditor@sv.demo", "auditor", 0),
    ("focal@gt.demo", "focal_point", 2),
    ("partner@tracing.demo", "partner", 3),
]

# A domain's loader: fn(session, organisations by index, users by email).
DemoLoader = Callable[[Session, list[Organisation], dict[str, User]], None]


def domain_loaders() -> list[DemoLoader]:
    """Each domain's demo data, from the registry, lowest layer first."""
    return [registry.resolve(d.demo) for d in registry.domains() if d.demo]


def demo_password(settings: Settings) -> str:
    """One random password for all demo logins, kept in instance/demo-password (0600)."""
    path = Path(settings.instance_path) / "demo-password"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def load(session: Session, settings: Settings) -> tuple[list[tuple[str, str, str]], str]:
    """Create the demo organisations, users and domain samples once; reuse them afterwards."""
    password = demo_password(settings)
    orgs: list[Organisation] = []
    for name, country, kind in DEMO_ORGS:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        orgs.append(org or operations.create_organisation(session, name, country, kind))
    users: dict[str, User] = {}
    created = False
    for email, role, idx in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = operations.create_user(session, email, password, role, orgs[idx].id)
            created = True
        users[email] = user
    if created:
        for loader in domain_loaders():
            loader(session, orgs, users)
    logins = [(email, role, orgs[idx].name) for email, role, idx in DEMO_USERS]
    return logins, password
