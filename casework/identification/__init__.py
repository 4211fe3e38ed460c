"""Identifications of missing persons: recorded by one person, confirmed by a second."""
