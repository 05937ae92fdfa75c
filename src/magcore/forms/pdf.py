"""A tagged PDF/UA paper form, from the same definition as the web form (``magcore[pdf]``).

WeasyPrint turns the paper layout (:func:`magcore.forms.render_paper`: A4, 12pt type, boxes and
lines with room to write, signature blocks on a record form) into a PDF with the ``pdf/ua-1``
variant: the PDF is tagged (a structure tree with headings, paragraphs and lists), marked as
such, and carries the document language from ``<html lang>``. Published government PDFs must be
accessible (EN 301 549), and people who need a screen reader get the same form as everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..extras import require
from ..i18n import Catalogue
from .definition import FormDefinition

__all__ = ["PDF_VARIANT", "render_pdf"]

#: The WeasyPrint PDF variant used: PDF/UA-1 (tagged, with language and title metadata).
PDF_VARIANT = "pdf/ua-1"


def render_pdf(
    form: FormDefinition,
    *,
    language: str = "nl",
    answers: Mapping[str, Any] | None = None,
    catalogue: Catalogue | None = None,
    stylesheet: str | None = None,
) -> bytes:
    """The paper form (empty, or filled in with *answers*) as tagged PDF/UA bytes.

    Raises :class:`~magcore.errors.ExtraMissingError` (an :class:`ImportError`) naming the
    extra ``pdf`` when Jinja2 or WeasyPrint is missing, or WeasyPrint cannot load (no Pango).
    """
    require("pdf", feature="the PDF form", load=True)
    import weasyprint

    from .render import render_paper

    html = render_paper(
        form, language=language, answers=answers, catalogue=catalogue, stylesheet=stylesheet
    )
    document = weasyprint.HTML(string=html, base_url=None)
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    return pdf
