"""The subject-access page says what each goal points to and which agreement it came from, as
the JSON export does: a value, a behaviour or a competence by its words in the cycle, in the
page's language; the id when the cycle is not given."""

from __future__ import annotations

import pytest

from magcore import ConfirmRecord, DraftRecord
from magcore.access.subject_access_html import export_html
from magcore.app.record_goals import goal_id

from ..app.test_goal_links import _held, _service

GOALS = [
    ("Beter luisteren", "care-listen"),
    ("Samen plannen", "care-teamwork"),
    ("Mijn vak bijhouden", "craft"),
    ("Zonder koppeling", None),
]

#: The sentences a reader sees per goal (in the order of GOALS), per language.
SAID = {
    "nl": [
        'Dit doel gaat over het gedrag "Luisteren" (waarde "Zorg").',
        'Dit doel gaat over de competentie "Samenwerken" (waarde "Zorg").',
        'Dit doel gaat over de waarde "Vak".',
        None,
    ],
    "en": [
        'This goal is about the behaviour "Listen" (value "Care").',
        'This goal is about the competence "Working together" (value "Care").',
        'This goal is about the value "Craft".',
        None,
    ],
}
CAME_FROM = {
    "nl": "Het komt uit afspraak {agreement} van gesprek {conversation}.",
    "en": "It comes from agreement {agreement} of conversation {conversation}.",
}


@pytest.fixture(scope="module")
def exported():
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    answers = {"goals": [{"goal": t, **({"link": link} if link else {})} for t, link in GOALS]}
    drafted = svc.execute(conv_id, DraftRecord(actor=person, answers=answers))
    for who in (person, manager):
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))
    yield svc, conv_id, svc.export(person)
    svc.close()


def _section(page: str, title: str) -> str:
    start = page.index(f"<h3>{title}</h3>")
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_goal_says_what_it_points_to_and_where_it_came_from(exported, language):
    """The link in words of the cycle, and the agreement of the record it was made from."""
    svc, conv_id, export = exported
    by_title = {g["title"]: g for g in export["goals"]}
    page = export_html(export, language=language, forms=svc.forms, cycles=svc.cycles)
    for index, ((title, link), said) in enumerate(zip(GOALS, SAID[language], strict=True)):
        assert link == by_title[title]["topic"]  # the JSON export has it too
        section = _section(page, title)
        quoted = said.replace('"', "&quot;") if said else None
        if quoted is None:
            assert "<p>Dit doel gaat over" not in section
            assert "<p>This goal is about" not in section
        else:
            assert f"<p>{quoted}</p>" in section
        came_from = CAME_FROM[language].format(agreement=f"goal-{index + 1}", conversation=conv_id)
        assert f"<p>{came_from}</p>" in section
        assert f"{conv_id}#goal-{index + 1}" == by_title[title]["agreement"]
    assert goal_id(conv_id, "goal-1") in {g["id"] for g in export["goals"]}


def test_without_the_cycle_the_link_is_shown_by_its_id(exported):
    """No cycle given to the page: the reader still sees the link, by id and cycle."""
    _svc, _conv_id, export = exported
    page = export_html(export, language="en")
    section = _section(page, "Samen plannen")
    assert "<p>This goal is about &quot;care-teamwork&quot; (cycle linked@1).</p>" in section


def test_frisian_says_it_too(exported):
    """The Frisian page has the same sentences in Frisian."""
    svc, _conv_id, export = exported
    page = export_html(export, language="fy", forms=svc.forms, cycles=svc.cycles)
    assert '<html lang="fy">' in page
    section = _section(page, "Samen plannen")
    assert "<p>Dit doel giet oer de kompetinsje &quot;" in section
