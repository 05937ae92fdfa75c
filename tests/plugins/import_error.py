"""A plugin whose import fails (a dependency that is not installed)."""

from __future__ import annotations

import magcore_dependency_that_does_not_exist  # noqa: F401
