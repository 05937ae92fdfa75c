"""The tagged PDF/UA paper form: every label extractable, tagged, with a language, A4, >= 11pt."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest

from magcore.forms import render_pdf

from .support import FILLED, mag_form

pytest.importorskip("weasyprint")
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed"
)


@pytest.fixture(scope="module")
def agreement_pdfs(tmp_path_factory):
    """The MAG agreement form as PDF, in Dutch and English."""
    folder = tmp_path_factory.mktemp("pdf")
    form = mag_form("agreement")
    paths = {}
    for language in ("nl", "en"):
        path = folder / f"agreement-{language}.pdf"
        path.write_bytes(render_pdf(form, language=language))
        paths[language] = path
    return form, paths


def _objects(pdf: bytes) -> bytes:
    """The PDF with every compressed stream (object streams included) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        start = match.end()
        data = pdf[start : start + int(match.group(1))]
        try:
            parts.append(zlib.decompressobj().decompress(data))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_label_can_be_extracted(agreement_pdfs, language):
    """pdftotext finds the title, every group legend, label, sub-field label and option."""
    form, paths = agreement_pdfs
    text = _words(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(paths[language]), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    expected = [form.title.get(language)]
    for group in form.groups:
        if group.legend:
            expected.append(group.legend.get(language))
        for field in group.fields:
            expected.append(field.label.get(language))
            expected.extend(o.label.get(language) for o in field.options)
            for sub in field.fields:
                expected.append(sub.label.get(language))
                expected.extend(o.label.get(language) for o in sub.options)
    missing = [label for label in expected if _words(label) not in text]
    assert missing == []
    assert ("Handtekening" if language == "nl" else "Signature") in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_pdf_is_tagged_with_its_language(agreement_pdfs, language):
    """The catalogue marks the PDF as tagged, has a structure tree, and carries /Lang."""
    _, paths = agreement_pdfs
    objects = _objects(paths[language].read_bytes())

    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true\s*>>", objects)
    assert b"/StructTreeRoot" in objects
    assert re.search(rb"/Lang\s*\(" + language.encode() + rb"\)", objects)
    assert re.search(rb"/S\s*/H1", objects)


def test_a4_pages_and_type_of_at_least_11pt(agreement_pdfs):
    """Every page is A4 and no word is set smaller than 11pt."""
    _, paths = agreement_pdfs
    info = subprocess.run(
        ["pdfinfo", str(paths["nl"])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(paths["nl"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    heights = [
        float(y2) - float(y1)
        for y1, y2 in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox
        )
    ]
    assert heights
    # pdftotext's word box is the font's ascent + descent: about 1.16 x the size for DejaVu Sans.
    assert min(heights) >= 11 * 1.1


def test_a_filled_in_paper_record_prints_the_answers(tmp_path):
    """The same form filled in prints people's words in the boxes."""
    pdf = tmp_path / "filled.pdf"
    pdf.write_bytes(render_pdf(mag_form("agreement"), language="nl", answers=FILLED["agreement"]))
    text = _words(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    )

    assert FILLED["agreement"]["agreements"][0]["text"] in text
    assert "Sanne de Vries" in text
