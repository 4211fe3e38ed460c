"""Organisations, users, roles, login sessions, API tokens and the authorisation policy."""
