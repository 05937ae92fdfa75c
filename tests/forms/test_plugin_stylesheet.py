"""A municipality plugin brings its own stylesheet with its forms (forms/style.css)."""

from __future__ import annotations

import re

from magcore import get_plugin_manager
from magcore.forms import FormDefinition, render_form


def amsterdam_forms():
    from magcore_amsterdam.plugin import plugin

    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-amsterdam", plugin)])
    return {form.id: form for form in host.hooks.forms()}


def test_packaged_forms_carry_the_plugins_stylesheet():
    """Every Amsterdam form carries forms/style.css, and the rendered page includes it."""
    forms = amsterdam_forms()
    assert set(forms) == {"mag-agreement", "mag-preparation"}
    for form in forms.values():
        assert "#004699" in (form.stylesheet or "")
        styles = re.findall(r"<style>(.*?)</style>", render_form(form, language="nl"), re.S)
        assert len(styles) == 2
        assert "Amsterdam Sans" in styles[1]


def test_callers_stylesheet_wins_over_the_forms_own():
    """An installation may replace the plugin's look (e.g. with the city's hosted CSS)."""
    form = amsterdam_forms()["mag-agreement"]
    html = render_form(form, language="en", stylesheet="h1 { color: #000; }")
    assert "Amsterdam Sans" not in html
    assert "h1 { color: #000; }" in html


def test_a_form_without_a_stylesheet_renders_only_magcores_css():
    """A form from a dict without 'stylesheet' keeps magcore's own look only."""
    form = amsterdam_forms()["mag-agreement"]
    plain = FormDefinition.from_json({k: v for k, v in form.to_json().items() if k != "stylesheet"})
    assert plain.stylesheet is None
    assert len(re.findall(r"<style>", render_form(plain, language="nl"))) == 1
