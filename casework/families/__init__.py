"""Relatives of missing persons, their consent records and the notifications to families.

Importing the package adds families' case-closing rule to the case registry's close guards
(the registry never imports families: imports only point down).
"""

from casework.cases.policy import CLOSE_GUARDS
from casework.families.policy import refuse_closing

if refuse_closing not in CLOSE_GUARDS:
    CLOSE_GUARDS.append(refuse_closing)
