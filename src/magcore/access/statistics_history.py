"""What earlier reports of the year showed, tied to the conversations they counted.

A report shows counts of the data as it stood then. When the data changes (conversations held
or erased since, people moved between units, units split or merged by a re-imported
organisation), whoever kept the earlier report still knows those counts, and may know what
changed (a new team, a colleague who left): an earlier count set against today's can give away
the conversations that moved or went (``T1 before - T1 now = the new team T2``).

So a decision stores, next to the counts it showed, the *population* it counted: for each leaf
unit and month, a token of every conversation counted there (a SHA-256 of the conversation id
with the year's random salt, cut to 16 hex digits; no people, no content), and the units of its
table with their parents. A later decision over other data builds one system of equations
(:class:`History`) from them: every state of the year's data (each earlier decision's and
today's) is a table of its own, with its own units and sums, and every conversation belongs to
one *atom*: the group of conversations with the same leaf unit and month in every state (and
absent from the same states). A leaf-month cell of a state is the sum of its atoms, so every
count any report showed, grown or shrunk, is an equation over atoms the interval check knows,
whatever unit ids now denote. An atom is itself a cell the regulation protects: one with
conversations of fewer than *k* people (or of people no longer known, after an erasure) must
stay at least the protection level wide, like a suppressed cell of today's table.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence

import attrs

from ..events import Event
from .statistics import CountTable, ParticipationFact
from .statistics_audit import History, Relation
from .statistics_grid import period_of, period_relations, periods_of_year

__all__ = ["History", "history", "population", "salt_of"]

Key = tuple[str, str]


def _token(salt: str, conversation: str) -> str:
    return hashlib.sha256(f"{salt}\0{conversation}".encode()).hexdigest()[:16]


def salt_of(events: Iterable[Event], event_type: str) -> str:
    """The year's salt: the one earlier decisions used, else a new random one."""
    for event in reversed(list(events)):
        stored = event.data.get("population") if event.type == event_type else None
        if isinstance(stored, Mapping) and isinstance(stored.get("salt"), str):
            return str(stored["salt"])
    return secrets.token_hex(16)


def population(
    table: CountTable, facts: Iterable[ParticipationFact], salt: str
) -> dict[str, object]:
    """What a decision over *table* stores of the data it counted (see the module)."""
    cells: dict[tuple[str, str], list[str]] = {}
    for fact in facts:
        if fact.held_on.year == table.year:
            month = period_of(fact.held_on, "month")
            cells.setdefault((fact.unit, month), []).append(_token(salt, fact.conversation))
    units = sorted([unit, parent] for unit, parent in _units_of(table).items())
    return {
        "salt": salt,
        "units": units,
        "cells": sorted([u, m, sorted(tokens)] for (u, m), tokens in cells.items()),
    }


@attrs.frozen
class _State:
    units: dict[str, str]
    """unit -> parent ("" for the top)."""
    where: dict[str, tuple[str, str]]
    """token -> (leaf, month)."""
    shown: dict[Key, int]


def _state(event: Event) -> _State | None:
    stored = event.data.get("population")
    if not isinstance(stored, Mapping):
        return None
    where = {
        str(token): (str(leaf), str(month))
        for leaf, month, tokens in stored.get("cells", ())
        for token in tokens
    }
    shown = {(str(u), str(p)): int(v) for u, p, v in event.data.get("values", ())}
    units = {str(u): str(parent) for u, parent in stored.get("units", ())}
    return _State(units=units, where=where, shown=shown)


def _states(events: Sequence[Event], event_type: str, fingerprint: str) -> list[_State]:
    """The latest decision of every other table of the year that stored its population."""
    latest: dict[str, Event] = {}
    for event in events:
        found = event.data.get("fingerprint")
        if event.type == event_type and found != fingerprint and "population" in event.data:
            latest.pop(str(found), None)
            latest[str(found)] = event
    return [state for event in latest.values() if (state := _state(event)) is not None]


def _periods(month: str) -> tuple[str, str, str]:
    """The year, quarter and month a month label (``2025-03``) lies in."""
    return (month[:4], f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}", month)


def _digests(
    where: Iterable[tuple[str, tuple[str, str]]], units: Mapping[str, str]
) -> dict[Key, tuple[int, int]]:
    """Per cell of a state, a digest of the set of conversations it counts (their number and
    the sum of their tokens)."""
    found: dict[Key, tuple[int, int]] = {}
    for token, (leaf, month) in where:
        number = int(token, 16)
        for unit in _ancestors(units, leaf):
            for period in _periods(month):
                count, total = found.get((unit, period), (0, 0))
                found[(unit, period)] = (count + 1, (total + number) % 2**128)
    return found


def _ancestors(units: Mapping[str, str], leaf: str) -> list[str]:
    chain, current = [], leaf
    while current and current in units and current not in chain:
        chain.append(current)
        current = units[current]
    return chain


def _units_of(table: CountTable) -> dict[str, str]:
    return {
        u.id: u.parent or ""
        for u in table.tree.units.values()
        if (u.id, str(table.year)) in table.people
    }


def history(
    events: Sequence[Event],
    table: CountTable,
    facts: Iterable[ParticipationFact],
    *,
    event_type: str,
    k: int,
) -> History | None:
    """The earlier states of *table*'s year joined to it by atoms, or ``None`` if no earlier
    decision over other data stored its population."""
    states = _states(events, event_type, table.fingerprint())
    if not states:
        return None
    salt = salt_of(events, event_type)
    now: dict[str, tuple[str, str, frozenset[str]]] = {}
    for fact in facts:
        if fact.held_on.year == table.year:
            month = period_of(fact.held_on, "month")
            now[_token(salt, fact.conversation)] = (fact.unit, month, fact.people)
    tokens = set(now).union(*(s.where for s in states))
    # an atom: the conversations in the same leaf in every state (or absent from it), per period
    atoms: dict[tuple[str | None, ...], list[str]] = {}
    month_of: dict[str, str] = {}
    for token in sorted(tokens):
        places = [s.where.get(token) for s in states]
        current = now.get(token)
        signature = (*(p[0] if p else None for p in places), current[0] if current else None)
        atoms.setdefault(signature, []).append(token)
        month_of[token] = current[1] if current else next(p[1] for p in places if p)
    values: dict[Key, int] = {}
    relations: list[Relation] = []
    protect: set[Key] = set()
    linked: dict[Key, list[Key]] = {}
    periods = periods_of_year(table.year)
    for index, (signature, members) in enumerate(sorted(atoms.items(), key=repr)):
        name = f"@atom{index}"
        # every period, zeros too: where an atom has no conversations is not given away
        people: dict[str, set[str]] = {period: set() for period in periods}
        values.update({(name, period): 0 for period in periods})
        for token in members:
            # erased: its people are unknown, and may all be one person: they count as one
            who = now[token][2] if token in now else {"?erased"}
            for period in _periods(month_of[token]):
                values[(name, period)] += 1
                people[period] |= who
        protect.update((name, p) for p in periods if 0 < len(people[p]) < k)
        relations.extend(
            ((name, total), tuple((name, part) for part in parts))
            for total, parts in period_relations(table.year)
        )
        for number, leaf in enumerate(signature):
            if leaf is not None:
                prefix = "" if number == len(states) else f"@{number}:"
                for period in periods:
                    linked.setdefault((prefix + leaf, period), []).append((name, period))
    for cell, parts in sorted(linked.items()):
        relations.append((cell, tuple(parts)))
    variables = set(values)
    for number, state in enumerate(states):
        name = f"@{number}:"
        counts: dict[Key, int] = {}
        for leaf, month in state.where.values():
            for unit in _ancestors(state.units, leaf):
                for period in _periods(month):
                    counts[(unit, period)] = counts.get((unit, period), 0) + 1
        children: dict[str, list[str]] = {}
        for unit, parent in state.units.items():
            if parent in state.units:
                children.setdefault(parent, []).append(unit)
        for unit in state.units:
            for period in periods_of_year(table.year):
                cell = (name + unit, period)
                values[cell] = counts.get((unit, period), 0)
                if (unit, period) not in state.shown:
                    variables.add(cell)
            for period in periods_of_year(table.year):
                kids = sorted(children.get(unit, ()))
                if kids:
                    relations.append(
                        ((name + unit, period), tuple((name + kid, period) for kid in kids))
                    )
            for whole, months in period_relations(table.year):
                relations.append(((name + unit, whole), tuple((name + unit, p) for p in months)))
    shown = {
        (key, digest)
        for state in states
        for key, digest in _digests(state.where.items(), state.units).items()
        if key in state.shown
    }
    today = _digests(((t, (u, m)) for t, (u, m, _) in now.items()), _units_of(table))
    return History(
        values=values,
        relations=tuple(relations),
        variables=frozenset(variables),
        protect=frozenset(protect),
        known=frozenset(key for key, digest in today.items() if (key, digest) in shown),
    )
