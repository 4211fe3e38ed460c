"""Unidentified remains (post-mortem records) and candidate matching with missing-person cases."""
