"""Defaults shared by every environment; each environment file overrides some of them."""

DATABASE_URL = "sqlite:///instance/casework.db"
KEYRING_FILE = "instance/keyring.json"
SECRET_KEY = None  # never a default secret: generated into instance/ outside production

# Sessions: idle sessions expire after this many minutes.
SESSION_IDLE_MINUTES = 30
# ... and every session ends this many hours after sign-in, however busy (absolute lifetime).
SESSION_ABSOLUTE_HOURS = 12
# Login throttling: failures within the window before a temporary lockout.
LOGIN_MAX_FAILURES = 5
LOGIN_FAILURE_WINDOW_MINUTES = 15
LOGIN_LOCKOUT_MINUTES = 15
# Proxies in front of the service whose X-Forwarded-For is trusted (CASEWORK_TRUSTED_PROXIES).
TRUSTED_PROXIES = 0

# Largest request body accepted (bytes); larger ones get 413.
MAX_CONTENT_LENGTH = 4 * 1024 * 1024

# API tokens expire after this many days unless another value is asked for.
TOKEN_DEFAULT_DAYS = 90

# Planned number of rows per searchable field; sizes the blind indexes (docs/architecture.md).
PLANNED_ROWS = 1_000_000

# The family's status page (/family-status): a status code expires after this many days; a code
# typed or a client address waits out the window after this many failed look-ups within it.
FAMILY_ACCESS_DAYS = 180
FAMILY_STATUS_FAILURES_PER_CODE = 5
FAMILY_STATUS_FAILURES_PER_ADDRESS = 20
FAMILY_STATUS_WINDOW_MINUTES = 15

# Anonymised statistics (the dashboard, GET /api/v1/dashboard/statistics): counts from 1 to
# this minus one are suppressed as null (CASEWORK_STATISTICS_MIN_CELL).
STATISTICS_MIN_CELL = 5

GENERATE_SECRETS = True
SESSION_COOKIE_SECURE = False
