"""Rendering: semantic, accessible HTML that works without JavaScript and prints as paper."""

from __future__ import annotations

import pytest

from magcore.forms import parse_form_data, render_form, render_paper, render_record, validate
from magcore.i18n import DEFAULT_CATALOGUE

from .htmlcheck import Page, controls
from .support import BROKEN, FILLED, mag_form

FORMS = {name: mag_form(name) for name in ("preparation", "agreement")}
CASES = [
    (name, language, state)
    for name in sorted(FORMS)
    for language in ("nl", "en")
    for state in ("empty", "filled", "errors")
]


def _render(name, language, state):
    form = FORMS[name]
    if state == "empty":
        return render_form(form, language=language)
    answers = FILLED[name] if state == "filled" else BROKEN[name]
    return render_form(
        form,
        language=language,
        answers=answers,
        problems=validate(form, answers, language=language),
    )


@pytest.mark.parametrize(("name", "language", "state"), CASES)
def test_every_control_has_a_label_and_every_reference_resolves(name, language, state):
    """lang set; unique ids; each control has a <label for>; describedby and links resolve."""
    page = Page(_render(name, language, state))

    assert page.all("html")[0]["lang"] == language
    ids = page.ids
    assert len(ids) == len(set(ids))
    labelled = {attrs["for"] for attrs in page.all("label")}
    for control in controls(page):
        assert control["id"] in labelled, control
        for ref in control.get("aria-describedby", "").split():
            assert ref in ids
    for fieldset in page.all("fieldset"):
        for ref in fieldset.get("aria-describedby", "").split():
            assert ref in ids
    for link in page.all("a"):
        assert link["href"].removeprefix("#") in ids
    assert page.all("script") == []
    assert page.all("form")[0]["method"] == "post"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_errors_are_summarised_at_the_top_and_shown_at_each_field(language):
    """The summary lists every problem with a link to its field, which says 'Fout:'/'Error:'."""
    form = FORMS["agreement"]
    problems = validate(form, BROKEN["agreement"], language=language)
    page = Page(
        render_form(form, language=language, answers=BROKEN["agreement"], problems=problems)
    )

    links = [a["href"] for a in page.all("a")]
    assert links == [f"#field-{p.pointer.strip('/').replace('/', '-')}" for p in problems]
    prefix = DEFAULT_CATALOGUE.message("form.error_prefix", language)
    for problem in problems:
        assert f"{prefix} {problem.message}" in page.text
    invalid = {c["id"] for c in controls(page) if c.get("aria-invalid") == "true"}
    assert "field-held_on" in invalid
    assert page.all("title")[0] is not None
    assert page.text.startswith(prefix)


def test_groups_and_option_sets_are_fieldsets_with_legends():
    """Each group, each repeat block and each set of options is a fieldset with a legend."""
    html = render_form(FORMS["agreement"], language="en")
    page = Page(html)

    assert len(page.all("fieldset")) == len(page.all("legend"))
    for legend in ("The conversation", "Agreements", "Agreement 1", "Who does it?"):
        assert f"<legend>{legend}" in html or f'field-label">{legend}' in html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_sensitive_field_shows_the_b1_hint_tied_to_the_field(language):
    """A special-category-risk field says 'no medical information' and links the hint."""
    page = Page(render_form(FORMS["preparation"], language=language))

    hint = DEFAULT_CATALOGUE.message("form.sensitive_hint", language)
    assert hint in page.text
    textarea = next(t for t in page.all("textarea") if t["name"] == "wellbeing")
    assert "field-wellbeing-sensitive" in textarea["aria-describedby"].split()
    other = next(t for t in page.all("textarea") if t["name"] == "going_well")
    assert "sensitive" not in other.get("aria-describedby", "")


def test_answers_are_escaped():
    """Text people typed is escaped, never markup."""
    answers = {"going_well": '<script>alert("x")</script>'}
    html = render_form(FORMS["preparation"], answers=answers)

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_plain_post_gives_back_the_answers(name):
    """What a browser posts from the filled-in form parses back to the same answers."""
    form = FORMS[name]
    page = Page(render_form(form, answers=FILLED[name]))

    assert parse_form_data(form, page.posted()) == FILLED[name]


def test_an_empty_post_gives_no_answers_and_explains_what_is_missing():
    """Posting the empty form yields {} and the required fields are named."""
    form = FORMS["agreement"]
    page = Page(render_form(form))

    answers = parse_form_data(form, page.posted())

    assert answers == {}
    assert [p.pointer for p in validate(form, answers)] == ["/held_on", "/summary"]


def test_print_stylesheet_and_a_plugin_stylesheet():
    """The page prints on A4 and loads a municipality's own CSS after magcore's."""
    html = render_form(
        FORMS["preparation"],
        stylesheet="body { font-family: Amsterdam; }",
        stylesheet_href="/a.css",
    )

    assert "@media print" in html
    assert "size: A4" in html
    assert html.index("font-family: Amsterdam") > html.index("@media print")
    assert '<link rel="stylesheet" href="/a.css">' in html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_record_view_shows_answers_with_option_labels(language):
    """The filled-in record reads as headings and definition lists with people's words."""
    form = FORMS["agreement"]
    page = Page(render_record(form, FILLED["agreement"], language=language))

    text = page.text
    assert FILLED["agreement"]["summary"] in text
    assert ("Allebei" if language == "nl" else "Both") in text
    assert ("Vitaliteit" if language == "nl" else "Vitality") in text
    assert ("8 uur" if language == "nl" else "8 hours") in text
    assert page.all("h1")
    assert len(page.all("h2")) == len(form.groups)
    assert page.all("input") == []


def test_paper_registration_without_content_says_so():
    """A record registered as 'held, agreements on paper' shows that and no empty answers."""
    page = Page(
        render_record(FORMS["agreement"], {}, language="en", medium="paper", content_on_paper=True)
    )

    assert "The agreements are on paper." in page.text
    assert "Recorded: on paper" in page.text
    assert page.all("dl") == []


def test_paper_layout_has_boxes_signatures_and_every_label():
    """The paper form has room to write, signature blocks, and every label and option."""
    form = FORMS["agreement"]
    html = render_paper(form, language="nl")
    page = Page(html)

    for field in form.fields:
        assert field.label.nl in page.text
    assert page.all("input") == []
    assert "Handtekening" in page.text
    boxes = [d for d in page.all("div") if "box" in d.get("class", "").split()]
    assert len(boxes) >= 4


def test_a_filled_record_on_paper_has_no_blank_agreement_slots():
    """Issue 19: a record printed after the conversation is compact: only what was written.
    A blank paper form keeps the slots the form asks for (``paper_items``)."""
    form = FORMS["agreement"]
    agreements = form.field("agreements")
    blank = Page(render_paper(form, language="nl")).text
    item = agreements.item_label or agreements.label
    for number in range(1, agreements.paper_items + 1):
        assert f"{item.nl} {number}" in blank
    one = {
        **FILLED["agreement"],
        "agreements": FILLED["agreement"]["agreements"][:1],
    }
    filled = Page(render_paper(form, language="nl", answers=one)).text
    assert f"{item.nl} 1" in filled
    assert f"{item.nl} 2" not in filled


def test_written_answers_on_paper_take_the_room_they_need():
    html = render_paper(FORMS["agreement"], language="nl", answers=FILLED["agreement"])
    boxes = [d for d in Page(html).all("div") if "box" in d.get("class", "").split()]
    filled = [d for d in boxes if "filled" in d.get("class", "").split()]
    assert filled
    assert len(filled) < len(boxes)  # the signature boxes stay empty, with room to write


def test_a_filled_record_on_paper_shows_a_drop_downs_choice_not_its_list():
    """A select is for long lists (Rijswijk's behaviours and competences): blank on paper it
    lists every option to tick; filled in, it shows what was chosen only."""
    from magcore.forms import FormDefinition

    options = {f"o{i}": {"nl": f"Keuze nummer {i}", "en": f"Choice {i}"} for i in range(12)}
    form = FormDefinition.from_json(
        {
            "id": "pick",
            "version": 1,
            "purpose": "record",
            "title": {"nl": "Kies", "en": "Pick"},
            "schema": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {"about": {"type": "string", "enum": list(options)}},
            },
            "ui": {
                "fields": {
                    "about": {
                        "label": {"nl": "Waarover", "en": "About"},
                        "widget": "select",
                        "options": options,
                    }
                }
            },
        }
    )
    blank = Page(render_paper(form, language="nl")).text
    assert all(f"Keuze nummer {i}" in blank for i in range(12))
    filled = Page(render_paper(form, language="nl", answers={"about": "o7"})).text
    assert "Keuze nummer 7" in filled
    assert "Keuze nummer 3" not in filled
