"""The access gateway: every read of personal data goes through `Access` (see gateway.py)."""

from casework.access.changes import record_change
from casework.access.gateway import (
    GRANTEE_ROLES,
    OWN_CATEGORIES,
    Access,
    GrantProvider,
    Resource,
    Shown,
    dump,
    records,
)

__all__ = [
    "GRANTEE_ROLES",
    "OWN_CATEGORIES",
    "Access",
    "GrantProvider",
    "Resource",
    "Shown",
    "dump",
    "record_change",
    "records",
]
