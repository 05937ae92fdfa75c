"""Sample plugins for the loading and isolation tests: one good, the others broken on purpose."""
