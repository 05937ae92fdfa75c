"""magcore's pytest plugin (registered through the ``pytest11`` entry point).

Kept light: fixtures import magcore lazily, because pytest imports this module before coverage
starts and in every project that merely has magcore installed.
"""

from __future__ import annotations
