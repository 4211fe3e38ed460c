"""Demo data (to be written)."""

from typing import Any


def load_demo_identifications(session: Any, organisations: Any, users: Any) -> None:
    return None
