"""The audit trail: an append-only, hash-chained record of who did what to which case, and why.

Public API: `append` (inside the caller's transaction), `append_denial` (own transaction),
`verify` (walks the chain), `chain_head`, `sign_head` (the head signed for a witness or an
exchange manifest), `SignedHead`, `reseal`, `AuditEvent`, `VerifyResult`, `CATEGORIES`.
"""

from casework.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from casework.audit.trail import (
    CATEGORIES,
    SYSTEM,
    AuditActor,
    AuditError,
    AuditKeyMissing,
    ChainHead,
    HeadError,
    PlainActor,
    ResealRefused,
    SignedHead,
    VerifyResult,
    append,
    append_denial,
    chain_head,
    reseal,
    sign_head,
    verify,
)

__all__ = [
    "CATEGORIES",
    "GENESIS_HASH",
    "SYSTEM",
    "AuditActor",
    "AuditError",
    "AuditEvent",
    "AuditHead",
    "AuditKeyMissing",
    "ChainHead",
    "HeadError",
    "PlainActor",
    "ResealRefused",
    "SignedHead",
    "VerifyResult",
    "append",
    "append_denial",
    "chain_head",
    "reseal",
    "sign_head",
    "verify",
]
