"""A stand-in domain, installed only by tests/platform/test_registry.py: one package and one
line in the registry are all a domain needs to be wired in."""

from casework import registry
from casework.registry import Action, Command, Domain, Link

DOMAIN = Domain(
    name="sample",
    actions=(Action("sample.read", "focal_point"),),
    pages=("tests.platform.sample_domain.views:bp",),
    cli=(Command("tests.platform.sample_domain.views:sample"),),
    demo="tests.platform.sample_domain.views:load_demo",
    nav=(Link("sample.index", "Sample register", "sample.read"),),
    case_links=(Link("sample.for_case", "Sample records", "sample.read"),),
    hooks=((registry.CLOSE_REFUSAL, "tests.platform.sample_domain.views:refuse_closing"),),
)
