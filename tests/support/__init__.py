"""Test support for magcore's own suite: axe-core checks and a throwaway PostgreSQL server."""
