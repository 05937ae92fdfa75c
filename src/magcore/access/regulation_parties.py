"""The regulation's words for parties, registered roles and the changes that start a talk.

:mod:`magcore.access.regulation` renders a cycle's kinds; this module writes, per kind, who takes
part (each party, required or optional, how many, who may hold it, who confirms) and, for a kind
started by a change in the organisation, which change starts it, after how many days and in
which window. Roles a cycle registers are named and described in their own section, so the
regulation names every kind, party and trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..model.cycle import Cadence, ConversationKind, CycleDefinition, Membership, Party

__all__ = ["party_lines", "registered_roles", "trigger_text"]

_WORDS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "required": "verplicht",
        "optional": "mag meedoen (niet verplicht)",
        "count_one": "1 persoon",
        "count_range": "{min} tot {max} personen",
        "count_open": "{min} of meer personen",
        "no_confirm": "bevestigt het verslag niet",
        "no_record": "schrijft niet in het verslag",
        "subject": "de medewerker over wie het gesprek gaat",
        "manager_of_employee": "de leidinggevende van de medewerker op die dag",
        "same_team": "iemand uit het team van de medewerker",
        "coach_pool": "iemand uit de pool van coaches (niet de medewerker of diens leidinggevende)",
        "team": "alle leden van het team",
        "organisation": "iemand die op die dag in dienst is",
        "other_team": (
            "iemand die op die dag in dienst is, van buiten het team van de medewerker "
            "(niet uit het eigen team en niet de eigen leidinggevende)"
        ),
        "parties": "Wie doet mee",
        "roles_title": "Rollen van deze cyclus",
        "joined": "in dienst komt",
        "left": "uit dienst gaat",
        "changed_team": "naar een ander team gaat",
        "changed_manager": "een andere leidinggevende krijgt",
        "trigger": (
            "start als iemand {event}: het gesprek kan {delay} en moet binnen {window} dagen "
            "daarna plaatsvinden"
        ),
        "delay_after": "vanaf {n} dagen na die dag",
        "delay_before": "vanaf {n} dagen voor die dag",
        "delay_same": "vanaf die dag",
    },
    "en": {
        "required": "required",
        "optional": "may take part (optional)",
        "count_one": "1 person",
        "count_range": "{min} to {max} people",
        "count_open": "{min} or more people",
        "no_confirm": "does not confirm the record",
        "no_record": "does not write in the record",
        "subject": "the employee the conversation is about",
        "manager_of_employee": "the employee's manager on the day",
        "same_team": "someone from the employee's team",
        "coach_pool": "someone from the coach pool (not the employee or their manager)",
        "team": "every member of the team",
        "organisation": "someone employed on the day",
        "other_team": (
            "someone employed on the day from outside the employee's team (not from their own "
            "team and not their manager)"
        ),
        "parties": "Who takes part",
        "roles_title": "Roles of this cycle",
        "joined": "joins",
        "left": "leaves",
        "changed_team": "moves to another team",
        "changed_manager": "gets another manager",
        "trigger": (
            "starts when someone {event}: the conversation can take place {delay} and must "
            "take place within {window} days after that"
        ),
        "delay_after": "from {n} days after that day",
        "delay_before": "from {n} days before that day",
        "delay_same": "from that day",
    },
}


def _words(language: str) -> Mapping[str, str]:
    return _WORDS.get(language, _WORDS["nl"])


def trigger_text(cadence: Cadence, language: str) -> str:
    """How a change in the organisation starts a conversation, in plain words."""
    w = _words(language)
    assert cadence.event is not None
    assert cadence.window_days is not None
    delay = cadence.delay_days or 0
    if delay > 0:
        when = w["delay_after"].format(n=delay)
    elif delay < 0:
        when = w["delay_before"].format(n=-delay)
    else:
        when = w["delay_same"]
    return w["trigger"].format(event=w[cadence.event.value], delay=when, window=cadence.window_days)


def _count(party: Party, w: Mapping[str, str]) -> str:
    if party.max == party.min == 1:
        return w["count_one"]
    if party.max is None:
        return w["count_open"].format(min=party.min)
    return w["count_range"].format(min=party.min, max=party.max)


def party_lines(
    kind: ConversationKind, language: str, name: Callable[[str, str], str]
) -> list[str]:
    """One line per party of *kind*: role, required or optional, how many, who may hold it."""
    w = _words(language)
    lines = [f"- {w['parties']}:"]
    for party in kind.parties:
        notes = [
            w["required"] if party.required else w["optional"],
            _count(party, w),
            w[Membership(party.membership).value],
        ]
        if not party.confirms:
            notes.append(w["no_confirm"])
        if party.role not in kind.recorder_roles:
            notes.append(w["no_record"])
        lines.append(f"  - {name(party.role, language)}: " + "; ".join(notes))
    return lines


def registered_roles(cycle: CycleDefinition, language: str) -> list[str]:
    """The section naming and describing the roles *cycle* registers (empty when none)."""
    if not cycle.roles:
        return []
    out = [f"### {_words(language)['roles_title']}", ""]
    for role in cycle.roles:
        out.append(
            f"- **{role.name.get(language)}** (`{role.id}`): {role.description.get(language)}"
        )
    return [*out, ""]
