"""The keys package as a domain: data keys and blind indexes (tables), the `keys` commands."""

from casework.registry import Command, Domain

DOMAIN = Domain(
    name="keys",
    models=("casework.keys.models",),
    cli=(Command("casework.keys.cli:keys"),),
)
