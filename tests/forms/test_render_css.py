"""Stylesheets in rendered forms: kept intact for the browser, unable to break out of <style>."""

from __future__ import annotations

import json
import re
from pathlib import Path

from magcore.forms import FormDefinition, render_form, render_paper

FORMS = (
    Path(__file__).resolve().parents[2] / "plugins/magcore-amsterdam/src/magcore_amsterdam/forms"
)


def form():
    return FormDefinition.from_json(json.loads((FORMS / "agreement.form.json").read_text("utf-8")))


def test_css_is_not_html_escaped():
    """Quotes in selectors reach the browser and WeasyPrint as quotes, not &#34;."""
    html = render_paper(form(), language="nl")
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "&#34;" not in style
    assert "&quot;" not in style


def test_plugin_css_cannot_close_the_style_element():
    """A municipality stylesheet with '</style><script>' stays CSS text inside its element."""
    html = render_form(
        form(), language="en", stylesheet="a{color:#000}</style><script>alert(1)</script>"
    )
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 2
    assert "<script>alert(1)</script>" not in html.replace(styles[1], "")
    assert "<\\/style>" in styles[1]
