"""Every domain's models, imported through the registry, so that Base.metadata is complete
(Alembic, tests)."""

from casework import registry
from casework.db import Base

registry.import_models()

metadata = Base.metadata
