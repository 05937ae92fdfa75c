"""Forms: definitions (JSON Schema + UI hints in nl and en), validation, HTML and PDF rendering.

``definition`` and ``validation`` need only the core dependencies. Rendering needs Jinja2
(``magcore[html]``) and the PDF needs WeasyPrint (``magcore[pdf]``); their names are imported
lazily, so ``import magcore.forms`` works without them.
"""

from __future__ import annotations

from typing import Any

from .definition import (
    SPECIAL_CATEGORY_RISK,
    Field,
    FormDefinition,
    FormPurpose,
    Group,
    Option,
    Widget,
)
from .examples import example_answers
from .validation import FormValidator, check, fast_available, validate, validator_for

__all__ = [
    "SPECIAL_CATEGORY_RISK",
    "Field",
    "FormDefinition",
    "FormPurpose",
    "FormValidator",
    "Group",
    "Option",
    "Widget",
    "check",
    "example_answers",
    "fast_available",
    "parse_form_data",
    "render_form",
    "render_paper",
    "render_pdf",
    "render_record",
    "validate",
    "validator_for",
]

_LAZY = {
    "parse_form_data": ".postdata",
    "render_form": ".render",
    "render_paper": ".render",
    "render_record": ".render",
    "render_pdf": ".pdf",
}


def __dir__() -> list[str]:
    """The loaded names and every public one (completion and ``help()`` see the lazy ones)."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
