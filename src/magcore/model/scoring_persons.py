"""Rule 6 of the scoring guard (:mod:`magcore.model.scoring`): a person placed among others.

A rank, a class or a verdict on a person is a score whatever it is called:

* **a place in a group**: a field whose answer is picked (a number, a choice, a yes/no) and
  whose label or name asks for the person's place, position or rank in a team, a group or a
  list ("Plaats in het team" 1-30, "Op welke plek sta je binnen de afdeling?", "Position among
  peers"). "Plaats van het gesprek", "Aantal teamleden" or a question answered in the person's
  own words ("Wat is jouw plek in het team?") place nobody;
* **people sorted into classes**: options that name a kind of performer (*topper /
  middenmoter / achterblijver*, high flyer, underachiever) or a level of potential (*hoog
  potentieel*, *groeipotentieel*, *beperkt potentieel*, high potential: the nine-box grid's
  other axis). "Groei" as a theme or a word in a question stays a topic;
* **a verdict on progress**: options *vooruitgang / stilstand / achteruitgang* (progress /
  stagnation / regression). How the workload changed (*toegenomen / gelijk / afgenomen*) is
  about the work, not the person;
* **a degree of attainment**: options of degree (*volledig / grotendeels / deels / niet*,
  fully / partly / not at all) for a field whose label or name asks whether something was
  achieved (*doelen behaald*, *resultaat gehaald*, goals met). The same options for "Werk je
  thuis?" describe a situation, and are accepted.

The texts come in as the guard reads them (:mod:`magcore.model.scoring_text`): words in lower
case between single spaces, accents removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .scoring_text import _choice_text, _plain, _texts, _words

__all__ = ["picked_reason"]

_POSITION = (
    r"(?:plaats|plek|plekje|positie|rang|rangorde|rangnummer|klassering|hoeveelste"
    r"|position|place|standing|spot)"
)
_GROUP = (
    r"(?:team|teams|groep|groepen|afdeling|afdelingen|organisatie|gemeente|ranglijst|lijst"
    r"|collega s|collegas|collega|teamleden|medewerkers|klas|sector|unit|eenheid|cluster|directie"
    r"|group|department|organisation|organization|colleagues|peers|list|ranking|class|cohort)"
)
#: A place in a group: "plaats in het team", "plek binnen de afdeling", "position among peers",
#: "de hoeveelste ben je in je team" (up to two words between the place and the group).
_RANK_IN_GROUP = re.compile(
    rf" {_POSITION} (?:\w+ ){{0,2}}?(?:in|binnen|op|onder|among|amongst|within)"
    rf" (?:(?:het|de|je|jouw|zijn|haar|hun|ons|onze|the|your|his|her|their|our|its) )?"
    rf"{_GROUP} "
)

#: Kinds of performer: a person sorted into a class by how they do.
_PERSON_CLASSES = frozenset(
    {
        "topper",
        "toppers",
        "toppertje",
        "middenmoter",
        "middenmoters",
        "achterblijver",
        "achterblijvers",
        "uitblinker",
        "uitblinkers",
        "hoogvlieger",
        "hoogvliegers",
        "laagvlieger",
        "laagvliegers",
        "sterspeler",
        "sleutelspeler",
        "toptalent",
        "top talent",
        "hipo",
        "high flyer",
        "high flyers",
        "highflyer",
        "low flyer",
        "underachiever",
        "underachievers",
        "overachiever",
        "overachievers",
        "rising star",
        "key player",
        "dead wood",
        "deadwood",
        "laggard",
        "laggards",
        "zorgenkind",
        "probleemgeval",
    }
)
#: A level of potential (the nine-box grid): "hoog potentieel", "groeipotentieel", "high
#: potential", "geen potentieel".
_POTENTIAL_LEVEL = re.compile(
    r"\b(?:zeer |heel |very )?(?:hoog|hoge|laag|lage|beperkt|beperkte|groot|grote|veel|weinig"
    r"|geen|enig|matig|gemiddeld|midden|middel|groei|top|high|low|limited|medium|moderate"
    r"|some|no|little|great|growth|haut|fort|faible|alto|bajo)"
    r"\s*(?:potentieel|potentiele|potential|potenzial|potentiel|potencial)\b"
)
#: A verdict on how the person progresses.
_PROGRESS = frozenset(
    {
        "vooruitgang",
        "vooruitgegaan",
        "stilstand",
        "stilgestaan",
        "achteruitgang",
        "achteruitgegaan",
        "progressie",
        "regressie",
        "stagnatie",
        "gestagneerd",
        "progress",
        "stagnation",
        "stagnated",
        "regress",
        "regression",
        "regressed",
        "decline",
        "declined",
    }
)
#: Degrees of meeting something, as options.
_DEGREES = frozenset(
    {
        "volledig",
        "helemaal",
        "geheel",
        "grotendeels",
        "voor een groot deel",
        "voor het grootste deel",
        "deels",
        "gedeeltelijk",
        "ten dele",
        "voor een deel",
        "enigszins",
        "een beetje",
        "nauwelijks",
        "amper",
        "niet",
        "helemaal niet",
        "nog niet",
        "overtroffen",
        "fully",
        "completely",
        "entirely",
        "mostly",
        "largely",
        "partly",
        "partially",
        "in part",
        "somewhat",
        "barely",
        "hardly",
        "not",
        "not at all",
        "not yet",
        "exceeded",
    }
)
#: Places in an order, as options: with a label that asks for a place in a group, a rank.
_PLACINGS = frozenset(
    {
        "bovenaan",
        "middenin",
        "in het midden",
        "onderaan",
        "eerste",
        "tweede",
        "derde",
        "laatste",
        "de beste",
        "de slechtste",
        "bovenste helft",
        "onderste helft",
        "top",
        "bottom",
        "first",
        "second",
        "third",
        "last",
        "top half",
        "bottom half",
        "middle",
    }
)
#: Words that ask whether something was achieved (a goal, a result, the agreements).
_ATTAINMENT = re.compile(
    r" (?:behaald|gehaald|bereikt|gerealiseerd|voldaan|nagekomen|waargemaakt|doel|doelen"
    r"|doelstelling|doelstellingen|resultaat|resultaten|target|targets|goal|goals"
    r"|objective|objectives|achieved|attained|reached|delivered|result|results) "
)


def rank_reason(words: str, text: str, *, what: str = "label") -> str | None:
    """Why a picked answer whose label (or name) *text*, read as *words*, asks for a place in a
    group is a rank of the person, or ``None``."""
    found = _RANK_IN_GROUP.search(words)
    if found is None:
        return None
    return (
        f"has the {what} {text!r}, which asks for the person's place in a group "
        f"({found.group(0).strip()!r}): a rank (ask about their role in words)"
    )


def class_reason(texts: Sequence[str]) -> str | None:
    """Why the options *texts* sort people into classes or give a verdict on their progress,
    or ``None``."""
    classes = [t for t in texts if t in _PERSON_CLASSES]
    if classes:
        return f"sorts people into classes ({', '.join(classes[:5])}), a rating"
    potential = [t for t in texts if len(t.split()) <= 4 and _POTENTIAL_LEVEL.search(t)]
    if potential:
        return (
            f"offers a level of potential as a choice ({', '.join(potential[:5])}): a "
            "classification of the person (the nine-box grid)"
        )
    progress = [t for t in texts if _PROGRESS.intersection(t.split())]
    if len(progress) >= 2:
        return f"offers a verdict on the person's progress as choices ({', '.join(progress[:5])})"
    return None


def context_reason(context: Sequence[str], texts: Sequence[str]) -> str | None:
    """Why the options *texts* of a field whose name and labels read as *context* (words) rank
    the person or judge their result, or ``None``: places in an order under a label that asks
    for a place in a group, degrees under one that asks whether something was achieved."""
    placings = [t for t in texts if t in _PLACINGS]
    ranked = next((found for words in context if (found := _RANK_IN_GROUP.search(words))), None)
    if len(placings) >= 2 and ranked is not None:
        return (
            f"offers places in an order ({', '.join(placings[:5])}) for the person's place in "
            f"a group ({ranked.group(0).strip()!r}): a rank"
        )
    degrees = [t for t in texts if t in _DEGREES]
    asked = next((found for words in context if (found := _ATTAINMENT.search(words))), None)
    if len(degrees) >= 2 and asked is not None:
        return (
            f"offers degrees ({', '.join(degrees[:5])}) of whether something was achieved "
            f"({asked.group(0).strip()!r}): a verdict on the person's result (ask it in words)"
        )
    return None


def schema_picked_reason(name: str, schema: Mapping[str, Any]) -> str | None:
    """Rule 6 for the field *name*: a number named for a place in a group ("plaats_in_team"),
    or options that rank the person or judge their result in the light of its name and title
    (:func:`picked_reason`)."""
    items = schema.get("items")
    choices: Mapping[str, Any] = items if isinstance(items, Mapping) else schema
    options = list(choices.get("enum") or ())
    for combinator in ("oneOf", "anyOf"):
        found = choices.get(combinator)
        if isinstance(found, Sequence) and not isinstance(found, str):
            options += [o.get("const") for o in found if isinstance(o, Mapping)]
    labels = _texts(schema.get("title"), schema.get("x-magcore-label"))
    number = _is_number(schema)
    return picked_reason(name, labels, options, number=number)


def _is_number(schema: Any) -> bool:
    types = schema.get("type") if isinstance(schema, Mapping) else None
    type_set = {types} if isinstance(types, str) else set(types or ())
    return bool(type_set & {"number", "integer"})


def picked_reason(
    name: str, labels: Sequence[str], options: Sequence[Any], *, number: bool
) -> str | None:
    """Why a field whose answer is picked ranks the person or judges their result (rule 6,
    :mod:`magcore.model.scoring_persons`), or ``None``: a *number* whose name asks for a place
    in a group, or *options* (ids or texts) of places in an order or of degrees of attainment
    under a name or *labels* that ask for a place in a group or whether something was
    achieved."""
    if number and (reason := rank_reason(_words(name), name, what="name")):
        return reason
    texts = [_plain(_choice_text(v)) for v in options if isinstance(v, str)]
    return context_reason([_words(text) for text in (name, *labels)], texts) if texts else None
