"""magcore's own texts in Frisian wherever people read them: for a reader of ``fy`` no core text
falls back to Dutch (regulation, register, subject-access page, team measurement, statistics'
unit names, e-mails and invitations), and where a plugin's text has no Frisian the page says
which language that part is in (``<span lang="nl">``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

import magcore
from magcore.access.regulation import render_regulation
from magcore.access.retention import BUILTIN_PROFILES
from magcore.access.subject_access import subject_access_export
from magcore.access.subject_access_html import export_html
from magcore.access.subject_access_words import action_words, part_words, word
from magcore.clock import FixedClock
from magcore.i18n import DEFAULT_CATALOGUE, table
from magcore.i18n.documents import DATA_TEXTS, DOCUMENTS
from magcore.languages import LanguageSettings
from magcore.storage.memory import MemoryStore

from ..sharing.support import agreed_conversation, mag_cycle
from .plugin import TEN_YEARS, plugin

PREFIXES = (
    "regulation",
    "regulation.role",
    "regulation.access",
    "parties",
    "register",
    "subject_access",
    "subject_access.column",
    "statistics",
    "measurement",
    *(f"words.{name}" for name in ("role", "state", "what", "purpose", "owner", "result")),
    "words.part",
    "words.action",
)
FRISIAN_FIRST = LanguageSettings(fallbacks={"fy": ["nl"]})


def _dutch_pieces() -> set[str]:
    """The Dutch of every core document text that Frisian writes otherwise, cut at the
    placeholders: a piece of 14 characters or more found in a Frisian page is a leak."""
    pieces: set[str] = set()
    dutch_texts = [DEFAULT_CATALOGUE.messages[s.key].texts() for s in DOCUMENTS]
    dutch_texts += [
        {"nl": nl, "fy": DEFAULT_CATALOGUE.texts["fy"][en]}
        for en in DATA_TEXTS
        for nl in [_data_dutch(en)]
    ]
    for texts in dutch_texts:
        if texts["nl"] == texts["fy"]:
            continue
        for piece in re.split(r"\{[a-z_]+\}", texts["nl"]):
            if len(piece.strip()) >= 14 and piece.strip() not in texts["fy"]:
                pieces.add(piece.strip())
    return pieces


def _data_dutch(english: str) -> str:
    from magcore.access.processing import ACTIVITIES

    for activity in ACTIVITIES.values():
        for text in (activity.name, activity.purpose, activity.data_subjects, activity.categories):
            if text.en == english:
                return text.nl
    for profile in BUILTIN_PROFILES.values():
        if profile.title.en == english:
            return profile.title.nl
    raise AssertionError(f"{english!r} is in DATA_TEXTS but no core data has it")


DUTCH = _dutch_pieces()


def _leaks(text: str) -> list[str]:
    """The Dutch core pieces in *text*, outside the parts marked as another language."""
    own = re.sub(r'<span lang="[^"]+">.*?</span>', "", text)
    return sorted(piece for piece in DUTCH if piece in own)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_core_document_text_is_written_in_frisian(prefix):
    """Each table of magcore's own document texts is complete in nl, en and fy (``locale/``)."""
    assert {"nl", "en", "fy"} <= set(table(prefix))


def test_every_core_data_text_has_its_frisian():
    """The register's activities and the retention profiles' titles: Frisian data texts."""
    frisian = DEFAULT_CATALOGUE.texts["fy"]
    assert all(frisian.get(english) for english in DATA_TEXTS)
    assert len(DUTCH) > 100  # the leak check below has something to look for


class _Lang(HTMLParser):
    """Every text of a page with the language it is marked as (the nearest ``lang``)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.parts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "img", "link", "col"):
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        langs = [lang for _, lang in self.stack if lang]
        if data.strip():
            self.parts.append((langs[-1] if langs else "", data))


def _marked(page: str) -> list[tuple[str, str]]:
    parser = _Lang()
    parser.feed(page)
    return parser.parts


def test_the_regulation_in_frisian_has_no_dutch_core_text_and_marks_the_plugins_dutch():
    """The test municipality's regulation in Frisian: every core text is Frisian; its ten-year
    retention profile (Dutch and English only) is shown in Dutch inside ``lang="nl"``."""
    profiles = {**BUILTIN_PROFILES, TEN_YEARS.id: TEN_YEARS}
    cycle = plugin.definition()
    markdown = render_regulation(cycle, language="fy", profiles=profiles, languages=FRISIAN_FIRST)
    assert markdown.language == "fy"
    assert _leaks(markdown.text) == []
    assert "Gjin skoare" in markdown.text
    assert "Ferwurkingsaktiviteiten" in markdown.text
    assert f'<span lang="nl">{TEN_YEARS.title.nl}</span>' in markdown.text
    page = render_regulation(
        cycle, language="fy", format="html", profiles=profiles, languages=FRISIAN_FIRST
    ).text
    assert '<html lang="fy">' in page
    marked = _marked(page)
    assert ("nl", TEN_YEARS.title.nl) in marked
    # what is marked Dutch is exactly the plugin's texts that have no Frisian
    without_frisian = {TEN_YEARS.title.nl} | {
        text.nl
        for role in cycle.roles
        for text in (role.name, role.description)
        if "fy" not in text.languages
    }
    assert {text for lang, text in marked if lang == "nl"} == without_frisian
    assert {lang for lang, _ in marked} == {"fy", "nl"}
    assert _leaks(page) == []
    # the same regulation in Dutch has no span: nothing fell back
    dutch = render_regulation(cycle, language="nl", profiles=profiles, languages=FRISIAN_FIRST)
    assert "<span" not in dutch.text


def test_amsterdams_regulation_is_frisian_with_its_catalogue_and_marked_dutch_without():
    """Amsterdam's plugin has a Frisian catalogue: with it the kinds' names are Frisian; without
    it (a plugin's text with no Frisian) each name is shown in Dutch, marked so."""
    from magcore_amsterdam.plugin import plugin as amsterdam

    host = magcore.get_plugin_manager(
        load_entry_points=False, extra=[("magcore-amsterdam", amsterdam)]
    )
    catalogues, problems = host.hooks.catalogues()
    assert not problems
    catalogue = catalogues.with_languages(FRISIAN_FIRST).for_cycle("mag")
    cycle = amsterdam.definition()
    with_catalogue = render_regulation(
        cycle, language="fy", format="html", languages=FRISIAN_FIRST, catalogue=catalogue
    ).text
    without = render_regulation(cycle, language="fy", format="html", languages=FRISIAN_FIRST).text
    assert _leaks(with_catalogue) == []
    assert _leaks(without) == []
    assert "Myn Amsterdamsk Petear" in with_catalogue
    assert f'<span lang="nl">{cycle.name.nl}</span>' in without
    dutch_marked = {text for lang, text in _marked(without) if lang == "nl"}
    assert {kind.name.nl for kind in cycle.kinds} <= {t.strip() for t in dutch_marked}
    frisian_marked = {text for lang, text in _marked(with_catalogue) if lang == "nl"}
    assert not {kind.name.nl for kind in cycle.kinds} & {t.strip() for t in frisian_marked}


def test_the_subject_access_page_in_frisian_has_no_dutch_core_text():
    """A Frisian reader's own data: labels, columns, states, actions all in Frisian."""
    store = MemoryStore()
    agreed_conversation(store, "c1", employee="e1", manager="m1", cycle=mag_cycle(), note="n")
    export = subject_access_export(
        store, "e1", requester="e1", clock=FixedClock(datetime(2026, 1, 5, tzinfo=UTC))
    )
    page = export_html(export, language="fy")
    assert '<html lang="fy"' in page
    assert "Jo gegevens (ynsjoch, AVG kêst 15)" in page
    assert _leaks(page) == []
    # the kind's name is the plugin's, without Frisian: shown in Dutch, marked so
    cycle = mag_cycle()
    named = export_html(export, language="fy", cycles={cycle.key: cycle})
    kind = cycle.kinds[0].name
    assert "fy" not in kind.languages
    assert f'<span lang="nl">{kind.nl}</span>' in named
    assert _leaks(named) == []
    assert word("state", "agreed", "fy").startswith("klear")
    assert action_words("record.confirmed", "fy") == "ferslach befêstige"
    assert part_words("conversation:c1/record/3", "fy") == "petear c1: ferslach, feroaring 3"


def test_the_measurement_page_and_unit_names_in_frisian():
    """The team measurement's page and the statistics' unit names have Frisian words."""
    from magcore.access.measurement_html import comparison_html
    from magcore.access.statistics_grid import organisation_tree
    from magcore.testing import generate_organisation

    from ..access.test_measurement_pages import _comparison

    page = comparison_html(_comparison(), "fy")
    assert '<html lang="fy"' in page
    assert _leaks(page) == []
    assert "Teammjitting" in page
    org = generate_organisation(people=12, teams=2, seed=3, start=date(2024, 1, 1))
    tree = organisation_tree(org, language="fy")
    names = [unit.name for unit in tree.units.values()]
    assert any("(eigen meiwurkers)" in name for name in names)
    assert _leaks(" ".join(names)) == []


def test_the_emails_and_invitations_in_frisian():
    """Every e-mail template and the invitation e-mail exist in Frisian and say so."""
    from datetime import timedelta

    from magcore_email.notifier import _languages, render, render_invitation

    from magcore.app.invitations import NO_PLACE, Attendee, Invitation
    from magcore.domain.workflows import Notification

    assert "fy" in _languages()
    for message in (
        "workflow.plan_conversation",
        "workflow.remind",
        "workflow.ask_for_conversation",
        "workflow.invite_coach",
        "workflow.agreements_from_last_time",
        "something.else",
    ):
        dutch = render(_note(Notification, message, "nl"), sender="g@x.test", to="a@x.test")
        mail = render(_note(Notification, message, "fy"), sender="g@x.test", to="a@x.test")
        assert mail["Content-Language"] == "fy"
        assert mail["Subject"] != dutch["Subject"]
        assert "Mei freonlike groet" in mail.get_content()
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    invitation = Invitation(
        conversation="c1",
        method="REQUEST",
        sequence=0,
        start=start,
        end=start + timedelta(hours=1),
        summary="Jiergesprek",
        location=NO_PLACE,
        organizer=Attendee("m1"),
        attendees=(Attendee("e1", "e1@x.test"),),
        stamp=start,
    )
    mail = render_invitation(invitation, sender="g@x.test", to=["e1@x.test"], language="fy")
    body = mail.get_body(("plain",)).get_content()
    assert mail["Content-Language"] == "fy"
    assert mail["Subject"] == "Útnoeging: Jiergesprek"
    assert "Wêr: Noch ôf te praten" in body
    assert "2 Maart 2026" in body


def _note(notification, message: str, language: str):
    return notification(
        key="k",
        message=message,
        recipient="e1",
        language=language,
        link="https://gesprek.example/c1",
        reference="conversation:c1",
        due=date(2026, 3, 2),
        count=2,
    )
