"""The remains domain's actions (their roles are declared in remains/domain.py)."""

from __future__ import annotations

READ_REMAINS = "remains.read"
WRITE_REMAINS = "remains.write"
