"""Production: every secret comes from the environment or files it names; nothing is generated."""

GENERATE_SECRETS = False
DATABASE_URL = None
SESSION_COOKIE_SECURE = True
