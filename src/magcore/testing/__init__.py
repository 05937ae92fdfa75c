"""The kit for plugin authors and tests: generators, fixtures and conformance suites.

The pytest plugin (``magcore.testing.pytest_plugin``) is registered through the ``pytest11``
entry point, so installing magcore gives its fixtures to every test suite.
"""

from __future__ import annotations

from .orggen import generate_organisation

__all__ = ["generate_organisation"]
