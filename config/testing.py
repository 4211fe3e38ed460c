"""Testing: the test suite passes database and key paths explicitly."""

GENERATE_SECRETS = True
LOGIN_MAX_FAILURES = 3
# The blind indexes of the test suite are sized like a small office.
PLANNED_ROWS = 10_000
