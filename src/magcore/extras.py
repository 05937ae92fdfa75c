"""Optional extras: which feature needs which ``pip install 'magcore[...]'``, checked up front.

A command that needs an extra calls :func:`require` before it does anything else, so a base
install answers with one clear line naming the extra (and writes nothing) instead of failing
halfway with a traceback::

    >>> from magcore.extras import EXTRAS
    >>> EXTRAS["pdf"]
    ('jinja2', 'weasyprint')
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Iterator

from .errors import ExtraMissingError

__all__ = ["EXTRAS", "ExtraMissingError", "extra_of", "importing", "missing", "require"]

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
    "statistics": ("highspy",),
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


def extra_of(module: str | None) -> str | None:
    """The extra that brings *module* (or the package it is part of), ``None`` for any other.

    ``extra_of("pyarrow.parquet") == "parquet"``; a module two extras bring (Jinja2) gives the
    first of them in :data:`EXTRAS`.
    """
    if not module:
        return None
    for extra, modules in EXTRAS.items():
        for name in modules:
            if module == name or module.startswith(name + ".") or name.startswith(module + "."):
                return extra
    return None


@contextlib.contextmanager
def importing(extra: str, *, feature: str) -> Iterator[None]:
    """Imports in this block that fail raise :class:`~magcore.errors.ExtraMissingError` naming
    *extra* and the module that is missing, instead of a bare ``ModuleNotFoundError``::

        with importing("html", feature="rendering a form as HTML"):
            import jinja2

    Use it where the modules a feature needs are fewer than its extra brings (the HTML form
    needs Jinja2, not markdown-it-py), so that :func:`require` would refuse too much.
    """
    try:
        yield
    except ExtraMissingError:
        raise
    except ImportError as exc:
        absent = exc.name or ", ".join(EXTRAS.get(extra, (extra,)))
        raise ExtraMissingError(extra, feature, [absent]) from exc
