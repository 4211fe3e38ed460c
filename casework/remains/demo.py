"""Demo data (to be written)."""

from typing import Any


def load_demo_remains(session: Any, organisations: Any, users: Any) -> None:
    return None
