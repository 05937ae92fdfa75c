"""The guarded listing's candidates and their decision, cheap enough for a million choices.

:meth:`magcore.access.gateway.Gateway.listing` asks "what may this person see, for this
purpose". The sharing choices that could answer it are found by the index, with the exact,
cheap tests of the policy pushed into the query
(:class:`~magcore.storage.listing_sql.CandidateFilter`: purpose, granted and not revoked at
the moment of the listing, ``until`` not before the local day, a choice for one conversation
only there, no ``what`` that opens nothing, no restricted record unless the viewer is the
privacy officer). Python then decides only what the index cannot know: who manages whom today
(``next_manager``), whether a role names the viewer, and what a choice opens in a
conversation of a kind that may be special-category as a whole (:func:`decide_candidates`,
once per distinct cycle, kind and ``what``).

A source offers the candidates with ``candidates(wanted)`` (:class:`SqlListingSource` over the
index tables of :mod:`magcore.storage.listing_sql`); a source with only the older queries
(``choices``, ``about``, ``restrictions``, such as
:class:`~magcore.access.gateway.StoreListing`) gets the same candidates from
:func:`candidates_of`, which applies the same tests in Python.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..domain.conversation.read_model import DESTROYED
from ..domain.sharing import GRANTEE_ROLES, Restrictions, listing_rows
from ..domain.sharing import replay as replay_sharing
from ..events import Event
from ..read_models import ConversationRow, PersonRows
from ..storage.listing_sql import (
    CandidateFilter,
    candidate_queries,
    restriction_query,
    sealed_elsewhere,
)
from ..storage.read_model_rows import Dialect
from .decision import (
    CONTENT_PARTS,
    PARTICIPATION,
    Directory,
    Part,
    choice_opens,
)
from .listing_participants import confirmed_participations
from .listing_trust import ListingTrust

__all__ = [
    "CONTENT_PARTS",
    "NEVER_OPENS",
    "Candidate",
    "IndexedListingSource",
    "SqlListingSource",
    "candidates_of",
    "decide_candidates",
    "indexed_source",
]

_OPEN = Restrictions()
T = TypeVar("T")

#: One candidate: (conversation, cycle, kind, state, subject, choice, grantee, what).
Candidate = Sequence[Any]


#: The ``what`` values (other than themes) that open no content part in any conversation
#: (``goals``: goals are listed apart): the index leaves them out.
NEVER_OPENS = frozenset(
    what
    for what in ("whole_record", "agreements", "goals")
    if not any(
        choice_opens(what, special_kind=special, purpose=PARTICIPATION, special_themes=frozenset())
        for special in (False, True)
    )
)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def candidates_of(source: Any, wanted: CandidateFilter) -> Iterable[Candidate]:
    """The candidate rows of *wanted* from *source*: its own ``candidates`` when it has one,
    otherwise its ``choices``, ``about`` and ``restrictions`` with the same tests in Python
    (instants compared as instants, whatever their UTC offset)."""
    indexed = getattr(source, "candidates", None)
    if indexed is not None:
        rows: Iterable[Candidate] = indexed(wanted)
        return rows
    at = wanted.at
    today = wanted.today.isoformat()
    by_subject: dict[str, list[Sequence[Any]]] = {}
    for row in source.choices(wanted.grantees, wanted.reports):
        subject, to = row[1], row[2]
        if to == "next_manager":
            if "next_manager" not in wanted.grantees and subject not in wanted.reports:
                continue
        elif to not in wanted.grantees:
            continue
        if row[4] != wanted.purpose or row[3] in wanted.never:
            continue
        if _instant(row[7]) > at or (row[8] is not None and _instant(row[8]) <= at):
            continue
        if row[5] is not None and row[5] < today:
            continue
        by_subject.setdefault(subject, []).append(row)
    if not by_subject:
        return []
    held = {} if wanted.officer else source.restrictions(set(by_subject))
    found: list[Candidate] = []
    for conv in source.about(set(by_subject)):
        if conv.subject is None or conv.subject not in by_subject:
            continue
        if held.get(conv.subject, _OPEN).covers(conv.id):
            continue
        for row in by_subject[conv.subject]:
            if row[6] is None or row[6] == conv.id:
                found.append(
                    (
                        conv.id,
                        conv.cycle,
                        conv.kind,
                        conv.state,
                        conv.subject,
                        row[0],
                        row[2],
                        row[3],
                    )
                )
    return found


def decide_candidates(
    rows: Iterable[Candidate],
    *,
    viewer: str,
    wanted: CandidateFilter,
    directory: Directory,
    special_kinds: Callable[[str], Collection[str]],
    make: Callable[..., T],
    skip: Collection[str] = (),
    special_themes: Callable[[str], Collection[str]],
) -> dict[str, T]:
    """The candidate conversations *viewer* may see something of, each made by *make*
    (keywords ``conversation``, ``cycle``, ``kind``, ``state``, ``subject``, ``parts``,
    ``themes``, ``reasons``); conversations in *skip* (already listed) are passed.

    The tests the index could not make, per row: the grantee names *viewer* today (a person id
    that is no grantee role; a role they hold; ``next_manager`` when they manage the subject
    today), and what the choice opens in a conversation of that kind for the purpose
    (:func:`~magcore.access.decision.choice_opens`, the rule the read decides metadata by,
    decided once per cycle, kind and ``what``; *special_themes* gives a cycle's
    special-category themes, which a theme choice opens nothing of for an HR overview or
    research). A choice that opens nothing there lists nothing, not even that the conversation
    exists. Reasons name each choice once, by number.
    """
    purpose = wanted.purpose
    day = wanted.today
    roles = directory.roles_of(viewer, day) & GRANTEE_ROLES
    manager_of = directory.manager_of
    managed: dict[str, bool] = {}
    opens: dict[tuple[str, str, str], tuple[frozenset[Part], str | None]] = {}
    metadata = frozenset({Part.METADATA})
    found: dict[str, list[Any]] = {}
    for conv, cycle, kind, state, subject, number, to, what in rows:
        if conv in skip or state == DESTROYED:
            continue
        if to in GRANTEE_ROLES:
            if to == "next_manager":
                mine = managed.get(subject)
                if mine is None:
                    mine = managed[subject] = manager_of(subject, day) == viewer
                if not mine:
                    continue
            elif to not in roles:
                continue
        elif to != viewer:
            continue
        key = (cycle, kind, what)
        opened = opens.get(key)
        if opened is None:
            parts = choice_opens(
                what,
                special_kind=kind in special_kinds(cycle),
                purpose=purpose,
                special_themes=frozenset(special_themes(cycle)),
            )
            theme = what.partition(":")[2] if what.startswith("theme:") else None
            opened = (metadata | parts if parts else frozenset(), theme)
            opens[key] = opened
        parts, theme = opened
        if not parts:
            continue
        entry = found.get(conv)
        if entry is None:
            found[conv] = [cycle, kind, state, subject, parts, theme, number]
        else:
            entry[4] = entry[4] | parts
            if theme is not None:  # one theme as a str, more as a set
                held = entry[5]
                if held is None:
                    entry[5] = theme
                elif isinstance(held, str):
                    entry[5] = {held, theme}
                else:
                    held.add(theme)
            numbers = entry[6]  # one choice as an int, more as a set
            if isinstance(numbers, int):
                entry[6] = {numbers, number}
            else:
                numbers.add(number)
    alone: dict[int, tuple[str, ...]] = {}
    nothing: frozenset[str] = frozenset()
    made: dict[str, T] = {}
    for conv, (cycle, kind, state, subject, parts, themes, numbers) in found.items():
        reasons: tuple[str, ...] | None
        if isinstance(numbers, int):
            reasons = alone.get(numbers)
            if reasons is None:
                reasons = alone[numbers] = (f"sharing choice {numbers}",)
        else:
            reasons = tuple(f"sharing choice {n}" for n in sorted(numbers))
        made[conv] = make(
            conversation=conv,
            cycle=cycle,
            kind=kind,
            state=state,
            subject=subject,
            parts=parts,
            themes=(
                nothing
                if themes is None
                else frozenset({themes})
                if isinstance(themes, str)
                else frozenset(themes)
            ),
            reasons=reasons,
        )
    return made


@runtime_checkable
class IndexedListingSource(Protocol):
    """A listing source whose index makes the cheap tests itself (see :class:`SqlListingSource`)."""

    def participations(self, person: str) -> Iterable[ConversationRow]:
        """The conversations *person* takes part in (index: conversation_people)."""
        ...

    def restrictions(self, subjects: Collection[str]) -> Mapping[str, Restrictions]:
        """The AVG art. 18 restrictions of *subjects* that hold now."""
        ...

    def candidates(self, wanted: CandidateFilter) -> Iterable[Candidate]:
        """The candidate rows of *wanted*
        (:func:`~magcore.storage.listing_sql.candidate_queries`)."""
        ...


class SqlListingSource:
    """A listing source over the index tables of :mod:`magcore.storage.listing_sql` in one
    SQL engine (*dialect*): *fetch* runs one query and returns its rows; *participations* gives
    the conversations a person takes part in (the store's ``conversations(participant=...)``,
    read-model rows).

    With *trust* (:class:`~magcore.access.listing_trust.ListingTrust`, as
    :func:`indexed_source` gives it), only sealed rows at the person's current version are
    believed, and the restrictions are the sealed ones; without, the rows are taken as they are
    (tables filled by the caller, as the equivalence tests do).
    """

    def __init__(
        self,
        dialect: Dialect,
        fetch: Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]],
        participations: Callable[[str], Iterable[Any]],
        *,
        trust: ListingTrust | None = None,
    ) -> None:
        self.dialect = dialect
        self.fetch = fetch
        self._participations = participations
        self.trust = trust

    def participations(self, person: str) -> Iterable[ConversationRow]:
        rows = self._participations(person)
        if self.trust is None:
            return rows
        return confirmed_participations(person, rows, self.dialect, self.fetch, self.trust.problems)

    def restrictions(self, subjects: Collection[str]) -> Mapping[str, Restrictions]:
        trust = self.trust
        if trust is not None:
            believed = trust.people(self.dialect, self.fetch, subjects)
            sealed = {
                s: held
                for s, (_, held) in believed.items()
                if held.everything or held.conversations
            }
            sealed.update(trust.restrictions_of(set(subjects) - set(believed)))
            return sealed
        people = sorted(subjects)
        found: dict[str, Restrictions] = {}
        for start in range(0, len(people), 500):
            chunk = people[start : start + 500]
            for subject, conversation in self.fetch(
                restriction_query(self.dialect, len(chunk)), chunk
            ):
                held = found.get(subject, _OPEN)
                if conversation is None:
                    found[subject] = Restrictions(everything=True, conversations=held.conversations)
                else:
                    found[subject] = Restrictions(
                        everything=held.everything,
                        conversations=held.conversations | {conversation},
                    )
        return found

    def candidates(self, wanted: CandidateFilter) -> list[Candidate]:
        trust = self.trust
        rows: list[Candidate] = []
        for sql, params in candidate_queries(self.dialect, wanted, sealed=trust is not None):
            rows.extend(self.fetch(sql, params))
        if trust is None:
            return rows
        kept, doubted = trust.believed(rows, wanted)
        if doubted:
            folded = trust.folded_source(doubted)
            if folded is not None:
                kept.extend(candidates_of(folded, wanted))
        return kept


def _fold(person: str, events: Sequence[Event]) -> PersonRows:
    return listing_rows(replay_sharing(person, events))


def _opened_fold(store: Any) -> Callable[[str, Sequence[Event]], PersonRows]:
    """The fold for a store's index, given the events as the store keeps them: a choice's
    details are sealed there, so a store with a content codec opens them first."""
    codec = getattr(store, "codec", None)
    if codec is None:
        return _fold
    return lambda person, events: _fold(person, [codec.open(e) for e in events])


#: The audit key each store's index was last found sealed under in this process (a row sealed
#: under another key afterwards, by another process, is doubted and decided from the events).
_SEALED_FOR: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def indexed_source(store: Any) -> SqlListingSource | None:
    """The :class:`SqlListingSource` over *store*'s own index (``listing_index()``), filled
    from the people's streams first if a migration left it pending; ``None`` for a store
    without the index (the memory store: :class:`~magcore.access.gateway.StoreListing`)."""
    index = getattr(store, "listing_index", None)
    if index is None:
        return None
    kept = index()
    if kept is None:
        return None
    key_id = kept.key.id if kept.key is not None else ""
    if kept.pending:
        if getattr(store, "read_only", False):
            return None  # not filled yet, and this store may not fill it
        store.fill_listing_index(_opened_fold(store))
    elif (
        _SEALED_FOR.get(store) != key_id  # once per store and audit key in this process
        and sealed_elsewhere(kept.fetch, kept.dialect, kept.key)
        and not getattr(store, "read_only", False)
    ):  # the audit key changed: sealed again under the new one (from the events)
        store.fill_listing_index(_opened_fold(store), again=True)
    with contextlib.suppress(TypeError):  # a store that takes no weak reference: checked again
        _SEALED_FOR[store] = key_id
    mine = kept.conversations
    trust = ListingTrust(
        kept.key,
        events=lambda person: store.read(f"person:{person}"),
        about=lambda person: mine(subject=person),
    )
    return SqlListingSource(
        kept.dialect, kept.fetch, lambda person: mine(participant=person), trust=trust
    )
