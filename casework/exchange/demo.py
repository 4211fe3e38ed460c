"""Demo data of the exchange domain (placeholder: being written)."""

from typing import Any


def load_demo_exchange(session: Any, organisations: Any, users: Any) -> None:
    return None
