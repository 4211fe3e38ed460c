"""Sign-in throttling: growing delays per account, per client address, and per account from one
address — never one lock that a stream of wrong passwords could put on everyone.

Each failed sign-in (a wrong password, an unknown e-mail, a wrong second-factor code) counts
against three keys:

- ``account_address``: this account from this client address. After `max_failures` failures the
  pair waits 2^k seconds (8 s, 16 s, 32 s, … up to `cap_minutes`): the usual guesser stops here.
- ``account``: this account from anywhere, with four times the allowance, so guessing one
  password from many addresses slows down too, while the account's owner elsewhere is not
  locked out by one noisy address.
- ``address``: this client address for any account, with four times the allowance, so a
  stream against many accounts from one address slows that address only.

While a key waits, a sign-in through it is refused (429, ``Retry-After``) without checking the
password, and the refusal does not count. Counts start again once a key has been quiet for
`window_minutes` after its delay ended; a complete sign-in clears the account's keys. Keys are
stored as HMACs under the instance's session secret, never as e-mails or addresses.

The client address is `request.remote_addr` after werkzeug's ProxyFix, which trusts exactly
`CASEWORK_TRUSTED_PROXIES` proxies (see `casework.auth.context.init_app`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import LoginThrottle
from casework.db import utcnow

ACCOUNT_ADDRESS = "account_address"
ACCOUNT = "account"
ADDRESS = "address"
#: Allowance of each scope, as a multiple of `max_failures`.
ALLOWANCE = {ACCOUNT_ADDRESS: 1, ACCOUNT: 4, ADDRESS: 4}
#: The first delay is 2^FIRST_EXPONENT seconds; each further failure doubles it.
FIRST_EXPONENT = 3


@dataclass(frozen=True)
class Policy:
    max_failures: int
    window_minutes: int
    cap_minutes: int


@dataclass(frozen=True)
class Key:
    scope: str
    hash: str


@dataclass(frozen=True)
class Delay:
    """A key that has just begun (or lengthened) a wait: what the audit trail records."""

    scope: str
    seconds: int
    failures: int


def keys_for(secret: str | bytes, email: str, address: str | None) -> list[Key]:
    """The three keys of a sign-in by `email` from `address`, as HMACs (nothing readable)."""
    email = (email or "").strip().lower()
    address = address or "unknown"
    raw = secret.encode() if isinstance(secret, str) else secret
    key = hmac.new(raw, b"casework sign-in throttle v1", hashlib.sha256).digest()

    def mac(value: str) -> str:
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    return [
        Key(ACCOUNT_ADDRESS, mac(f"account-address:{email}\x00{address}")),
        Key(ACCOUNT, mac(f"account:{email}")),
        Key(ADDRESS, mac(f"address:{address}")),
    ]


def delay_seconds(scope: str, failures: int, policy: Policy) -> int:
    """The wait after `failures` failures of a key of `scope`: none within the allowance, then
    2^3, 2^4, … seconds, capped."""
    allowance = max(1, policy.max_failures) * ALLOWANCE[scope]
    if failures < allowance:
        return 0
    exponent = min(FIRST_EXPONENT + failures - allowance, 30)
    return int(min(2**exponent, policy.cap_minutes * 60))


def retry_after(session: Session, keys: list[Key], now: dt.datetime | None = None) -> int:
    """Seconds until every key may try again (0: go ahead)."""
    now = now or utcnow()
    hashes = [k.hash for k in keys]
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key_hash.in_(hashes)))
    wait = 0.0
    for row in rows:
        if row.locked_until is not None and row.locked_until > now:
            wait = max(wait, (row.locked_until - now).total_seconds())
    return math.ceil(wait)


def _row(session: Session, key_hash: str, now: dt.datetime) -> LoginThrottle:
    """The key's row, created if absent, locked for this transaction (PostgreSQL: FOR UPDATE;
    SQLite: the writer lock), so two failures at once both count."""
    table = LoginThrottle.__table__
    values = {"key_hash": key_hash, "failures": 0, "window_started_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(values).on_conflict_do_nothing())
    stmt = select(LoginThrottle).where(LoginThrottle.key_hash == key_hash).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def record_failure(
    session: Session, keys: list[Key], policy: Policy, now: dt.datetime | None = None
) -> list[Delay]:
    """Count one failure against each key; returns the keys that now have to wait.

    `window_started_at` holds the time of the key's last failure: a key quiet for
    `window_minutes` after its last failure and its delay starts counting from zero again.
    """
    now = now or utcnow()
    delays: list[Delay] = []
    quiet = dt.timedelta(minutes=policy.window_minutes)
    for key in keys:
        row = _row(session, key.hash, now)
        last = max(row.window_started_at, row.locked_until or row.window_started_at)
        if row.failures and now - last > quiet:
            row.failures = 0
        row.failures += 1
        row.window_started_at = now
        seconds = delay_seconds(key.scope, row.failures, policy)
        if seconds:
            row.locked_until = now + dt.timedelta(seconds=seconds)
            delays.append(Delay(key.scope, seconds, row.failures))
    session.flush()
    return delays


def clear(session: Session, keys: list[Key]) -> None:
    """A complete sign-in: the account's keys start afresh (the address keeps its count: other
    people may be guessing from it)."""
    for key in keys:
        if key.scope == ADDRESS:
            continue
        row = session.get(LoginThrottle, key.hash)
        if row is not None:
            session.delete(row)
    session.flush()
