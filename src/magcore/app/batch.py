"""The service's bulk path: many conversations requested, a batch per transaction.

Mixed into :class:`~magcore.app.service.Service` (a year's conversations for a whole
organisation, from ``magcore plan --request``, the simulator or an import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..domain.conversation import RequestConversation, decide, replay, stream_of
from ..events import CommittedBatch
from ..model.cycle import CycleDefinition, ParticipantRole
from ..model.input_policy import check_known_people
from ..model.orgtables import cyclic_gc_paused
from ..model.records import Agreement
from ..storage.base import StreamWrite
from . import versions
from .aggregates import CONVERSATION
from .conversations import ConversationsMixin, check_parties

if TYPE_CHECKING:
    from ..forms import FormDefinition

__all__ = ["BatchMixin"]


class BatchMixin(ConversationsMixin):
    """Many conversation requests at once (mixed into ``Service``)."""

    if TYPE_CHECKING:

        def commit(self, writes: Sequence[StreamWrite]) -> CommittedBatch: ...

    def request_many(
        self,
        requests: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> list[str]:
        """Start many conversations, *batch_size* per transaction: the bulk path of
        :meth:`request` (a year's conversations for a whole organisation). Returns their ids,
        in order: no content (read each through :meth:`view`).

        Each of *requests* holds :meth:`request`'s keyword arguments, checked as :meth:`request`
        checks them (unknown people, the parties' membership rules: the same named errors).
        Every request in a batch is decided first; a refused one raises before anything of its
        batch is written, so each batch is stored whole or not at all (earlier batches stay).
        Observers hear once per batch. *progress* is called with the number of requests stored
        so far. The open agreements each request carries forward (as :meth:`request` carries
        them) are read once per batch for all its people, where the store can
        (:class:`~magcore.storage.base.ReadsAgreementsInBulk`).
        """
        started: list[str] = []
        pending: list[Mapping[str, Any]] = []

        def flush() -> None:
            # A batch makes and drops thousands of commands, events and states: the cyclic
            # garbage collector is paused while it is decided and written (as for any large
            # write, ContentStore.append), so they do not set off collections that walk the
            # organisation again and again. Nothing here makes a reference cycle; reference
            # counting frees it all as usual.
            with cyclic_gc_paused():
                decide_and_write()

        def decide_and_write() -> None:
            # The same checks as a single request: people the organisation knows, each fitting
            # their party's membership rule today (a peer from the same team, a coach from the
            # pool), refused with the same named error before anything of the batch is written.
            context = self._membership_context()
            definitions: dict[str, CycleDefinition] = {}
            pinned: dict[str, FormDefinition] = {}
            kind_forms: dict[tuple[int, str], dict[str, str]] = {}
            checked: list[tuple[Mapping[str, Any], CycleDefinition, dict[str, str], Any, Any]] = []
            for spec in pending:
                cycle = spec["cycle"]
                definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
                if definition.key not in definitions:
                    versions.check_approved(
                        definition,
                        self.policy_hash(definition),
                        versions.approval_state(self.store, definition.id),
                    )
                # The forms of a kind: found once per batch, not once per request.
                found = kind_forms.get((id(definition), spec["kind"]))
                if found is None:
                    forms = {
                        use: self.form(f)
                        for use, f in versions.kind_forms(definition, spec["kind"]).items()
                    }
                    pinned.update({form.key: form for form in forms.values()})
                    found = {use: form.key for use, form in forms.items()}
                    kind_forms[(id(definition), spec["kind"])] = found
                forms_used = dict(found)
                participants = tuple(spec["participants"])
                known = context[0].people if context is not None else None
                if known is not None and any(p.person not in known for p in participants):
                    check_known_people(  # refuses naming each one it does not know
                        known,
                        [
                            (f"/participants/{i}/person", p.person)
                            for i, p in enumerate(participants)
                        ],
                    )
                check_parties(context, definition, spec["kind"], participants, spec.get("team"))
                subject = next(
                    (p.person for p in participants if p.role == ParticipantRole.EMPLOYEE), None
                )
                definitions.setdefault(definition.key, definition)
                checked.append((spec, definition, forms_used, participants, subject))
            # Open agreements carry forward into each person's next conversation: read for the
            # whole batch at once (nothing in a batch agrees anything, so they stay as read).
            carrying = {
                subject
                for spec, _, _, _, subject in checked
                if spec.get("carry_forward", True) and subject is not None
            }
            open_now = self._open_agreements_of_many(carrying)
            writes: list[StreamWrite] = []
            batch: list[str] = []
            for spec, definition, forms_used, participants, subject in checked:
                carried: tuple[Agreement, ...] = ()
                if spec.get("carry_forward", True) and subject is not None:
                    carried = open_now[subject]
                elif (
                    spec.get("carry_forward", True)
                    and spec.get("team") is not None
                    and definition.kind(spec["kind"]).is_team
                ):
                    # the team's open agreements, as the single request carries them
                    carried = self._open_team_agreements(spec["team"])
                command = RequestConversation(
                    actor=spec["actor"],
                    conversation_id=self.new_id()
                    if spec.get("conversation_id") is None
                    else spec["conversation_id"],
                    cycle=definition,
                    kind=spec["kind"],
                    participants=participants,
                    team=spec.get("team"),
                    themes=tuple(spec.get("themes", ())),
                    carried_forward=carried,
                    forms=forms_used,
                )
                events = decide(None, command, now=self.clock.now())
                state = replay(events)
                rows = CONVERSATION.read_model(state) if CONVERSATION.read_model else None
                writes.append(
                    StreamWrite(stream_of(command.conversation_id), 0, events, read_model=rows)
                )
                batch.append(command.conversation_id)
            for index, definition in enumerate(definitions.values()):
                # Each form is kept once per batch (a stream appears once per transaction).
                kept = list(pinned.values()) if index == 0 else []
                writes.extend(
                    versions.pin_writes(self.store, definition, kept, at=self.clock.now())
                )
            self.commit(writes)
            for definition in definitions.values():
                self._cycles.setdefault(definition.key, definition)
            started.extend(batch)
            pending.clear()
            if progress is not None:
                progress(len(started))

        for spec in requests:
            pending.append(spec)
            if len(pending) >= batch_size:
                flush()
        if pending:
            flush()
        return started
