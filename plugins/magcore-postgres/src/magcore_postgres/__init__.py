"""magcore-postgres: a magcore store in PostgreSQL (``postgresql://`` URLs)."""

from __future__ import annotations

from .store import SCHEMA_VERSION, PostgresStore

__all__ = ["SCHEMA_VERSION", "PostgresStore"]
__version__ = "0.1.0"
