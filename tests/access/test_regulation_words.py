"""The regulation is one language per document: its table of recorded data in that language,
purposes as words (the form's own labels), rendered as HTML by a real Markdown library."""

from __future__ import annotations

import re

import pytest

from magcore.access.inventory import data_inventory
from magcore.access.regulation import render_regulation

from ..forms.support import mag_form
from ..sharing.support import mag_cycle

#: Words of the English inventory that must not appear in the Dutch regulation's table.
ENGLISH = ("personal data", "normal", "talking about", "the answer to", "log data", "opinions")


def _table(text: str, heading: str) -> list[list[str]]:
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split(" | ")])
        elif rows:
            break
    return rows[2:]  # no header, no divider


@pytest.fixture(scope="module")
def forms():
    return {"agreement": mag_form("agreement")}


def test_the_dutch_table_is_dutch_and_names_fields_by_their_form_labels(forms):
    cycle = mag_cycle()
    text = render_regulation(cycle, language="nl", forms=forms).text
    rows = _table(text, "## Wat we vastleggen")
    inventory = data_inventory(cycle, forms=forms)
    assert len(rows) == len(inventory)
    for row in rows:
        words = " ".join(row[1:]).lower()
        assert not [w for w in ENGLISH if w in words], row
    form_rows = {r[0]: r[2] for r in rows if r[0].startswith("`form/agreement/")}
    assert form_rows
    form = forms["agreement"]
    for field in form.fields:
        purpose = form_rows[f"`form/agreement/{field.name}`"]
        assert purpose == f"het antwoord op: {field.label.get('nl')}"
    theme_rows = [r for r in rows if r[0].startswith("`theme/")]
    assert theme_rows
    assert all(r[2].startswith("praten over ") for r in theme_rows)


def test_the_english_table_uses_the_english_labels(forms):
    text = render_regulation(mag_cycle(), language="en", forms=forms).text
    rows = _table(text, "## What we record")
    form = forms["agreement"]
    purposes = {r[0]: r[2] for r in rows}
    for field in form.fields:
        assert purposes[f"`form/agreement/{field.name}`"] == (
            f"the answer to: {field.label.get('en')}"
        )


def test_the_html_is_rendered_by_markdown_it_with_nested_lists_and_escaped_text(forms):
    cycle = mag_cycle(
        description={"nl": "Zie <script>alert(1)</script> hier.", "en": "See <b>this</b>."}
    )
    page = render_regulation(cycle, language="nl", format="html", forms=forms).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # No divider row as data (the old hand-made renderer's fault), headers scoped.
    assert not re.search(r"<td>-+</td>", page)
    assert page.count('<th scope="col">') >= 4
    # The party details are a list inside the list item that introduces them.
    assert re.search(r"<li>[^<]*:\n<ul>\n<li>", page)
