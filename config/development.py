"""Development: SQLite and generated keys under instance/."""

GENERATE_SECRETS = True
