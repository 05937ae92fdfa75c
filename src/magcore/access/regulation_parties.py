"""The regulation's words for parties, registered roles and the changes that start a talk.

:mod:`magcore.access.regulation` renders a cycle's kinds; this module writes, per kind, who takes
part (each party, required or optional, how many, who may hold it, who confirms) and, for a kind
started by a change in the organisation, which change starts it, after how many days and in
which window. Roles a cycle registers are named and described in their own section, so the
regulation names every kind, party and trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..i18n import table
from ..model.cycle import Cadence, ConversationKind, CycleDefinition, Membership, Party
from ..model.text import Text

__all__ = ["party_lines", "registered_roles", "trigger_text"]

#: The words per language (``locale/*/magcore.po``, ids ``parties.*``).
_WORDS: Mapping[str, Mapping[str, str]] = table("parties")


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
    event = w[cadence.event.value]
    if cadence.min_absent_days is not None:
        event = w["returned_after"].format(n=cadence.min_absent_days)
    return w["trigger"].format(event=event, delay=when, window=cadence.window_days)


def _count(party: Party, w: Mapping[str, str]) -> str:
    if party.max == party.min == 1:
        return w["count_one"]
    if party.max is None:
        return w["count_open"].format(min=party.min)
    return w["count_range"].format(min=party.min, max=party.max)


def party_lines(
    kind: ConversationKind,
    language: str,
    name: Callable[[str, str], str],
    say: Callable[[Text], str] | None = None,
) -> list[str]:
    """One line per party of *kind*: role, required or optional, how many, who may hold it."""
    w = _words(language)
    lines = [f"- {w['parties']}:"]
    for party in kind.parties:
        who = w[Membership(party.membership).value]
        if party.membership is Membership.ROLE_HOLDER:
            who = who.format(role=party.holds)
        notes = [w["required"] if party.required else w["optional"], _count(party, w), who]
        if not party.confirms:
            notes.append(w["no_confirm"])
        if party.role not in kind.recorder_roles:
            notes.append(w["no_record"])
        lines.append(f"  - {name(party.role, language)}: " + "; ".join(notes))
    return lines


def registered_roles(
    cycle: CycleDefinition, language: str, say: Callable[[Text], str] | None = None
) -> list[str]:
    """The section naming and describing the roles *cycle* registers (empty when none);
    *say* writes a role's name and description (the regulation marks a fallback's ``lang``)."""
    write = say or (lambda text: text.get(language))
    if not cycle.roles:
        return []
    out = [f"### {_words(language)['roles_title']}", ""]
    for role in cycle.roles:
        out.append(f"- **{write(role.name)}** (`{role.id}`): {write(role.description)}")
    return [*out, ""]
