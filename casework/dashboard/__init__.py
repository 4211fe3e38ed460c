"""The dashboard: anonymised counts of an organisation's cases, as a page and as an API."""
