"""What a guarded listing believes of its index: sealed rows at the person's current version.

The index tables of the guarded listing (:mod:`magcore.storage.listing_sql`) are rows a database
administrator can write without any key. The events are the record; the index is a cache of
them, sealed (:mod:`magcore.storage.listing_seal`). :class:`ListingTrust` checks, before a
listing discloses anything on an index row:

* the person's ``listing_person`` row verifies under the audit chain's key and was folded at the
  version their ``person:`` stream has in the event log (a row deleted, edited, or kept from an
  earlier version and put back is not believed);
* each ``sharing_choice`` row a candidate rests on verifies and was folded at that version (an
  inserted choice, or a revoked one made alive again, is not believed);
* the restrictions are the sealed ones: a candidate of a restricted record whose
  ``restriction`` row was deleted (so the index query let it through) is left out.

A row that is not believed is left out and named in :attr:`ListingTrust.problems` (the gateway
logs them and counts them in the listing's audit line); for a person whose own row is not
believed, their choices and restrictions are folded from their events instead, so the listing
is what the events say. Checking costs one HMAC per candidate choice and per person, and one
indexed query per 500 people for their versions in the event log.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from ..domain.sharing import Restrictions, listing_rows, restrictions
from ..domain.sharing import replay as replay_sharing
from ..events import Event
from ..storage.base import ConversationRow, PersonRows
from ..storage.chain import ChainKey
from ..storage.listing_seal import choice_sealer, person_seal, restricted_of
from ..storage.listing_sql import CandidateFilter, choice_values
from ..storage.read_model_rows import Dialect

__all__ = ["ListingTrust", "taken_problems"]

Fetch = Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]]
_OPEN = Restrictions()
_CHUNK = 500


class _Folded:
    """The older listing source's queries over some people's events (their folded rows)."""

    def __init__(
        self, people: Mapping[str, PersonRows], about: Callable[[str], Iterable[ConversationRow]]
    ) -> None:
        self.people = people
        self._about = about

    def choices(self, grantees: Collection[str], subjects: Collection[str]) -> list[Any]:
        return [choice_values(c) for rows in self.people.values() for c in rows.choices]

    def restrictions(self, subjects: Collection[str]) -> dict[str, Restrictions]:
        return {s: _held(self.people[s].restricted) for s in subjects if s in self.people}

    def about(self, subjects: Collection[str]) -> list[ConversationRow]:
        return [row for s in sorted(subjects) for row in self._about(s)]


def _held(restricted: Iterable[str | None]) -> Restrictions:
    held = set(restricted)
    return Restrictions(
        everything=None in held, conversations=frozenset(c for c in held if c is not None)
    )


class ListingTrust:
    """Checks a listing's index rows against their seals and the people's event streams.

    *key* is the audit chain's key the store seals under; *events* gives a person's events (of
    their ``person:`` stream, given the person's id) as the store reads them (opened), *about*
    the conversations about a person (read-model rows): both serve the people whose rows are
    not believed. Without them such a person's index rows are left out (nothing is listed on
    them) and their restrictions taken to cover their whole record.
    """

    def __init__(
        self,
        key: ChainKey | None,
        *,
        events: Callable[[str], Sequence[Event]] | None = None,
        about: Callable[[str], Iterable[Any]] | None = None,
    ) -> None:
        self.key = key
        self.events = events
        self.about = about
        self.problems: list[str] = []

    # -- people ----------------------------------------------------------------------------

    def people(
        self, dialect: Dialect, fetch: Fetch, subjects: Collection[str]
    ) -> dict[str, tuple[int, Restrictions]]:
        """``(version, restrictions)`` of each of *subjects* whose ``listing_person`` row is
        believed (a person without a stream and without a row: version 0, none); the others
        are left out and named in :attr:`problems`."""
        mark = dialect.placeholder
        people = sorted(subjects)
        believed: dict[str, tuple[int, Restrictions]] = {}
        for start in range(0, len(people), _CHUNK):
            chunk = people[start : start + _CHUNK]
            marks = ", ".join([mark] * len(chunk))
            rows = {
                r[0]: r
                for r in fetch(
                    "SELECT subject, version, restricted, seal FROM "
                    f"{dialect.table('listing_person')} WHERE subject IN ({marks})",
                    chunk,
                )
            }
            versions = {
                str(r[0])[7:]: int(r[1])
                for r in fetch(
                    f"SELECT stream, MAX(version) FROM {dialect.table('events')} "
                    f"WHERE stream IN ({marks}) GROUP BY stream",
                    [f"person:{s}" for s in chunk],
                )
            }
            for subject in chunk:
                found = self._person(subject, rows.get(subject), versions.get(subject, 0))
                if found is not None:
                    believed[subject] = found
        return believed

    def _person(
        self, subject: str, row: Sequence[Any] | None, current: int
    ) -> tuple[int, Restrictions] | None:
        if row is None:
            if current == 0:
                return 0, _OPEN
            self.problems.append(
                f"the listing index holds no row for person {subject} (their stream is at "
                f"version {current}): decided from their events"
            )
            return None
        _, version, text, seal = row
        try:
            expected = person_seal(self.key, subject, int(version), str(text))
        except (TypeError, ValueError):
            expected = ""
        if not expected or not hmac.compare_digest(expected, str(seal)):
            self.problems.append(
                f"the listing index row of person {subject} does not verify under the audit "
                "key (an edit): decided from their events"
            )
            return None
        if int(version) != current:
            self.problems.append(
                f"the listing index row of person {subject} was folded at version {version}, "
                f"their stream is at version {current} (an old row put back): decided from "
                "their events"
            )
            return None
        try:
            whole, conversations = restricted_of(str(text))
        except ValueError:
            self.problems.append(f"the listing index row of person {subject} cannot be read")
            return None
        return int(version), Restrictions(everything=whole, conversations=conversations)

    # -- from the events -------------------------------------------------------------------

    def folded(self, subjects: Collection[str]) -> dict[str, PersonRows]:
        """*subjects*' index rows as their events fold into them (none without *events*)."""
        if self.events is None:
            return {}
        read = self.events
        return {s: listing_rows(replay_sharing(s, read(s))) for s in sorted(subjects)}

    def restrictions_of(self, subjects: Collection[str]) -> dict[str, Restrictions]:
        """*subjects*' restrictions from their events; without *events*, the whole record of
        each (nothing is listed on a person whose rows are not believed)."""
        if self.events is None:
            return {s: Restrictions(everything=True) for s in subjects}
        read = self.events
        return {s: restrictions(read(s)) for s in sorted(subjects)}

    def folded_source(self, subjects: Collection[str]) -> _Folded | None:
        """An older listing source over *subjects*' events, or ``None`` without *events* and
        *about*."""
        if self.events is None or self.about is None:
            return None
        return _Folded(self.folded(subjects), self.about)

    # -- candidates ------------------------------------------------------------------------

    def believed(
        self, rows: Sequence[Sequence[Any]], wanted: CandidateFilter
    ) -> tuple[list[Sequence[Any]], set[str]]:
        """The candidate *rows* (with :data:`~magcore.storage.listing_sql.SEALED_COLUMNS` and
        the person's version in the event log) that are believed, as plain candidates; and the
        people with a row that is not (all their candidates are to be found from their events:
        one row that does not verify puts every row of that person in doubt)."""
        seal_of = choice_sealer(self.key)
        checked: dict[Sequence[Any], bool] = {}  # by the whole row, never a number only
        doubted: set[str] = set()
        kept: list[Sequence[Any]] = []
        missing: set[tuple[str, str]] = set()
        for row in rows:
            subject = row[4]
            if subject in doubted:
                continue
            choice = tuple(row[4:])
            ok = checked.get(choice)
            if ok is None:
                ok = checked[choice] = self._verified(seal_of, choice)
            if not ok:
                doubted.add(subject)
                continue
            try:
                whole, conversations = restricted_of(row[15])
            except ValueError:  # sealed without a key, and forged
                doubted.add(subject)
                continue
            if not wanted.officer and (whole or row[0] in conversations):
                if (subject, row[0]) not in missing:
                    missing.add((subject, row[0]))
                    self.problems.append(
                        f"the restriction of person {subject} is missing from the index's "
                        f"restriction table (conversation {row[0]}): left out"
                    )
                continue
            kept.append(row[:8])
        if doubted:
            kept = [row for row in kept if row[4] not in doubted]
        return kept, doubted

    def _verified(self, seal_of: Callable[[Sequence[Any]], str], choice: tuple[Any, ...]) -> bool:
        """Whether one ``sharing_choice`` row (subject, number, grantee, what, purpose, until,
        conversation, granted, revoked, version, seal, restrictions, then the version of the
        person's stream) verifies, at the version of the person's stream."""
        subject, number, until, version, seal, current = (
            choice[0],
            choice[1],
            choice[5],
            choice[9],
            choice[10],
            choice[12],
        )
        values = choice[:10] + choice[11:12]
        if until is not None and not isinstance(until, str):  # a date column (PostgreSQL)
            values = (*choice[:5], until.isoformat(), *choice[6:10], choice[11])
        try:
            ok = choice[11] is not None and hmac.compare_digest(seal_of(values), str(seal))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            self.problems.append(
                f"sharing_choice row {number} of person {subject} does not verify (an "
                "inserted or edited row): decided from their events"
            )
        elif version != (current or 0):
            self.problems.append(
                f"sharing_choice row {number} of person {subject} was folded at version "
                f"{version}, their stream is at version {current or 0} (an old row put "
                "back): decided from their events"
            )
            return False
        return ok

    def take(self) -> tuple[str, ...]:
        """The problems found since the last call (and forget them)."""
        found = tuple(dict.fromkeys(self.problems))
        self.problems.clear()
        return found


def taken_problems(source: Any) -> tuple[str, ...]:
    """The problems *source*'s :class:`ListingTrust` found in this listing (``()`` without)."""
    trust = getattr(source, "trust", None)
    return trust.take() if isinstance(trust, ListingTrust) else ()
