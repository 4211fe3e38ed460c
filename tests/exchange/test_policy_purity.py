"""The privacy rules are one pure module: it imports only the standard library (no database,
no Flask, nothing else of casework), so the same decision can be made anywhere."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import casework.exchange.policy as policy


def test_the_policy_imports_only_the_standard_library():
    tree = ast.parse(Path(policy.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported, "the module imports something"
    outside = {name for name in imported if name not in sys.stdlib_module_names}
    assert outside == set(), outside
