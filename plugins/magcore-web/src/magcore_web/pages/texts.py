"""Every text the pages show, in plain Dutch (B1), English and Frisian, through magcore's
catalogue.

The pages use the same mechanism as the core (:class:`magcore.i18n.Catalogue`): a municipality
plugin that replaces a word (``klant`` → ``inwoner``) or a message changes the pages too. The
page catalogue is the core's default catalogue with these messages layered on top. Dutch and
English are written here (the source); every other language is a gettext catalogue in
``magcore_web/locale/<tag>/LC_MESSAGES/messages.po`` (context: the message id, ``msgid``: the
English text), made from the template :func:`template` writes (``make messages``) and compiled
to ``.mo`` like the core's and the plugins' catalogues.

Languages: a page can be asked for in ``nl``, ``en`` or ``fy`` (Frisian). A language the
catalogue has no texts for is shown in Dutch and *labelled* Dutch (``lang="nl"``), with a short
note in the asked language, marked with that language, saying so: a screen reader never reads
Dutch with a Frisian voice. A single message missing in the page's language is shown in the
next language of the chain inside ``<span lang>`` (see :func:`labelled`).
"""

from __future__ import annotations

from importlib.resources import files

from markupsafe import Markup

from magcore.i18n import DEFAULT_CATALOGUE, Catalogue
from magcore.i18n.files import bundles_from_folder
from magcore.model.text import Text

__all__ = [
    "CATALOGUE",
    "PAGE_LANGUAGES",
    "content_language",
    "fallback_note",
    "labelled",
    "template",
]

#: The languages a person can choose on the pages.
PAGE_LANGUAGES = ("nl", "en", "fy")

_NAMES = {"nl": "Nederlands", "en": "English", "fy": "Frysk"}

#: Said in the asked language when the pages fall back to Dutch for it.
_FALLBACK = {
    "fy": "Dizze side is noch net yn it Frysk oerset. Jo sjogge de Nederlânske tekst.",
}

_MESSAGES: dict[str, tuple[str, str]] = {
    "site.name": ("Gesprekken", "Conversations"),
    "site.skip": ("Naar de inhoud", "Skip to content"),
    "site.menu": ("Menu", "Menu"),
    "site.language": ("Taal", "Language"),
    "site.signed_in_as": ("Ingelogd als {person}", "Signed in as {person}"),
    "site.sign_out": ("Uitloggen", "Sign out"),
    "nav.home": ("Start", "Home"),
    "nav.conversations": ("Mijn gesprekken", "My conversations"),
    "nav.goals": ("Mijn doelen", "My goals"),
    "nav.sharing": ("Wie ziet wat van mij", "Who can see what of mine"),
    "nav.export": ("Mijn gegevens downloaden", "Download my data"),
    "nav.team": ("Mijn team", "My team"),
    "nav.participation": ("Deelname in mijn team", "Participation in my team"),
    "nav.hr": ("Overzicht HR", "HR overview"),
    "nav.privacy": ("Privacy", "Privacy"),
    "nav.regulation": ("Regeling", "Regulation"),
    "signin.title": ("Inloggen", "Sign in"),
    "signin.intro": (
        "Log in met het account van uw werk. Daarna ziet u uw gesprekken.",
        "Sign in with your work account. Then you see your conversations.",
    ),
    "signin.button": ("Inloggen", "Sign in"),
    "signin.failed": (
        "Inloggen is niet gelukt. Probeer het opnieuw.",
        "Signing in did not work. Please try again.",
    ),
    "signin.unknown": (
        "Uw account is hier niet bekend. Vraag uw beheerder om hulp.",
        "Your account is not known here. Ask your administrator for help.",
    ),
    "signin.too_many": (
        "U heeft te vaak geprobeerd in te loggen. Wacht {seconds} seconden.",
        "You tried to sign in too often. Wait {seconds} seconds.",
    ),
    "signout.done": ("U bent uitgelogd.", "You are signed out."),
    "error.title": ("Er ging iets mis", "Something went wrong"),
    "error.not_found": (
        "Deze pagina bestaat niet, of u mag hem niet zien.",
        "This page does not exist, or you may not see it.",
    ),
    "error.csrf": (
        "Het formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
        "The form has expired. Go back, reload the page and try again.",
    ),
    "error.refused": ("Dit kan nu niet: {reason}", "This is not possible now: {reason}"),
    "error.internal": (
        "Er ging bij ons iets mis. Er is niets veranderd. Probeer het later opnieuw.",
        "Something went wrong on our side. Nothing was changed. Please try again later.",
    ),
    "error.back": ("Terug naar de start", "Back to the start"),
    "home.title": ("Welkom", "Welcome"),
    "home.intro": ("Wat wilt u doen?", "What do you want to do?"),
    "conv.list_title": ("Mijn gesprekken", "My conversations"),
    "conv.none": ("U heeft nog geen gesprekken.", "You have no conversations yet."),
    "conv.start": ("Een gesprek aanvragen", "Ask for a conversation"),
    "conv.with": ("Met", "With"),
    "conv.state": ("Stand", "Status"),
    "conv.kind": ("Soort", "Kind"),
    "conv.open": ("Open gesprek {id}", "Open conversation {id}"),
    "conv.title": ("Gesprek", "Conversation"),
    "conv.scheduled": ("Afgesproken: {when}", "Scheduled: {when}"),
    "state.requested": ("aangevraagd", "requested"),
    "state.scheduled": ("gepland", "scheduled"),
    "state.prepared": ("voorbereid", "prepared"),
    "state.held": ("gevoerd", "held"),
    "state.record_drafted": ("verslag klaar om te bevestigen", "record ready to confirm"),
    "state.agreed": ("afgerond: allebei eens met het verslag", "done: both agreed the record"),
    "state.not_held": ("niet gevoerd", "not held"),
    "state.cancelled": ("geannuleerd", "cancelled"),
    "state.destroyed": ("vernietigd (niet meer te lezen)", "destroyed (can no longer be read)"),
    "prep.title": ("Uw voorbereiding", "Your preparation"),
    "prep.blind": (
        "Alleen u ziet uw voorbereiding. De ander ziet hem pas als u hem deelt én de ander"
        " de eigen voorbereiding ook heeft gedeeld.",
        "Only you see your preparation. The other person sees it only after you share it"
        " and they have shared their own.",
    ),
    "prep.notes": ("Waar wilt u het over hebben?", "What do you want to talk about?"),
    "prep.save": ("Voorbereiding opslaan", "Save preparation"),
    "prep.publish": ("Voorbereiding delen", "Share preparation"),
    "prep.published": ("U heeft uw voorbereiding gedeeld.", "You shared your preparation."),
    "prep.other": ("Voorbereiding van {person}", "Preparation of {person}"),
    "prep.other_hidden": (
        "U ziet de voorbereiding van de ander pas als u allebei heeft gedeeld.",
        "You see the other person's preparation once you have both shared.",
    ),
    "record.title": ("Verslag", "Record"),
    "record.summary": ("Samenvatting", "Summary"),
    "record.agreements": ("afspraken", "Agreements"),
    "record.agreement_new": ("Nieuwe {term:agreement}", "New agreement"),
    "record.owner": ("Wie doet het?", "Who does it?"),
    "record.draft": ("Verslag opslaan", "Save record"),
    "record.revision": ("Versie {revision}", "Version {revision}"),
    "record.confirm": ("Ik ben het eens met versie {revision}", "I agree with version {revision}"),
    "record.confirmed_by": ("Eens: {people}", "Agreed: {people}"),
    "dissent.title": ("Niet eens?", "Disagree?"),
    "dissent.intro": (
        "Schrijf op wat u anders ziet. Dit komt bij het verslag en wordt nooit weggehaald.",
        "Write down what you see differently. It is added to the record and never removed.",
    ),
    "dissent.text": ("Wat ziet u anders?", "What do you see differently?"),
    "dissent.add": ("Toevoegen aan het verslag", "Add to the record"),
    "dissent.list": ("Notities van onenigheid", "Notes of disagreement"),
    "held.button": ("Het gesprek is gevoerd", "The conversation took place"),
    "held.date": ("Datum van het gesprek", "Date of the conversation"),
    "schedule.title": ("Plannen", "Schedule"),
    "schedule.when": ("Datum en tijd", "Date and time"),
    "schedule.when_hint": ("Bijvoorbeeld 2026-03-20T10:00", "For example 2026-03-20T10:00"),
    "schedule.place": ("Plaats", "Place"),
    "schedule.button": ("Plannen", "Schedule"),
    "schedule.ics": ("Uitnodiging voor uw agenda (.ics)", "Invitation for your calendar (.ics)"),
    "goals.title": ("Mijn doelen", "My goals"),
    "goals.none": ("U heeft nog geen doelen.", "You have no goals yet."),
    "sharing.title": ("Wie ziet wat van mij", "Who can see what of mine"),
    "sharing.intro": (
        "Hier staat wie iets van uw gesprekken mag zien, waarvoor en tot wanneer."
        " U kunt dat altijd intrekken.",
        "Here you see who may see something of your conversations, what for and until when."
        " You can always take it back.",
    ),
    "sharing.none": ("U deelt nu niets.", "You share nothing now."),
    "sharing.to": ("Met wie", "With whom"),
    "sharing.what": ("Wat", "What"),
    "sharing.purpose": ("Waarvoor", "What for"),
    "sharing.until": ("Tot en met", "Until"),
    "sharing.no_end": ("geen einddatum", "no end date"),
    "sharing.revoke": ("Intrekken: {what} voor {to}", "Revoke: {what} for {to}"),
    "sharing.revoked": ("Ingetrokken", "Revoked"),
    "sharing.ended": ("Afgelopen (de einddatum is voorbij)", "Ended (the end date has passed)"),
    "sharing.add_title": ("Iets delen", "Share something"),
    "sharing.add": ("Delen", "Share"),
    "sharing.until_hint": ("Bijvoorbeeld 2026-12-31", "For example 2026-12-31"),
    "export.title": ("Mijn gegevens downloaden", "Download my data"),
    "export.intro": (
        "U krijgt alles wat over u is vastgelegd, in één bestand (JSON).",
        "You get everything recorded about you, in one file (JSON).",
    ),
    "export.button": ("Download", "Download"),
    "team.title": ("Mijn team", "My team"),
    "team.due": ("Wie heeft een gesprek nodig", "Who is due a conversation"),
    "team.none_due": ("Niemand heeft nu een gesprek nodig.", "Nobody is due now."),
    "team.due_by": ("Uiterlijk", "By"),
    "team.request": ("Gesprek aanvragen met {person}", "Request with {person}"),
    "participation.title": ("Deelname in mijn team", "Participation in my team"),
    "participation.intro": (
        "Alleen aantallen, nooit namen. Een groep kleiner dan {k} mensen telt niet apart mee.",
        "Counts only, never names. A group smaller than {k} people is not shown on its own.",
    ),
    "participation.people": ("Mensen", "People"),
    "participation.held": ("Gesprek gevoerd", "Conversation held"),
    "participation.hidden": ("te klein om te tonen", "too small to show"),
    "hr.title": ("Overzicht HR", "HR overview"),
    "hr.intro": (
        "U ziet alleen wat medewerkers met u delen of wat de wet toestaat. Nooit de inhoud.",
        "You see only what employees share with you or what the law allows. Never the content.",
    ),
    "hr.none": ("Er is niets met u gedeeld.", "Nothing is shared with you."),
    "hr.parts": ("Onderdelen", "Parts"),
    "privacy.title": ("Privacy", "Privacy"),
    "privacy.audit": ("Controle van het logboek", "Check of the audit log"),
    "privacy.audit_ok": (
        "Het logboek is heel: {entries} regels.",
        "The audit log is intact: {entries} lines.",
    ),
    "privacy.audit_broken": (
        "Het logboek is niet heel: {problem}",
        "The audit log is not intact: {problem}",
    ),
    "privacy.restrictions": ("Beperkingen (AVG art. 18)", "Restrictions (GDPR art. 18)"),
    "privacy.person": ("Medewerker (id)", "Employee (id)"),
    "privacy.show": ("Bekijken", "Show"),
    "privacy.restricted_all": ("Alles beperkt", "Everything restricted"),
    "privacy.restricted_none": ("Geen beperking", "No restriction"),
    "privacy.destruction": ("Vernietigen", "Destruction"),
    "privacy.destruction_intro": (
        "Bewaartermijnen worden toegepast door de dagelijkse taak magcore store retention.",
        "Retention periods are applied by the daily job magcore store retention.",
    ),
    "privacy.restrict_all": (
        "Verwerking van alles van {person} beperken",
        "Restrict processing of everything of {person}",
    ),
    "privacy.lift_all": (
        "Beperking van {person} opheffen",
        "Lift the restriction of {person}",
    ),
    "privacy.lift_one": (
        "Beperking van gesprek {conversation} opheffen",
        "Lift the restriction of conversation {conversation}",
    ),
    "privacy.erase": (
        "Alles van {person} wissen (AVG art. 17)",
        "Erase everything of {person} (GDPR art. 17)",
    ),
    "privacy.destroy": (
        "Gesprek {conversation} vernietigen (termijn verlopen op {due})",
        "Destroy conversation {conversation} (term ended on {due})",
    ),
    "privacy.due_none": (
        "Er is nu niets te vernietigen.",
        "Nothing is due for destruction now.",
    ),
    "privacy.due_refused": (
        "Alleen de functionaris gegevensbescherming die in de instellingen van magcore staat, "
        "ziet wat er te vernietigen is.",
        "Only the privacy officer named in magcore's settings sees what is due for destruction.",
    ),
    "privacy.whole_record": (
        "het hele dossier",
        "the whole record",
    ),
    "privacy.confirm_restrict": (
        "Verwerking beperken",
        "Restrict processing",
    ),
    "privacy.confirm_lift": (
        "Beperking opheffen",
        "Lift a restriction",
    ),
    "privacy.confirm_erase": (
        "Alles wissen",
        "Erase everything",
    ),
    "privacy.confirm_destroy": (
        "Gesprek vernietigen",
        "Destroy a conversation",
    ),
    "privacy.explain_restrict": (
        "U beperkt de verwerking van {conversation} van {person}. Daarna wordt het niet "
        "meer gebruikt, tot u de beperking opheft.",
        "You restrict processing of {conversation} of {person}. After this it is no "
        "longer used, until you lift the restriction.",
    ),
    "privacy.explain_lift": (
        "U heft de beperking van {conversation} van {person} op.",
        "You lift the restriction of {conversation} of {person}.",
    ),
    "privacy.explain_erase": (
        "U wist alles van {person}: de gesprekken over deze persoon, de doelen, de "
        "deelkeuzes en de redenen van beperkingen. Dit kan niet ongedaan worden gemaakt.",
        "You erase everything of {person}: the conversations about this person, their "
        "goals, their sharing choices and the reasons of restrictions. This cannot be undone.",
    ),
    "privacy.explain_destroy": (
        "U vernietigt de inhoud van gesprek {conversation}: de bewaartermijn is verlopen."
        " Dit kan niet ongedaan worden gemaakt.",
        "You destroy the content of conversation {conversation}: its retention term has "
        "ended. This cannot be undone.",
    ),
    "privacy.reason": (
        "Reden",
        "Reason",
    ),
    "privacy.ground": (
        "Grond voor het wissen",
        "Ground for the erasure",
    ),
    "privacy.ground.request": (
        "Op verzoek van de persoon (AVG art. 17 lid 1)",
        "At the person's request (GDPR art. 17(1))",
    ),
    "privacy.ground.no_longer_needed": (
        "Niet meer nodig voor het doel (art. 17 lid 1 a)",
        "No longer needed for its purpose (art. 17(1)(a))",
    ),
    "privacy.ground.withdrawn_consent": (
        "Toestemming ingetrokken (art. 17 lid 1 b)",
        "Consent withdrawn (art. 17(1)(b))",
    ),
    "privacy.ground.objection": (
        "Bezwaar gemaakt (art. 17 lid 1 c)",
        "Objection made (art. 17(1)(c))",
    ),
    "privacy.ground.unlawful": (
        "Onrechtmatig verwerkt (art. 17 lid 1 d)",
        "Processed unlawfully (art. 17(1)(d))",
    ),
    "privacy.ground.legal_obligation": (
        "Wettelijke plicht om te wissen (art. 17 lid 1 e)",
        "Legal obligation to erase (art. 17(1)(e))",
    ),
    "privacy.ground.retention": (
        "Bewaartermijn verlopen",
        "Retention term ended",
    ),
    "privacy.reference": (
        "Kenmerk van de zaak (niet verplicht)",
        "Case reference (optional)",
    ),
    "privacy.reference_hint": (
        "Alleen een zaak- of ticketnummer, zoals ZAAK-2025-0012. Schrijf hier geen "
        "toelichting: het logboek wordt langer bewaard dan het gesprek. Leg het verzoek vast "
        "in het zaakdossier.",
        "Only a case or ticket number, such as ZAAK-2025-0012. Write no explanation here: the "
        "log is kept longer than the conversation. Keep the request in the case file.",
    ),
    "privacy.yes_restrict": (
        "Ja, beperken",
        "Yes, restrict",
    ),
    "privacy.yes_lift": (
        "Ja, opheffen",
        "Yes, lift",
    ),
    "privacy.yes_erase": (
        "Ja, alles wissen",
        "Yes, erase everything",
    ),
    "privacy.yes_destroy": (
        "Ja, vernietigen",
        "Yes, destroy",
    ),
    "privacy.cancel": (
        "Annuleren, terug",
        "Cancel, go back",
    ),
    "privacy.done_restrict": (
        "De verwerking is beperkt.",
        "Processing is restricted.",
    ),
    "privacy.done_lift": (
        "De beperking is opgeheven.",
        "The restriction is lifted.",
    ),
    "privacy.done_erase": (
        "Alles is gewist.",
        "Everything is erased.",
    ),
    "privacy.done_destroy": (
        "Het gesprek is vernietigd.",
        "The conversation is destroyed.",
    ),
    "sharing.restrict_erase": (
        "Wilt u dat uw gesprekken niet meer gebruikt of helemaal gewist worden (AVG art. "
        "17 en 18)? Vraag het de functionaris gegevensbescherming. Die beslist, en u ziet"
        " het terug in uw download.",
        "Do you want your conversations no longer used, or erased completely (GDPR art. "
        "17 and 18)? Ask the data protection officer. They decide, and you see it in your"
        " download.",
    ),
    "regulation.title": ("Regeling", "Regulation"),
    "regulation.version": ("{name}, versie {version}", "{name}, version {version}"),
    "regulation.hash": ("Vingerafdruk", "Fingerprint"),
    "regulation.approved": ("Goedgekeurd door: {bodies}", "Approved by: {bodies}"),
    "regulation.not_approved": ("Nog niet goedgekeurd", "Not yet approved"),
    "regulation.reference": ("Kenmerk van het besluit", "Reference of the decision"),
    "regulation.approve": ("Goedkeuren namens de OR", "Approve for the works council"),
    "regulation.read": ("De regeling lezen", "Read the regulation"),
    "part.record": ("verslag", "record"),
    "share.agreements": ("mijn afspraken", "my agreements"),
    "share.goals": ("mijn doelen", "my goals"),
    "share.whole_record": ("het hele verslag", "the whole record"),
    "share.profile": (
        "mijn profiel (wat ik de vorige keer schreef)",
        "my profile (what I wrote last time)",
    ),
    "purpose.hr_overview": ("overzicht voor HR", "overview for HR"),
    "purpose.handover": ("overdracht aan een nieuwe leidinggevende", "handover to a new manager"),
    "purpose.profile_overview": (
        "overzicht van profielen voor de leidinggevende",
        "the manager's overview of profiles",
    ),
    "part.agreement": ("afspraken", "agreements"),
    "part.topic": ("onderwerpen", "topics"),
    "part.preparation": ("voorbereiding", "preparation"),
    "part.dissent": ("notities van onenigheid", "notes of disagreement"),
    "part.goal": ("doelen", "goals"),
    "part.metadata": ("datum en soort", "date and kind"),
    "owner.employee": ("{term:employee}", "employee"),
    "owner.manager": ("{term:manager}", "manager"),
    "owner.both": ("allebei", "both"),
}

#: The gettext domain of the pages' catalogues (``locale/<tag>/LC_MESSAGES/messages.mo``).
DOMAIN = "messages"

#: The page catalogue: the core's defaults (and vocabulary) with the pages' messages, and the
#: pages' catalogues of other languages (Frisian) layered on.
CATALOGUE: Catalogue = DEFAULT_CATALOGUE.with_overrides(
    {key: Text(nl=nl, en=en) for key, (nl, en) in _MESSAGES.items()}
).with_bundles(bundles_from_folder(files("magcore_web") / "locale", DOMAIN, source="magcore-web"))

#: The languages every page message is written in (a page in another is shown in Dutch).
COMPLETE: frozenset[str] = frozenset(
    tag
    for tag in CATALOGUE.available
    if all(tag in CATALOGUE.messages[key].texts() for key in _MESSAGES)
)


def content_language(asked: str) -> str:
    """The language the page's texts really are in when *asked* is wanted."""
    return asked if asked in COMPLETE else "nl"


def labelled(key: str, language: str, /, **params: object) -> str:
    """The page message *key* for a page in *language*: plain text when it is in that
    language, else (a plugin's message in fewer languages) inside ``<span lang>`` naming the
    language it is really in."""
    found = CATALOGUE.message_resolved(key, language, **params)
    if found.language == language:
        return found.text
    return Markup('<span lang="{}">{}</span>').format(found.language, found.text)


def template() -> bytes:
    """The gettext template (``.pot``) of the pages' messages: context the message id,
    ``msgid`` the English text, the Dutch as a comment. Translators start a language from it
    (``pybabel init -D messages``); ``make messages`` writes it and updates each language."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="magcore-web", fuzzy=False)
    for key, (nl, en) in _MESSAGES.items():
        catalog.add(en, context=key, auto_comments=[f"nl: {nl}"])
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=True, sort_output=True)
    return out.getvalue()


def fallback_note(asked: str) -> str | None:
    """The note (in *asked*) saying the page is shown in Dutch, or ``None`` if it is not."""
    if content_language(asked) == asked:
        return None
    return _FALLBACK.get(asked, "This page is not translated yet; it is shown in Dutch.")


def language_name(code: str) -> str:
    """The name of language *code* in that language (for the language switch)."""
    return _NAMES.get(code, code)


if __name__ == "__main__":  # python -m magcore_web.pages.texts > locale/messages.pot
    import sys

    sys.stdout.buffer.write(template())
