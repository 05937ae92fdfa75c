"""Optional extras: which feature needs which ``pip install 'magcore[...]'``, checked up front.

A command that needs an extra calls :func:`require` before it does anything else, so a base
install answers with one clear line naming the extra (and writes nothing) instead of failing
halfway with a traceback::

    >>> from magcore.extras import EXTRAS
    >>> EXTRAS["pdf"]
    ('jinja2', 'weasyprint')
"""

from __future__ import annotations

import importlib
import importlib.util

from .errors import ExtraMissingError

__all__ = ["EXTRAS", "ExtraMissingError", "missing", "require"]

#: Each optional extra of the ``magcore`` distribution and the modules it brings.
EXTRAS: dict[str, tuple[str, ...]] = {
    "html": ("jinja2", "markdown_it"),
    "pdf": ("jinja2", "weasyprint"),
    "calendar": ("icalendar",),
    "cli": ("rich",),
    "fast": ("jsonschema_rs",),
    "simulate": ("numpy",),
    "parquet": ("pyarrow",),
    "plots": ("matplotlib",),
    "dask": ("dask", "distributed"),
    "logboek": ("opentelemetry.sdk",),
}


def _importable(module: str, *, load: bool) -> bool:
    if not load:
        try:
            return importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            return False
    try:
        importlib.import_module(module)
    except (ImportError, OSError):  # OSError: WeasyPrint without its system libraries
        return False
    return True


def missing(extra: str, *, load: bool = False) -> list[str]:
    """The modules of *extra* that cannot be imported (empty when it is installed).

    With *load*, each module is imported rather than only looked up, which also catches a
    package that is installed but cannot load (WeasyPrint without Pango).
    """
    return [module for module in EXTRAS[extra] if not _importable(module, load=load)]


def require(*extras: str, feature: str, load: bool = False) -> None:
    """Raise :class:`~magcore.errors.ExtraMissingError` naming the first of *extras* that is
    not installed; *feature* says what needs it (``"magcore demo"``)."""
    for extra in extras:
        absent = missing(extra, load=load)
        if absent:
            raise ExtraMissingError(extra, feature, absent)
