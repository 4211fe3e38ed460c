"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from casework.audit import models as audit_models  # noqa: F401
from casework.auth import models as auth_models  # noqa: F401
from casework.cases import models as cases_models  # noqa: F401
from casework.db import Base
from casework.families import models as families_models  # noqa: F401
from casework.keys import models as keys_models  # noqa: F401

metadata = Base.metadata
